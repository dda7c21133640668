"""Port requests as CSV, for the porting team: status, dates and how long each step took.

Rows are read a batch at a time and written as they come, so 100,000 requests cost the
memory of a batch. Only the columns named in ``storage.listing.EXPORT_COLUMNS`` are read:
no PIN and no account number can reach a file. A cell that a spreadsheet would run as a
formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written
with a leading apostrophe, as OWASP advises against CSV injection.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, TextIO

from bot.services.base import Context
from bot.services.queries import Viewer
from bot.services.search import Filters, visible_scope
from storage import listing

HEADER = (
    "SID",
    "Status",
    "Request name",
    "Company",
    "Losing carrier",
    "Numbers",
    "Created",
    "Submitted",
    "Port date (FOC)",
    "Closed (completed, cancelled or expired)",
    "Days open",
    "Days from creation to submission",
    "Days from submission to port date",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
AGENT = Viewer(user_id="", is_agent=True)


def safe_cell(value: object) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text, never runs (numbers and dates are
    ours, and written as they are)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _days(start: date | None, end: date | None) -> int | str:
    return (end - start).days if start is not None and end is not None else ""


def _row(ctx: Context, row: Any, today: date) -> list[object]:
    def day(value: datetime | None) -> date | None:
        return ctx.calendar.local_date(value) if value is not None else None

    created, submitted = day(row.created_at), day(row.submitted_at)
    foc = row.foc_date or row.numbers_foc_date
    closed = day(row.completed_at or row.closed_at) if row.status.final else None
    return [
        row.sid,
        row.status.value,
        row.name or "",
        row.company_name or "",
        row.losing_carrier,
        row.numbers,
        created,
        submitted or "",
        foc or "",
        closed or "",
        _days(created, closed or today),
        _days(created, submitted),
        _days(submitted, foc),
    ]


def rows(
    ctx: Context, *, flt: Filters | None = None, viewer: Viewer = AGENT
) -> Iterator[list[str]]:
    """The header, then one row per request (newest first), every cell made safe."""
    today = ctx.today()
    scope = visible_scope(viewer, flt or Filters(which="all"))
    yield list(HEADER)
    with ctx.db.read() as session:
        for row in listing.export_rows(session, scope=scope):
            yield [safe_cell(v) for v in _row(ctx, row, today)]


def write_csv(
    ctx: Context, out: TextIO, *, flt: Filters | None = None, viewer: Viewer = AGENT
) -> int:
    """Write the CSV to ``out`` as rows arrive; returns how many requests it holds."""
    writer = csv.writer(out, lineterminator="\r\n")
    lines = rows(ctx, flt=flt, viewer=viewer)
    writer.writerow(next(lines))
    count = 0
    for line in lines:
        writer.writerow(line)
        count += 1
    return count
