"""Delivering the outbox: every side effect was written as a row in the same transaction as the
change that caused it; this loop hands each row to the handler for its topic.

* **Claims are leases.** A worker marks a batch as its own until ``claimed_until``; rows are
  picked with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas never take the same row, and
  a worker that dies mid-batch loses its lease and the rows go out again.
* **Per request and destination, in order.** A row is only claimed when no older row of the
  same request and topic is still pending, so a card is never updated before it is posted, and
  a destination that is down never holds up the others.
* **Retries back off** exponentially with jitter; a handler that knows better (a 429 with
  ``Retry-After``) raises :class:`RetryLater`. After ``max_attempts`` a row is dead: kept, shown
  by ``portbot outbox``, and retried only by hand. When ``alert_topic`` is set, the same
  transaction that sets a row aside queues an alert for the agents (an alert that dies itself
  raises no further alert).
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.services.base import Context
from bot.services.effects import Topic, enqueue
from storage.models import OutboxMessage
from storage.values import OutboxStatus

log = logging.getLogger(__name__)

Handler = Callable[[OutboxMessage], None]


def queue_dead_letter_alert(
    session: Session, row: OutboxMessage, topic: str, *, now: datetime
) -> OutboxMessage:
    """Queue the agents' alert that ``row`` was set aside, as an outbox row of its own."""
    payload: dict[str, object] = {
        "row_id": row.id,
        "topic": row.topic,
        "sid": row.payload.get("sid"),
        "attempts": row.attempts,
        "error": (row.last_error or "")[:300],
    }
    key = f"dead:{row.id}:{now.isoformat()}"
    return enqueue(session, Topic(topic), payload, key=key, now=now, request_id=row.request_id)


class RetryLater(Exception):
    """The destination asked us to come back later (rate limit, maintenance)."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"retry in {seconds:.0f}s")
        self.seconds = max(0.0, seconds)


class NotDelivered(Exception):
    """A destination refused one message (an unknown user, a closed channel): trying the same
    call again would not help. Handlers that send one message several ways tell it apart from
    their own mistakes with this."""


def backoff(attempt: int, *, base: float = 2.0, cap: float = 900.0) -> float:
    """Seconds before retry ``attempt`` (1-based): exponential, capped, with full jitter."""
    return random.uniform(base, min(cap, base * 2 ** (attempt - 1)))  # noqa: S311


@dataclass
class Outbox:
    ctx: Context
    handlers: Mapping[str, Handler]
    worker_id: str = "portbot"
    batch_size: int = 50
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = 10
    on_dead: Callable[[OutboxMessage], None] | None = None
    alert_topic: str | None = None
    wake: threading.Event = field(default_factory=threading.Event)

    def lanes(self) -> list[Outbox]:
        """One loop per destination (the topic's part before the dot: ``slack``, ``zendesk``,
        ``loa``…), so a destination that hangs holds up only its own deliveries. The lanes share
        ``wake``: a nudge reaches every lane that is waiting, and the others poll."""
        groups: dict[str, dict[str, Handler]] = {}
        for topic, handler in self.handlers.items():
            groups.setdefault(topic.split(".", 1)[0], {})[topic] = handler
        return [
            dataclasses.replace(self, handlers=handlers, worker_id=f"{self.worker_id}/{name}")
            for name, handlers in sorted(groups.items())
        ]

    def claim(self) -> list[OutboxMessage]:
        now = self.ctx.now()
        older = sa.orm.aliased(OutboxMessage)
        earlier_pending = (
            select(older.id)
            .where(
                older.request_id == OutboxMessage.request_id,
                older.topic == OutboxMessage.topic,
                older.status == OutboxStatus.PENDING,
                col(older.id) < OutboxMessage.id,
            )
            .exists()
        )
        stmt = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
                sa.or_(
                    col(OutboxMessage.claimed_until).is_(None),
                    col(OutboxMessage.claimed_until) < now,
                ),
                sa.or_(col(OutboxMessage.request_id).is_(None), ~earlier_pending),
                col(OutboxMessage.topic).in_(list(self.handlers)),
            )
            .order_by(col(OutboxMessage.id))
            .limit(self.batch_size)
            .with_for_update(skip_locked=True)
        )
        with self.ctx.db.write() as s:
            rows = list(s.exec(stmt).all())
            for row in rows:
                row.claimed_by = self.worker_id
                row.claimed_until = now + self.lease
                s.add(row)
        return rows

    def _finish(self, row_id: int, **changes: object) -> None:
        if changes.get("status") is not OutboxStatus.DEAD:
            # The common case in one statement: no read of the row first. A row whose lease ran
            # out and went to another worker matches nothing, as below.
            mine = (col(OutboxMessage.id) == row_id) & (
                col(OutboxMessage.claimed_by) == self.worker_id
            )
            update = sa.update(OutboxMessage).where(mine)
            values = {**changes, "claimed_by": None, "claimed_until": None}
            with self.ctx.db.write() as s:
                s.execute(update.values(**values).execution_options(synchronize_session=False))
            return
        with self.ctx.db.write() as s:
            row = s.get(OutboxMessage, row_id)
            if row is None or row.claimed_by != self.worker_id:
                return  # our lease ran out and someone else has it now
            for key, value in changes.items():
                setattr(row, key, value)
            row.claimed_by = None
            row.claimed_until = None
            s.add(row)
            if row.status is OutboxStatus.DEAD and self.alert_topic not in (None, row.topic):
                queue_dead_letter_alert(s, row, self.alert_topic, now=self.ctx.now())

    def deliver(self, row: OutboxMessage) -> bool:
        """Hand one row to its handler; True when delivered."""
        assert row.id is not None
        handler = self.handlers[row.topic]
        now = self.ctx.now()
        attempts = row.attempts + 1
        try:
            handler(row)
        except RetryLater as later:
            log.info("outbox %s (%s): %s", row.id, row.topic, later)
            self._finish(
                row.id,
                attempts=attempts,
                last_error=str(later),
                next_attempt_at=now + timedelta(seconds=later.seconds),
            )
            return False
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"[:2000]
            if attempts >= self.max_attempts:
                log.error(
                    "outbox %s (%s) is dead after %d attempts: %s",
                    row.id,
                    row.topic,
                    attempts,
                    reason,
                )
                self._finish(row.id, attempts=attempts, last_error=reason, status=OutboxStatus.DEAD)
                if self.on_dead is not None:
                    self.on_dead(row)
            else:
                log.warning(
                    "outbox %s (%s) failed (attempt %d): %s", row.id, row.topic, attempts, reason
                )
                self._finish(
                    row.id,
                    attempts=attempts,
                    last_error=reason,
                    next_attempt_at=now + timedelta(seconds=backoff(attempts)),
                )
            return False
        self._finish(
            row.id,
            attempts=attempts,
            status=OutboxStatus.DELIVERED,
            delivered_at=self.ctx.now(),
            last_error=None,
        )
        return True

    def run_once(self) -> int:
        """Claim one batch and deliver it; the number delivered."""
        delivered = 0
        for row in self.claim():
            try:
                delivered += self.deliver(row)
            except Exception:  # a bug in bookkeeping must not stop the others
                log.exception("outbox %s could not be processed", row.id)
        return delivered

    def drain(self, *, max_rounds: int = 1000) -> int:
        """Deliver until nothing is due (tests, the demo, start-up)."""
        total = 0
        for _ in range(max_rounds):
            if not self.claim_pending_exists():
                break
            done = self.run_once()
            total += done
            if done == 0:
                break
        return total

    def claim_pending_exists(self) -> bool:
        now = self.ctx.now()
        with self.ctx.db.read() as s:
            stmt = (
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at <= now,
                    col(OutboxMessage.topic).in_(list(self.handlers)),
                )
                .limit(1)
            )
            return s.exec(stmt).first() is not None

    def run_forever(self, stop: threading.Event, *, idle: float = 1.0) -> None:
        """Poll until ``stop`` is set; ``wake`` cuts the wait short after a local change."""
        while not stop.is_set():
            try:
                busy = self.run_once() > 0
            except Exception:
                log.exception("outbox round failed")
                busy = False
            if not busy:
                self.wake.wait(idle)
                self.wake.clear()
