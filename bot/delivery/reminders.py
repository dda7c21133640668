"""The reminder sweep: due rows become outbox messages, in one transaction per batch.

APScheduler only ticks (``bot.delivery.scheduler``); the rows decide. One batch:

1. **Claim** up to ``batch_size`` scheduled rows due by now, not under a lease, with
   ``FOR UPDATE SKIP LOCKED`` (PostgreSQL): concurrent sweeps take disjoint rows. Outside contact
   hours customer reminders are not claimed at all; they wait for the next morning.
2. **Hold the subjects.** Their requests are read ``FOR KEY SHARE SKIP LOCKED``: a request that a
   use case is changing right now is put off to the next batch (its reminders untouched), and no
   use case can change it while the batch runs. The other overdue rows of the same subjects join
   the batch, so catch-up sees each countdown whole; a subject with a row another sweep holds is
   put off too (it gets swept once, whole, by one of them).
3. **Check and catch up.** Rows the request's current state no longer calls for are cancelled
   (``obsolete``; normally :func:`bot.services.reminders.reconcile` did that already). Then
   :func:`bot.porting.reminders.catch_up`: after downtime only the newest reminder of each
   countdown goes out, expired moments are dropped; the rows it leaves out are cancelled
   (``superseded`` / ``expired``), never sent later.
4. **Queue** each kept message as outbox rows (one per destination,
   :func:`bot.porting.reminders.destinations`: the request's thread, the representative's DM,
   the agents channel, a port-out's channel, the ticket's internal note) and mark the row sent.
   The rows carry ids, not words: the Slack and Zendesk handlers word each message from the
   reminder and its subject when they deliver it (``bot.wording.reminders``). System rows
   (expire a request, apply the port-out default) are leased instead.
5. **Commit.** A sweep killed before this point changed nothing: the rows are due again.

After the commit the leased system rows run their use case outside the batch transaction (on
SQLite a use case cannot open its write transaction inside another); a worker that dies there
leaves the lease to expire, and the next sweep runs the action again under the same idempotency
key, so it takes effect once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from bot.porting.reminders import Audience, Destination, ReminderKind, catch_up, destinations
from bot.services import reminders as rsvc
from bot.services.base import Context
from bot.services.effects import Topic, enqueue, outbox_values
from storage import repositories as repo
from storage.models import OutboxMessage, Reminder
from storage.values import ReminderStatus

log = logging.getLogger(__name__)
K = ReminderKind
ANY_TIME_KINDS = frozenset(k.value for k in ReminderKind if k.audience is not Audience.CUSTOMER)
SystemAction = Callable[[Context, Reminder], bool]


DEFAULT_ACTIONS: Mapping[ReminderKind, SystemAction] = {
    K.REQUEST_EXPIRY: rsvc.expire_for_reminder,
    K.PORT_OUT_DEADLINE: rsvc.port_out_default_for_reminder,
    K.QUOTE_DEADLINE: rsvc.accept_quote_for_reminder,
}


# --- the sweep ---------------------------------------------------------------------------------


@dataclass
class SweepResult:
    """Reminder ids by what a sweep did with them."""

    sent: list[int] = field(default_factory=list)
    actions: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    obsolete: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)
    outbox_rows: int = 0

    @property
    def done(self) -> int:
        return len(self.sent) + len(self.actions) + len(self.skipped) + len(self.obsolete)

    def add(self, other: SweepResult) -> None:
        for name in ("sent", "actions", "skipped", "obsolete", "failed", "deferred"):
            getattr(self, name).extend(getattr(other, name))
        self.outbox_rows += other.outbox_rows


class _Message(NamedTuple):
    """One outbox row of a reminder: where it goes, its ids, its dedupe key."""

    topic: Topic
    payload: dict[str, Any]
    key: str


def _subject(row: Reminder) -> tuple[str, Any]:
    if row.request_id is not None:
        return ("request", row.request_id)
    if row.window_id is not None:
        return ("window", row.window_id)
    if row.port_out_id is not None:
        return ("port_out", row.port_out_id)
    return ("kind", row.kind)


@dataclass
class Sweeper:
    """Sends due reminders; safe to run in every process (the rows are claimed, not the job).

    ``slack`` / ``zendesk``: which destinations get outbox rows (default: those the context's
    request events go to). ``actions``: the system actions by kind. ``wake`` is called after a
    batch queued messages (the outbox loop's wake-up)."""

    ctx: Context
    batch_size: int = 200
    lease: timedelta = timedelta(minutes=5)
    worker_id: str = "portbot"
    slack: bool | None = None
    zendesk: bool | None = None
    actions: Mapping[ReminderKind, SystemAction] = field(default_factory=lambda: DEFAULT_ACTIONS)
    max_attempts: int = 5
    wake: Callable[[], None] | None = None
    # Tests: called inside the batch transaction just before it commits.
    before_commit: Callable[[Session], None] | None = None

    def __post_init__(self) -> None:
        if self.slack is None:
            self.slack = Topic.SLACK_REQUEST_EVENT in self.ctx.effect_topics
        if self.zendesk is None:
            self.zendesk = Topic.ZENDESK_REQUEST_EVENT in self.ctx.effect_topics

    def sweep(self, *, max_batches: int = 10_000) -> SweepResult:
        """Batches until nothing more is due (or only rows put off remain)."""
        total = SweepResult()
        for _ in range(max_batches):
            result = self.run_once(exclude=total.deferred)
            total.add(result)
            if result.done + len(result.failed) == 0:
                break
        return total

    def run_once(self, *, exclude: Collection[int] = ()) -> SweepResult:
        """One batch, then the system actions it leased."""
        result, leased = self._batch(exclude)
        if result.outbox_rows and self.wake is not None:
            self.wake()
        for row, attempts in leased:
            self._act(row, attempts, result)
        return result

    # -- the batch transaction -------------------------------------------------------------------

    def _batch(self, exclude: Collection[int]) -> tuple[SweepResult, list[tuple[Reminder, int]]]:
        result = SweepResult()
        leased: list[tuple[Reminder, int]] = []  # (row, attempt number)
        calendar = self.ctx.calendar
        with self.ctx.db.write() as s:
            now = self.ctx.now()
            kinds = None if calendar.within_contact_hours(now) else ANY_TIME_KINDS
            claimed = repo.claim_due_reminders(
                s, now=now, limit=self.batch_size, kinds=kinds, exclude=exclude
            )
            if not claimed:
                return result, leased
            held, requests, put_off = self._hold(s, claimed, now, kinds)
            rows = [r for r in held.values() if _subject(r) not in put_off]
            result.deferred.extend(r.pk for r in held.values() if _subject(r) in put_off)
            updates: list[dict[str, Any]] = []
            outbox: list[dict[str, Any]] = []
            rows = self._drop_obsolete(s, rows, requests, updates, result)
            kept = {d.key for d in catch_up([rsvc.due_of(r) for r in rows], now)}
            for row in sorted(rows, key=lambda r: (r.due_at, r.id)):
                if row.dedupe_key not in kept:
                    expired = rsvc.due_of(row).expires_at
                    why = rsvc.EXPIRED if expired and expired <= now else rsvc.SUPERSEDED
                    updates.append(_cancel(row, why))
                    result.skipped.append(row.pk)
                elif ReminderKind(row.kind).audience is Audience.SYSTEM:
                    lease = {"claimed_by": self.worker_id, "claimed_until": now + self.lease}
                    updates.append(_values(row, attempts=row.attempts + 1, **lease))
                    leased.append((row, row.attempts + 1))
                else:
                    self._queue(row, requests, now, updates, outbox, result)
            if outbox:
                s.execute(sa.insert(OutboxMessage), outbox)
            if updates:
                s.execute(sa.update(Reminder), updates)
            result.outbox_rows = len(outbox)
            if self.before_commit is not None:
                self.before_commit(s)
        return result, leased

    def _hold(
        self, s: Session, claimed: list[Reminder], now: datetime, kinds: Collection[str] | None
    ) -> tuple[dict[int, Reminder], dict[int, Any], set[tuple[str, Any]]]:
        held = {r.id: r for r in claimed if r.id is not None}
        by_type: dict[str, set[Any]] = {"request": set(), "window": set(), "port_out": set()}
        by_type["kind"] = set()
        for r in claimed:
            kind, key = _subject(r)
            by_type[kind].add(key)
        requests = {row.id: row for row in repo.share_requests(s, ids=by_type["request"])}
        put_off = {("request", rid) for rid in by_type["request"] - set(requests)}
        overdue = repo.overdue_reminders_of(
            s,
            now=now,
            request_ids=set(requests),
            window_ids=by_type["window"],
            port_out_ids=by_type["port_out"],
            kinds=by_type["kind"],
        )
        extra = {r.pk for r in overdue if r.pk not in held and (kinds is None or r.kind in kinds)}
        if extra:
            locked = repo.lock_reminders(s, ids=extra)
            held.update({r.id: r for r in locked if r.id is not None})
            missing = extra - {r.id for r in locked}
            put_off.update(_subject(r) for r in overdue if r.id in missing)
        return held, requests, put_off

    def _drop_obsolete(
        self,
        s: Session,
        rows: list[Reminder],
        requests: dict[int, Any],
        updates: list[dict[str, Any]],
        result: SweepResult,
    ) -> list[Reminder]:
        """Rows of requests whose current state no longer wants them (belt and braces: the use
        cases reconcile already) are cancelled here instead of sent."""
        ids = {r.request_id for r in rows if r.request_id is not None}
        if not ids:
            return rows
        policy = rsvc.policy_of(self.ctx)
        moments = rsvc.moments_of(s, [requests[rid] for rid in ids])
        wanted = {
            rid: {
                d.key
                for d in rsvc.wanted_for_request(
                    requests[rid], moments.get(rid), policy, self.ctx.calendar
                )
            }
            for rid in ids
        }
        keep = []
        for row in rows:
            if row.request_id is not None and row.dedupe_key not in wanted[row.request_id]:
                updates.append(_cancel(row, rsvc.OBSOLETE))
                result.obsolete.append(row.pk)
            else:
                keep.append(row)
        return keep

    def _queue(
        self,
        row: Reminder,
        requests: dict[int, Any],
        now: datetime,
        updates: list[dict[str, Any]],
        outbox: list[dict[str, Any]],
        result: SweepResult,
    ) -> None:
        try:
            messages = self._messages(row, requests, now)
        except Exception:
            log.exception("reminder %s (%s) could not be queued", row.id, row.kind)
            attempts = row.attempts + 1
            if attempts >= self.max_attempts:
                updates.append({**_cancel(row, rsvc.FAILED), "attempts": attempts})
            else:
                lease = {"claimed_by": self.worker_id, "claimed_until": now + self.lease}
                updates.append(_values(row, attempts=attempts, **lease))
            result.failed.append(row.pk)
            return
        outbox.extend(messages)
        updates.append(_values(row, status=ReminderStatus.SENT, sent_at=now))
        result.sent.append(row.pk)

    def _messages(
        self, row: Reminder, requests: Mapping[int, Any], now: datetime
    ) -> list[dict[str, Any]]:
        """Column values of the outbox rows of a reminder's messages (one statement inserts
        a batch's rows)."""
        return [
            outbox_values(m.topic, m.payload, key=m.key, now=now, request_id=row.request_id)
            for m in self._outgoing(row, requests)
        ]

    def _outgoing(self, row: Reminder, requests: Mapping[int, Any]) -> list[_Message]:
        """A reminder's messages: one per destination it goes to (Slack's when Slack is on,
        the ticket note when Zendesk is), carrying ids."""
        assert row.id is not None
        kind = ReminderKind(row.kind)
        req = requests.get(row.request_id) if row.request_id is not None else None
        out = []
        for to in destinations(kind, rep_email=bool(req is not None and req.rep_email)):
            payload: dict[str, Any] = {"reminder_id": row.id, "kind": row.kind}
            if to is Destination.NOTE:
                if not self.zendesk:
                    continue
                topic = Topic.ZENDESK_NOTE
                payload["sid"] = (row.data or {}).get("subject")
                if row.port_out_id is not None:
                    payload["port_out_id"] = row.port_out_id
            else:
                if not self.slack:
                    continue
                topic = Topic.SLACK_REMINDER
                payload["to"] = to.value
            out.append(_Message(topic, payload, f"{topic}:{row.id}:{to.value}"))
        return out

    # -- system actions ---------------------------------------------------------------------------

    def _act(self, row: Reminder, attempts: int, result: SweepResult) -> None:
        """Run a leased system row's action (``attempts``: this try's number)."""
        action = self.actions.get(ReminderKind(row.kind))
        try:
            done = action(self.ctx, row) if action is not None else False
        except Exception:
            log.exception("reminder %s (%s): the scheduled action failed", row.id, row.kind)
            result.failed.append(row.pk)
            if attempts >= self.max_attempts:
                self._settle(row, None)
            return  # otherwise the lease runs out and a sweep tries again
        self._settle(row, done)
        result.actions.append(row.pk)

    def _settle(self, row: Reminder, done: bool | None) -> None:
        """Record how a leased system row ended: done (sent), moot, or failed for good."""
        with self.ctx.db.write() as s:
            current = s.get(Reminder, row.id, with_for_update=True)
            if current is None or current.status is ReminderStatus.SENT:
                return
            if current.claimed_by != self.worker_id and current.status is ReminderStatus.SCHEDULED:
                return  # our lease ran out and another sweep has it now
            now = self.ctx.now()
            outcome = {True: "done", False: "moot", None: rsvc.FAILED}[done]
            current.status = ReminderStatus.SENT if done else ReminderStatus.CANCELLED
            current.sent_at = now if done else None
            current.claimed_by = current.claimed_until = None
            current.data = {**(current.data or {}), "outcome": outcome}
            s.add(current)
            if done and row.kind == K.PORT_OUT_DEADLINE.value:  # tell the owner
                for m in self._outgoing(row, {}):
                    enqueue(s, m.topic, m.payload, key=m.key, now=now, request_id=row.request_id)


def _values(row: Reminder, **changes: Any) -> dict[str, Any]:
    """A full row update (every update of a batch has the same keys: one executemany)."""
    values = {
        "id": row.id,
        "status": row.status,
        "attempts": row.attempts,
        "claimed_by": None,
        "claimed_until": None,
        "sent_at": row.sent_at,
        "data": row.data,
    }
    values.update(changes)
    return values


def _cancel(row: Reminder, outcome: str) -> dict[str, Any]:
    return _values(
        row, status=ReminderStatus.CANCELLED, data={**(row.data or {}), "outcome": outcome}
    )
