"""What the country table holds, as frozen values: one :class:`Country` per row.

The table itself is data (``data/*.toml``, read by :mod:`.loader`); nothing here branches on a
country. Vocabulary is closed: documents are :class:`Document` members, fields are intake fields
(:class:`~bot.porting.fields.F`) from :data:`COUNTRY_FIELDS`, number kinds are
:class:`~storage.values.LineType` values, conditions are :class:`When` members.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from bot.porting.fields import F
from storage.values import LineType

__all__ = [
    "ADDRESS_PARTS",
    "COUNTRY_FIELDS",
    "DOCUMENT_INTAKE",
    "Address",
    "Collect",
    "Country",
    "Document",
    "DocumentRule",
    "FieldRule",
    "KindRule",
    "Milestone",
    "Need",
    "PostalCode",
    "Source",
    "Span",
    "When",
]


class Document(StrEnum):
    """Documents a country may ask for. Closed: a data file naming another one fails to load."""

    LOA = "loa"  # the country's Letter of Authorization, signed
    CSR = "csr"  # the losing carrier's Customer Service Record
    BILL = "bill"  # a recent bill (invoice) from the losing carrier
    PROOF_OF_ADDRESS = "proof_of_address"  # e.g. a utility bill at the service address
    COMPANY_REGISTRATION = "company_registration"  # trade-register extract, tax or company id
    SIGNER_ID = "signer_id"  # government ID of the person who signs the LOA
    POWER_OF_ATTORNEY = "power_of_attorney"  # proof that the signer may act for the company


class Collect(StrEnum):
    """How the intake gets a document."""

    SIGNED = "signed"  # portbot generates it and the representative signs it (the LOA flow)
    FIELD = "field"  # an existing intake field (the bill upload)
    UPLOAD = "upload"  # an upload slot of its own, named after the document


DOCUMENT_INTAKE: Final[Mapping[Document, tuple[Collect, str]]] = MappingProxyType(
    {
        Document.LOA: (Collect.SIGNED, "loa"),
        Document.BILL: (Collect.FIELD, F.BILL.value),
        Document.CSR: (Collect.UPLOAD, Document.CSR.value),
        Document.PROOF_OF_ADDRESS: (Collect.UPLOAD, Document.PROOF_OF_ADDRESS.value),
        Document.COMPANY_REGISTRATION: (Collect.UPLOAD, Document.COMPANY_REGISTRATION.value),
        Document.SIGNER_ID: (Collect.UPLOAD, Document.SIGNER_ID.value),
        Document.POWER_OF_ATTORNEY: (Collect.UPLOAD, Document.POWER_OF_ATTORNEY.value),
    }
)
"""Where each document enters the intake: the LOA is signed, the bill is the bill field, the
others are uploads named after the document."""

COUNTRY_FIELDS: Final = frozenset({F.ACCOUNT_NUMBER, F.BTN, F.PIN})
"""Account fields whose use differs by country. The others (name, e-mail, street, city...) apply
everywhere; region and postal code follow the country's :class:`Address`."""

ADDRESS_PARTS: Final = (F.STREET, F.STREET2, F.CITY, F.REGION, F.POSTAL_CODE)
"""The intake's address fields, the placeholders an address format may use."""


class When(StrEnum):
    """When a field or document applies to a request."""

    ALWAYS = "always"
    LANDLINE = "landline"  # the request has a landline number
    WIRELESS = "wireless"  # ... a wireless number
    TOLL_FREE = "toll_free"  # ... a toll-free number
    BUSINESS = "business"  # the account is a business account
    RESIDENTIAL = "residential"  # ... a residential account

    def applies(self, kinds: frozenset[LineType], business: bool) -> bool:
        """Whether a request with these number kinds and account type meets the condition."""
        if self is When.ALWAYS:
            return True
        if self is When.BUSINESS:
            return business
        if self is When.RESIDENTIAL:
            return not business
        return LineType(self.value) in kinds


class Need(StrEnum):
    REQUIRED = "required"  # the request cannot go without it
    RECOMMENDED = "recommended"  # asked for; it prevents rejections, but is not a must
    OPTIONAL = "optional"  # shown; filled in when the customer has it


class Milestone(StrEnum):
    """Steps of a port whose usual timing the table knows."""

    ACKNOWLEDGED = "acknowledged"  # the losing carrier answered the request
    FOC_CONFIRMED = "foc_confirmed"  # a firm port date was given
    PORTED = "ported"  # the numbers moved


@dataclass(frozen=True, slots=True)
class Source:
    """A public page and what it supports."""

    id: str
    url: str
    supports: str


@dataclass(frozen=True, slots=True)
class KindRule:
    """Whether the provider ports this kind of number from the country."""

    kind: LineType
    accepted: bool
    sources: tuple[str, ...]
    unconfirmed: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class FieldRule:
    """An intake field the country uses, when, and why (the reason is the field's hint)."""

    field: F
    when: When
    need: Need
    label: str
    reason: str
    sources: tuple[str, ...]
    unconfirmed: bool = False
    pattern: str | None = None  # what a valid value looks like (full match), when known
    example: str | None = None

    def applies(self, kinds: frozenset[LineType], business: bool) -> bool:
        return self.when.applies(kinds, business)


@dataclass(frozen=True, slots=True)
class DocumentRule:
    """A document the country asks for, when, and why."""

    document: Document
    when: When
    need: Need
    reason: str
    sources: tuple[str, ...]
    unconfirmed: bool = False
    max_age_days: int | None = None

    @property
    def collect(self) -> tuple[Collect, str]:
        return DOCUMENT_INTAKE[self.document]

    def applies(self, kinds: frozenset[LineType], business: bool) -> bool:
        return self.when.applies(kinds, business)


@dataclass(frozen=True, slots=True)
class PostalCode:
    need: Need
    label: str
    pattern: str | None
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Address:
    """How a service address is written and checked in the country."""

    format: str  # placeholders: {street} {street2} {city} {region} {postal_code}; lines by \n
    region: Need | None  # None: the country's addresses have no region line
    region_label: str
    postal_code: PostalCode | None  # None: no postal codes
    local_to_numbers: bool  # the address must lie in the numbers' area
    sources: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Span:
    """A duration in business days, lowest to highest, with the source's own wording."""

    low: int
    high: int
    stated: str  # "3–4 weeks", "45 business days"
    sources: tuple[str, ...]
    unconfirmed: bool = False


@dataclass(frozen=True, slots=True)
class Country:
    """One row of the table."""

    code: str  # ISO 3166-1 alpha-2, the phonenumbers region code
    name: str
    holiday_country: str  # the holidays library's code for the country's business days
    timezone: str  # IANA name used for the country's business calendar
    kinds: tuple[KindRule, ...]
    fields: tuple[FieldRule, ...]
    documents: tuple[DocumentRule, ...]
    address: Address
    fee_quote_required: bool
    fee_quote_sources: tuple[str, ...]
    lead_times: Mapping[LineType, Span]  # submission to port, by kind; missing: the defaults
    sources: Mapping[str, Source]  # every source a rule of this row names
    note: str = ""

    @property
    def accepted_kinds(self) -> frozenset[LineType]:
        return frozenset(k.kind for k in self.kinds if k.accepted)

    def fields_for(self, kinds: frozenset[LineType], business: bool) -> tuple[FieldRule, ...]:
        """The country fields a request with these kinds and account type needs, in order."""
        return tuple(r for r in self.fields if r.applies(kinds, business))

    def documents_for(self, kinds: frozenset[LineType], business: bool) -> tuple[DocumentRule, ...]:
        """The documents a request with these kinds and account type needs, in order."""
        return tuple(r for r in self.documents if r.applies(kinds, business))

    def field(self, name: F) -> FieldRule | None:
        return next((r for r in self.fields if r.field is name), None)

    def document(self, name: Document) -> DocumentRule | None:
        return next((r for r in self.documents if r.document is name), None)

    @property
    def unconfirmed(self) -> bool:
        """Whether any fact of the row is marked unconfirmed."""
        rules: tuple[KindRule | FieldRule | DocumentRule | Span, ...] = (
            *self.kinds,
            *self.fields,
            *self.documents,
            *self.lead_times.values(),
        )
        return any(r.unconfirmed for r in rules)
