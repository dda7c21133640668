"""What a Letter of Authorization says, as plain values taken from a port request.

:func:`content_of` is the only place that reads the request for the LOA. It copies the fields the
letter shows and nothing else: the account number arrives already masked (``Secret.masked``, so
at most its last four characters), and the port-out code (wireless PIN, SSN digits, PAC, RIO,
NIP) is never read at all, not even whether there is one. The PDF code only ever sees a
:class:`LoaContent`, so it cannot leak what it was never given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from bot.porting.countries import UNKNOWN_REGION, countries_of
from storage.models import PortNumber, PortRequest
from storage.values import AccountType, LineType

__all__ = ["LINE_TYPE_LABELS", "LoaContent", "content_of"]

LINE_TYPE_LABELS: Mapping[LineType, str] = MappingProxyType(
    {LineType.LANDLINE: "Landline", LineType.WIRELESS: "Wireless", LineType.TOLL_FREE: "Toll-free"}
)


@dataclass(frozen=True, slots=True)
class LoaContent:
    """Everything an LOA shows, as plain strings, a date and tuples. Never a PIN.

    ``numbers`` holds ``(e164, line type label)`` pairs in the request's order, the label being one
    of :data:`LINE_TYPE_LABELS` (templates may reword it). ``account_number_masked`` is the masked
    form: ``"••••6789"``, ``"••••"`` for a short number, ``""`` when none was given. The service
    address is kept in parts so that each country's template can lay it out its own way.
    ``country`` is the service address's; ``number_country`` the numbers' (which picks the
    letter), ``""`` when unknown.
    """

    sid: str
    account_type: str  # AccountType value: "business" or "residential"
    company_name: str  # "" for residential accounts
    rep_name: str
    rep_email: str
    street_lines: tuple[str, ...]
    city: str
    region: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2, upper case
    losing_carrier: str
    account_number_masked: str
    btn: str
    numbers: tuple[tuple[str, str], ...]
    created: date
    number_country: str = ""

    @property
    def is_business(self) -> bool:
        return self.account_type == AccountType.BUSINESS.value

    @property
    def holder(self) -> str:
        """Who owns the account: the company for a business, the representative otherwise."""
        return (self.company_name if self.is_business else "") or self.rep_name

    def count_by_label(self) -> dict[str, int]:
        """How many numbers of each line type label, in first-seen order."""
        counts: dict[str, int] = {}
        for _, label in self.numbers:
            counts[label] = counts.get(label, 0) + 1
        return counts


def content_of(req: PortRequest, numbers: Sequence[PortNumber], *, today: date) -> LoaContent:
    """The LOA content for ``req`` listing ``numbers`` (sorted by their position), dated ``today``.

    The caller chooses the numbers (for a follow-up request, only the ones being resubmitted).
    Raises ``ValueError`` when there is no number to list: such a letter authorizes nothing.
    """
    if not numbers:
        raise ValueError(f"LOA for {req.sid}: no numbers to list")
    ordered = sorted(numbers, key=lambda n: n.position)  # stable: equal positions keep their order
    account_type = AccountType(req.account_type)
    return LoaContent(
        sid=req.sid,
        account_type=account_type.value,
        company_name=_text(req.company_name) if account_type is AccountType.BUSINESS else "",
        rep_name=_text(req.rep_name),
        rep_email=_text(req.rep_email),
        street_lines=tuple(line for line in (_text(req.street), _text(req.street2)) if line),
        city=_text(req.city),
        region=_text(req.region),
        postal_code=_text(req.postal_code),
        country=(_text(req.country) or "US").upper(),
        losing_carrier=_text(req.losing_carrier),
        account_number_masked=req.account_number.masked if req.account_number else "",
        btn=_text(req.btn),
        numbers=tuple((n.e164, LINE_TYPE_LABELS[LineType(n.line_type)]) for n in ordered),
        created=today,
        number_country=_country_of_numbers(n.e164 for n in ordered),
    )


def _country_of_numbers(numbers: Iterable[str]) -> str:
    """The country most of the numbers belong to (the first one's on a tie); ``""`` if none is
    known. The intake keeps a request to one country; older requests may mix."""
    groups = countries_of(numbers)
    known = [(len(found), code) for code, found in groups.items() if code != UNKNOWN_REGION]
    return max(known, key=lambda pair: pair[0])[1] if known else ""


def _text(value: str | None) -> str:
    """One clean line: surrounding blanks dropped, inner runs of whitespace made single spaces."""
    return " ".join((value or "").split())
