"""Words about countries: the refusal of a request that mixes countries, country names, and
the "usually by" line of a port's next step (the same in every channel)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.porting.countries import DateRange, Milestone, table
from bot.wording.formats import day, numbers_list

__all__ = [
    "NUMBERS_SHOWN",
    "country_name",
    "mixed_countries_text",
    "usually_by",
]

NUMBERS_SHOWN = 5
"""Numbers listed for one country before "and K more"."""

_STEP = {
    Milestone.ACKNOWLEDGED: "The losing carrier usually answers",
    Milestone.FOC_CONFIRMED: "A firm port date usually comes",
    Milestone.PORTED: "The numbers usually move",
}


def country_name(code: str) -> str:
    """``France`` for ``FR``; a code the table does not know is shown as it is."""
    row = table().countries.get(code.upper())
    return row.name if row is not None else code.upper()


def mixed_countries_text(groups: Mapping[str, Sequence[str]]) -> str:
    """Why a request mixing countries is refused, which numbers belong where, what to do.

    ``groups`` is :func:`bot.porting.countries.mixed_countries`'s answer (two countries or
    more); numbers are E.164 and shown as people read them.
    """
    lines = [
        f"• {country_name(code)}: {numbers_list(list(numbers), NUMBERS_SHOWN)}"
        for code, numbers in groups.items()
    ]
    return (
        f"These numbers belong to {len(groups)} countries, and carriers port the numbers of "
        "one country at a time:\n" + "\n".join(lines) + "\n"
        "Please keep the numbers of one country here, and open a separate request for each "
        "of the others."
    )


def usually_by(milestone: Milestone, expected: DateRange) -> str:
    """``The losing carrier usually answers by Wed Dec 2, 2026.`` (or "between ... and ...")."""
    if expected.earliest == expected.latest:
        return f"{_STEP[milestone]} by {day(expected.latest)}."
    return f"{_STEP[milestone]} between {day(expected.earliest)} and {day(expected.latest)}."
