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

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.porting import rejections
from bot.porting.numbers import format_display
from bot.services.base import Snapshot
from bot.slack.blocks.text import day, next_step, plural, short_sid, window
from storage.models import PortNumber, PortRequest, TimelineEvent
from storage.values import (
    AccountType,
    LineType,
    NumberStatus,
    RequestStatus,
    Role,
    Secret,
    account_secret,
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

DESCRIPTION_NUMBERS = 50
"""Numbers listed one per line in the description before "…and K more"."""
_NOTE_NUMBERS = 10
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

_ROLE_WORDS = {
    Role.CUSTOMER: "customer",
    Role.AGENT: "porting team",
    Role.SYSTEM: "automatic",
}
_LINE_WORDS = {
    LineType.LANDLINE: "landline",
    LineType.WIRELESS: "wireless",
    LineType.TOLL_FREE: "toll-free",
}


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
        text += f" from {_one_line(req.losing_carrier)}"
    if req.name:
        text += f" ({_clip(_one_line(req.name), _SUBJECT_NAME)})"
    return text


def description(snap: Snapshot, options: TicketOptions) -> str:
    """The request in plain text, for the porting team: the ticket's first (private) comment."""
    req = snap.request
    lines = [f"Port-in request {req.sid}"]
    if req.name:
        lines.append(f"Request name: {_one_line(req.name)}")
    lines += [
        f"Status: {req.status.label}",
        f"Next step: {_plain(next_step(req))}",
        "",
        "ACCOUNT",
        f"Account holder: {_holder(req)}",
        f"Current carrier: {_one_line(req.losing_carrier) or 'not given'}",
        f"Account number: {_masked_account(req)}",
        f"Billing telephone number (BTN): {format_display(req.btn) if req.btn else 'not given'}",
    ]
    pin = _pin_state(req, snap.numbers)
    if pin:
        lines.append(f"Wireless PIN / SSN digits: {pin}")
    lines += [
        f"Authorized representative: {_rep(req)}",
        f"Service address: {_address(req)}",
        "",
        f"NUMBERS ({len(snap.numbers):,})",
        *_number_lines(snap.numbers),
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
        lines.append(f"Port date (FOC): {_foc_text(req.foc_date, req, options)}")
    lines += [
        "",
        "DOCUMENTS",
        f"Letter of Authorization: {_loa_state(req, options)}",
        f"Billing statement: {_bill_state(req)}",
        "",
        f"Opened in Slack by {_one_line(req.requester_name) or req.requester_id or 'a customer'}"
        + (f" on {day(_local_day(req.created_at, options))}." if req.created_at else "."),
    ]
    return _clip("\n".join(lines), _MAX_COMMENT)


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
    update: dict[str, Any] = {"comment": {"body": _clip(body, _MAX_COMMENT), "public": public}}
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
    where = "in Slack" if source in ("slack", "") else f"({source})"
    body = f"{_author(event)} wrote {where}:\n\n{event.detail}"
    public = options.public_updates and event.public
    return {"comment": {"body": _clip(body, _MAX_COMMENT), "public": public}}


def _note(event: TimelineEvent, options: TicketOptions) -> dict[str, Any]:
    public = options.public_updates and event.public
    if public:
        body = f"{_author(event)}:\n\n{event.detail}"
    else:
        body = f"Note from {_author(event)} in Slack:\n\n{event.detail}"
    return {"comment": {"body": _clip(body, _MAX_COMMENT), "public": public}}


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
        lines.append(f"Numbers: {_numbers_inline(event.numbers, _NOTE_NUMBERS)}")
    codes = (event.data or {}).get("codes") or []
    if codes:
        lines.append("Rejection codes: " + ", ".join(str(c) for c in codes))
    warnings = (event.data or {}).get("csr_warnings") or []
    if warnings:
        lines.append("Differences from the CSR:")
        lines += [f"- {_one_line(str(w))}" for w in list(warnings)[:8]]
    lines.append(f"By {_author(event)} ({_ROLE_WORDS.get(event.actor_role, 'someone')}).")
    if after == snap.status:
        lines.append(f"Next step: {_plain(next_step(snap.request))}")
    else:
        lines.append(f"Since then the request has moved on; it is now: {snap.status.label}.")
    return "\n".join(lines)


# --- customer words --------------------------------------------------------------------------


def _customer_text(snap: Snapshot, event: TimelineEvent, options: TicketOptions) -> str:
    """A public comment in plain customer words, for an event that is still the latest news."""
    req = snap.request
    carrier = _one_line(req.losing_carrier) or "your current carrier"
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
                parts.append(_rejection_text(rejected))
        case "reject":
            parts.append(f"{carrier} turned down the request for {what}. Here is why:")
            parts.append(_rejection_text(_affected(snap, event), codes=_codes(event)))
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
        parts.append(_plain(next_step(req)))
    return "\n\n".join(p for p in parts if p)


def _foc_news(snap: Snapshot, event: TimelineEvent, options: TicketOptions, what: str) -> str:
    data = event.data or {}
    foc = _parse_date(data.get("foc_date")) or snap.request.foc_date
    start = _parse_datetime(data.get("window_start"))
    end = _parse_datetime(data.get("window_end"))
    verb = "moved the port date" if data.get("moved") else "confirmed the port date"
    text = f"The carriers {verb} for {what}"
    if foc is None:
        return text + "."
    text += f": {day(foc)}"
    if start and end:
        text += f", {window(start, end, options.timezone)}"
    return text + "."


def _affected(snap: Snapshot, event: TimelineEvent) -> list[PortNumber]:
    wanted = set(event.numbers or ())
    return [n for n in snap.numbers if n.e164 in wanted] if wanted else []


def _codes(event: TimelineEvent) -> list[str]:
    return [str(c) for c in (event.data or {}).get("codes") or ()]


def _rejection_text(numbers: Sequence[PortNumber], *, codes: Iterable[str] = ()) -> str:
    """Each reason with its meaning and the steps to fix it, from the rejection catalog.

    ``codes`` (the event's) win; without them, the reasons stored on each number are used.
    """
    wanted = list(codes)
    by_code: dict[rejections.RejectionCode, list[str]] = {}
    for code in wanted:
        entry = _catalog_entry(code)
        if entry is not None:
            by_code.setdefault(entry.code, [])
    for n in numbers:
        for code in wanted or n.rejection_codes or ():
            entry = _catalog_entry(code)
            if entry is not None and n.e164 not in by_code.setdefault(entry.code, []):
                by_code[entry.code].append(n.e164)
    blocks = []
    fixable = False
    for code in [c for c in rejections.CATALOG if c in by_code]:
        entry = rejections.CATALOG[code]
        fixable = fixable or entry.customer_can_fix
        which = f" ({_numbers_inline(by_code[code], _NOTE_NUMBERS)})" if by_code[code] else ""
        heading = "How to fix it" if entry.customer_can_fix else "Your options"
        steps = "\n".join(f"{i}. {s}" for i, s in enumerate(entry.fix, 1))
        blocks.append(f"{entry.title}{which}\n{entry.meaning}\n{heading}:\n{steps}")
    if fixable:
        blocks.append(rejections.RESUBMIT_NOTE)
    return "\n\n".join(blocks)


def _catalog_entry(code: object) -> rejections.Rejection | None:
    try:
        return rejections.get(str(code))
    except KeyError:
        return None


# --- small formatters ------------------------------------------------------------------------

_BOLD = re.compile(r"\*([^*\n]+)\*")
_CODE = re.compile(r"`([^`\n]+)`")


def _plain(mrkdwn: str) -> str:
    """Slack ``mrkdwn`` from the shared wording as plain text: no entities, bold or code marks."""
    text = _CODE.sub(r"\1", _BOLD.sub(r"\1", mrkdwn))
    return html.unescape(text).replace("\u2060", "")


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _author(event: TimelineEvent) -> str:
    if event.actor_role is Role.SYSTEM:
        return "portbot"
    return _one_line(event.actor_name) or event.actor_id or "someone"


def _holder(req: PortRequest) -> str:
    if req.account_type is AccountType.BUSINESS:
        return f"{_one_line(req.company_name) or 'company name missing'} (business)"
    return f"{_one_line(req.rep_name) or 'name missing'} (residential)"


def _rep(req: PortRequest) -> str:
    name = _one_line(req.rep_name) or "not given"
    return f"{name} <{req.rep_email}>" if req.rep_email else name


def _address(req: PortRequest) -> str:
    place = " ".join(p for p in (req.region, req.postal_code) if p)
    parts = [req.street, req.street2, req.city, place, req.country]
    return ", ".join(_one_line(p) for p in parts if p and _one_line(p)) or "not given"


def _masked_account(req: PortRequest) -> str:
    value = req.account_number
    if not value:
        return "not given"
    secret = value if isinstance(value, Secret) else account_secret(str(value))
    return secret.masked


def _pin_state(req: PortRequest, numbers: Sequence[PortNumber]) -> str:
    """Only whether a PIN is on file; its digits never leave portbot."""
    if not any(n.line_type is LineType.WIRELESS for n in numbers):
        return "on file (not shown)" if req.pin else ""
    return "on file (not shown)" if req.pin else "needed for the wireless numbers, not given yet"


def _number_lines(numbers: Sequence[PortNumber]) -> list[str]:
    lines = []
    for n in numbers[:DESCRIPTION_NUMBERS]:
        extra = _LINE_WORDS[n.line_type]
        if n.status is not NumberStatus.PENDING:
            extra += f", {n.status.value.replace('_', ' ')}"
        if n.foc_date:
            extra += f", port date {n.foc_date.isoformat()}"
        lines.append(f"{format_display(n.e164)}  ({extra})")
    if len(numbers) > DESCRIPTION_NUMBERS:
        lines.append(f"…and {len(numbers) - DESCRIPTION_NUMBERS:,} more")
    return lines or ["none"]


def _numbers_inline(e164s: Sequence[str], limit: int) -> str:
    shown = ", ".join(format_display(e) for e in e164s[:limit])
    more = f" and {len(e164s) - limit:,} more" if len(e164s) > limit else ""
    return shown + more


def _foc_text(foc: date, req: PortRequest, options: TicketOptions) -> str:
    text = day(foc)
    if req.foc_window_start and req.foc_window_end:
        text += f", {window(req.foc_window_start, req.foc_window_end, options.timezone)}"
    return text


def _loa_state(req: PortRequest, options: TicketOptions) -> str:
    if req.signed_at:
        return f"signed on {day(_local_day(req.signed_at, options))}"
    if req.status is RequestStatus.DRAFT:
        return "goes out once the request is complete"
    if req.status is RequestStatus.AWAITING_SIGNATURE:
        return f"sent for signature to {_rep(req)}, not signed yet"
    return "not signed"


def _bill_state(req: PortRequest) -> str:
    if not req.bill_filename:
        return "not uploaded yet"
    issued = f", issued {day(req.bill_issued_on)}" if req.bill_issued_on else ""
    return f"{_one_line(req.bill_filename)}{issued}"


def _local_day(moment: datetime, options: TicketOptions) -> date:
    return moment.astimezone(ZoneInfo(options.timezone)).date()


def _parse_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _parse_datetime(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
