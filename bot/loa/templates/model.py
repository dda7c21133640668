"""One country's letter as a frozen value: :class:`LoaTemplate`, read from ``data/<code>.toml``.

A template holds words (the title, the paragraphs, the labels) and a few layout choices (date
pattern, digit grouping, page size, how numbers are written). Its methods turn a
:class:`~bot.loa.content.LoaContent` into what the PDF shows; nothing here branches on a country.

Paragraph texts are reportlab paragraph markup, already escaped by the loader; they may hold the
placeholders ``{holder}``, ``{carrier}`` and ``{count}``, and the English version of a bilingual
paragraph ``{carrier_en}``, which the renderer fills in (escaped). Titles and labels are plain
text: the renderer escapes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from string import Formatter
from types import MappingProxyType

from reportlab.lib.pagesizes import LETTER

from bot.loa.content import LINE_TYPE_LABELS, LoaContent
from bot.porting.countries import Country, When, requirements_for
from bot.porting.fields import F
from bot.porting.numbers import format_display
from storage.values import LineType

__all__ = ["Clause", "Labels", "LoaTemplate", "NumberStyle"]

_KINDS_BY_LABEL: Mapping[str, LineType] = MappingProxyType(
    {label: kind for kind, label in LINE_TYPE_LABELS.items()}
)


@dataclass(frozen=True, slots=True)
class Labels:
    """The short words of the letter: field names, table headings, signature-block captions."""

    date: str = "Date"
    request: str = "Reference"
    account_type: str = "Account type"
    business: str = "Business"
    residential: str = "Residential"
    company: str = "Account holder (company)"
    person: str = "Account holder"
    representative: str = "Authorized representative"
    email: str = "Email"
    service_address: str = "Service address"
    losing_carrier: str = "Current carrier"
    account_number: str = "Account number"
    btn: str = "Billing telephone number (BTN)"
    pin: str = "Port-out PIN"
    code_given: str = "given with the request (not printed)"
    numbers: str = "Numbers to port"
    number_count: str = "Numbers"
    index: str = "#"
    number: str = "Number"
    line_type: str = "Type"
    not_given: str = "not given"
    carrier_unknown: str = "the current carrier"
    signature_heading: str = "Signature of the account holder or its authorized representative"
    signature: str = "Signature"
    printed_name: str = "Printed name"
    signed_on: str = "Date"
    page: str = "Page {page} of {pages}"
    continued: str = "continued"


class NumberStyle(StrEnum):
    """How the letter writes a telephone number."""

    E164 = "e164"  # +16175550100
    INTERNATIONAL = "international"  # +33 1 42 68 53 00, grouped as the country writes it


@dataclass(frozen=True, slots=True)
class Clause:
    """A paragraph that may apply to some requests only.

    ``field``: shown when the country's row lists that field for the request's kinds of number
    and account type (the PAC sentence on a UK letter with mobile numbers). ``when``: shown when
    the request meets the condition. Neither: always shown.
    """

    text: str
    field: F | None = None
    when: When | None = None


@dataclass(frozen=True, slots=True)
class LoaTemplate:
    """One country's letter. ``language`` is the letter's (ISO 639-1); ``bilingual`` letters
    carry an English version under each paragraph (see the data files' ``language_note``)."""

    country: str
    language: str
    bilingual: bool
    country_name: str  # the template's own country, in the letter's language
    title: str
    intro: str
    authorization: tuple[str, ...]
    certify_heading: str
    certifications: tuple[Clause, ...]
    labels: Labels = field(default_factory=Labels)
    date_pattern: str = "{year}-{month:02d}-{day:02d}"
    months: tuple[str, ...] = ()
    thousands: str = ","
    count_words: tuple[str, str] = ("{n} telephone number", "{n} telephone numbers")
    count_item: str = "{n} {lower}"  # one kind in the summary: "3 landline", "Festnetz: 3"
    # Line type labels from LoaContent (see content.LINE_TYPE_LABELS) -> the words shown.
    line_type_words: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    number_style: NumberStyle = NumberStyle.E164
    page_size: tuple[float, float] = LETTER
    number_columns: int = 4  # how many (#, number, type) groups side by side in the table
    address_format: str = ""  # overrides the country table's layout for addresses in `country`
    language_note: str = ""

    # ------------------------------------------------------------------------------ words

    def format_date(self, d: date) -> str:
        month_name = self.months[d.month - 1] if self.months else ""
        return self.date_pattern.format(
            day=d.day, month=d.month, year=d.year, month_name=month_name
        )

    def grouped(self, n: int) -> str:
        """``n`` with the letter's digit grouping: 1,000 / 1.000 / 1 000."""
        return f"{n:,}".replace(",", self.thousands)

    def count_phrase(self, n: int) -> str:
        one, many = self.count_words
        return (one if n == 1 else many).format(n=self.grouped(n))

    def line_type_word(self, label: str) -> str:
        return self.line_type_words.get(label, label)

    def number_summary(self, content: LoaContent) -> str:
        """ "1,000 (334 landline, 333 wireless, 333 toll-free)" in the letter's words."""
        parts = []
        for label, n in content.count_by_label().items():
            word = self.line_type_word(label)
            parts.append(self.count_item.format(n=self.grouped(n), word=word, lower=word.lower()))
        return f"{self.grouped(len(content.numbers))} ({', '.join(parts)})"

    def format_number(self, e164: str) -> str:
        return format_display(e164) if self.number_style is NumberStyle.INTERNATIONAL else e164

    # ----------------------------------------------------------------------------- fields

    def account_rows(self, content: LoaContent) -> list[tuple[str, str]]:
        """The account's rows of the details table; "" reads as "not given".

        The account number always; the billing number when the country's row lists it (or one
        was given); the country's port-out code (PAC, RIO, NIP...) when the row asks for it on
        this request. The code itself is never printed: the row says it goes with the request,
        whatever its value, so a new code needs no new signature.
        """
        labels = self.labels
        # Asterisks: reportlab writes "•" in the standard fonts as code 127, which reads as blank.
        rows = [(labels.account_number, content.account_number_masked.replace("•", "*"))]
        row = self._row()
        if content.btn or row is None or row.field(F.BTN) is not None:
            rows.append((labels.btn, self.format_number(content.btn) if content.btn else ""))
        if self._field_applies(F.PIN, content):
            rows.append((labels.pin, labels.code_given))
        return rows

    def certifications_for(self, content: LoaContent) -> tuple[str, ...]:
        """The statements the representative certifies for this request, in order."""
        return tuple(c.text for c in self.certifications if self._clause_applies(c, content))

    def _row(self) -> Country | None:
        try:
            return requirements_for(self.country)
        except KeyError:
            return None

    def _field_applies(self, name: F, content: LoaContent) -> bool:
        row = self._row()
        rule = row.field(name) if row is not None else None
        return rule is not None and rule.applies(_kinds(content), content.is_business)

    def _clause_applies(self, clause: Clause, content: LoaContent) -> bool:
        if clause.when is not None and not clause.when.applies(
            _kinds(content), content.is_business
        ):
            return False
        return clause.field is None or self._field_applies(clause.field, content)

    # ---------------------------------------------------------------------------- address

    def address_lines(self, content: LoaContent) -> tuple[str, ...]:
        """The service address laid out as its country writes it, then the country's name.

        The layout is the country table's (``address.format``), or this template's own
        ``address_format`` for an address in its country; an address in a country outside the
        table is written the US way. Empty parts are left out with their separators.
        """
        row = _row_of(content.country)
        if content.country == self.country and self.address_format:
            layout = self.address_format
        elif row is not None:
            layout = row.address.format
        else:
            layout = "{street}\n{street2}\n{city}, {region} {postal_code}"
        street = (*content.street_lines, "", "")[:2]
        parts = {
            "street": street[0],
            "street2": street[1],
            "city": content.city,
            "region": content.region,
            "postal_code": content.postal_code.upper(),
        }
        lines = [_fill(line, parts) for line in layout.split("\n")]
        if content.country == self.country:
            name = self.country_name
        else:
            name = row.name if row is not None else content.country
        return tuple(line for line in (*lines, name) if line)


def _row_of(code: str) -> Country | None:
    try:
        return requirements_for(code) if code else None
    except KeyError:
        return None


def _fill(line: str, parts: Mapping[str, str]) -> str:
    """One address line with the parts that are there; the text before a part (its separator)
    is kept only when something was written before it: "Cambridge, MA 02139", "Cambridge 02139"."""
    out = ""
    for literal, name, _, _ in Formatter().parse(line):
        value = parts.get(name, "") if name else ""
        if value:
            out += literal if out else literal.lstrip(" ,-")
            out += value
    return out.strip()


def _kinds(content: LoaContent) -> frozenset[LineType]:
    return frozenset(_KINDS_BY_LABEL[label] for _, label in content.numbers)
