"""Port-outs on Zendesk: a ticket per port-out, a ticket per customer request, and the trigger
that turns a ticket into an incoming port-out.

**A port-out's ticket** (outbox topic ``zendesk.port_out_event``, :class:`PortOutTicketDelivery`).
The first delivery for a port-out makes sure its one ticket exists: our link table first
(``zendesk_links.port_out_id``); for a port-out that came in on a Zendesk ticket, that very
ticket; then a lookup by ``external_id`` (the port-out's ``PO…`` id: a create that timed out may
have succeeded); only then a create, with an ``Idempotency-Key``. The ticket's first comment is
an internal note with the port-out as it stands; tags ``portbot``, ``port_out`` and
``port_out_status_<status>``; no requester, so Zendesk makes the API user (the porting team) the
requester. Every later event (authorized, rejected, ported, cancelled) is one update: an internal
note naming who or which rule decided, and the status tag moved (``additional_tags`` /
``remove_tags``, as port-in tickets do), rendered from the port-out as it is at delivery. The
arrival itself, and a rule's decision at arrival, add nothing to a ticket portbot created (the
first note says them); on the ticket the port-out came in on, the arrival adds that note and the
tags.

**A customer's request** (``zendesk.port_out_request``, :class:`PortOutRequestTicketDelivery`):
one ticket per request (``external_id`` = the window's ``PW…`` id), tags ``portbot``,
``port_out``, ``port_out_requested``, for the agents. Never the one-time PIN.

**A ticket that is an incoming port-out.** Create ticket fields for the port-out's details and a
trigger (Admin Center, Objects and rules, Triggers) named "portbot: port-out request":
conditions, all of: *Tags* contain at least one of ``port_out_request``; *Tags* contain none of
``portbot``. Action: notify the portbot webhook (``POST /zendesk/webhook``, JSON) with::

    {
      "event": "port_out_request",
      "ticket_id": "{{ticket.id}}",
      "numbers": "{{ticket.ticket_field_<numbers field id>}}",
      "carrier": "{{ticket.ticket_field_<receiving carrier field id>}}",
      "spid": "{{ticket.ticket_field_<SPID field id>}}",
      "pon": "{{ticket.ticket_field_<PON field id>}}",
      "pin": "{{ticket.ticket_field_<PIN field id>}}",
      "foc_date": "{{ticket.ticket_field_<FOC date field id>}}",
      "account_number": "{{ticket.ticket_field_<account number field id>}}",
      "zip": "{{ticket.ticket_field_<ZIP field id>}}",
      "subscriber_name": "{{ticket.ticket_field_<subscriber name field id>}}",
      "author": {
        "id": "{{current_user.id}}",
        "name": "{{current_user.name}}",
        "email": "{{current_user.email}}",
        "role": "{{current_user.role}}"
      }
    }

``event``, ``ticket_id`` and ``numbers`` are required (numbers separated by commas, spaces or
new lines); every other key may be left out or empty; ``foc_date`` is ``YYYY-MM-DD``. The ticket
is recorded once, however often the trigger fires (``zendesk:<ticket id>``). Once portbot has
noted the port-out on the ticket it tags it ``portbot``, which stops the trigger; until then a
ticket portbot could not read (no numbers, a date that is not one) gets an internal note saying
what to fix, and the next update of the ticket sends it again.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.services.base import Context
from bot.services.port_outs import events_of
from bot.services.reminders.rows import policy_of
from bot.wording import port_out_tickets as words
from bot.wording.formats import clip, one_line
from bot.zendesk.handler import TicketHandler
from bot.zendesk.mapping import TAG_APP, TAG_PORT_OUT
from storage.models import (
    OutboxMessage,
    PortOut,
    PortOutEvent,
    PortOutWindow,
    PortRequest,
    ZendeskLink,
)
from storage.values import PortOutStatus, Role

__all__ = [
    "STATUS_TAG_PREFIX",
    "TAG_INCOMING",
    "TAG_REQUESTED",
    "PortOutRequestTicketDelivery",
    "PortOutTicketDelivery",
    "incoming_ticket",
    "link_ticket",
    "status_tag",
    "tag_changes",
]

log = logging.getLogger(__name__)

STATUS_TAG_PREFIX = "port_out_status_"
TAG_REQUESTED = "port_out_requested"  # a customer asked for a port-out
TAG_INCOMING = "port_out_request"  # a ticket that is an incoming port-out (our trigger's tag)
_MAX_COMMENT = 60_000  # Zendesk takes 64 KB per comment; room for the JSON around it


def status_tag(status: PortOutStatus) -> str:
    return STATUS_TAG_PREFIX + status.value


def tag_changes(status: PortOutStatus) -> dict[str, list[str]]:
    """``additional_tags`` for the current status and ``remove_tags`` for every other one."""
    return {
        "additional_tags": [TAG_APP, TAG_PORT_OUT, status_tag(status)],
        "remove_tags": [status_tag(s) for s in PortOutStatus if s is not status],
    }


def _note(body: str) -> dict[str, Any]:
    return {"body": clip(body, _MAX_COMMENT), "public": False}


def incoming_ticket(session: Session, po: PortOut) -> int | None:
    """The Zendesk ticket ``po`` came in on, when the ticket is its own: of the port-outs one
    ticket split into (one per account), the first that some account holds, else the first."""
    ref = po.source_ref or ""
    if po.source != "zendesk" or not (ref.isascii() and ref.isdigit()):
        return None
    first = session.exec(
        select(PortOut.id)
        .where(PortOut.source == "zendesk", PortOut.source_ref == ref)
        .order_by(col(PortOut.account) == "", col(PortOut.id))
        .limit(1)
    ).first()
    return int(ref) if first == po.id else None


def link_ticket(ctx: Context, port_out_id: int, ticket_id: int) -> int | None:
    """Link a port-out to a ticket; the ticket it is linked to (an earlier link stands), or
    ``None`` when that ticket already belongs to something else."""
    try:
        with ctx.db.write() as s:
            if (link := _link_of(s, port_out_id)) is not None:
                return link.ticket_id
            s.add(ZendeskLink(port_out_id=port_out_id, ticket_id=ticket_id, created_at=ctx.now()))
    except sa.exc.IntegrityError:  # linked by another worker just now, or the ticket is taken
        with ctx.db.read() as s:
            link = _link_of(s, port_out_id)
        return link.ticket_id if link is not None else None
    log.info("port-out %s linked to Zendesk ticket %s", port_out_id, ticket_id)
    return ticket_id


def _link_of(session: Session, port_out_id: int) -> ZendeskLink | None:
    return session.exec(select(ZendeskLink).where(ZendeskLink.port_out_id == port_out_id)).first()


class PortOutTicketDelivery(TicketHandler):
    """Outbox topic ``zendesk.port_out_event`` (payload ``port_out_id``, ``event_id``,
    ``action``): a port-out's one ticket, then one note per decision. ``group_id`` and
    ``assignee_id`` place the tickets portbot creates; ``options.timezone`` shows times."""

    def _deliver(self, message: OutboxMessage) -> None:
        payload = message.payload
        with self.ctx.db.read() as s:
            po = s.get(PortOut, int(payload["port_out_id"]))
            if po is None:
                return
            assert po.id is not None
            events = events_of(s, po.id)
            event = s.get(PortOutEvent, payload.get("event_id"))
            link = _link_of(s, po.id)
            home = incoming_ticket(s, po)
        ticket_id = link.ticket_id if link is not None else None
        if ticket_id is None and home is not None:
            ticket_id = link_ticket(self.ctx, po.id, home)
        if ticket_id is None:
            ticket_id = self.ensure_ticket(po, events)
        if event is None:
            return
        default = policy_of(self.ctx).port_out_default
        tz = self.options.timezone
        if event.action == "arrived" or _at_arrival(event):
            if ticket_id != home or event.action != "arrived":
                return  # the first note says it all: the arrival and the rule that decided
            body = words.summary(po, events, tz, default=default, ticket_id=ticket_id)
        else:
            body = words.event_note(po, event, tz, default=default)
        self.gateway.update_ticket(ticket_id, {"comment": _note(body), **tag_changes(po.status)})

    def ensure_ticket(self, po: PortOut, events: list[PortOutEvent]) -> int:
        """The port-out's own ticket: found by ``external_id``, else created; then linked."""
        assert po.id is not None
        found = self.gateway.find_ticket(po.public_id)
        if found is None:
            default = policy_of(self.ctx).port_out_default
            body = words.summary(po, events, self.options.timezone, default=default)
            ticket = {
                "subject": words.subject(po),
                "comment": _note(body),
                "tags": [TAG_APP, TAG_PORT_OUT, status_tag(po.status)],
            }
            found = self._create(ticket, po.public_id)
        linked = link_ticket(self.ctx, po.id, found)
        if linked is None:
            raise RuntimeError(f"Zendesk ticket {found} is linked to something else")
        return linked


class PortOutRequestTicketDelivery(TicketHandler):
    """Outbox topic ``zendesk.port_out_request`` (payload ``window_id``): a ticket for the
    agents when a customer asks to move numbers away; once, found again by ``external_id``."""

    def _deliver(self, message: OutboxMessage) -> None:
        with self.ctx.db.read() as s:
            window = s.get(PortOutWindow, int(message.payload["window_id"]))
            if window is None:
                return
            asked_by = _person(s, window.created_by)
        if self.gateway.find_ticket(window.public_id) is not None:
            return  # made by an earlier try whose answer never came back
        body = words.request_body(window, asked_by, self.options.timezone)
        ticket = {
            "subject": words.request_subject(window),
            "comment": _note(body),
            "tags": [TAG_APP, TAG_PORT_OUT, TAG_REQUESTED],
        }
        made = self._create(ticket, window.public_id)
        log.info("port-out request %s: Zendesk ticket %s", window.public_id, made)


def _at_arrival(event: PortOutEvent) -> bool:
    """A decision made by a rule as the port-out arrived (every rule but the deadline's)."""
    rule = (event.data or {}).get("rule")
    return event.actor_role is Role.SYSTEM and rule is not None and rule != "deadline"


def _person(session: Session, user_id: str) -> str:
    """``casey (U0CUSTOMER)``: the Slack user's name from their latest request, if any."""
    name = session.exec(
        select(PortRequest.requester_name)
        .where(PortRequest.requester_id == user_id)
        .order_by(col(PortRequest.id).desc())
        .limit(1)
    ).first()
    shown = clip(one_line(name), 80)
    return f"{shown} ({user_id})" if shown and user_id else shown or user_id
