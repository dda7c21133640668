"""Delivering the outbox: every side effect was written as a row in the same transaction as the
change that caused it; this loop hands each row to the handler for its topic.

* **Claims are leases.** A worker marks a batch as its own until ``claimed_until``; rows are
  picked with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas never take the same row, and
  a worker that dies mid-batch loses its lease and the rows go out again.
* **Per request and destination, in order.** A row is only claimed when no older row of the
  same request and topic is still pending, so a card is never updated before it is posted, and
  a destination that is down never holds up the others.
* **Retries back off** exponentially with jitter, up to 15 minutes between tries; a handler
  that knows better (a 429 with ``Retry-After``) raises :class:`RetryLater`. A row that fails
  once ``give_up`` (24 hours) has passed since it was queued is dead: kept, shown by ``portbot
  outbox``, and retried only by hand. However many tries that takes, a row does not die of them.
* **One alert per outage.** Each destination (lane) has a row in ``outbox_lanes``, shared by
  every worker: since when it has failed with no success in between. When that is longer than
  ``outage_after`` (5 minutes), one alert says so with the number waiting; when the destination
  answers again and its backlog is delivered, one alert says how many went out and how many were
  set aside meanwhile. Rows that die during an outage are counted, and raise one alert between
  them. A row that dies on its own (its destination delivers others) still raises its own alert.
  Alerts go to ``alert_topic`` when it is set; an alert that dies itself raises no further alert.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from prometheus_client import Counter
from sqlmodel import Session, col, select

from bot import trace
from bot.services.base import Context
from bot.services.effects import Topic, enqueue
from storage.models import OutboxLane, OutboxMessage
from storage.values import OutboxStatus

log = logging.getLogger(__name__)

Handler = Callable[[OutboxMessage], None]

# Tries by destination and outcome (delivered, later, failed, dead), this process's since start;
# registered by each metrics registry that shows it (``bot.web.Metrics``).
DELIVERIES = Counter(
    "portbot_deliveries",
    "Outbox delivery attempts by destination and outcome",
    ["destination", "outcome"],
    registry=None,
)


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


def lane_of(topic: str) -> str:
    """The destination a topic goes to: its part before the dot."""
    return topic.split(".", 1)[0]


def _queue_alert(
    session: Session, topic: str, payload: dict[str, Any], *, key: str, now: datetime
) -> OutboxMessage:
    return enqueue(session, Topic(topic), payload, key=key, now=now)


def _in_lane(lane: str, alerts: str | None) -> Any:
    """Rows of one lane, the agents' alerts aside."""
    return col(OutboxMessage.topic).startswith(f"{lane}.") & (
        col(OutboxMessage.topic) != (alerts or "")
    )


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
    give_up: timedelta = timedelta(hours=24)
    outage_after: timedelta = timedelta(minutes=5)
    on_dead: Callable[[OutboxMessage], None] | None = None
    alert_topic: str | None = None
    wake: threading.Event = field(default_factory=threading.Event)
    # Lanes whose outage may be open (None: not read yet); an idle round looks only at these.
    _open: set[str] | None = field(default=None, init=False, repr=False, compare=False)
    _read_at: float = field(default=0.0, init=False, repr=False, compare=False)
    reread: float = 30.0

    def lanes(self) -> list[Outbox]:
        """One loop per destination (the topic's part before the dot: ``slack``, ``zendesk``,
        ``loa``…), so a destination that hangs holds up only its own deliveries. The lanes share
        ``wake``: a nudge reaches every lane that is waiting, and the others poll."""
        groups: dict[str, dict[str, Handler]] = {}
        for topic, handler in self.handlers.items():
            groups.setdefault(lane_of(topic), {})[topic] = handler
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
            if self.alert_topic in (None, row.topic):
                return
            now = self.ctx.now()
            lane = s.get(OutboxLane, lane_of(row.topic), with_for_update=True)
            if lane is None or lane.outage_since is None:
                queue_dead_letter_alert(s, row, self.alert_topic, now=now)
                return
            # In an outage the agents were told about: counted, and one alert for them all,
            # a little later, so that the rows dying in the next rounds are in its count.
            lane.dead += 1
            s.add(lane)
            if lane.dead == 1:
                payload = {"kind": "gave_up", "lane": lane.lane, "since": _iso(lane.outage_since)}
                key = f"outage:{lane.lane}:{_iso(lane.outage_since)}:gave_up"
                alert = _queue_alert(s, self.alert_topic, payload, key=key, now=now)
                alert.next_attempt_at = now + self.outage_after

    def deliver(self, row: OutboxMessage) -> bool:
        """Hand one row to its handler; True when delivered."""
        return self._deliver(row) == "delivered"

    def _deliver(self, row: OutboxMessage) -> str:
        """Hand one row to its handler: ``delivered``, ``later`` (asked to wait) or ``failed``.
        What is logged meanwhile names the request that queued the row (``bot.trace``)."""
        with trace.bound(row.trace_id):
            outcome = self._attempt(row)
        DELIVERIES.labels(lane_of(row.topic), outcome).inc()
        return "failed" if outcome == "dead" else outcome

    def _attempt(self, row: OutboxMessage) -> str:
        assert row.id is not None
        handler = self.handlers[row.topic]
        now = self.ctx.now()
        attempts = row.attempts + 1
        try:
            handler(self._worded(row))
        except RetryLater as later:
            log.info("outbox %s (%s): %s", row.id, row.topic, later)
            self._finish(
                row.id,
                attempts=attempts,
                last_error=str(later),
                next_attempt_at=now + timedelta(seconds=later.seconds),
            )
            return "later"
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"[:2000]
            if now - row.created_at >= self.give_up:
                log.error(
                    "outbox %s (%s) is dead after %d attempts over %s: %s",
                    row.id,
                    row.topic,
                    attempts,
                    now - row.created_at,
                    reason,
                )
                self._finish(row.id, attempts=attempts, last_error=reason, status=OutboxStatus.DEAD)
                if self.on_dead is not None:
                    self.on_dead(row)
                return "dead"
            log.warning(
                "outbox %s (%s) failed (attempt %d): %s", row.id, row.topic, attempts, reason
            )
            self._finish(
                row.id,
                attempts=attempts,
                last_error=reason,
                next_attempt_at=now + timedelta(seconds=backoff(attempts)),
            )
            return "failed"
        self._finish(
            row.id,
            attempts=attempts,
            status=OutboxStatus.DELIVERED,
            delivered_at=self.ctx.now(),
            last_error=None,
        )
        return "delivered"

    def _worded(self, row: OutboxMessage) -> OutboxMessage:
        """The alert that rows were set aside during an outage counts them when it goes out."""
        if row.topic != self.alert_topic or row.payload.get("kind") != "gave_up":
            return row
        with self.ctx.db.read() as s:
            lane = s.get(OutboxLane, str(row.payload.get("lane")))
            dead = lane.dead if lane is not None else 0
        return row.model_copy(update={"payload": {**row.payload, "dead": dead}})

    def run_once(self) -> int:
        """Claim one batch and deliver it; the number delivered."""
        delivered = 0
        seen: dict[str, set[str]] = {}  # lane -> outcomes of this round
        for row in self.claim():
            try:
                outcome = self._deliver(row)
            except Exception:  # a bug in bookkeeping must not stop the others
                log.exception("outbox %s could not be processed", row.id)
                continue
            delivered += outcome == "delivered"
            if row.topic != self.alert_topic:
                seen.setdefault(lane_of(row.topic), set()).add(outcome)
        try:
            self._watch(seen)
        except Exception:
            log.exception("outbox: the destinations' state could not be kept")
        return delivered

    # --- outages: one alert when a destination stops answering, one when it is back ------

    def _lanes(self) -> set[str]:
        return {lane_of(t) for t in self.handlers if t != self.alert_topic}

    def _watch(self, seen: dict[str, set[str]]) -> None:
        """Keep each lane's row up to date after a round: failures start (or continue) an
        outage, a delivery ends the failing. Lanes that are fine cost nothing more than a read
        every ``reread`` seconds (to learn what other workers saw); lanes that fail or are in an
        outage are looked at after every round."""
        clock = time.monotonic()
        if self._open is None or clock - self._read_at >= self.reread:
            with self.ctx.db.read() as s:
                rows = s.exec(select(OutboxLane).where(col(OutboxLane.lane).in_(self._lanes())))
                self._open = {r.lane for r in rows if r.outage_since or r.failing_since}
            self._read_at = clock
        for lane in sorted(set(seen) | self._open):
            outcomes = seen.get(lane, set())
            watched = lane in self._open
            if "failed" in outcomes or (
                watched and ("delivered" in outcomes or self._may_close(lane))
            ):
                if self._step(lane, outcomes):
                    self._open.add(lane)
                else:
                    self._open.discard(lane)

    def _may_close(self, lane: str) -> bool:
        with self.ctx.db.read() as s:
            row = s.get(OutboxLane, lane)
        return row is not None and row.outage_since is not None and row.failing_since is None

    def _step(self, lane: str, outcomes: set[str]) -> bool:
        """One lane's state after a round; True while it is failing or in an outage."""
        now = self.ctx.now()
        with self.ctx.db.write() as s:
            state = s.get(OutboxLane, lane, with_for_update=True) or OutboxLane(lane=lane)
            if "delivered" in outcomes:
                if state.failing_since is not None and state.outage_since is not None:
                    self._due_now(s, lane, now)  # it answers again: the backlog goes at once
                state.failing_since = None
            elif "failed" in outcomes:
                state.failing_since = state.failing_since or now
            if state.outage_since is None:
                if state.failing_since and now - state.failing_since >= self.outage_after:
                    state.outage_since, state.dead = state.failing_since, 0
                    self._alert(s, state, "down", now, waiting=self._count(s, lane))
            elif state.failing_since is None and not self._backlog(s, lane, now):
                delivered = self._count(s, lane, delivered_since=state.outage_since)
                self._alert(s, state, "back", now, delivered=delivered, dead=state.dead)
                state.outage_since, state.dead = None, 0
            s.add(state)
            return state.failing_since is not None or state.outage_since is not None

    def _alert(self, s: Session, state: OutboxLane, kind: str, now: datetime, **n: int) -> None:
        assert state.outage_since is not None
        since = _iso(state.outage_since)
        log.warning("outbox: %s %s since %s %s", state.lane, kind, since, n)
        if self.alert_topic is not None:
            payload = {"kind": kind, "lane": state.lane, "since": since, **n}
            key = f"outage:{state.lane}:{since}:{kind}"
            _queue_alert(s, self.alert_topic, payload, key=key, now=now)

    def _count(self, s: Session, lane: str, *, delivered_since: datetime | None = None) -> int:
        stmt = (
            select(sa.func.count())
            .select_from(OutboxMessage)
            .where(_in_lane(lane, self.alert_topic))
        )
        if delivered_since is None:
            stmt = stmt.where(OutboxMessage.status == OutboxStatus.PENDING)
        else:
            stmt = stmt.where(
                OutboxMessage.status == OutboxStatus.DELIVERED,
                col(OutboxMessage.delivered_at) >= delivered_since,
            )
        return int(s.exec(stmt).one())

    def _backlog(self, s: Session, lane: str, now: datetime) -> bool:
        """Rows of the lane that are due, or that failed and wait to be tried again."""
        stmt = select(OutboxMessage.id).where(
            _in_lane(lane, self.alert_topic),
            OutboxMessage.status == OutboxStatus.PENDING,
            sa.or_(col(OutboxMessage.next_attempt_at) <= now, col(OutboxMessage.attempts) > 0),
        )
        return s.exec(stmt.limit(1)).first() is not None

    def _due_now(self, s: Session, lane: str, now: datetime) -> None:
        stmt = (
            sa.update(OutboxMessage)
            .where(
                _in_lane(lane, self.alert_topic),
                col(OutboxMessage.status) == OutboxStatus.PENDING,
                col(OutboxMessage.next_attempt_at) > now,
                col(OutboxMessage.attempts) > 0,
            )
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        s.execute(stmt)

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


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")
