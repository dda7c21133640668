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

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery.reminders import Sweeper, SweepResult
from bot.services import reminders as rsvc
from bot.services import transfers

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
        try:  # transfers between accounts still waiting after two business days
            if transfers.alert_late(ctx) and self.sweeper.wake is not None:
                self.sweeper.wake()
        except Exception:
            log.exception("could not check for late transfers")
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


def start_ticking(
    sweeper: Sweeper, *, interval: float, stop: threading.Event
) -> tuple[ReminderScheduler, threading.Thread]:
    """Start this process's ticker; it shuts down when ``stop`` is set. Returns the ticker and
    the thread that waits for ``stop`` (join it on the way out)."""
    ticker = ReminderScheduler(sweeper, interval=float(interval)).start()

    def stop_when_told() -> None:
        stop.wait()
        ticker.shutdown(wait=True)

    watcher = threading.Thread(target=stop_when_told, name="portbot-reminders", daemon=True)
    watcher.start()
    return ticker, watcher
