"""The words on a request's ticket: its description for the porting team, the internal note for
each change, and the bodies of comments and notes that came from Slack.

Pure. Dates and windows are shown in ``tz``, the account's time zone. Nothing here may show a PIN
or a whole account number: the PIN is only "on file" or "missing", the account number masked.
:mod:`bot.zendesk.mapping` decides which of these a ticket gets and renders them with
:func:`~bot.wording.rich.plain`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from bot.wording import quotes as quote_words
from bot.wording import timelines
from bot.wording.formats import clip, day, number, numbers_list, one_line, plural, short_sid, zone
from bot.wording.requests import foc_day, next_step
from bot.wording.rich import Rich, join, rich
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

__all__ = [
    "DESCRIPTION_NUMBERS",
    "NOTE_NUMBERS",
    "ROLE_WORDS",
    "author",
    "comment",
    "description",
    "files_left",
    "note",
    "own_words",
    "status_note",
    "subject",
    "withdrawn",
]

DESCRIPTION_NUMBERS = 50
"""Numbers listed one per line in the description before "…and K more"."""
NOTE_NUMBERS = 10
SUBJECT_NAME = 60

_LINE_WORDS = {
    LineType.LANDLINE: "landline",
    LineType.WIRELESS: "wireless",
    LineType.TOLL_FREE: "toll-free",
}

ROLE_WORDS = {
    Role.CUSTOMER: "customer",
    Role.AGENT: "porting team",
    Role.SYSTEM: "automatic",
}


# --- the request's fields --------------------------------------------------------------------


def author(event: TimelineEvent) -> str:
    if event.actor_role is Role.SYSTEM:
        return "portbot"
    return one_line(event.actor_name) or event.actor_id or "someone"


def holder(req: PortRequest) -> str:
    if req.account_type is AccountType.BUSINESS:
        return f"{one_line(req.company_name) or 'company name missing'} (business)"
    return f"{one_line(req.rep_name) or 'name missing'} (residential)"


def rep(req: PortRequest) -> str:
    name = one_line(req.rep_name) or "not given"
    return f"{name} <{req.rep_email}>" if req.rep_email else name


def address(req: PortRequest) -> str:
    place = " ".join(p for p in (req.region, req.postal_code) if p)
    parts = [req.street, req.street2, req.city, place, req.country]
    return ", ".join(one_line(p) for p in parts if p and one_line(p)) or "not given"


def masked_account(req: PortRequest) -> str:
    value = req.account_number
    if not value:
        return "not given"
    secret = value if isinstance(value, Secret) else account_secret(str(value))
    return secret.masked


def pin_state(req: PortRequest, numbers: Sequence[PortNumber]) -> str:
    """Only whether a PIN is on file; its digits never leave portbot."""
    if not any(n.line_type is LineType.WIRELESS for n in numbers):
        return "on file (not shown)" if req.pin else ""
    return "on file (not shown)" if req.pin else "needed for the wireless numbers, not given yet"


def number_lines(numbers: Sequence[PortNumber]) -> list[str]:
    lines = []
    for n in numbers[:DESCRIPTION_NUMBERS]:
        extra = _LINE_WORDS[n.line_type]
        if n.status is not NumberStatus.PENDING:
            extra += f", {n.status.value.replace('_', ' ')}"
        if n.foc_date:
            extra += f", port date {n.foc_date.isoformat()}"
        lines.append(f"{number(n.e164)}  ({extra})")
    if len(numbers) > DESCRIPTION_NUMBERS:
        lines.append(f"…and {len(numbers) - DESCRIPTION_NUMBERS:,} more")
    return lines or ["none"]


def local_day(moment: datetime, tz: tzinfo | str | None) -> date:
    return moment.astimezone(zone(tz)).date()


def loa_state(req: PortRequest, tz: tzinfo | str | None) -> str:
    if req.signed_at:
        return f"signed on {day(local_day(req.signed_at, tz))}"
    if req.status is RequestStatus.DRAFT:
        return "goes out once the request is complete"
    if req.status is RequestStatus.AWAITING_SIGNATURE:
        return f"sent for signature to {rep(req)}, not signed yet"
    return "not signed"


def bill_state(req: PortRequest) -> str:
    if not req.bill_filename:
        return "not uploaded yet"
    issued = f", issued {day(req.bill_issued_on)}" if req.bill_issued_on else ""
    return f"{one_line(req.bill_filename)}{issued}"


# --- the ticket --------------------------------------------------------------------------------


def subject(req: PortRequest, count: int) -> str:
    """``Port PR1a2b3c4d — 12 numbers from Verizon (Main office)``."""
    text = f"Port {short_sid(req.sid)} — {plural(count, 'number')}"
    if req.losing_carrier:
        text += f" from {one_line(req.losing_carrier)}"
    if req.name:
        text += f" ({clip(one_line(req.name), SUBJECT_NAME)})"
    return text


def description(
    req: PortRequest,
    numbers: Sequence[PortNumber],
    tz: tzinfo | str | None,
    received: Collection[str] = (),
) -> Rich:
    """The request as a record for the porting team: the ticket's first (private) comment."""
    lines: list[Rich | str] = [f"Port-in request {req.sid}"]
    if req.name:
        lines.append(f"Request name: {one_line(req.name)}")
    lines += [
        f"Status: {req.status.label}",
        rich("Next step: ", next_step(req)),
        "",
        "ACCOUNT",
        f"Account holder: {holder(req)}",
        f"Current carrier: {one_line(req.losing_carrier) or 'not given'}",
        f"Account number: {masked_account(req)}",
        f"Billing telephone number (BTN): {number(req.btn) if req.btn else 'not given'}",
    ]
    pin = pin_state(req, numbers)
    if pin:
        lines.append(f"Wireless PIN / SSN digits: {pin}")
    desired = (
        f"{day(req.desired_date)} (the customer's wish; the carriers set the port date)"
        if req.desired_date
        else "none given"
    )
    lines += [
        f"Authorized representative: {rep(req)}",
        f"Service address: {address(req)}",
        "",
        f"NUMBERS ({len(numbers):,})",
        *number_lines(numbers),
        "",
        "DATES",
        f"Desired date: {desired}",
    ]
    if req.foc_date:
        foc = foc_day(req.foc_date, req.foc_window_start, req.foc_window_end, tz)
        lines.append(f"Port date (FOC): {foc}")
    fee = quote_words.lines(quote_words.quote_of(req), tz if isinstance(tz, str) else "UTC")
    lines += ["", "FEE QUOTE", *fee] if fee else []
    opened_by = one_line(req.requester_name) or req.requester_id or "a customer"
    opened_on = f" on {day(local_day(req.created_at, tz))}." if req.created_at else "."
    lines += [
        "",
        "DOCUMENTS",
        f"Letter of Authorization: {loa_state(req, tz)}",
        f"Billing statement: {bill_state(req)}",
        # what the numbers' country also asks for, received or still to send
        *timelines.document_lines(req, numbers, received=received),
        "",
        f"Opened in Slack by {opened_by}{opened_on}",
        "The customer talks in Slack: public replies here are posted in the request's Slack "
        "thread, and their replies there appear here as their comments. The representative "
        "only receives the LOA by e-mail.",
    ]
    return join(lines, "\n")


def status_note(req: PortRequest, event: TimelineEvent) -> Rich:
    """The internal note for a change: what changed, who did it, and what comes next (or, for
    a late event, where the request stands now). ``req`` is the request as it is now."""
    after = event.to_status or req.status
    if event.from_status is not None and event.from_status != after:
        lines: list[Rich | str] = [f"Status: {event.from_status.label} → {after.label}"]
    else:
        lines = [f"Status: {after.label} (unchanged)"]
    if event.detail:
        lines.append(event.detail)
    if event.numbers:
        lines.append(f"Numbers: {numbers_list(event.numbers, NOTE_NUMBERS)}")
    data = event.data or {}
    if data.get("codes"):
        lines.append("Rejection codes: " + ", ".join(str(c) for c in data["codes"]))
    warnings = data.get("csr_warnings") or []
    if warnings:
        lines.append("Differences from the CSR:")
        lines += [f"- {one_line(str(w))}" for w in list(warnings)[:8]]
    lines.append(f"By {author(event)} ({ROLE_WORDS.get(event.actor_role, 'someone')}).")
    if after == req.status:
        lines.append(rich("Next step: ", next_step(req)))
    else:
        lines.append(f"Since then the request has moved on; it is now: {req.status.label}.")
    return join(lines, "\n")


# --- the conversation --------------------------------------------------------------------------


def comment(event: TimelineEvent, source: str) -> str:
    """A message written in Slack (or elsewhere), with its author."""
    where = "in Slack" if source in ("slack", "") else f"({source})"
    if (event.data or {}).get("edit_of"):
        return f"{author(event)} edited their message {where}; it now reads:\n\n{event.detail}"
    return f"{author(event)} wrote {where}:\n\n{event.detail}".rstrip()


def own_words(event: TimelineEvent) -> str:
    """A customer's Slack reply as their own public comment: the ticket shows them as its
    author, so only the words (and whether they corrected an earlier message)."""
    text = (event.detail or "").strip()
    if (event.data or {}).get("edit_of"):
        return f"(Edited in Slack; the message now reads:)\n\n{text}".rstrip()
    return text or "(Files shared in Slack.)"


def files_left(linked: Sequence[Mapping[str, Any]]) -> str:
    """The files of a message that could not be carried to the ticket, as links."""
    lines = [f"- {f.get('name') or 'file'}: {f.get('url') or 'no longer in Slack'}" for f in linked]
    return "Files left in Slack (too large or unavailable):\n" + "\n".join(lines)


def withdrawn(event: TimelineEvent) -> str:
    return (
        f"{author(event)} {event.detail}. Its copy on this ticket stays as it was "
        "(ticket comments cannot be changed); redact it here if it should go."
    )


def note(event: TimelineEvent, *, public: bool) -> str:
    """A note from the timeline: for the customer with its author, or for the agents."""
    if public:
        return f"{author(event)}:\n\n{event.detail}"
    where = "" if event.actor_id.startswith("zendesk:") else " in Slack"  # sidebar notes
    return f"Note from {author(event)}{where}:\n\n{event.detail}"
