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
4. **Queue** each kept message as outbox rows (one per destination: the request's thread, the
   representative's DM, the agents channel, the ticket's internal note) and mark the row sent.
   System rows (expire a request, apply the port-out default) are leased instead.
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
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from bot.delivery.outbox import RetryLater
from bot.porting.reminders import Audience, ReminderKind, catch_up
from bot.services import reminders as rsvc
from bot.services.base import Context
from bot.services.effects import Topic
from bot.slack import reminder_delivery
from bot.slack.blocks import reminders as blocks
from bot.zendesk.gateway import Gateway, RateLimited
from storage import repositories as repo
from storage.models import OutboxMessage, PortOut, PortOutWindow, Reminder, SlackLink, ZendeskLink
from storage.values import OutboxStatus, ReminderStatus

log = logging.getLogger(__name__)
K = ReminderKind
SLACK_TOPIC = reminder_delivery.TOPIC
NOTE_TOPIC = "zendesk.reminder_note"
ANY_TIME_KINDS = frozenset(k.value for k in ReminderKind if k.audience is not Audience.CUSTOMER)
SystemAction = Callable[[Context, Reminder], bool]


DEFAULT_ACTIONS: Mapping[ReminderKind, SystemAction] = {
    K.REQUEST_EXPIRY: rsvc.expire_for_reminder,
    K.PORT_OUT_DEADLINE: rsvc.port_out_default_for_reminder,
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
        result, leased = SweepResult(), []  # leased: (row, attempt number)
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
            result.deferred.extend(r.id for r in held.values() if _subject(r) in put_off)
            updates: list[dict[str, Any]] = []
            outbox: list[dict[str, Any]] = []
            rows = self._drop_obsolete(s, rows, requests, updates, result)
            kept = {d.key for d in catch_up([rsvc.due_of(r) for r in rows], now)}
            for row in sorted(rows, key=lambda r: (r.due_at, r.id)):
                if row.dedupe_key not in kept:
                    expired = rsvc.due_of(row).expires_at
                    why = rsvc.EXPIRED if expired and expired <= now else rsvc.SUPERSEDED
                    updates.append(_cancel(row, why))
                    result.skipped.append(row.id)
                elif ReminderKind(row.kind).audience is Audience.SYSTEM:
                    lease = {"claimed_by": self.worker_id, "claimed_until": now + self.lease}
                    updates.append(_values(row, attempts=row.attempts + 1, **lease))
                    leased.append((row, row.attempts + 1))
                else:
                    self._queue(s, row, requests, now, updates, outbox, result)
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
        extra = {r.id for r in overdue if r.id not in held and (kinds is None or r.kind in kinds)}
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
                result.obsolete.append(row.id)
            else:
                keep.append(row)
        return keep

    def _queue(
        self,
        s: Session,
        row: Reminder,
        requests: dict[int, Any],
        now: datetime,
        updates: list[dict[str, Any]],
        outbox: list[dict[str, Any]],
        result: SweepResult,
    ) -> None:
        try:
            messages = self._render(s, row, requests)
        except Exception:
            log.exception("reminder %s (%s) could not be rendered", row.id, row.kind)
            attempts = row.attempts + 1
            if attempts >= self.max_attempts:
                updates.append({**_cancel(row, rsvc.FAILED), "attempts": attempts})
            else:
                lease = {"claimed_by": self.worker_id, "claimed_until": now + self.lease}
                updates.append(_values(row, attempts=attempts, **lease))
            result.failed.append(row.id)
            return
        for destination, topic, payload in messages:
            outbox.append(
                {
                    "request_id": row.request_id,
                    "topic": topic,
                    "payload": {"reminder_id": row.id, "kind": row.kind, **payload},
                    "dedupe_key": f"{topic}:{row.id}:{destination}",
                    "status": OutboxStatus.PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            )
        updates.append(_values(row, status=ReminderStatus.SENT, sent_at=now))
        result.sent.append(row.id)

    # -- rendering ----------------------------------------------------------------------------

    def _render(
        self, s: Session, row: Reminder, requests: dict[int, Any]
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """``(destination, topic, payload)`` of every message a reminder makes."""
        due = rsvc.due_of(row)
        kind, data = due.kind, due.data
        cal, policy = self.ctx.calendar, rsvc.policy_of(self.ctx)
        meta = blocks.metadata(kind, due.subject, data.get("stage") or data.get("business_days"))
        told = {"calendar": cal, "policy": policy, "today": cal.local_date(self.ctx.now())}
        out: list[tuple[str, str, dict[str, Any]]] = []

        def slack(destination: str, msg: blocks.Message, **extra: Any) -> None:
            if self.slack:
                body = {"text": msg.text, "blocks": msg.blocks, "metadata": meta}
                out.append((destination, SLACK_TOPIC, {"to": destination, **body, **extra}))

        def note(msg: blocks.Message, **ids: Any) -> None:
            if self.zendesk:
                out.append(("note", NOTE_TOPIC, {"body": msg.note, "sid": due.subject, **ids}))

        if kind is K.DAILY_DIGEST:
            summary = rsvc.digest_summary(self.ctx, s, cal.local_date(row.due_at), self.ctx.now())
            slack("agents", blocks.digest_message(summary, calendar=cal))
        elif row.request_id is not None:
            req = requests[row.request_id]
            if due.audience is Audience.AGENTS:
                msg = blocks.agents_message(kind, data, req, **told)
                slack("agents", msg)
            else:
                msg = blocks.request_message(kind, data, req, **told)
                slack("thread", msg)
                if kind is K.LOA_UNSIGNED and req.rep_email:
                    rep = blocks.rep_message(data, req, calendar=cal, policy=policy)
                    slack("rep", rep, email=req.rep_email, requester=req.requester_id)
            note(msg)
        elif row.window_id is not None:
            window = s.get(PortOutWindow, row.window_id)
            assert window is not None
            msg = blocks.window_message(data, window, calendar=cal)
            slack("channel", msg, channel=window.channel_id or window.created_by)
        elif row.port_out_id is not None:
            port_out = s.get(PortOut, row.port_out_id)
            assert port_out is not None
            msg = blocks.port_out_message(kind, data, port_out, calendar=cal)
            slack("channel", msg, **self._port_out_place(s, port_out))
            note(msg, port_out_id=port_out.id)
        return out

    def _port_out_place(self, s: Session, port_out: PortOut) -> dict[str, Any]:
        """Where a port-out's messages go: its card's thread, else the agents channel."""
        link = s.exec(select(SlackLink).where(SlackLink.port_out_id == port_out.id)).first()
        if link is not None:
            return {"channel": link.channel_id, "thread_ts": link.message_ts}
        return {"channel": None}

    # -- system actions ---------------------------------------------------------------------------

    def _act(self, row: Reminder, attempts: int, result: SweepResult) -> None:
        """Run a leased system row's action (``attempts``: this try's number)."""
        action = self.actions.get(ReminderKind(row.kind))
        try:
            done = action(self.ctx, row) if action is not None else False
        except Exception:
            log.exception("reminder %s (%s): the scheduled action failed", row.id, row.kind)
            result.failed.append(row.id)
            if attempts >= self.max_attempts:
                self._settle(row, None)
            return  # otherwise the lease runs out and a sweep tries again
        self._settle(row, done)
        result.actions.append(row.id)

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
            if done and row.kind == K.PORT_OUT_DEADLINE.value and self.slack:
                port_out = s.get(PortOut, row.port_out_id)
                due = rsvc.due_of(row)
                msg = blocks.port_out_message(
                    due.kind, due.data, port_out, calendar=self.ctx.calendar
                )
                meta = blocks.metadata(due.kind, due.subject)
                payload = {
                    "to": "channel",
                    "text": msg.text,
                    "blocks": msg.blocks,
                    "metadata": meta,
                }
                payload.update(self._port_out_place(s, port_out))
                s.add(
                    OutboxMessage(
                        topic=SLACK_TOPIC,
                        payload={"reminder_id": row.id, "kind": row.kind, **payload},
                        dedupe_key=f"{SLACK_TOPIC}:{row.id}:channel",
                        next_attempt_at=now,
                        created_at=now,
                    )
                )


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


# --- the ticket's internal note ----------------------------------------------------------------


class TicketNoteDelivery:
    """Outbox topic ``zendesk.reminder_note``: the reminder, as an internal note on the ticket of
    its request (or port-out). Waits for the ticket to exist for a day at most."""

    def __init__(
        self, ctx: Context, gateway: Gateway, *, wait: timedelta = timedelta(days=1)
    ) -> None:
        self.ctx = ctx
        self.gateway = gateway
        self.wait = wait

    def __call__(self, message: OutboxMessage) -> None:
        port_out_id = message.payload.get("port_out_id")
        with self.ctx.db.read() as s:
            column = ZendeskLink.port_out_id if port_out_id else ZendeskLink.request_id
            owner = port_out_id or message.request_id
            link = s.exec(select(ZendeskLink).where(column == owner)).first() if owner else None
        if link is None:
            if owner and self.ctx.now() - message.created_at < self.wait:
                raise RetryLater(60, "the ticket does not exist yet")
            return
        comment = {"body": message.payload["body"], "public": False}
        try:
            self.gateway.update_ticket(link.ticket_id, {"comment": comment})
        except RateLimited as exc:
            raise RetryLater(exc.retry_after, "Zendesk rate limit") from None
