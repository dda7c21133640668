"""Simulated time for ``portbot demo``: a clock that can be moved forward, and a fast-forward
that stops at every moment a reminder falls due, sweeps as the scheduler would, delivers, and
reports what Slack received."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.delivery.reminders import Sweeper
from bot.sandbox.slack_sim import SlackSimulator
from bot.services import reminders as rsvc
from bot.services.base import Context
from bot.slack.blocks.reminders import reminder_of
from storage import repositories as repo


class DemoClock:
    """Runs like a watch from ``start``; ``jump`` moves it forward (never back)."""

    def __init__(self, start: datetime) -> None:
        self._base = start.astimezone(UTC)
        self._since = time.monotonic()

    def __call__(self) -> datetime:
        return self._base + timedelta(seconds=time.monotonic() - self._since)

    def jump(self, to: datetime) -> None:
        if to > self():
            self._base, self._since = to.astimezone(UTC), time.monotonic()


def first_morning(ctx: Context, *, hour: int = 10) -> datetime:
    """The next business day's ``hour`` o'clock, local time: where the demo's story starts."""
    day = ctx.calendar.add_business_days(ctx.today(), 1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=ctx.calendar.tz)


@dataclass(frozen=True)
class Landed:
    """A reminder message as the simulated Slack received it."""

    at: datetime  # local time
    kind: str
    channel: str
    thread: bool
    text: str
    kinds: tuple[str, ...] = ()  # every reminder the message tells (several: one message)


@dataclass
class FastForward:
    ctx: Context
    clock: DemoClock
    sim: SlackSimulator
    deliver: Callable[[], int]
    sweeper: Sweeper = field(init=False)
    landed: list[Landed] = field(default_factory=list)
    _seen: int = 0
    _digest_day: Any = None

    def __post_init__(self) -> None:
        self.sweeper = Sweeper(self.ctx, worker_id="demo-scheduler")

    def tick(self) -> list[Landed]:
        """One scheduler tick at the current time (digest rows, sweep), then deliveries."""
        if self.ctx.today() != self._digest_day:
            rsvc.ensure_digests(self.ctx, days=1)
            self._digest_day = self.ctx.today()
        self.sweeper.sweep()
        self.deliver()
        return self._collect()

    def until(self, moment: datetime) -> list[Landed]:
        """Move the clock to ``moment``, stopping wherever a reminder is due on the way."""
        landed = self.tick()
        while True:
            with self.ctx.db.read() as s:
                due = repo.next_reminder_due(s, after=self.clock())
            if due is None or due > moment:
                break
            self.clock.jump(due)
            landed += self.tick()
        self.clock.jump(moment)
        return landed + self.tick()

    def _collect(self) -> list[Landed]:
        calls = self.sim.calls_to("chat.postMessage")
        new: list[Landed] = []
        for call in calls[self._seen :]:
            if call.error or (reminder := reminder_of(call.args)) is None:
                continue
            new.append(
                Landed(
                    at=self.clock().astimezone(self.ctx.calendar.tz),
                    kind=str(reminder["kind"]),
                    channel=str(call.args.get("channel")),
                    thread=bool(call.args.get("thread_ts")),
                    text=str(call.args.get("text") or ""),
                    kinds=tuple(str(reminder.get("kinds") or reminder["kind"]).split(",")),
                )
            )
        self._seen = len(calls)
        self.landed += new
        return new
