"""What ``portbot outbox`` shows and does: list deliveries by state, and put dead ones back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select

from bot.services.base import Context
from storage.models import OutboxMessage
from storage.values import OutboxStatus

STATES = ("dead", "pending", "delivered", "all")


@dataclass(frozen=True)
class Row:
    id: int
    topic: str
    sid: str
    status: str
    attempts: int
    when: datetime | None
    error: str


def counts(ctx: Context) -> dict[str, int]:
    """Rows per state, every state named (0 when there are none)."""
    with ctx.db.read() as s:
        found = dict(
            s.exec(
                select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
            ).all()
        )
    return {state.value: int(found.get(state, 0)) for state in OutboxStatus}


def rows(ctx: Context, *, state: str = "dead", limit: int = 50) -> list[Row]:
    """The newest ``limit`` rows in ``state`` (one of :data:`STATES`), newest first."""
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}: use one of {', '.join(STATES)}")
    stmt = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(limit)
    if state != "all":
        stmt = stmt.where(OutboxMessage.status == OutboxStatus(state))
    with ctx.db.read() as s:
        found = list(s.exec(stmt).all())
    return [
        Row(
            id=r.id or 0,
            topic=r.topic,
            sid=str(r.payload.get("sid") or ""),
            status=r.status.value,
            attempts=r.attempts,
            when=r.delivered_at if r.status is OutboxStatus.DELIVERED else r.next_attempt_at,
            error=(r.last_error or "").splitlines()[0][:120] if r.last_error else "",
        )
        for r in found
    ]


def retry(ctx: Context, ids: Iterable[int] = (), *, all_dead: bool = False) -> list[int]:
    """Put dead rows back in line, due now, with a fresh count of attempts and a fresh give-up
    time (the outbox gives up on a row by the time since it was queued, so a retried row is
    queued anew); the ids retried. Rows that are not dead (delivered, or still pending) are left
    as they are."""
    wanted: Sequence[int] = sorted(set(ids))
    if not wanted and not all_dead:
        return []
    now = ctx.now()
    stmt = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.DEAD)
    if not all_dead:
        stmt = stmt.where(col(OutboxMessage.id).in_(wanted))
    with ctx.db.write() as s:
        dead = list(s.exec(stmt.with_for_update()).all())
        for row in dead:
            row.status = OutboxStatus.PENDING
            row.attempts = 0
            row.next_attempt_at = now
            row.created_at = now
            row.claimed_by = None
            row.claimed_until = None
            s.add(row)
    return sorted(r.id for r in dead if r.id is not None)
