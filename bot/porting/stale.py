"""When a submitted request counts as stale for the porting team: the country table's figures.

A request submitted to the losing carrier usually has its firm date (FOC) once the carrier's
latest usual answer and the latest usual firm date after it have passed (1–3 and then 3–7
business days: 10 in all), or by the end of the port's whole lead time when that is shorter
(a country whose ports take days, not weeks). The slowest kind of number on the request sets
the figure. Pure: spans only, no dates.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.porting.countries import Milestone, expected_span, table
from storage.values import LineType

__all__ = ["foc_due_business_days"]


def foc_due_business_days(kinds: Iterable[LineType], country: str) -> int | None:
    """Business days after submission by which a firm date usually came; None for a country
    outside the table (the reminder policy's own figure applies then)."""
    code = country.upper()
    if code not in table().countries:
        return None
    figures = []
    for kind in tuple(kinds) or (LineType.LANDLINE,):
        answer = expected_span(kind, code, Milestone.ACKNOWLEDGED).high
        firm = expected_span(kind, code, Milestone.FOC_CONFIRMED).high
        figures.append(min(answer + firm, expected_span(kind, code, Milestone.PORTED).high))
    return max(figures)
