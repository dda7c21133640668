"""The Zendesk side of a request event (outbox topic ``zendesk.request_event``).

The first delivery for a request makes sure its one ticket exists: our link table first, then a
lookup by ``external_id`` (a create that timed out may have succeeded), and only then a create,
sent with an idempotency key, whose requester is the Slack person who opened the request
(``bot.zendesk.people``: their Zendesk end user, looked up here, once, not before any Slack
ack). Every event after that becomes one minimal ticket update, rendered from the request as it
is now (``bot.zendesk.mapping``), with the status and priority the request has now; a
customer's thread reply is written by their end user. Rate limits reschedule the row at
``Retry-After``; outages back off; nothing here sleeps.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import select

from bot.delivery.outbox import RetryLater
from bot.documents.files import FetchedFile, FileUnavailable
from bot.porting.reminders import Destination
from bot.services import reminders
from bot.services.base import Context, Snapshot, snapshot
from bot.wording.reminders import note_text
from bot.zendesk import mapping
from bot.zendesk.gateway import Gateway, Rejected
from bot.zendesk.handler import RateLimitedHandler
from bot.zendesk.people import Directory, People
from storage import repositories as repo
from storage.documents import DocumentStore
from storage.models import (
    Document,
    DocumentKind,
    OutboxMessage,
    PortRequest,
    TimelineEvent,
    ZendeskLink,
)
from storage.values import Role

log = logging.getLogger(__name__)


class FileSource(Protocol):
    """Where the files of a conversation live (Slack's ``bot.slack.files.SlackFiles``)."""

    def fetch(self, file_id: str) -> FetchedFile:
        """The file's name, type and bytes; :class:`FileUnavailable` when it cannot be had."""
        ...


class ZendeskDelivery(RateLimitedHandler):
    """``files`` fetches Slack files (a reply's attachments, the bill) so they travel to the
    ticket as attachments: one upload per file, then the one update that carries them.
    ``directory`` is Slack's members (``bot.slack.people.SlackPeople``): their e-mail addresses
    find their Zendesk end users; without it, people are known by their Slack ids."""

    def __init__(
        self,
        ctx: Context,
        gateway: Gateway,
        options: mapping.TicketOptions,
        *,
        files: FileSource | None = None,
        documents: DocumentStore | None = None,
        directory: Directory | None = None,
    ) -> None:
        self.ctx = ctx
        self.gateway = gateway
        self.options = options
        self.files = files
        self.documents = documents
        self.people = People(ctx, gateway, directory)

    def _deliver(self, message: OutboxMessage) -> None:
        with self.ctx.db.read() as s:
            req = repo.get_request(s, sid=message.payload["sid"])
            if req is None:
                return
            snap = snapshot(s, req, events=5)
            link = s.exec(select(ZendeskLink).where(ZendeskLink.request_id == req.id)).first()
            event = s.get(TimelineEvent, message.payload.get("event_id"))
        created = False
        if link is None:
            ticket_id, created = self.ensure_ticket(snap)
        else:
            ticket_id = link.ticket_id
        if event is None or (created and event.action == "open"):
            return  # the new ticket already says everything the opening event would
        update = mapping.event_update(
            snap,
            event,
            self.options,
            author_id=self._author_of(snap, event),
            urgency=_urgency(self.ctx, snap),
        )
        if update:
            wanted = self._files_of(snap, event)
            if wanted:
                update = mapping.with_files(update, *self._carry(wanted))
            _update(self.gateway, ticket_id, update)

    def _author_of(self, snap: Snapshot, event: TimelineEvent) -> int | None:
        """The Zendesk end user of the customer who wrote a Slack reply; None for anything
        else (and when Zendesk will not have a user for them)."""
        source = (event.data or {}).get("source")
        if event.action != "comment" or source != "slack" or event.actor_role is not Role.CUSTOMER:
            return None
        team = snap.request.team_id
        return self.people.user_id(team, event.actor_id, event.actor_name)

    def _files_of(self, snap: Snapshot, event: TimelineEvent) -> list[dict[str, Any]]:
        """The files an event brings: a Slack reply's attachments, the bill that completed the
        request, or the country's documents received (each goes with its event's note, once)."""
        data = event.data or {}
        if event.action == "comment" and data.get("source") == "slack":
            return list(data.get("files") or ())
        req = snap.request
        if event.action == "complete_draft" and req.bill_file_id:
            bill = {"id": req.bill_file_id, "name": req.bill_filename or "bill", "url": ""}
            return [{**bill, "bill_of": req.id}]
        if event.action == "add_documents":  # the country's documents, kept when received
            names = data.get("names") or {}
            return [
                {"document_id": i, "name": str(names.get(str(i)) or "document"), "url": ""}
                for i in data.get("document_ids") or ()
            ]
        if event.action == "sign_loa" and data.get("document_id"):
            return [{"document_id": data["document_id"], "name": "signed LOA", "url": ""}]
        return []

    def _carry(self, wanted: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
        """Upload what can be fetched; the upload tokens, and the files left as links."""
        uploads: list[str] = []
        linked: list[dict[str, Any]] = []
        for ref in wanted:
            got = self._fetch(ref)
            if got is None:
                linked.append(ref)
            else:
                uploads.append(self.gateway.upload(got.name, got.data, got.content_type))
        return uploads, linked

    def _fetch(self, ref: dict[str, Any]) -> FetchedFile | None:
        """A file's bytes: a document we keep, or a file in Slack; None when unavailable."""
        if self.documents is not None and (ref.get("document_id") or ref.get("bill_of")):
            with self.ctx.db.read() as s:
                if ref.get("document_id"):
                    doc = s.get(Document, int(ref["document_id"]))
                else:  # the bill as checked and kept at intake; else fetched from Slack below
                    doc = self.documents.latest(
                        s, request_id=int(ref["bill_of"]), kind=DocumentKind.BILL
                    )
                if doc is not None:
                    data = self.documents.get_bytes(doc)  # checks the checksum
                    return FetchedFile(doc.filename, doc.content_type, data)
            if ref.get("document_id"):
                return None
        if self.files is None or not ref.get("id"):
            return None
        try:
            return self.files.fetch(str(ref["id"]))
        except FileUnavailable as exc:
            log.info("file %s stays in Slack: %s", ref.get("id"), exc)
            return None

    def ensure_ticket(self, snap: Snapshot) -> tuple[int, bool]:
        """The request's ticket id, and whether this call created the ticket."""
        found = self.gateway.find_ticket(snap.sid)
        created = found is None
        if found is None:
            req = snap.request
            requester = self.people.user_id(req.team_id, req.requester_id, req.requester_name)
            ticket = mapping.new_ticket(
                snap, self.options, requester_id=requester, urgency=_urgency(self.ctx, snap)
            )
            found = self.gateway.create_ticket(ticket, idempotency_key=f"portbot-{snap.sid}")
        try:
            with self.ctx.db.write() as s:
                s.add(
                    ZendeskLink(
                        request_id=snap.request.id, ticket_id=found, created_at=self.ctx.now()
                    )
                )
        except sa.exc.IntegrityError:  # another worker linked it first; theirs stands
            with self.ctx.db.read() as s:
                link = s.exec(
                    select(ZendeskLink).where(ZendeskLink.request_id == snap.request.id)
                ).one()
            return link.ticket_id, False
        log.info("request %s linked to Zendesk ticket %s", snap.sid, found)
        return found, created


class NoteDelivery(RateLimitedHandler):
    """Outbox topic ``zendesk.note``: an internal note for the agents on a ticket.

    Either the payload names the ticket and carries the note (``ticket_id``, ``body``: a change
    made in Zendesk that the lifecycle refused), or it names a reminder (``reminder_id``): the
    note is worded from the reminder and its subject when it is delivered, on the ticket of its
    request (the row's ``request_id``) or port-out (``port_out_id``); a ticket that does not
    exist yet is waited for, ``wait`` (a day) at most. A reminder that is no longer true by
    then (the request was cancelled, the LOA signed) is dropped: no note, no retry."""

    def __init__(
        self, ctx: Context, gateway: Gateway, *, wait: timedelta = timedelta(days=1)
    ) -> None:
        self.ctx = ctx
        self.gateway = gateway
        self.wait = wait

    def _deliver(self, message: OutboxMessage) -> None:
        p = message.payload
        if p.get("ticket_id") is not None:
            self._note(int(p["ticket_id"]), str(p["body"]))
            return
        ticket_id = self._ticket_of(message)
        if ticket_id is None:
            return
        told = reminders.message_of(self.ctx, int(p["reminder_id"]), Destination.NOTE)
        if isinstance(told, reminders.Dropped):
            log.info("reminder %s for the ticket not sent: %s", told.reminder_id, told.why)
            return
        extra: dict[str, Any] = {}
        if message.request_id and not message.payload.get("port_out_id"):
            # The port date's reminders come as it nears: the priority follows it.
            with self.ctx.db.read() as s:
                req = s.get(PortRequest, message.request_id)
                snap = snapshot(s, req, events=0) if req is not None else None
            if snap is not None:
                extra["priority"] = _urgency(self.ctx, snap)
        self._note(ticket_id, note_text(told.notice), **extra)

    def _ticket_of(self, message: OutboxMessage) -> int | None:
        """The ticket of the note's request or port-out; None when there is none to wait for."""
        port_out_id = message.payload.get("port_out_id")
        owner = port_out_id or message.request_id
        if not owner:
            return None
        column = ZendeskLink.port_out_id if port_out_id else ZendeskLink.request_id
        with self.ctx.db.read() as s:
            link = s.exec(select(ZendeskLink).where(column == owner)).first()
        if link is not None:
            return link.ticket_id
        if self.ctx.now() - message.created_at < self.wait:
            raise RetryLater(60, "the ticket does not exist yet")
        return None

    def _note(self, ticket_id: int, body: str, **fields: Any) -> None:
        update = {"comment": {"body": body, "public": False}, **fields}
        _update(self.gateway, ticket_id, update)


_STATE = ("status", "priority")


def _update(gateway: Gateway, ticket_id: int, update: dict[str, Any]) -> None:
    """Send the update; when Zendesk refuses it (422) and it sets the ticket's status or
    priority, send it again without them: an account's rules (a field required to solve, say)
    must not cost the ticket its note. A refusal of the rest stands."""
    try:
        gateway.update_ticket(ticket_id, update)
    except Rejected as exc:
        if exc.status != 422 or not any(k in update for k in _STATE):
            raise
        log.warning("ticket %s kept its status and priority: %s", ticket_id, exc.detail)
        gateway.update_ticket(ticket_id, {k: v for k, v in update.items() if k not in _STATE})


def _urgency(ctx: Context, snap: Snapshot) -> str:
    """The ticket's priority for the request as it is now, on the account's date today."""
    return mapping.priority(snap, ctx.calendar.local_date(ctx.now()), ctx.calendar)
