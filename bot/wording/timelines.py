"""When a port's next step usually happens, and what a country still wants sent: the lines the
card and ``/port status`` show under the request (plain text; each channel escapes it).

The figures are the country table's (:mod:`bot.porting.countries`): the losing carrier answers
1–3 business days after submission, a firm date (FOC) follows 3–7 business days later, and the
port itself takes the country's lead time for the slowest kind of number on the request, all
counted in business days of the numbers' country.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date

from bot.porting.calendar import BusinessCalendar
from bot.porting.countries import (
    DateRange,
    Document,
    DocumentRule,
    Milestone,
    Need,
    calendar_for,
    expected_by_any,
    table,
)
from bot.porting.intake_country import country_phrase
from bot.wording.countries import country_name, usually_by
from storage.models import PortNumber, PortRequest
from storage.values import LineType, RequestStatus

__all__ = [
    "DOCUMENT_NAMES",
    "document_lines",
    "documents_asked",
    "documents_to_send",
    "expected_next",
    "timeline_lines",
]

DOCUMENT_NAMES = {
    Document.LOA: "signed Letter of Authorization",
    Document.BILL: "recent bill",
    Document.CSR: "Customer Service Record (CSR)",
    Document.PROOF_OF_ADDRESS: "proof of address",
    Document.COMPANY_REGISTRATION: "company registration",
    Document.SIGNER_ID: "ID of the person who signs",
    Document.POWER_OF_ATTORNEY: "power of attorney",
}

_BEFORE_CARRIER = frozenset(
    {
        RequestStatus.DRAFT,
        RequestStatus.AWAITING_SIGNATURE,
        RequestStatus.IN_REVIEW,
        RequestStatus.ACTION_REQUIRED,
    }
)


def _kinds(numbers: Iterable[PortNumber]) -> tuple[LineType, ...]:
    live = {n.line_type for n in numbers if not n.status.final}
    return tuple(sorted(live)) or (LineType.LANDLINE,)


def _setting(req: PortRequest) -> tuple[str, BusinessCalendar] | None:
    code = (req.numbers_country or "US").upper()
    if code not in table().countries:
        return None
    return code, calendar_for(code)


def expected_next(
    req: PortRequest, numbers: Sequence[PortNumber], *, today: date | None = None
) -> list[tuple[Milestone, DateRange]]:
    """The next step(s) of a submitted request and their usual dates.

    With ``today``, the one step still ahead: the losing carrier's answer until its latest
    usual day has passed, then the firm date. Without it (a card, drawn once per change), both.
    Nothing before submission, nor once the port date is set or the request is over.
    """
    if req.status is not RequestStatus.SUBMITTED or req.submitted_at is None:
        return []
    found = _setting(req)
    if found is None:
        return []
    code, calendar = found
    kinds = _kinds(numbers)
    submitted = calendar.local_date(req.submitted_at)
    ack = expected_by_any(kinds, code, Milestone.ACKNOWLEDGED, submitted, calendar)
    foc_low = expected_by_any(kinds, code, Milestone.FOC_CONFIRMED, ack.earliest, calendar)
    foc_high = expected_by_any(kinds, code, Milestone.FOC_CONFIRMED, ack.latest, calendar)
    foc = DateRange(foc_low.earliest, foc_high.latest)
    if today is not None and today > ack.latest:
        return [(Milestone.FOC_CONFIRMED, foc)]
    if today is not None:
        return [(Milestone.ACKNOWLEDGED, ack)]
    return [(Milestone.ACKNOWLEDGED, ack), (Milestone.FOC_CONFIRMED, foc)]


def documents_to_send(
    req: PortRequest, numbers: Sequence[PortNumber], *, received: Collection[str] = ()
) -> tuple[DocumentRule, ...]:
    """The documents the numbers' country asks for that the request does not have yet, while
    it has not gone to the carrier: not the LOA (signed here) nor the bill (its own field), nor
    any kind in ``received`` (the kinds stored for the request, ``Snapshot.documents``). Only
    for a country with documents of its own beyond the CSR every country recommends."""
    if req.status not in _BEFORE_CARRIER:
        return ()
    wanted = documents_asked(req, numbers)
    if all(r.document is Document.CSR for r in wanted):
        return ()
    return tuple(r for r in wanted if r.document.value not in received)


def documents_asked(req: PortRequest, numbers: Sequence[PortNumber]) -> tuple[DocumentRule, ...]:
    """Every document the numbers' country asks of this request besides the LOA and the bill
    (received or not), in the table's order."""
    code = (req.numbers_country or "US").upper()
    row = table().countries.get(code)
    if row is None:
        return ()
    kinds = frozenset(_kinds(numbers))
    business = req.account_type.value == "business"
    return tuple(
        r
        for r in row.documents_for(kinds, business)
        if r.document not in (Document.LOA, Document.BILL)
    )


def _first_up(text: str) -> str:
    return text[:1].upper() + text[1:]


def document_lines(
    req: PortRequest, numbers: Sequence[PortNumber], *, received: Collection[str] = ()
) -> list[str]:
    """The ticket's lines for the country's documents: the ones received, then the ones still
    to send, one each, with the reason."""
    wanted = documents_asked(req, numbers) if documents_to_send(req, numbers) else ()
    got = [
        f"{_first_up(DOCUMENT_NAMES[r.document])}: received"
        for r in wanted
        if r.document.value in received
    ]
    return got + [
        f"{_first_up(DOCUMENT_NAMES[r.document])}: to send"
        + ("" if r.need is Need.REQUIRED else f", {r.need.value}")
        + f" ({country_name(req.numbers_country)}: {r.reason})"
        for r in documents_to_send(req, numbers, received=received)
    ]


def timeline_lines(
    req: PortRequest,
    numbers: Sequence[PortNumber],
    *,
    today: date | None = None,
    received: Collection[str] = (),
) -> list[str]:
    """The card's and ``/port status``'s lines: documents still to send for the numbers'
    country (``received``: the kinds the request has), then when the next step usually
    happens (plain text)."""
    lines: list[str] = []
    documents = documents_to_send(req, numbers, received=received)
    if documents:
        listed = ", ".join(
            DOCUMENT_NAMES[r.document] + ("" if r.need is Need.REQUIRED else f" ({r.need.value})")
            for r in documents
        )
        lines.append(
            f"To send for a port from {country_phrase(req.numbers_country)}: {listed}. "
            "Add them with the Add documents button on this request."
        )
    ahead = expected_next(req, numbers, today=today)
    if ahead:
        lines.append(" ".join(usually_by(milestone, found) for milestone, found in ahead))
    return lines
