"""LOA templates: the words and layout choices that differ from one country to another.

A :class:`LoaTemplate` is plain data: the title, the authorization text, the statements the
representative certifies, the labels, and a few small functions (how a date, an address and a
number are written). :func:`template_for` picks one by the service address's country; a country
without its own template gets the US one.

**Adding a country** (say Australia):

1. Write ``AU = replace(US, country="AU", ...)``, overriding only what differs: often the date
   format, :attr:`LoaTemplate.address_lines`, the page size and a few labels; rewrite the
   authorization text and certifications when the rules or the language differ. Every sentence
   is ours: take facts from the carriers' guides, never their wording.
2. Add it to :data:`TEMPLATES` under its ISO 3166-1 alpha-2 code.
3. Add a test that renders a request with that country and finds the template's title.

Text fields may use the placeholders ``{holder}`` (the account holder's name), ``{carrier}`` (the
current carrier) and ``{count}`` (e.g. "12 telephone numbers"); the renderer fills them in, already
escaped. They are reportlab paragraph markup, so a literal ``&``, ``<`` or ``>`` must be written
``&amp;``, ``&lt;``, ``&gt;`` and a literal brace doubled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType

from reportlab.lib.pagesizes import A4, LETTER

from bot.loa.content import LoaContent
from bot.porting.numbers import format_display
from bot.porting.rules import DOCUMENT_MAX_AGE_DAYS
from bot.porting.words import plural

__all__ = ["CA", "GB", "TEMPLATES", "US", "Labels", "LoaTemplate", "template_for"]

COUNTRY_NAMES: Mapping[str, str] = MappingProxyType(
    {"US": "United States", "CA": "Canada", "GB": "United Kingdom"}
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


def _us_date(d: date) -> str:
    return f"{d:%B} {d.day}, {d.year}"  # November 16, 2026


def _day_month_year(d: date) -> str:
    return f"{d.day} {d:%B} {d.year}"  # 16 November 2026


def _country_line(content: LoaContent) -> str:
    return COUNTRY_NAMES.get(content.country, content.country)


def _us_address(content: LoaContent) -> tuple[str, ...]:
    """Street lines, then "City, ST 02139", then the country."""
    place = ", ".join(p for p in (content.city, content.region) if p)
    locality = " ".join(p for p in (place, content.postal_code) if p)
    return tuple(p for p in (*content.street_lines, locality, _country_line(content)) if p)


def _ca_address(content: LoaContent) -> tuple[str, ...]:
    """Canada Post's order: "Montréal QC  H2X 1Y4" (two spaces before the postal code)."""
    place = " ".join(p for p in (content.city, content.region) if p)
    locality = "  ".join(p for p in (place, content.postal_code.upper()) if p)
    return tuple(p for p in (*content.street_lines, locality, _country_line(content)) if p)


def _gb_address(content: LoaContent) -> tuple[str, ...]:
    """Royal Mail's order: street lines, post town, county (when given), postcode on its own."""
    lines = (*content.street_lines, content.city, content.region, content.postal_code.upper())
    return tuple(p for p in (*lines, _country_line(content)) if p)


def _e164(e164: str) -> str:
    return e164


def _count_en(n: int) -> str:
    return plural(n, "telephone number")


@dataclass(frozen=True, slots=True)
class LoaTemplate:
    """One country's letter. See the module docstring for how to add one."""

    country: str
    title: str
    intro: str
    authorization: tuple[str, ...]
    certify_heading: str
    certifications: tuple[str, ...]
    labels: Labels = field(default_factory=Labels)
    format_date: Callable[[date], str] = _us_date
    address_lines: Callable[[LoaContent], tuple[str, ...]] = _us_address
    format_number: Callable[[str], str] = _e164
    count_phrase: Callable[[int], str] = _count_en
    # Line type labels from LoaContent (see content.LINE_TYPE_LABELS) -> the words shown.
    line_type_words: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    page_size: tuple[float, float] = LETTER
    # How many (#, number, type) groups side by side in the numbers table.
    number_columns: int = 4

    def line_type_word(self, label: str) -> str:
        return self.line_type_words.get(label, label)


US = LoaTemplate(
    country="US",
    title="Letter of Authorization to Port Telephone Numbers",
    intro=(
        "This letter asks {carrier} to release the telephone numbers listed below so that they "
        "can move to a new service provider, and gives that provider the authority to arrange "
        "the move."
    ),
    authorization=(
        "{holder} (the account holder) authorizes the new service provider that presents this "
        "letter, and the carriers and agents working for it, to transfer the {count} listed "
        "above away from {carrier}, and to obtain from {carrier} the account information that "
        "the transfer needs, such as the customer service record (CSR).",
        "This authorization covers only the numbers listed in this letter. Carriers accept it "
        f"for {DOCUMENT_MAX_AGE_DAYS} days from the date shown above; after that a new letter "
        "must be signed.",
        "The carriers agree on the date of the transfer between themselves, and the account "
        "holder will be told that date in advance. Calls and messages may be interrupted for a "
        "short time while the numbers switch over.",
    ),
    certify_heading="By signing this letter, I confirm that:",
    certifications=(
        "I am the account holder named above, or I have the authority to make decisions about "
        "this account, including moving its numbers, on the account holder's behalf.",
        "The name, service address, account number and billing telephone number in this letter "
        "are exactly as {carrier} has them on record. I understand that any difference can make "
        "{carrier} refuse the transfer.",
        "The numbers are in service today, and the account with {carrier} will stay active until "
        "the transfer is complete. Closing it earlier may cause the numbers to be lost.",
        "Moving the numbers may end the service {carrier} provides on them. Any unpaid balance, "
        "early-termination charge or fee for leaving that {carrier} applies remains the account "
        "holder's responsibility.",
        "No other request to move these numbers to a different provider is in progress.",
    ),
)

CA = replace(
    US,
    country="CA",
    labels=replace(Labels(), date="Date (YYYY-MM-DD)"),
    format_date=date.isoformat,  # unambiguous in both of Canada's languages
    address_lines=_ca_address,
)

GB = LoaTemplate(
    country="GB",
    title="Letter of Authority to Transfer Telephone Numbers",
    intro=(
        "This letter asks {carrier} to release the telephone numbers listed below to a new "
        "communications provider, and authorises that provider to arrange the transfer."
    ),
    authorization=(
        "{holder} (the account holder) authorises the new communications provider presenting "
        "this letter, and any provider or agent acting for it, to transfer the {count} listed "
        "above from {carrier}, and to obtain from {carrier} the account details needed to do so.",
        "This authority applies only to the numbers listed in this letter and is accepted for "
        f"{DOCUMENT_MAX_AGE_DAYS} days from the date shown above; after that a new letter must "
        "be signed.",
        "The providers agree the transfer date between them and the account holder will be told "
        "it in advance. Calls may be briefly interrupted while the numbers move across.",
    ),
    certify_heading="By signing this letter, I confirm that:",
    certifications=(
        "I am the account holder named above, or I am authorised to act for the account holder "
        "on this account, including transferring its numbers.",
        "The name, installation address, account number and main billing number in this letter "
        "match the records held by {carrier}; any difference may cause the transfer to be "
        "refused.",
        "The numbers are live today and the account with {carrier} will remain open until the "
        "transfer has completed.",
        "Any outstanding balance, early-termination charge or leaving fee owed to {carrier} "
        "remains the account holder's responsibility.",
        "No other request to transfer these numbers to a different provider is in progress.",
    ),
    labels=replace(
        Labels(),
        representative="Authorised representative",
        service_address="Installation address",
        losing_carrier="Current provider",
        btn="Main billing number",
        signature_heading="Signature of the account holder or its authorised representative",
    ),
    format_date=_day_month_year,
    address_lines=_gb_address,
    format_number=format_display,  # "+44 20 7946 0018": grouped as written in the UK
    line_type_words=MappingProxyType({"Wireless": "Mobile", "Toll-free": "Freephone"}),
    page_size=A4,
    number_columns=3,  # grouped numbers are wider than bare E.164
)

TEMPLATES: Mapping[str, LoaTemplate] = MappingProxyType({t.country: t for t in (US, CA, GB)})


def template_for(country: str) -> LoaTemplate:
    """The template for a service address in ``country`` (ISO alpha-2, any case); US otherwise."""
    return TEMPLATES.get((country or "").strip().upper(), US)
