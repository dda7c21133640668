"""Service address rules: no PO boxes, real states, postal codes in the country's format."""

from __future__ import annotations

import re

import holidays
import phonenumbers

from bot.porting.fields import Draft, F, Result, squash

_US_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
_CA_POSTAL = re.compile(r"^[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d$")

# Rural-route and highway-contract addresses ("RR 2 Box 152", "HC 1 Box 3") are real service
# addresses, so a bare "Box" only counts when the line starts with it.
_PO_BOX = re.compile(
    r"""
    \b(
        p[\s.-]*o[\s.-]*(?:box|b\b\.?|drawer)     # PO Box, P.O. Box, PO-Box, POB, P.O.B., PO Drawer
      | pobox                                   # POBox run together
      | post\s*(?:office\s*)?(?:box|drawer)     # Post Office Box, Postbox, Post Office Drawer
      | postal\s+box
      | (?:lock|caller|firm\s*caller)\s*box
      | p\.?\s*m\.?\s*b\.?(?=\s*\#?\s*\d)       # PMB 123 (a private mailbox)
    )
    | ^\s*box\s*\#?\s*\d                         # "Box 123" on its own
    """,
    re.IGNORECASE | re.VERBOSE,
)


def is_po_box(text: str) -> bool:
    """Whether an address line is a post-office box (carriers need the service address)."""
    return bool(_PO_BOX.search(text.strip()))


def validate_address(draft: Draft, result: Result | None = None) -> Result:
    result = result or Result()
    values = result.cleaned.values
    country = draft.country.strip().upper() or "US"
    if country not in phonenumbers.SUPPORTED_REGIONS:
        result.errors[F.COUNTRY] = (
            f"“{draft.country.strip()}” isn't a country code we know; "
            "use two letters, like US or CA."
        )
    else:
        values[F.COUNTRY] = country

    street = squash(draft.street)
    street2 = squash(draft.street2)
    if not street:
        result.errors[F.STREET] = "Enter the street address where the service is installed."
    elif is_po_box(street):
        result.errors[F.STREET] = (
            f"“{street}” is a PO box. Carriers check the address where the lines are "
            "installed, so give the street address on your carrier's records."
        )
    else:
        values[F.STREET] = street
    if street2 and is_po_box(street2):
        result.errors[F.STREET2] = (
            f"“{street2}” is a PO box; carriers need the physical service address."
        )
    elif street2:
        values[F.STREET2] = street2

    city = squash(draft.city)
    if not city:
        result.errors[F.CITY] = "Enter the city of the service address."
    else:
        values[F.CITY] = city

    region = squash(draft.region)
    normalized_region = _normalize_region(country, region)
    if not region:
        result.errors[F.REGION] = "Enter the state or region."
    elif normalized_region is None:
        result.errors[F.REGION] = f"“{region}” isn't a state we know for {country}."
    else:
        values[F.REGION] = normalized_region

    postal = squash(draft.postal_code).upper()
    if not postal:
        result.errors[F.POSTAL_CODE] = (
            "Enter the postal code; carriers compare it letter by letter."
        )
    elif country == "US" and not _US_ZIP.match(postal):
        result.errors[F.POSTAL_CODE] = (
            f"“{postal}” isn't a US ZIP code: use 5 digits, or ZIP+4 such as 02139-4307."
        )
    elif country == "CA" and not _CA_POSTAL.match(postal):
        result.errors[F.POSTAL_CODE] = f"“{postal}” isn't a Canadian postal code (like K1A 0B1)."
    elif len(postal) > 12:
        result.errors[F.POSTAL_CODE] = "That postal code is too long."
    else:
        if country == "CA" and " " not in postal:
            postal = f"{postal[:3]} {postal[3:]}"
        values[F.POSTAL_CODE] = postal
    return result


def _normalize_region(country: str, region: str) -> str | None:
    """US/CA states and provinces → their two-letter code (from the holidays library's list)."""
    if country not in ("US", "CA"):
        return region or None
    cls = holidays.country_holidays(country).__class__
    codes = set(cls.subdivisions)
    upper = region.upper().replace(".", "")
    if upper in codes:
        return upper
    aliases = {k.lower(): v for k, v in getattr(cls, "subdivisions_aliases", {}).items()}
    return aliases.get(region.lower())
