"""``POST /zendesk/webhook``: what agents do on a ticket, applied to its request.

* The signature and its timestamp are checked first (401, nothing runs), against each secret
  in ``ZENDESK_WEBHOOK_SECRET`` (one per webhook, separated by spaces); then the body is
  read once, as one of Zendesk's own ticket events (:mod:`bot.zendesk.events`) or as the body
  of one of the README's triggers (:mod:`bot.zendesk.webhook`). Malformed: 400.
* A signed, well-formed delivery portbot has no use for (another event type, a ticket linked
  to no request, an internal note) is answered 200 and logged, never refused: a 4xx would show
  the admin a failing webhook. Events are answered ``{"ok": true, "ignored": "<why>"}`` or
  ``{"ok": true, "result": …}``; a ``comment_added`` is a ``comment_created``, a
  ``custom_field_changed`` a ``ticket_updated``, and Zendesk's status is not followed. An event
  names a comment's author by id only: portbot's own user id is asked of Zendesk once
  (``own_user``), and 503 answers an event that needs it while Zendesk cannot say.
* A public comment by an agent becomes a request comment (``source="zendesk"``), which the
  Slack delivery posts in the card's thread; the Zendesk delivery skips it, so it never comes
  back to the ticket. Comments written by portbot's own API user are ignored (they are our
  own updates, echoed by the trigger), and so are internal notes, which stay in Zendesk.
* A change of the FOC-date field (``ZENDESK_FIELD_FOC_DATE``) becomes ``set_foc`` under the
  same lifecycle rules as the Slack command; when the lifecycle refuses, an internal note on
  the ticket says why.
* Each delivery is applied once. It is known by what its signature covers (the signed
  timestamp and the body: a copy re-sent with another ``X-Zendesk-Webhook-Invocation-Id``,
  which is not signed, is the same delivery) and by its invocation id (Zendesk's own retries).
  A field change older than the request's last port-date change is refused with a note, so a
  late or replayed delivery never reverts a newer date.
* A ``port_out_request`` (a ticket that is an incoming port-out, see
  :mod:`bot.zendesk.port_outs`) is received as such, once per ticket however often it comes
  (``zendesk:<ticket id>``); the ticket becomes the ticket of the first port-out it brings, and
  the answer names every port-out with its status. A ticket portbot cannot read gets an internal
  note saying what to fix. The PIN and account number are neither logged nor answered.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot import services as svc
from bot.porting.errors import DomainError
from bot.services.base import Context, utcnow
from bot.services.effects import Topic, enqueue
from bot.services.port_outs import Incoming, receive
from bot.wording.formats import clip, one_line
from bot.zendesk import events, webhook
from bot.zendesk.gateway import ZendeskError
from bot.zendesk.people import speaks_in_slack
from bot.zendesk.port_outs import link_ticket
from storage import repositories as repo
from storage.models import IdempotencyRecord, OutboxMessage, PortOut, PortRequest, ZendeskLink

log = logging.getLogger(__name__)


@dataclass
class Inbound:
    ctx: Context
    secret: str
    api_email: str | None = None
    foc_field: int | None = None
    # Signature freshness is a matter of the real clock (a replayed delivery), not of the
    # service's clock, which tests and the demo move forward.
    wall: Callable[[], datetime] = utcnow
    # The id of the Zendesk user portbot's API token acts as, asked of Zendesk when an event
    # (which names a comment's author by id, not by e-mail) first needs it; None without API
    # access, when portbot writes nothing to Zendesk.
    own_user: Callable[[], int] | None = None
    _own_id: int | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        # Zendesk keeps addresses in lower case; ZENDESK_EMAIL may be typed in any case.
        self.api_email = (self.api_email or "").strip().lower() or None

    def handle(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON answer for one webhook delivery."""
        lower = {k.lower(): v for k, v in headers.items()}
        stamp = lower.get(webhook.TIMESTAMP_HEADER.lower())
        try:
            self._verify(body, lower.get(webhook.SIGNATURE_HEADER.lower()), stamp)
        except webhook.BadSignature:
            return 401, {"error": "bad or stale signature"}
        assert stamp is not None  # verify() refuses a delivery without one
        try:
            data = webhook.load(body)
            got = events.read(data) if events.is_event(data) else webhook.from_trigger(data)
        except webhook.InvalidWebhook as exc:
            return 400, {"error": str(exc)}
        try:
            if isinstance(got, events.Ignored):
                return 200, _event_answer(self._ignored(got.type, got.ticket_id, got.reason))
            if isinstance(got, events.TicketEvent):
                event_key = f"zendesk:{got.ticket.ticket_id}:event:{got.event_id}"
                more = [event_key] if got.event_id else []
                answer = self._apply(got.ticket, got.type, stamp, body, lower, more, got.time)
                return 200, _event_answer(answer)
            if got.port_out is not None:
                return 200, self._port_out(got.ticket_id, got.port_out, body)
            return 200, self._apply(got, got.kind.value, stamp, body, lower, [], None)
        except _OwnUserUnknown:
            return 503, {"error": "portbot could not ask Zendesk which user it is; retry later"}

    def _verify(self, body: bytes, signature: str | None, stamp: str | None) -> None:
        """Check the signature against each configured secret: one per webhook (a webhook
        for Zendesk's events cannot also serve triggers, and each has its own secret), written
        in ``ZENDESK_WEBHOOK_SECRET`` separated by spaces or commas."""
        secrets = self.secret.replace(",", " ").split() or [""]
        for secret in secrets[:-1]:
            try:
                webhook.verify(secret, body, signature, stamp, now=self.wall())
            except webhook.BadSignature:
                continue
            return
        webhook.verify(secrets[-1], body, signature, stamp, now=self.wall())

    def _apply(
        self,
        event: webhook.WebhookEvent,
        kind: str,
        stamp: str,
        body: bytes,
        headers: Mapping[str, str],
        more_keys: list[str],
        made: datetime | None,
    ) -> dict[str, Any]:
        """Apply a comment or a field change to the ticket's port request, once."""
        sid, ticket_id = self._request_of(event)
        if sid is None:
            return self._ignored(kind, event.ticket_id, "no port request for this ticket")
        keys = _delivery_keys(event.ticket_id, stamp, body, headers) + more_keys
        if self._seen(keys):
            return self._ignored(kind, event.ticket_id, "this delivery was already applied")
        if event.kind is webhook.EventKind.COMMENT_CREATED:
            answer = self._comment(sid, event)
        else:
            answer = self._fields(sid, ticket_id, event, keys[0], made or _instant(stamp))
        self._remember(keys, sid)
        if answer.get("result") == "ignored":
            log.info("Zendesk %s on ticket %s ignored: %s", kind, ticket_id, answer["reason"])
        return answer

    def _ignored(self, kind: str, ticket_id: int | None, why: str) -> dict[str, Any]:
        """The answer for a signed, well-formed delivery portbot has no use for; one log line."""
        where = f" on ticket {ticket_id}" if ticket_id is not None else ""
        log.info("Zendesk %s%s ignored: %s", kind[:80], where, why)
        return {"result": "ignored", "reason": why}

    def _is_own(self, *user_ids: int | None) -> bool:
        """Whether one of ``user_ids`` is the Zendesk user portbot's API token acts as (asked
        of Zendesk once, through ``own_user``). Without a lookup portbot writes nothing to
        Zendesk, so nothing can be its own."""
        ids = {i for i in user_ids if i is not None}
        if not ids or self.own_user is None:
            return False
        if self._own_id is None:
            try:
                self._own_id = int(self.own_user())
            except (ZendeskError, OSError, ValueError) as exc:
                log.warning("Zendesk: could not learn portbot's own user id: %s", exc)
                raise _OwnUserUnknown from exc
        return self._own_id in ids

    def _seen(self, keys: list[str]) -> bool:
        with self.ctx.db.read() as s:
            return any(s.get(IdempotencyRecord, k) is not None for k in keys)

    def _remember(self, keys: list[str], sid: str) -> None:
        """Note the delivery as applied, under each of its keys (a race already noted it)."""
        for key in keys:
            try:
                with self.ctx.db.write() as s:
                    if s.get(IdempotencyRecord, key) is None:
                        req = repo.get_request(s, sid=sid)
                        s.add(
                            IdempotencyRecord(
                                key=key,
                                operation="zendesk_webhook",
                                request_id=req.id if req else None,
                                created_at=self.ctx.now(),
                            )
                        )
            except IntegrityError:
                pass

    def _request_of(self, event: webhook.WebhookEvent) -> tuple[str | None, int]:
        with self.ctx.db.read() as s:
            link = s.exec(
                select(ZendeskLink).where(ZendeskLink.ticket_id == event.ticket_id)
            ).first()
            if link is not None and link.request_id is not None:
                req = s.get(PortRequest, link.request_id)
                return (req.sid if req else None), event.ticket_id
            if event.external_id and repo.get_request(s, sid=event.external_id) is not None:
                return event.external_id, event.ticket_id
        return None, event.ticket_id

    def _comment(self, sid: str, event: webhook.WebhookEvent) -> dict[str, Any]:
        comment = event.comment
        assert comment is not None
        author = comment.author
        email = author.email.strip().lower() if author is not None else ""
        if self.api_email and email == self.api_email:
            return {"result": "ignored", "reason": "portbot's own comment"}
        if not comment.public:
            return {"result": "ignored", "reason": "internal note"}
        if author is not None and author.id and speaks_in_slack(self.ctx, author.id):
            return {"result": "ignored", "reason": "a Slack reply portbot copied"}  # zd-conv
        if not email and self._is_own(event.actor_id, author.id):  # an event: ids only
            return {"result": "ignored", "reason": "portbot's own comment"}
        actor = _actor(author)
        files = [{"name": a.name, "url": a.url} for a in comment.attachments]
        svc.add_comment(
            self.ctx,
            sid,
            comment.body,
            actor=actor,
            source="zendesk",
            source_id=str(comment.id),
            files=files,
        )
        return {"result": "comment added"}

    def _fields(
        self, sid: str, ticket_id: int, event: webhook.WebhookEvent, key: str, made: datetime
    ) -> dict[str, Any]:
        value = event.field_value(self.foc_field) if self.foc_field else None
        if not value:
            return {"result": "ignored", "reason": "no field portbot follows changed"}
        try:
            foc = date.fromisoformat(value.strip()[:10])
        except ValueError:
            return self._refuse(sid, ticket_id, key, f"“{value}” is not a date (YYYY-MM-DD).")
        with self.ctx.db.read() as s:
            req = repo.get_request(s, sid=sid)
        if req is not None and req.foc_date == foc:
            return {"result": "ignored", "reason": "the FOC date is already set"}
        actor = svc.Actor.agent("zendesk", "Zendesk")
        try:
            svc.set_foc(self.ctx, sid, foc, actor=actor, key=f"{key}:foc", as_of=made)
        except DomainError as exc:
            return self._refuse(sid, ticket_id, key, str(exc))
        return {"result": "foc set", "foc_date": foc.isoformat()}

    def _refuse(self, sid: str, ticket_id: int, key: str, why: str) -> dict[str, Any]:
        """Tell the agents on the ticket, with an internal note, why their change was not
        applied to the port request."""
        text = f"portbot did not apply this change to {sid}: {why}"
        note_key = f"{Topic.ZENDESK_NOTE}:{key}"
        with self.ctx.db.write() as s:
            req = repo.get_request(s, sid=sid)
            exists = s.exec(
                select(OutboxMessage).where(OutboxMessage.dedupe_key == note_key)
            ).first()
            if exists is None:
                enqueue(
                    s,
                    Topic.ZENDESK_NOTE,
                    {"ticket_id": ticket_id, "body": text},
                    key=note_key,
                    now=self.ctx.now(),
                    request_id=req.id if req else None,
                )
        return {"result": "refused", "reason": why}

    # --- port-outs --------------------------------------------------------------------------

    def _port_out(
        self, ticket_id: int, fields: webhook.PortOutFields, body: bytes
    ) -> dict[str, Any]:
        """Receive the port-out a ticket brings, once per ticket; link the ticket to it."""
        key = f"zendesk:{ticket_id}"
        with self.ctx.db.read() as s:  # one look up the unique index; a scan only for a replay
            earlier = []
            if s.exec(select(PortOut.id).where(PortOut.dedupe_key == f"{key}#0")).first():
                query = select(PortOut).where(col(PortOut.dedupe_key).startswith(f"{key}#"))
                earlier = list(s.exec(query.order_by(col(PortOut.id))))
        if earlier:  # whatever the ticket says now: it was received once, as it was then
            return _received(ticket_id, earlier, replayed=True)
        taken = self._owner_of(ticket_id)
        if taken:
            why = f"this ticket already belongs to {taken}. Open a new ticket for the port-out."
            return self._not_received(ticket_id, body, why)
        foc = None
        if fields.foc_date:
            try:
                foc = date.fromisoformat(fields.foc_date[:10])
            except ValueError:
                shown = clip(one_line(fields.foc_date), 40)
                return self._not_received(ticket_id, body, f"“{shown}” is not a date (YYYY-MM-DD).")
        incoming = Incoming(
            numbers=fields.numbers,
            carrier=fields.carrier,
            spid=fields.spid or None,
            pon=fields.pon or None,
            pin=fields.pin.reveal() if fields.pin else None,
            account_number=fields.account_number.reveal() if fields.account_number else None,
            postal_code=fields.zip or None,
            subscriber_name=fields.subscriber_name or None,
            foc_date=foc,
        )
        try:
            got = receive(
                self.ctx,
                incoming,
                actor=_actor(fields.author),
                source="zendesk",
                source_ref=str(ticket_id),
                dedupe_key=key,
            )
        except DomainError as exc:
            return self._not_received(ticket_id, body, str(exc))
        held = [p for p in got.port_outs if p.account] or got.port_outs
        if held and held[0].id is not None:
            link_ticket(self.ctx, held[0].id, ticket_id)
        return _received(ticket_id, got.port_outs, replayed=got.replayed)

    def _owner_of(self, ticket_id: int) -> str:
        """What else the ticket is the ticket of (a port request, another port-out), or ""."""
        with self.ctx.db.read() as s:
            link = s.exec(select(ZendeskLink).where(ZendeskLink.ticket_id == ticket_id)).first()
            if link is None:
                return ""
            if link.request_id is not None:
                req = s.get(PortRequest, link.request_id)
                return f"port request {req.sid}" if req else "a port request"
            po = s.get(PortOut, link.port_out_id)
            if po is None or (po.source == "zendesk" and po.source_ref == str(ticket_id)):
                return ""
            return f"port-out {po.public_id}"

    def _not_received(self, ticket_id: int, body: bytes, why: str) -> dict[str, Any]:
        """Tell the agents on the ticket, once per body, why no port-out was recorded."""
        text = (
            f"portbot did not record a port-out from this ticket: {why}\n"
            "Fix the ticket's port-out fields; the next update of the ticket sends them again."
        )
        digest = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()[:40]
        note_key = f"{Topic.ZENDESK_NOTE}:zendesk:{ticket_id}:port_out:{digest}"
        with self.ctx.db.write() as s:
            if s.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == note_key)).first():
                return {"result": "refused", "reason": why}
            payload = {"ticket_id": ticket_id, "body": text}
            enqueue(s, Topic.ZENDESK_NOTE, payload, key=note_key, now=self.ctx.now())
        log.info("Zendesk ticket %s: no port-out recorded: %s", ticket_id, why)
        return {"result": "refused", "reason": why}


class _OwnUserUnknown(Exception):
    """Zendesk could not say which user portbot is: its comments cannot be told apart yet."""


def _event_answer(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer to one of Zendesk's events: ``{"ok": true, "ignored": why}`` or ``{"ok":
    true, "result": …}``."""
    if answer.get("result") == "ignored":
        return {"ok": True, "ignored": answer.get("reason", "")}
    return {"ok": True, **answer}


def _received(ticket_id: int, port_outs: list[PortOut], *, replayed: bool) -> dict[str, Any]:
    """The answer (and the one log line) for a ticket's port-outs: their ids and statuses."""
    made = [{"id": p.public_id, "status": p.status.value} for p in port_outs]
    listed = ", ".join(f"{p['id']} ({p['status']})" for p in made)
    result = "already recorded" if replayed else "port-out recorded"
    log.info("Zendesk ticket %s: port-outs %s %s", ticket_id, listed, result)
    return {"result": result, "port_outs": made}


def _actor(author: webhook.WebhookAuthor | None) -> svc.Actor:
    """Who acted in Zendesk: an agent (or Zendesk itself when unnamed), else a customer."""
    name = (author.name if author else "") or "Zendesk agent"
    actor_id = f"zendesk:{author.id}" if author and author.id else "zendesk"
    if author is None or author.is_agent:
        return svc.Actor.agent(actor_id, name)
    return svc.Actor.customer(actor_id, name)


def _delivery_keys(
    ticket_id: int, stamp: str, body: bytes, headers: Mapping[str, str]
) -> list[str]:
    """The keys a delivery is known by: first what its signature covers (the signed timestamp
    and the body), then Zendesk's invocation id with the body (Zendesk's retries of one
    invocation, whatever their timestamp). The invocation id is not signed: taken with the body,
    a copy sent under a made-up id cannot mark some other delivery as already applied."""
    signed = hashlib.sha256(stamp.encode() + body).hexdigest()
    keys = [f"zendesk:{ticket_id}:signed:{signed}"]
    invocation = headers.get(webhook.INVOCATION_HEADER.lower(), "").strip()
    if invocation:
        retried = hashlib.sha256(invocation[:100].encode() + b"\n" + body).hexdigest()
        keys.append(f"zendesk:{ticket_id}:invocation:{retried}")
    return keys


def _instant(stamp: str) -> datetime:
    """The signed timestamp (verify() has read it already) as an aware UTC instant."""
    moment = datetime.fromisoformat(stamp.strip())
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
