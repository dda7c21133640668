"""A port request as a Zendesk ticket: the body that creates it and the update for each event.

Pure functions from a :class:`~bot.services.base.Snapshot` (the request as it stands when the
outbox message is delivered) to the JSON content of the Tickets API (``{"ticket": …}`` is added by
the gateway). No HTTP, no database, no clock.

Decisions, and why:

* **The description is an internal note** (``comment.public = false``). Zendesk turns the first
  comment of a new ticket into its description, and a public first comment is sent by e-mail to
  the requester (here the authorized representative) by the usual notification triggers. The
  description is a full record for the porting team (masked account number, BTN, every number),
  so it stays private; customers hear from us in Slack, and in public comments only when
  ``ZENDESK_PUBLIC_UPDATES`` is on. A ticket with only private comments is still a normal ticket
  for agents; it becomes visible to the requester once the first public comment is added.
* **Tags are added and removed, never replaced, and always from the request's current status.**
  An update carries ``additional_tags`` (``portbot``, ``port_in`` and the current
  ``port_status_<status>``) and ``remove_tags`` (every other ``port_status_…`` tag). It does not
  depend on the event's own before/after statuses, so a retried, late or reordered delivery
  writes the same, newest state, and the last one to arrive is right. A full ``tags``
  replacement would erase tags that agents, triggers and other apps put on the ticket.
* **Custom fields come from the current request too** (status, FOC date or ``null`` to clear it,
  SID), for the same reason.
* **One comment per update.** A customer-facing event becomes a public comment *instead of* the
  internal note when public updates are on, the event is public, and it is still the latest
  news (the request has not moved on since); otherwise an internal note. A late event is never
  told to the customer as if it were new.
* **No secrets.** The PIN (or SSN digits) is only ever "on file" or "missing"; the account number
  appears masked (last four); the CSR's account number is not shown at all.
* Comments that came from Zendesk are not sent back (no echo); comments from Slack name their
  author.

Customer-facing wording for "what happens next" is the Slack card's
(:func:`bot.slack.blocks.text.next_step`), turned into plain text, so both sides say the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.porting.numbers import format_display
from bot.services.base import Snapshot
from bot.slack.blocks.text import day, next_step, plural, short_sid, window
from bot.zendesk import ticket_text as tt
from bot.zendesk.ticket_text import DESCRIPTION_NUMBERS
from storage.models import TimelineEvent
from storage.values import (
    NumberStatus,
    RequestStatus,
)

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = [
    "DESCRIPTION_NUMBERS",
    "STATUS_TAG_PREFIX",
    "TAG_APP",
    "TAG_PORT_IN",
    "TAG_PORT_OUT",
    "TicketOptions",
    "custom_fields",
    "description",
    "event_update",
    "new_ticket",
    "status_tag",
    "subject",
    "tag_changes",
]

TAG_APP = "portbot"
TAG_PORT_IN = "port_in"
TAG_PORT_OUT = "port_out"
STATUS_TAG_PREFIX = "port_status_"

_SUBJECT_NAME = 60
_MAX_COMMENT = 60_000  # Zendesk takes 64 KB per comment; leave room for the JSON around it

# Moves that say something to the customer (when public updates are on).
_CUSTOMER_FACING = frozenset(
    {
        "submit",
        "set_foc",
        "complete",
        "reject",
        "request_cancel",
        "confirm_cancel",
        "decline_cancel",
        "expire",
    }
)
# Events that are worth a note even when the status stays the same.
_NOTEWORTHY = frozenset({"set_foc", "complete", "reject", "edit", "follow_up"})
# Events the ticket does not need: the ticket is created from the request as it stands.
_IGNORED = frozenset({"open"})


@dataclass(frozen=True)
class TicketOptions:
    """The Zendesk settings that shape a ticket (see :meth:`from_settings`).

    ``field_*`` are custom ticket field IDs (``None``: not used). For a drop-down status field,
    give its options the status values (``in_review``, ``foc_confirmed``, …) as tags.
    ``timezone`` is only used to show FOC windows and dates in the account's zone.
    """

    field_status: int | None = None
    field_foc_date: int | None = None
    field_sid: int | None = None
    public_updates: bool = False
    timezone: str = "UTC"

    @classmethod
    def from_settings(cls, settings: Settings) -> TicketOptions:
        return cls(
            field_status=settings.zendesk_field_status,
            field_foc_date=settings.zendesk_field_foc_date,
            field_sid=settings.zendesk_field_sid,
            public_updates=settings.zendesk_public_updates,
            timezone=settings.portbot_timezone,
        )


# --- the ticket ------------------------------------------------------------------------------


def new_ticket(snap: Snapshot, options: TicketOptions) -> dict[str, Any]:
    """The content of ``POST /api/v2/tickets`` for a request (wrap it in ``{"ticket": …}``).

    ``external_id`` is the SID, so the gateway can look the ticket up before creating another.
    """
    req = snap.request
    ticket: dict[str, Any] = {
        "external_id": req.sid,
        "subject": subject(snap),
        "comment": {"body": description(snap, options), "public": False},
        "tags": [TAG_APP, TAG_PORT_IN, status_tag(req.status)],
    }
    if req.rep_email:
        ticket["requester"] = {"name": req.rep_name or req.rep_email, "email": req.rep_email}
    fields = custom_fields(snap, options)
    if fields:
        ticket["custom_fields"] = fields
    return ticket


def subject(snap: Snapshot) -> str:
    """``Port PR1a2b3c4d — 12 numbers from Verizon (Main office)``."""
    req = snap.request
    text = f"Port {short_sid(req.sid)} — {plural(len(snap.numbers), 'number')}"
    if req.losing_carrier:
        text += f" from {tt.one_line(req.losing_carrier)}"
    if req.name:
        text += f" ({tt.clip(tt.one_line(req.name), _SUBJECT_NAME)})"
    return text


def description(snap: Snapshot, options: TicketOptions) -> str:
    """The request in plain text, for the porting team: the ticket's first (private) comment."""
    req = snap.request
    lines = [f"Port-in request {req.sid}"]
    if req.name:
        lines.append(f"Request name: {tt.one_line(req.name)}")
    lines += [
        f"Status: {req.status.label}",
        f"Next step: {tt.plain(next_step(req))}",
        "",
        "ACCOUNT",
        f"Account holder: {tt.holder(req)}",
        f"Current carrier: {tt.one_line(req.losing_carrier) or 'not given'}",
        f"Account number: {tt.masked_account(req)}",
        f"Billing telephone number (BTN): {format_display(req.btn) if req.btn else 'not given'}",
    ]
    pin = tt.pin_state(req, snap.numbers)
    if pin:
        lines.append(f"Wireless PIN / SSN digits: {pin}")
    lines += [
        f"Authorized representative: {tt.rep(req)}",
        f"Service address: {tt.address(req)}",
        "",
        f"NUMBERS ({len(snap.numbers):,})",
        *tt.number_lines(snap.numbers),
        "",
        "DATES",
        "Desired date: "
        + (
            f"{day(req.desired_date)} (the customer's wish; the carriers set the port date)"
            if req.desired_date
            else "none given"
        ),
    ]
    if req.foc_date:
        lines.append(f"Port date (FOC): {tt.foc_text(req.foc_date, req, options)}")
    lines += [
        "",
        "DOCUMENTS",
        f"Letter of Authorization: {tt.loa_state(req, options)}",
        f"Billing statement: {tt.bill_state(req)}",
        "",
        f"Opened in Slack by {tt.one_line(req.requester_name) or req.requester_id or 'a customer'}"
        + (f" on {day(tt.local_day(req.created_at, options))}." if req.created_at else "."),
    ]
    return tt.clip("\n".join(lines), _MAX_COMMENT)


def status_tag(status: RequestStatus) -> str:
    return STATUS_TAG_PREFIX + status.value


def tag_changes(status: RequestStatus) -> dict[str, list[str]]:
    """``additional_tags`` for the current status and ``remove_tags`` for every other one."""
    return {
        "additional_tags": [TAG_APP, TAG_PORT_IN, status_tag(status)],
        "remove_tags": [status_tag(s) for s in RequestStatus if s is not status],
    }


def custom_fields(snap: Snapshot, options: TicketOptions) -> list[dict[str, Any]]:
    """Values for the configured custom fields; an empty FOC date is sent as ``null``."""
    req = snap.request
    fields: list[dict[str, Any]] = []
    if options.field_status:
        fields.append({"id": options.field_status, "value": req.status.value})
    if options.field_foc_date:
        foc = req.foc_date.isoformat() if req.foc_date else None
        fields.append({"id": options.field_foc_date, "value": foc})
    if options.field_sid:
        fields.append({"id": options.field_sid, "value": req.sid})
    return fields


# --- updates ---------------------------------------------------------------------------------


def event_update(
    snap: Snapshot, event: TimelineEvent, options: TicketOptions
) -> dict[str, Any] | None:
    """The content of ``PUT /api/v2/tickets/{id}`` for one timeline event, or ``None`` when the
    ticket has nothing to learn from it."""
    data = event.data or {}
    if event.action in _IGNORED:
        return None
    if event.action == "comment":
        return _conversation(event, options, source=str(data.get("source") or ""))
    if event.action == "comment_withdrawn":
        return _withdrawn(event)
    if event.action == "note":
        return _note(event, options)
    changed = event.from_status is not None and event.from_status != event.to_status
    if not changed and event.action not in _NOTEWORTHY:
        return None
    current = event.to_status == snap.status
    public = (
        options.public_updates and event.public and current and event.action in _CUSTOMER_FACING
    )
    body = _customer_text(snap, event, options) if public else _status_note(snap, event)
    update: dict[str, Any] = {"comment": {"body": tt.clip(body, _MAX_COMMENT), "public": public}}
    update |= tag_changes(snap.status)
    fields = custom_fields(snap, options)
    if fields:
        update["custom_fields"] = fields
    return update


def _conversation(
    event: TimelineEvent, options: TicketOptions, *, source: str
) -> dict[str, Any] | None:
    if source == "zendesk":
        return None  # it is already on the ticket
    data = event.data or {}
    where = "in Slack" if source in ("slack", "") else f"({source})"
    if data.get("edit_of"):
        body = f"{tt.author(event)} edited their message {where}; it now reads:\n\n{event.detail}"
    else:
        body = f"{tt.author(event)} wrote {where}:\n\n{event.detail}".rstrip()
    public = options.public_updates and event.public
    return {"comment": {"body": tt.clip(body, _MAX_COMMENT), "public": public}}


def with_files(
    update: dict[str, Any], uploads: Sequence[str], linked: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """``update`` (a conversation comment) carrying the files of its message: ``uploads`` are
    Zendesk upload tokens; ``linked`` are files that could not be carried, shown as links."""
    comment = dict(update["comment"])
    if uploads:
        comment["uploads"] = list(uploads)
    if linked:
        lines = [
            f"- {f.get('name') or 'file'}: {f.get('url') or 'no longer in Slack'}" for f in linked
        ]
        comment["body"] = tt.clip(
            comment["body"]
            + "\n\nFiles left in Slack (too large or unavailable):\n"
            + "\n".join(lines),
            _MAX_COMMENT,
        )
    return {**update, "comment": comment}


def _withdrawn(event: TimelineEvent) -> dict[str, Any]:
    body = (
        f"{tt.author(event)} {event.detail}. Its copy on this ticket stays as it was "
        "(ticket comments cannot be changed); redact it here if it should go."
    )
    return {"comment": {"body": body, "public": False}}


def _note(event: TimelineEvent, options: TicketOptions) -> dict[str, Any]:
    public = options.public_updates and event.public
    if public:
        body = f"{tt.author(event)}:\n\n{event.detail}"
    else:
        body = f"Note from {tt.author(event)} in Slack:\n\n{event.detail}"
    return {"comment": {"body": tt.clip(body, _MAX_COMMENT), "public": public}}


def _status_note(snap: Snapshot, event: TimelineEvent) -> str:
    """The internal note: what changed, who did it, and what comes next."""
    after = event.to_status or snap.status
    if event.from_status is not None and event.from_status != after:
        lines = [f"Status: {event.from_status.label} → {after.label}"]
    else:
        lines = [f"Status: {after.label} (unchanged)"]
    if event.detail:
        lines.append(event.detail)
    if event.numbers:
        lines.append(f"Numbers: {tt.numbers_inline(event.numbers, tt.NOTE_NUMBERS)}")
    codes = (event.data or {}).get("codes") or []
    if codes:
        lines.append("Rejection codes: " + ", ".join(str(c) for c in codes))
    warnings = (event.data or {}).get("csr_warnings") or []
    if warnings:
        lines.append("Differences from the CSR:")
        lines += [f"- {tt.one_line(str(w))}" for w in list(warnings)[:8]]
    lines.append(f"By {tt.author(event)} ({tt.ROLE_WORDS.get(event.actor_role, 'someone')}).")
    if after == snap.status:
        lines.append(f"Next step: {tt.plain(next_step(snap.request))}")
    else:
        lines.append(f"Since then the request has moved on; it is now: {snap.status.label}.")
    return "\n".join(lines)


# --- customer words --------------------------------------------------------------------------


def _customer_text(snap: Snapshot, event: TimelineEvent, options: TicketOptions) -> str:
    """A public comment in plain customer words, for an event that is still the latest news."""
    req = snap.request
    carrier = tt.one_line(req.losing_carrier) or "your current carrier"
    count = len(event.numbers or ())
    what = plural(count, "number") if count else "your numbers"
    parts: list[str] = []
    follow = True
    match event.action:
        case "submit":
            parts.append(f"We've sent your port request to {carrier}.")
        case "set_foc":
            parts.append(_foc_news(snap, event, options, what))
            if snap.status is not RequestStatus.FOC_CONFIRMED:
                follow = False
                parts.append(
                    "The other numbers are still waiting for their date from the carrier. "
                    f"Keep your service with {carrier} active in the meantime."
                )
        case "complete":
            parts.append(f"Done: {what} moved to us.")
            rejected = [n for n in snap.numbers if n.status is NumberStatus.REJECTED]
            if rejected:
                parts.append(
                    f"{plural(len(rejected), 'number')} could not be ported this time. "
                    "Here is why, and what can be done:"
                )
                parts.append(tt.rejection_text(rejected))
        case "reject":
            parts.append(f"{carrier} turned down the request for {what}. Here is why:")
            parts.append(tt.rejection_text(tt.affected(snap, event), codes=tt.codes(event)))
            follow = False
        case "request_cancel":
            parts.append("We've received the request to cancel this port.")
        case "confirm_cancel":
            parts.append("Your port request is cancelled.")
        case "decline_cancel":
            parts.append("The cancellation couldn't be made in time, so the port goes ahead.")
        case "expire":
            pass  # the next step says it all
    if follow:
        parts.append(tt.plain(next_step(req)))
    return "\n\n".join(p for p in parts if p)


def _foc_news(snap: Snapshot, event: TimelineEvent, options: TicketOptions, what: str) -> str:
    data = event.data or {}
    foc = tt.parse_date(data.get("foc_date")) or snap.request.foc_date
    start = tt.parse_datetime(data.get("window_start"))
    end = tt.parse_datetime(data.get("window_end"))
    verb = "moved the port date" if data.get("moved") else "confirmed the port date"
    text = f"The carriers {verb} for {what}"
    if foc is None:
        return text + "."
    text += f": {day(foc)}"
    if start and end:
        text += f", {window(start, end, options.timezone)}"
    return text + "."
