"""Sentences for the customer about refused values, shared by the classifier and parser."""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers

from bot.porting.numbers.model import NumberIssue, ParsedNumber, Problem

__all__ = [
    "country_name",
    "duplicate_issue",
    "extension_issue",
    "fictional_issue",
    "quote",
    "too_many_digits",
    "unsupported_region_issue",
]

_MAX_QUOTED_CHARS = 60

# Names used in messages. Anything else is shown by its region code.
# (phonenumbers.geocoder has names for every region, but importing it takes ~0.5 s.)
_REGION_NAMES: dict[str, str] = {
    "AU": "Australia",
    "BE": "Belgium",
    "BR": "Brazil",
    "CA": "Canada",
    "CH": "Switzerland",
    "DE": "Germany",
    "DK": "Denmark",
    "ES": "Spain",
    "FR": "France",
    "GB": "the United Kingdom",
    "IE": "Ireland",
    "IN": "India",
    "IT": "Italy",
    "JP": "Japan",
    "MX": "Mexico",
    "NL": "the Netherlands",
    "NO": "Norway",
    "NZ": "New Zealand",
    "PR": "Puerto Rico",
    "SE": "Sweden",
    "US": "the United States",
}


def quote(raw: str) -> str:
    """Quote a value for a message, shortening very long ones."""
    if len(raw) > _MAX_QUOTED_CHARS:
        raw = raw[: _MAX_QUOTED_CHARS - 1] + "…"
    return f'"{raw}"'


def country_name(country_code: int) -> str:
    region = phonenumbers.region_code_for_country_code(country_code)
    return _region_name(region) if region != "ZZ" else f"country code +{country_code}"


def _region_name(region: str) -> str:
    if region == "001":
        return "an international (non-geographic) range"
    return _REGION_NAMES.get(region, region)


def _join(names: Iterable[str]) -> str:
    items = list(names)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def fictional_issue(raw: str, *, nanp: bool) -> NumberIssue:
    if nanp:
        why = "555-0100 to 555-0199 are reserved for films and examples"
    else:
        why = "Ofcom reserves this range for TV, film and radio"
    return NumberIssue(raw, Problem.FICTIONAL, f"{quote(raw)} is a fictional number ({why}).")


def extension_issue(raw: str) -> NumberIssue:
    message = (
        f"{quote(raw)} includes an extension; extensions can't be ported on their own, "
        "so please enter just the main number."
    )
    return NumberIssue(raw, Problem.INVALID, message)


def too_many_digits(raw: str, *, several: bool) -> str:
    if several:
        return (
            f"{quote(raw)} has too many digits for one number; if it's several numbers, "
            "please put each on its own line."
        )
    return f"{quote(raw)} has too many digits to be one phone number."


def duplicate_issue(raw: str, first: str) -> NumberIssue:
    if raw == first:
        message = f"{quote(raw)} is listed more than once."
    else:
        message = f"{quote(raw)} is listed more than once (it's the same number as {quote(first)})."
    return NumberIssue(raw, Problem.DUPLICATE, message)


def unsupported_region_issue(number: ParsedNumber, supported: frozenset[str]) -> NumberIssue:
    allowed = _join(sorted(_region_name(r) for r in supported))
    where = _region_name(number.region)
    if supported:
        message = (
            f"{quote(number.raw)} is a number in {where}; we can only port numbers from {allowed}."
        )
    else:
        message = f"{quote(number.raw)} is a number in {where}, and we can't port it."
    return NumberIssue(number.raw, Problem.UNSUPPORTED, message)
