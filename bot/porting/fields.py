"""The intake form's vocabulary: field names, the draft as typed, and validation results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from storage.values import AccountType, LineType


class F(StrEnum):
    """Intake fields; the Slack modal maps each to the block where the message shows."""

    AGREEMENTS = "agreements"
    LANDLINES = "landlines"
    WIRELESS = "wireless"
    LOSING_CARRIER = "losing_carrier"
    ACCOUNT_NUMBER = "account_number"
    BTN = "btn"
    PIN = "pin"
    NAME = "name"
    ACCOUNT_TYPE = "account_type"
    COMPANY_NAME = "company_name"
    REP_NAME = "rep_name"
    REP_EMAIL = "rep_email"
    STREET = "street"
    STREET2 = "street2"
    CITY = "city"
    REGION = "region"
    POSTAL_CODE = "postal_code"
    COUNTRY = "country"
    DESIRED_DATE = "desired_date"
    BILL = "bill"
    BILL_ISSUED_ON = "bill_issued_on"


# Fields the Letter of Authorization certifies: changing one needs a new signature.
# (The PIN is never printed on the LOA, so a new PIN needs no new signature.)
LOA_FIELDS = frozenset(F) - {F.AGREEMENTS, F.NAME, F.PIN, F.DESIRED_DATE, F.BILL, F.BILL_ISSUED_ON}

Errors = dict[F, str]


@dataclass(frozen=True)
class Bill:
    filename: str
    size: int
    content_type: str
    issued_on: date | None = None
    file_id: str | None = None  # where the file itself is kept (Slack file id until stored)


@dataclass(frozen=True)
class Draft:
    """Everything the customer typed, as typed. Every field is optional until validated."""

    agreements: frozenset[str] = frozenset()
    landlines: str = ""
    wireless: str = ""
    losing_carrier: str = ""
    account_number: str = ""
    btn: str = ""
    pin: str = ""
    name: str = ""
    account_type: str = AccountType.BUSINESS.value
    company_name: str = ""
    rep_name: str = ""
    rep_email: str = ""
    street: str = ""
    street2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = "US"
    desired_date: date | None = None
    bill: Bill | None = None
    bill_later: bool = False

    def __repr__(self) -> str:  # never show the PIN or account number
        return f"Draft(numbers={len(self.landlines) + len(self.wireless)} chars, masked)"


@dataclass(frozen=True)
class CleanNumber:
    e164: str
    line_type: LineType


@dataclass
class Cleaned:
    """Normalized values of the fields that validated."""

    numbers: list[CleanNumber] = field(default_factory=list)
    values: dict[F, object] = field(default_factory=dict)

    @property
    def has_wireless(self) -> bool:
        return any(n.line_type is LineType.WIRELESS for n in self.numbers)

    @property
    def has_landline(self) -> bool:
        return any(n.line_type is not LineType.WIRELESS for n in self.numbers)

    @property
    def toll_free(self) -> list[str]:
        return [n.e164 for n in self.numbers if n.line_type is LineType.TOLL_FREE]


@dataclass
class Result:
    errors: Errors = field(default_factory=dict)
    cleaned: Cleaned = field(default_factory=Cleaned)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def blank(text: str | None) -> bool:
    return not (text or "").strip()


def squash(text: str) -> str:
    return " ".join(text.split())
