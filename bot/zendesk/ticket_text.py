"""The words on a ticket: the request's fields, numbers, rejections and dates as plain text.

Helpers of :mod:`bot.zendesk.mapping`, apart so that the mapping reads as the decisions it
makes. Pure; nothing here may show a PIN or a whole account number.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.porting import rejections
from bot.porting.numbers import format_display
from bot.slack.blocks.text import day, window
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
    from bot.services.base import Snapshot
    from bot.zendesk.mapping import TicketOptions

DESCRIPTION_NUMBERS = 50
"""Numbers listed one per line in the description before "…and K more"."""
NOTE_NUMBERS = 10

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


def affected(snap: Snapshot, event: TimelineEvent) -> list[PortNumber]:
    wanted = set(event.numbers or ())
    return [n for n in snap.numbers if n.e164 in wanted] if wanted else []


def codes(event: TimelineEvent) -> list[str]:
    return [str(c) for c in (event.data or {}).get("codes") or ()]


def rejection_text(numbers: Sequence[PortNumber], *, codes: Iterable[str] = ()) -> str:
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
        which = f" ({numbers_inline(by_code[code], NOTE_NUMBERS)})" if by_code[code] else ""
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


def plain(mrkdwn: str) -> str:
    """Slack ``mrkdwn`` from the shared wording as plain text: no entities, bold or code marks."""
    text = _CODE.sub(r"\1", _BOLD.sub(r"\1", mrkdwn))
    return html.unescape(text).replace("\u2060", "")


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
        lines.append(f"{format_display(n.e164)}  ({extra})")
    if len(numbers) > DESCRIPTION_NUMBERS:
        lines.append(f"…and {len(numbers) - DESCRIPTION_NUMBERS:,} more")
    return lines or ["none"]


def numbers_inline(e164s: Sequence[str], limit: int) -> str:
    shown = ", ".join(format_display(e) for e in e164s[:limit])
    more = f" and {len(e164s) - limit:,} more" if len(e164s) > limit else ""
    return shown + more


def foc_text(foc: date, req: PortRequest, options: TicketOptions) -> str:
    text = day(foc)
    if req.foc_window_start and req.foc_window_end:
        text += f", {window(req.foc_window_start, req.foc_window_end, options.timezone)}"
    return text


def loa_state(req: PortRequest, options: TicketOptions) -> str:
    if req.signed_at:
        return f"signed on {day(local_day(req.signed_at, options))}"
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


def local_day(moment: datetime, options: TicketOptions) -> date:
    return moment.astimezone(ZoneInfo(options.timezone)).date()


def parse_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def parse_datetime(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
