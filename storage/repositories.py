"""Queries, keyword-only so call sites read as sentences."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col, select

from storage.models import PortNumber, PortRequest, SlackLink, TimelineEvent
from storage.values import RequestStatus


def get_request(session: Session, *, sid: str, lock: bool = False) -> PortRequest | None:
    stmt = select(PortRequest).where(PortRequest.sid == sid)
    if lock:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def _visible(
    stmt: sa.Select,
    *,
    requester_id: str | None,
    team_id: str | None,
    channel_ids: Collection[str] | None,
) -> sa.Select:
    """Customers see what they opened, and what was opened in channels they can see."""
    if requester_id is None:
        return stmt
    conditions = [PortRequest.requester_id == requester_id]
    if channel_ids:
        conditions.append(
            sa.and_(
                PortRequest.team_id == (team_id or ""), col(PortRequest.channel_id).in_(channel_ids)
            )
        )
    return stmt.where(sa.or_(*conditions))


def find_by_prefix(
    session: Session,
    *,
    prefix: str,
    requester_id: str | None = None,
    team_id: str | None = None,
    channel_ids: Collection[str] | None = None,
    limit: int = 2,
) -> list[PortRequest]:
    """Requests whose SID starts with ``prefix`` that the viewer may see (``requester_id`` None
    means an agent: everything)."""
    # A range on the unique index (LIKE would skip it on SQLite, where LIKE ignores case).
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    stmt = select(PortRequest).where(PortRequest.sid >= prefix, PortRequest.sid < upper)
    stmt = _visible(stmt, requester_id=requester_id, team_id=team_id, channel_ids=channel_ids)
    return list(session.exec(stmt.order_by(PortRequest.id).limit(limit)).all())


def list_requests(
    session: Session,
    *,
    statuses: Iterable[RequestStatus] | None = None,
    requester_id: str | None = None,
    team_id: str | None = None,
    channel_ids: Collection[str] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[PortRequest]:
    stmt = select(PortRequest)
    if statuses is not None:
        stmt = stmt.where(col(PortRequest.status).in_(list(statuses)))
    stmt = _visible(stmt, requester_id=requester_id, team_id=team_id, channel_ids=channel_ids)
    stmt = stmt.order_by(col(PortRequest.created_at).desc(), col(PortRequest.id).desc())
    return list(session.exec(stmt.offset(offset).limit(limit)).all())


def count_by_status(session: Session) -> dict[RequestStatus, int]:
    stmt = select(PortRequest.status, sa.func.count()).group_by(PortRequest.status)
    return {RequestStatus(status): count for status, count in session.exec(stmt).all()}


def upcoming_focs(
    session: Session, *, start: date, end: date, limit: int = 50
) -> list[tuple[date, PortRequest]]:
    """Open requests with a port date from ``start`` to ``end`` (inclusive), soonest first."""
    stmt = (
        select(PortRequest)
        .where(PortRequest.foc_date >= start, PortRequest.foc_date <= end)
        .where(col(PortRequest.status).in_([RequestStatus.SUBMITTED, RequestStatus.FOC_CONFIRMED]))
        .order_by(PortRequest.foc_date, PortRequest.id)
        .limit(limit)
    )
    return [(r.foc_date, r) for r in session.exec(stmt).all() if r.foc_date]


def request_for_thread(session: Session, *, channel_id: str, thread_ts: str) -> PortRequest | None:
    """The request whose card heads this Slack thread."""
    stmt = (
        select(PortRequest)
        .join(SlackLink, SlackLink.request_id == PortRequest.id)
        .where(SlackLink.channel_id == channel_id, SlackLink.message_ts == thread_ts)
    )
    return session.exec(stmt).first()


def numbers_of(session: Session, *, request_id: int, lock: bool = False) -> list[PortNumber]:
    stmt = (
        select(PortNumber)
        .where(PortNumber.request_id == request_id)
        .order_by(PortNumber.position, PortNumber.id)
    )
    if lock:
        stmt = stmt.with_for_update()
    return list(session.exec(stmt).all())


def open_claims(session: Session, *, e164s: Sequence[str]) -> dict[str, int]:
    """Which of these numbers already belong to an open request: ``{e164: request_id}``."""
    found: dict[str, int] = {}
    postgres = session.get_bind().dialect.name == "postgresql"
    for start in range(0, len(e164s), 500):
        chunk = list(e164s[start : start + 500])
        if postgres:  # one array parameter instead of 500: 2.7 ms against 8.2 ms measured
            array = sa.bindparam("numbers", chunk, type_=ARRAY(sa.String))
            condition = PortNumber.open_e164 == sa.any_(array)
        else:
            condition = col(PortNumber.open_e164).in_(chunk)
        stmt = select(PortNumber.open_e164, PortNumber.request_id).where(condition)
        found.update({e164: rid for e164, rid in session.exec(stmt).all() if e164})
    return found


def events_of(
    session: Session, *, request_id: int, limit: int | None = None
) -> list[TimelineEvent]:
    """The request's timeline, oldest first (the newest ``limit`` when given)."""
    stmt = select(TimelineEvent).where(TimelineEvent.request_id == request_id)
    if limit is None:
        return list(session.exec(stmt.order_by(TimelineEvent.id)).all())
    newest = session.exec(stmt.order_by(col(TimelineEvent.id).desc()).limit(limit)).all()
    return list(reversed(newest))
