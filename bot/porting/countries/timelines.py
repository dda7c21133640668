"""When the next step of a port usually happens: "usually by ..." from the table's figures.

The figures are data: the platform guide's step timings (acknowledgment 1-3 business days
after submission, a firm date 3-7 business days after that) and each country's lead time from
submission to port by kind of number, falling back to the guide's international 4-8 weeks.
Spans are business days of the country's calendar, so weekends and its holidays push them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from bot.porting.calendar import BusinessCalendar
from bot.porting.countries.loader import INTERNATIONAL, Table, table
from bot.porting.countries.model import Milestone, Span
from storage.values import LineType

__all__ = [
    "DateRange",
    "calendar_for",
    "counted_after",
    "expected_by",
    "expected_by_any",
    "expected_span",
]


@dataclass(frozen=True, slots=True)
class DateRange:
    """The earliest and latest usual date of a step (equal when the source gives one figure)."""

    earliest: date
    latest: date


def _row_table(data: Table | None) -> Table:
    return data if data is not None else table()


def counted_after(milestone: Milestone, *, data: Table | None = None) -> str:
    """The event a milestone's span counts from: ``submitted`` or another milestone."""
    if milestone is Milestone.PORTED:
        return "submitted"
    return _row_table(data).defaults.milestones[milestone][0]


def expected_span(
    kind: LineType, country: str, milestone: Milestone, *, data: Table | None = None
) -> Span:
    """The usual span of ``milestone`` for a ``kind`` of number from ``country``.

    Without a figure for the country and kind, the guide's international span is used, marked
    unconfirmed. Raises ``KeyError`` for a country that is not in the table.
    """
    t = _row_table(data)
    row = t.countries[country.upper()]
    if milestone is not Milestone.PORTED:
        return t.defaults.milestones[milestone][1]
    own = row.lead_times.get(kind)
    if own is not None:
        return own
    # No figure for this country and kind: the guide's international span, which is only an
    # assumption for this row, so it is marked unconfirmed.
    return replace(t.defaults.lead_times[INTERNATIONAL], unconfirmed=True)


def expected_by(
    kind: LineType,
    country: str,
    milestone: Milestone,
    from_date: date,
    calendar: BusinessCalendar,
    *,
    data: Table | None = None,
) -> DateRange:
    """The usual date range of ``milestone``, counted in business days of ``calendar`` from
    ``from_date``, the date of the event the milestone counts after (:func:`counted_after`):
    submission for acknowledgment and for the port itself, acknowledgment for the firm date.
    """
    span = expected_span(kind, country, milestone, data=data)
    return DateRange(
        calendar.add_business_days(from_date, span.low),
        calendar.add_business_days(from_date, span.high),
    )


def expected_by_any(
    kinds: Iterable[LineType],
    country: str,
    milestone: Milestone,
    from_date: date,
    calendar: BusinessCalendar,
    *,
    data: Table | None = None,
) -> DateRange:
    """:func:`expected_by` for a request with several kinds: the slowest kind sets the range."""
    ranges = [expected_by(k, country, milestone, from_date, calendar, data=data) for k in kinds]
    if not ranges:
        raise ValueError("a request has at least one kind of number")
    return DateRange(max(r.earliest for r in ranges), max(r.latest for r in ranges))


def calendar_for(country: str, *, data: Table | None = None) -> BusinessCalendar:
    """The business calendar of a country in the table: its public holidays and time zone."""
    row = _row_table(data).countries[country.upper()]
    return BusinessCalendar(country=row.holiday_country, timezone=row.timezone)
