"""Queries for lists of requests: a page with its total, a search, the carriers in use, and
the rows of an export — each within what a viewer may see (``repositories._visible``).

Counting is a ``count(*)`` and a page is ``LIMIT/OFFSET`` over ``(created_at, id)``, both on
indexed columns; nothing loads more rows than it shows. Keyword-only, like the repositories.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.models import PortNumber, PortRequest, TimelineEvent
from storage.repositories import _visible
from storage.types import UTCDateTime
from storage.values import RequestStatus

_ESCAPE = "\\"


def like_contains(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own ``%``, ``_`` and ``\\`` taken
    literally (use with ``escape="\\"``)."""
    escaped = (
        text.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")
    )
    return f"%{escaped}%"


def _contains(column: Any, text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive "contains" (lower() on both sides: PostgreSQL's LIKE minds case)."""
    return sa.func.lower(sa.func.coalesce(column, "")).like(
        like_contains(text.lower()), escape=_ESCAPE
    )


@dataclass(frozen=True)
class Scope:
    """Who is looking (``requester_id`` None: an agent, who sees everything) and which
    requests they asked for."""

    requester_id: str | None = None
    team_id: str | None = None
    channel_ids: Collection[str] | None = None
    statuses: Collection[RequestStatus] | None = None  # None: any status
    carrier: str | None = None  # the losing carrier's name contains this (any case)


def _scoped(stmt: Any, scope: Scope, *, ordered: bool = False) -> Any:
    """``ordered``: the rows are wanted newest first. A list of most statuses ("open") is
    then asked as the few it leaves out: without statistics (SQLite) an ``IN`` takes the
    status index and sorts tens of thousands of rows for a page of 20, where ``NOT IN``
    leaves the creation-time index to walk, newest first, stopping at the 20th."""
    if scope.statuses is not None:
        status, wanted = col(PortRequest.status), set(scope.statuses)
        if ordered and len(wanted) > len(RequestStatus) // 2:
            stmt = stmt.where(status.not_in([s for s in RequestStatus if s not in wanted]))
        else:
            stmt = stmt.where(status.in_(list(wanted)))
    if scope.carrier:
        stmt = stmt.where(_contains(PortRequest.losing_carrier, scope.carrier))
    return _visible(
        stmt,
        requester_id=scope.requester_id,
        team_id=scope.team_id,
        channel_ids=scope.channel_ids,
    )


def _newest_first(stmt: SelectOfScalar[Any]) -> SelectOfScalar[Any]:
    return stmt.order_by(col(PortRequest.created_at).desc(), col(PortRequest.id).desc())


def count_requests(
    session: Session, *, scope: Scope, matching: sa.ColumnElement[bool] | None = None
) -> int:
    stmt = _scoped(select(sa.func.count()).select_from(PortRequest), scope)
    if matching is not None:
        stmt = stmt.where(matching)
    return int(session.exec(stmt).one())


def page_of_requests(
    session: Session,
    *,
    scope: Scope,
    limit: int,
    offset: int = 0,
    matching: sa.ColumnElement[bool] | None = None,
) -> list[PortRequest]:
    """Newest first; ``matching`` narrows further (see :func:`search_condition`)."""
    stmt = _scoped(select(PortRequest), scope, ordered=True)
    if matching is not None:
        stmt = stmt.where(matching)
    return list(session.exec(_newest_first(stmt).offset(offset).limit(limit)).all())


def number_counts(session: Session, *, request_ids: Iterable[int]) -> dict[int, int]:
    """``{request_id: how many numbers}`` for these requests."""
    ids = list(request_ids)
    if not ids:
        return {}
    rid = col(PortNumber.request_id)
    stmt = sa.select(rid, sa.func.count()).where(rid.in_(ids)).group_by(rid)
    return {r: int(n) for r, n in session.execute(stmt).all()}


def search_condition(
    *,
    text: str | None = None,
    sid_prefix: str | None = None,
    e164: str | None = None,
    digits: str | None = None,
) -> sa.ColumnElement[bool] | None:
    """Requests matching any of: a SID prefix (a range on the unique index), a number held
    (exactly in E.164, or containing ``digits``), or ``text`` in the carrier, company or
    request name (case-insensitive, wildcards taken literally). None when nothing is asked."""
    conditions: list[sa.ColumnElement[bool]] = []
    if sid_prefix:
        upper = sid_prefix[:-1] + chr(ord(sid_prefix[-1]) + 1)
        sid = col(PortRequest.sid)
        conditions.append(sa.and_(sid >= sid_prefix, sid < upper))
    holding: list[sa.ColumnElement[bool]] = []
    if e164:
        holding.append(col(PortNumber.e164) == e164)
    if digits:
        holding.append(col(PortNumber.e164).like(like_contains(digits), escape=_ESCAPE))
    if holding:
        held = sa.select(col(PortNumber.request_id)).where(sa.or_(*holding))
        conditions.append(col(PortRequest.id).in_(held))
    if text:
        for column in (PortRequest.losing_carrier, PortRequest.company_name, PortRequest.name):
            conditions.append(_contains(column, text))
    return sa.or_(*conditions) if conditions else None


def carriers_in_use(session: Session, *, scope: Scope, limit: int = 50) -> list[str]:
    """The losing carriers of the requests in ``scope`` (its carrier ignored), the most used
    first, then by name."""
    name = col(PortRequest.losing_carrier)
    unfiltered = Scope(scope.requester_id, scope.team_id, scope.channel_ids, scope.statuses)
    stmt = _scoped(select(name, sa.func.count().label("n")).where(name != ""), unfiltered)
    stmt = stmt.group_by(name).order_by(sa.desc("n"), name).limit(limit)
    return [row[0] for row in session.exec(stmt).all()]


# The columns an export reads: nothing secret (no PIN, no account number) is ever selected.
EXPORT_COLUMNS: tuple[Any, ...] = (
    PortRequest.id,
    PortRequest.sid,
    PortRequest.status,
    PortRequest.name,
    PortRequest.company_name,
    PortRequest.losing_carrier,
    PortRequest.created_at,
    PortRequest.submitted_at,
    PortRequest.foc_date,
    PortRequest.completed_at,
)
_FINAL = [s for s in RequestStatus if s.final]


def export_rows(session: Session, *, scope: Scope, batch: int = 1000) -> Iterator[Any]:
    """Rows of :data:`EXPORT_COLUMNS` plus ``numbers`` (how many), ``numbers_foc_date`` (the
    latest port date of its numbers: a completed request keeps it there only) and
    ``closed_at`` (when the request last reached a final status), newest first, fetched
    ``batch`` at a time (a server-side cursor on PostgreSQL): memory stays flat however many
    rows there are. Each extra is a correlated lookup on an indexed ``request_id``, so the
    cost grows with the rows and never depends on the planner's statistics (grouped
    subqueries joined in were nested-loop joined on a fresh PostgreSQL table: minutes)."""
    pr_id = col(PortRequest.id)
    n_rid, te_rid = col(PortNumber.request_id), col(TimelineEvent.request_id)
    numbers = sa.select(sa.func.count()).where(n_rid == pr_id).scalar_subquery()
    foc = sa.select(sa.func.max(col(PortNumber.foc_date))).where(n_rid == pr_id)
    closed = (
        sa.select(sa.func.max(col(TimelineEvent.at)))
        .where(te_rid == pr_id, col(TimelineEvent.to_status).in_(_FINAL))
        .scalar_subquery()
    )
    stmt = sa.select(
        *(col(c) for c in EXPORT_COLUMNS),
        numbers.label("numbers"),
        sa.type_coerce(foc.scalar_subquery(), sa.Date).label("numbers_foc_date"),
        sa.type_coerce(closed, UTCDateTime()).label("closed_at"),
    )
    stmt = _newest_first(_scoped(stmt, scope)).execution_options(yield_per=batch)
    yield from session.execute(stmt)
