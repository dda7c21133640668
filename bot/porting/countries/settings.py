"""``PORTBOT_COUNTRIES``: the countries the provider accepts ports from (default: the table)."""

from __future__ import annotations

import re

from bot.porting.countries.loader import Table, table

__all__ = ["parse_countries"]


def parse_countries(text: str | None, *, data: Table | None = None) -> frozenset[str]:
    """Country codes from a comma- or space-separated list, checked against the table.

    Empty (or unset) means every country in the table. Codes are case-insensitive. A code the
    table does not know raises ``ValueError`` naming it and listing the known ones.
    """
    known = (data if data is not None else table()).countries
    codes = [c.upper() for c in re.split(r"[\s,;]+", text or "") if c]
    if not codes:
        return frozenset(known)
    unknown = sorted({c for c in codes if c not in known})
    if unknown:
        listed = ", ".join(f'"{c}"' for c in unknown)
        verb = "is" if len(unknown) == 1 else "are"
        raise ValueError(
            f"{listed} {verb} not in the porting country table; use two-letter codes from: "
            f"{', '.join(known)}"
        )
    return frozenset(codes)
