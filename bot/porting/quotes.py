"""The fee quote of an international port (the platform guide's step 2), as pure rules.

Countries whose row says ``fee_quote_required`` (or every request, with ``PORTBOT_QUOTE_ALL``)
get a quote after review: an amount in a currency, for the whole request or per number. The
customer accepts or declines it; no answer within :data:`ANSWER_BUSINESS_DAYS` business days of
the request's own country counts as acceptance. Only numbers that actually port are charged.
Once accepted, the provider reviews the request within :data:`REVIEW_BUSINESS_DAYS`.

The quote is kept on the request as plain JSON (:meth:`Quote.to_json`); nothing here touches
storage or reads a clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Final

from bot.porting.calendar import BusinessCalendar
from bot.porting.countries import UNKNOWN_REGION, country_of, requirements_for
from bot.porting.errors import DomainError, InvalidInput

ANSWER_BUSINESS_DAYS: Final = 3
"""No answer within this many business days (of the request's country) counts as acceptance."""
REMINDER_BUSINESS_DAYS: Final = (1, 2)
"""The customer is reminded of an unanswered quote after this many business days."""
REVIEW_BUSINESS_DAYS: Final = 1
"""After acceptance the provider reviews the request within this many business days."""

MAX_AMOUNT: Final = Decimal("1000000")

# ISO 4217 active codes (funds and precious metals left out).
_ISO_4217 = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER
    ZAR ZMW ZWG
"""
CURRENCIES: Final = frozenset(_ISO_4217.split())


class Answer(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


def parse_amount(text: str) -> Decimal:
    """A positive amount as typed (``"12.50"``, ``"1,200"``), as a :class:`Decimal`."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(
            f"“{text.strip()}” is not an amount; write it like 12.50.", {"amount": "not a number"}
        ) from None
    if not value.is_finite() or value <= 0 or value >= MAX_AMOUNT:
        raise InvalidInput(
            "The amount must be more than 0 and less than 1,000,000.", {"amount": "out of range"}
        )
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -3:
        raise InvalidInput(
            "The amount has too many decimals; use at most three.", {"amount": "too precise"}
        )
    return value


def parse_currency(text: str) -> str:
    """An ISO 4217 code (any case) in upper case; refuses anything else."""
    code = text.strip().upper()
    if code not in CURRENCIES:
        raise InvalidInput(
            f"“{text.strip()}” is not a currency code; use the three letters of ISO 4217, "
            "such as EUR, GBP or USD.",
            {"currency": "unknown"},
        )
    return code


def money(amount: Decimal, currency: str) -> str:
    """``EUR 1,250.00``: the code, then the amount with two decimals at least."""
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{currency} {amount:,}"


@dataclass(frozen=True)
class Quote:
    """One fee quote and what became of it."""

    amount: Decimal
    currency: str
    per_number: bool
    country: str  # whose calendar counts the answer period
    sent_at: datetime
    answer_by: datetime
    sent_by: str = ""
    note: str = ""
    numbers: int = 0  # numbers on the request when it was quoted
    answer: Answer | None = None
    answered_at: datetime | None = None
    answered_by: str = ""
    by_default: bool = False
    charge: Decimal | None = None
    charged_numbers: int | None = None

    @property
    def accepted(self) -> bool:
        return self.answer is Answer.ACCEPTED

    @property
    def open(self) -> bool:
        return self.answer is None

    def answered(self, answer: Answer, at: datetime, by: str, *, by_default: bool) -> Quote:
        return replace(self, answer=answer, answered_at=at, answered_by=by, by_default=by_default)

    def charged(self, ported: int) -> Quote:
        return replace(self, charge=charge(self, ported), charged_numbers=ported)

    def to_json(self) -> dict[str, Any]:
        return {
            "amount": str(self.amount),
            "currency": self.currency,
            "per_number": self.per_number,
            "country": self.country,
            "sent_at": self.sent_at.isoformat(),
            "answer_by": self.answer_by.isoformat(),
            "sent_by": self.sent_by,
            "note": self.note,
            "numbers": self.numbers,
            "answer": self.answer.value if self.answer else None,
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
            "answered_by": self.answered_by,
            "by_default": self.by_default,
            "charge": str(self.charge) if self.charge is not None else None,
            "charged_numbers": self.charged_numbers,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Quote | None:
        if not data:
            return None
        answered = data.get("answered_at")
        charge_ = data.get("charge")
        return cls(
            amount=Decimal(str(data["amount"])),
            currency=str(data["currency"]),
            per_number=bool(data.get("per_number")),
            country=str(data.get("country") or ""),
            sent_at=datetime.fromisoformat(data["sent_at"]),
            answer_by=datetime.fromisoformat(data["answer_by"]),
            sent_by=str(data.get("sent_by") or ""),
            note=str(data.get("note") or ""),
            numbers=int(data.get("numbers") or 0),
            answer=Answer(data["answer"]) if data.get("answer") else None,
            answered_at=datetime.fromisoformat(answered) if answered else None,
            answered_by=str(data.get("answered_by") or ""),
            by_default=bool(data.get("by_default")),
            charge=Decimal(str(charge_)) if charge_ is not None else None,
            charged_numbers=data.get("charged_numbers"),
        )


def charge(quote: Quote, ported: int) -> Decimal:
    """What is charged once the port is over: per number, the amount times the numbers that
    ported; for the whole request, the amount when at least one number ported, else nothing."""
    if ported <= 0:
        return Decimal("0")
    return quote.amount * ported if quote.per_number else quote.amount


def answer_deadline(sent_at: datetime, calendar: BusinessCalendar) -> datetime:
    """When silence becomes acceptance: the same local time, :data:`ANSWER_BUSINESS_DAYS`
    business days of ``calendar`` (the request's country) after the quote was sent."""
    return calendar.business_days_after(sent_at, ANSWER_BUSINESS_DAYS)


def request_country(numbers: Iterable[str]) -> str | None:
    """The country of a request's numbers (one request ports one country's numbers)."""
    for e164 in numbers:
        code = country_of(e164)
        if code != UNKNOWN_REGION:
            return code
    return None


def quote_required(country: str | None, *, quote_all: bool = False) -> bool:
    """Whether a request from ``country`` must have an accepted quote before submission."""
    if quote_all:
        return True
    if not country:
        return False
    try:
        return requirements_for(country).fee_quote_required
    except KeyError:
        return False


class QuoteNotAccepted(DomainError):
    """Submission refused: the request's country asks for an accepted fee quote first."""

    code = "quote_not_accepted"

    def __init__(self, sid: str, country: str | None, quote: Quote | None) -> None:
        where = f"Ports from {country}" if country else "Ports"
        if quote is None:
            step = f"Send one first with `/port quote {sid} AMOUNT CURRENCY`."
        else:
            step = "The customer has not accepted the current quote yet."
        super().__init__(
            f"{sid} can't go to the carrier yet: {where} need the customer's acceptance of a "
            f"fee quote before submission. {step}"
        )


def check_submit(sid: str, country: str | None, quote: Quote | None, *, required: bool) -> None:
    """Raise :class:`QuoteNotAccepted` unless a required quote was accepted."""
    if required and (quote is None or not quote.accepted):
        raise QuoteNotAccepted(sid, country, quote)
