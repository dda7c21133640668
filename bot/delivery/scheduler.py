"""APScheduler ticks the reminder sweep; the database decides what is due.

Nothing about reminders lives in APScheduler: its one job is "look at the rows now". Every
process (``serve`` and ``worker``, however many replicas) runs its own scheduler, and the row
claims (``FOR UPDATE SKIP LOCKED``, see ``bot.delivery.reminders``) keep each reminder to one
sender. The settings, and why:

* **In-memory job store.** APScheduler 3.x cannot share a job store between processes: two
  schedulers on one SQLAlchemy job store would both run every job. A tick is worth nothing to
  persist — after a restart the rows are still there, and the first tick finds them.
* **``next_run_time=now``**: the first tick runs at start-up, so whatever fell due while the
  process was down goes out at once (through catch-up: once, newest state only).
* **``misfire_grace_time=None``**: a late tick still runs, however late. The default (1 s)
  silently drops a tick whose start slipped (a busy executor, a long pause, a suspended VM);
  a sweep is safe to run at any moment, so late is always better than never.
* **``coalesce=True``**: ticks missed meanwhile collapse into one run; one sweep drains
  everything due, so running it several times in a row would only repeat empty queries.
* **``max_instances=1``** and a one-thread executor: a sweep slower than the interval is not
  overlapped by another in the same process (the claims would keep them apart anyway; a second
  one would only compete for the same rows).

The daily digest is a row like any other reminder: each tick makes sure the rows of the next
seven days exist (hourly; an insert that finds its key does nothing), and the sweep sends it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery.outbox import Handler
from bot.delivery.reminders import NOTE_TOPIC, Sweeper, SweepResult, TicketNoteDelivery
from bot.services import reminders as rsvc
from bot.slack import reminder_delivery
from bot.zendesk.inbound import NOTE_TOPIC as ZENDESK_NOTE_TOPIC

if TYPE_CHECKING:
    from bot.server import Runtime

log = logging.getLogger(__name__)
JOB_ID = "reminder-sweep"
DIGEST_EVERY = timedelta(hours=1)
DIGEST_DAYS = 7


@dataclass
class ReminderScheduler:
    """One process's ticker: ``tick()`` makes the digest rows (hourly) and sweeps."""

    sweeper: Sweeper
    interval: float = 30.0
    scheduler: BackgroundScheduler | None = None
    _digests_at: datetime | None = field(default=None, repr=False)

    def tick(self) -> SweepResult:
        ctx = self.sweeper.ctx
        now = ctx.now()
        if self._digests_at is None or now - self._digests_at >= DIGEST_EVERY:
            try:
                rsvc.ensure_digests(ctx, days=DIGEST_DAYS)
                self._digests_at = now
            except Exception:
                log.exception("could not plan the daily digests")
        result = self.sweeper.sweep()
        if result.done or result.failed:
            log.info(
                "reminders: %d sent, %d actions, %d skipped, %d obsolete, %d failed",
                len(result.sent),
                len(result.actions),
                len(result.skipped),
                len(result.obsolete),
                len(result.failed),
            )
        return result

    def _job(self) -> None:
        try:
            self.tick()
        except Exception:  # the next tick tries again; APScheduler would only log it too
            log.exception("reminder sweep failed")

    def start(self) -> ReminderScheduler:
        # APScheduler logs every run at INFO ("Running job ..."): twice a minute, for nothing.
        logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
        scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            timezone=UTC,
        )
        scheduler.add_job(
            self._job,
            IntervalTrigger(seconds=max(1.0, self.interval)),
            id=JOB_ID,
            name="reminder sweep",
            next_run_time=datetime.now(UTC),  # sweep at start-up: downtime is caught up at once
            misfire_grace_time=None,  # a late tick runs however late (the default drops it)
            coalesce=True,  # missed ticks run once: one sweep drains everything due
            max_instances=1,  # a slow sweep is never overlapped by the next tick
        )
        scheduler.start()
        self.scheduler = scheduler
        return self

    def shutdown(self, *, wait: bool = True) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=wait)


def start_scheduler(
    runtime: Runtime, *, interval: float | None = None, sweeper: Sweeper | None = None
) -> ReminderScheduler:
    """Start ticking for this process; it stops with the runtime (``runtime.close()``)."""
    outbox = runtime.outbox
    sweeper = sweeper or Sweeper(runtime.ctx, worker_id=outbox.worker_id, wake=outbox.wake.set)
    every = interval if interval is not None else runtime.settings.portbot_reminder_interval
    ticker = ReminderScheduler(sweeper, interval=float(every)).start()

    def stop_with_runtime() -> None:
        runtime.stop.wait()
        ticker.shutdown(wait=True)

    watcher = threading.Thread(target=stop_with_runtime, name="portbot-reminders", daemon=True)
    watcher.start()
    runtime.threads.append(watcher)
    return ticker


def reminder_handlers(runtime: Runtime) -> dict[str, Handler]:
    """The runtime's outbox handlers plus those of reminder messages (Slack, ticket notes)."""
    handlers = dict(runtime.outbox.handlers)
    if runtime.client is not None:
        handlers[reminder_delivery.TOPIC] = reminder_delivery.ReminderDelivery(
            runtime.ctx, runtime.client, agents_channel=runtime.settings.portbot_agents_channel
        )
    gateway = getattr(handlers.get(ZENDESK_NOTE_TOPIC), "gateway", None)
    if gateway is not None:
        handlers[NOTE_TOPIC] = TicketNoteDelivery(runtime.ctx, gateway)
    return handlers


def install_reminders(
    runtime: Runtime, *, interval: float | None = None, sweeper: Sweeper | None = None
) -> ReminderScheduler:
    """Deliver reminder messages and start this process's sweep ticker (``serve``, ``worker``).
    Call it before ``runtime.start_background()``: the outbox lanes are made from the handlers
    present then."""
    runtime.outbox.handlers = reminder_handlers(runtime)
    return start_scheduler(runtime, interval=interval, sweeper=sweeper)
