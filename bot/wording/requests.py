"""A port request in words: what happens next, its numbers, its port date and its one-line
summary, said once for the Slack card, the ticket, the App Home and the sidebar.

Outside text (the carrier, names, e-mail addresses) goes in as data; each channel's renderer
escapes it. The porting rules a sentence names come from :mod:`bot.porting.rules`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo

from bot.porting.rules import DOCUMENT_AGING_NOTICE_DAYS, DOCUMENT_MAX_AGE_DAYS, EXPIRY_DAYS
from bot.wording.formats import clip, day, number, plural, short_sid, window
from bot.wording.quotes import quote_step
from bot.wording.rich import Rich, code, rich, strong
from storage.models import PortNumber, PortRequest
from storage.values import LineType, NumberStatus, RequestStatus

__all__ = [
    "NUMBER_STATUS_LABELS",
    "foc_day",
    "missing_items",
    "next_step",
    "number_status_label",
    "numbers_line",
    "port_date",
    "request_name",
    "summary",
    "toll_free_note",
]

S = RequestStatus

NUMBER_STATUS_LABELS: dict[NumberStatus, str] = {
    NumberStatus.PENDING: "Not sent yet",
    NumberStatus.SUBMITTED: "With the carrier",
    NumberStatus.FOC_CONFIRMED: "Port date set",
    NumberStatus.PORTED: "Ported",
    NumberStatus.REJECTED: "Rejected",
    NumberStatus.CANCELLED: "Cancelled",
}


def number_status_label(status: NumberStatus) -> str:
    """Where one number stands, e.g. ``With the carrier``."""
    return NUMBER_STATUS_LABELS[status]


def _rep(req: PortRequest) -> Rich:
    name = req.rep_name or "your authorized representative"
    return rich(name, " (", req.rep_email, ")") if req.rep_email else rich(name)


def next_step(req: PortRequest) -> Rich:
    """What happens next, for the customer, in one or two sentences."""
    carrier = req.losing_carrier or "your current carrier"
    match req.status:
        case S.DRAFT:
            return rich(
                "Add a bill from your current carrier, issued in the last "
                f"{plural(DOCUMENT_MAX_AGE_DAYS, 'day')}, to finish this request. Drafts close "
                f"on their own after {plural(EXPIRY_DAYS, 'day')}."
            )
        case S.AWAITING_SIGNATURE if req.loa_sent_at is not None:
            return rich(
                "We sent the Letter of Authorization (LOA) to ",
                _rep(req),
                " for signature. Once it's signed, our porting team checks everything and sends "
                "it to the carrier.",
            )
        case S.AWAITING_SIGNATURE:  # not gone yet: the thread says when it goes, or what stops it
            return rich(
                "The Letter of Authorization (LOA) goes to ",
                _rep(req),
                " for signature; this request's thread says when it has gone out, or what is "
                "stopping it. Once it's signed, our porting team checks everything and sends it "
                "to the carrier.",
            )
        case S.IN_REVIEW:
            return rich(
                "Our porting team is checking the details before sending them to ",
                carrier,
                ". That usually takes a business day or two.",
            )
        case S.QUOTE_PENDING:
            return quote_step(req)
        case S.SUBMITTED:
            return rich(
                carrier,
                " has the request. A firm port date usually comes within one to two weeks. "
                "Keep your current service active in the meantime.",
            )
        case S.FOC_CONFIRMED:
            on = rich("on ", strong(day(req.foc_date))) if req.foc_date else "on the confirmed date"
            return rich(
                "Your numbers move ",
                on,
                ". Set them up in your account now, and keep your service with ",
                carrier,
                " active until the port is done.",
            )
        case S.ACTION_REQUIRED:
            return rich(
                "The carrier turned down part of this request. Check ",
                code(f"/port status {short_sid(req.sid)}"),
                " for what to fix; we send it again once it's fixed.",
            )
        case S.CANCEL_PENDING:
            return rich(
                "We've asked the carriers to stop the port and will confirm here. Keep your "
                "service with ",
                carrier,
                " active until then.",
            )
        case S.COMPLETED:
            return rich(
                "Your numbers are with us. Make a few test calls and texts, then close the old "
                "account with ",
                carrier,
                ".",
            )
        case S.CANCELLED:
            return rich(
                "This request is closed and nothing will move. Start over any time with ",
                code("/port new"),
                ".",
            )
        case S.EXPIRED:
            return rich(
                f"This request waited {plural(EXPIRY_DAYS, 'day')} without being finished, so "
                "we closed it. Start a new one with ",
                code("/port new"),
                ".",
            )
    raise AssertionError(req.status)  # pragma: no cover


def request_name(req: PortRequest, limit: int, *, unnamed: str = "Port request") -> str:
    """The name the customer gave the request, cut to ``limit``, or ``unnamed``."""
    return clip(req.name, limit) if req.name else unnamed


def summary(req: PortRequest, count: int) -> Rich:
    """``Main office: In review · 3 numbers · port date Wed Dec 2, 2026``."""
    name = request_name(req, 80, unnamed=f"Port request {short_sid(req.sid)}")
    text = rich(name, f": {req.status.label} · {plural(count, 'number')}")
    if req.foc_date and not req.status.final:
        text += f" · port date {day(req.foc_date)}"
    return text


def numbers_line(numbers: Sequence[PortNumber], shown: int = 3) -> str:
    """``3 numbers: +1 617-253-1000, … and 1 more``; toll-free numbers are flagged."""
    if not numbers:
        return "No numbers"

    def show(n: PortNumber) -> str:
        return number(n.e164) + (" (toll-free)" if n.line_type is LineType.TOLL_FREE else "")

    listed = ", ".join(show(n) for n in numbers[:shown])
    more = f" and {len(numbers) - shown:,} more" if len(numbers) > shown else ""
    return f"{plural(len(numbers), 'number')}: {listed}{more}"


def toll_free_note(numbers: Sequence[PortNumber]) -> str:
    """Why toll-free numbers take longer, or ``""`` when there are none."""
    toll_free = sum(n.line_type is LineType.TOLL_FREE for n in numbers)
    if not toll_free:
        return ""
    return (
        f"{plural(toll_free, 'toll-free number')}: these move through their RespOrg and take a "
        "week or two longer."
    )


def foc_day(
    foc: date, start: datetime | None, end: datetime | None, tz: tzinfo | str | None
) -> str:
    """``Wed Dec 2, 2026, 9:00 AM – 11:00 AM EST``: a port date and its window, if any."""
    return f"{day(foc)}, {window(start, end, tz)}" if start and end else day(foc)


def port_date(req: PortRequest, numbers: Sequence[PortNumber], tz: tzinfo | str | None) -> str:
    """The port date as the card shows it: one date and its window, or each date with its
    count when the carriers gave several; ``""`` before any."""
    dated = Counter(
        n.foc_date
        for n in numbers
        if n.foc_date and n.status in (NumberStatus.FOC_CONFIRMED, NumberStatus.PORTED)
    )
    if len(dated) > 1:
        return ", ".join(f"{day(d)} ({plural(c, 'number')})" for d, c in sorted(dated.items()))
    foc = req.foc_date or next(iter(dated), None)
    if foc is None:
        return ""
    return foc_day(foc, req.foc_window_start, req.foc_window_end, tz)


_BEFORE_SUBMISSION = frozenset({S.DRAFT, S.AWAITING_SIGNATURE, S.IN_REVIEW, S.ACTION_REQUIRED})


def missing_items(
    req: PortRequest, numbers: Sequence[PortNumber], today: date | None
) -> list[Rich]:
    """What the request still needs before it can go (or go again) to the carrier, one item a
    line, in words for the customer and the porting team alike; nothing once it has gone.
    Without ``today`` the ages of the documents are not judged."""
    if req.status not in _BEFORE_SUBMISSION:
        return []
    items: list[Rich] = []
    if req.status is S.AWAITING_SIGNATURE or (req.status is not S.DRAFT and not req.signed_at):
        rep = req.rep_name or "the authorized representative"
        items.append(rich("The LOA's signature: it is waiting for ", rep, "."))
    elif req.signed_at and today and (today - req.signed_at.date()).days > DOCUMENT_MAX_AGE_DAYS:
        items.append(
            rich(
                "A fresh LOA signature: this one is more than ",
                plural(DOCUMENT_MAX_AGE_DAYS, "day"),
                " old, and carriers refuse it.",
            )
        )
    if not req.bill_filename:
        items.append(
            rich(
                "A bill from the current carrier, issued in the last ",
                plural(DOCUMENT_MAX_AGE_DAYS, "day"),
                ".",
            )
        )
    elif req.bill_issued_on and today:
        age = (today - req.bill_issued_on).days
        if age > DOCUMENT_MAX_AGE_DAYS:
            items.append(
                rich(
                    f"A newer bill: this one is {plural(age, 'day')} old, and carriers take ",
                    f"{DOCUMENT_MAX_AGE_DAYS} at most.",
                )
            )
        elif age >= DOCUMENT_AGING_NOTICE_DAYS:
            turns = day(req.bill_issued_on + timedelta(days=DOCUMENT_MAX_AGE_DAYS))
            items.append(
                rich(
                    f"Maybe a newer bill: this one turns {plural(DOCUMENT_MAX_AGE_DAYS, 'day')} ",
                    f"old on {turns}. If the request has not gone to the carrier by then, a newer ",
                    "one will be needed.",
                )
            )
    types = {n.line_type for n in numbers}
    if LineType.WIRELESS in types and not req.pin:
        items.append(rich("The port-out PIN of the mobile numbers."))
    if types - {LineType.WIRELESS} and not req.btn:
        items.append(rich("The billing telephone number (BTN) of the account."))
    return items
