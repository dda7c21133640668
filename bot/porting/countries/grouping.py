"""Which country each number belongs to; one request ports the numbers of one country.

Carriers port per country (Telnyx splits an order by country; see the README), so a request
whose numbers belong to several countries is refused with the numbers named per country.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import phonenumbers
from phonenumbers import NumberParseException

__all__ = ["UNKNOWN_REGION", "countries_of", "country_of", "mixed_countries"]

UNKNOWN_REGION = "ZZ"
"""phonenumbers' code for "no region", used for values it cannot place."""


def country_of(e164: str) -> str:
    """The ISO region code of a stored E.164 number (``+33142685300`` → ``FR``).

    North American numbers are told apart by their area code (``+1 416`` → ``CA``).
    Values that are not a number of any region give :data:`UNKNOWN_REGION`.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return UNKNOWN_REGION
    return phonenumbers.region_code_for_number(number) or UNKNOWN_REGION


def countries_of(numbers: Iterable[str]) -> Mapping[str, tuple[str, ...]]:
    """The numbers grouped by country: countries in order of first appearance, numbers in
    their input order (repeats kept once)."""
    groups: dict[str, list[str]] = {}
    seen: set[str] = set()
    for e164 in numbers:
        if e164 in seen:
            continue
        seen.add(e164)
        groups.setdefault(country_of(e164), []).append(e164)
    return MappingProxyType({code: tuple(found) for code, found in groups.items()})


def mixed_countries(numbers: Iterable[str]) -> Mapping[str, tuple[str, ...]]:
    """``{country: numbers}`` when the numbers belong to more than one country, else empty.

    The intake refuses a non-empty answer at the numbers step; the words for the customer are
    :func:`bot.wording.countries.mixed_countries_text`.
    """
    groups = countries_of(numbers)
    return groups if len(groups) > 1 else MappingProxyType({})
