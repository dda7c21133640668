"""Country requirements for ports, as data: what each country needs, and when ports land.

One row a country in ``data/<code>.toml`` (documents, fields, number kinds, address format and
postal-code rule, lead times, whether a fee quote comes first, and the source of each fact);
the platform guide's step timings in ``data/_shared.toml``. The loader checks every row and
gives frozen values. Pure domain: the files are read once, nothing else touches the outside.
"""

from __future__ import annotations

from bot.porting.countries.grouping import (
    UNKNOWN_REGION,
    countries_of,
    country_of,
    mixed_countries,
)
from bot.porting.countries.loader import CountryDataError, Defaults, Table, load_table, table
from bot.porting.countries.markdown import render_markdown_table
from bot.porting.countries.model import (
    COUNTRY_FIELDS,
    DOCUMENT_INTAKE,
    Address,
    Collect,
    Country,
    Document,
    DocumentRule,
    FieldRule,
    KindRule,
    Milestone,
    Need,
    PostalCode,
    Source,
    Span,
    When,
)
from bot.porting.countries.settings import parse_countries
from bot.porting.countries.timelines import (
    DateRange,
    calendar_for,
    counted_after,
    expected_by,
    expected_by_any,
    expected_span,
)

__all__ = [
    "COUNTRY_FIELDS",
    "DOCUMENT_INTAKE",
    "UNKNOWN_REGION",
    "Address",
    "Collect",
    "Country",
    "CountryDataError",
    "DateRange",
    "Defaults",
    "Document",
    "DocumentRule",
    "FieldRule",
    "KindRule",
    "Milestone",
    "Need",
    "PostalCode",
    "Source",
    "Span",
    "Table",
    "When",
    "calendar_for",
    "counted_after",
    "countries",
    "countries_of",
    "country_of",
    "expected_by",
    "expected_by_any",
    "expected_span",
    "load_table",
    "mixed_countries",
    "parse_countries",
    "render_markdown_table",
    "requirements_for",
    "table",
]


def requirements_for(country: str) -> Country:
    """The table's row for a country code (any case); ``KeyError`` when it has none."""
    return table().countries[country.strip().upper()]


def countries() -> tuple[str, ...]:
    """The codes in the table, alphabetical: the default of ``PORTBOT_COUNTRIES``."""
    return tuple(table().countries)
