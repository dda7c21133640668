"""A world for reminder tests: the served runtime against the Slack (and Zendesk) simulators,
a sweep, and simulated time that jumps from one due reminder to the next (nothing sleeps)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlmodel import select

from bot.delivery.reminders import Sweeper, SweepResult
from bot.sandbox.slack_sim import SlackSimulator
from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.server import Runtime, build_runtime
from bot.services import reminders as rsvc
from bot.slack.blocks.reminders import reminder_of
from storage import repositories as repo
from storage.models import OutboxMessage, Reminder
from tests.slack.conftest import new_sim, settings_for

NY = ZoneInfo("America/New_York")
REP = "U0REP"
REP_EMAIL = "jordan@acme.example"  # the representative of tests.services.helpers.draft()
ZD_EMAIL, ZD_TOKEN = "porting@acme.example", "zd-token"


def ny(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=NY)


def local(instant: datetime) -> datetime:
    return instant.astimezone(NY).replace(tzinfo=None)


@dataclass(frozen=True)
class Sent:
    """One reminder message as the Slack simulator received it."""

    at: datetime  # naive New York wall time of the simulated clock
    kind: str
    stage: str
    channel: str
    thread: bool
    text: str
    kinds: tuple[str, ...] = ()  # every reminder the message tells (one, or a few together)


@dataclass
class World:
    ctx: object
    clock: object
    sim: SlackSimulator
    runtime: Runtime
    sweeper: Sweeper
    zendesk: ZendeskSimulator | None = None
    sent: list[Sent] = field(default_factory=list)
    results: list[SweepResult] = field(default_factory=list)
    digests: bool = True
    _seen: int = 0
    _digest_day: object = None

    def tick(self) -> SweepResult:
        """What one scheduler tick does at the current simulated time, then deliveries."""
        today = self.ctx.today()
        if self.digests and today != self._digest_day:
            rsvc.ensure_digests(self.ctx)
            self._digest_day = today
        result = self.sweeper.sweep()
        self.results.append(result)
        self.runtime.outbox.drain()
        self._collect()
        return result

    def _collect(self) -> None:
        calls = self.sim.calls_to("chat.postMessage")
        for call in calls[self._seen :]:
            if call.error or (payload := reminder_of(call.args)) is None:
                continue
            self.sent.append(
                Sent(
                    at=local(self.clock.now),
                    kind=payload["kind"],
                    stage=str(payload.get("stage", "")),
                    channel=str(call.args.get("channel")),
                    thread=bool(call.args.get("thread_ts")),
                    text=str(call.args.get("text")),
                    kinds=tuple(str(payload.get("kinds") or payload["kind"]).split(",")),
                )
            )
        self._seen = len(calls)

    def run_until(self, until: datetime) -> None:
        """Walk simulated time to ``until``, stopping at every moment a reminder is due."""
        self.tick()
        while True:
            with self.ctx.db.read() as s:
                due = repo.next_reminder_due(s, after=self.clock.now)
            if due is None or due > until:
                break
            self.clock.set(due)
            self.tick()
        self.clock.set(until)
        self.tick()

    def at(self, moment: datetime) -> None:
        """Walk to ``moment`` (a use case is about to happen there)."""
        self.run_until(moment)

    def rows(self, **where: object) -> list[Reminder]:
        with self.ctx.db.read() as s:
            stmt = select(Reminder).order_by(Reminder.due_at, Reminder.id)
            for name, value in where.items():
                stmt = stmt.where(getattr(Reminder, name) == value)
            return list(s.exec(stmt).all())

    def outbox(self, topic: str) -> list[OutboxMessage]:
        with self.ctx.db.read() as s:
            stmt = select(OutboxMessage).where(OutboxMessage.topic == topic)
            return list(s.exec(stmt.order_by(OutboxMessage.id)).all())


def make_world(ctx, clock, *, zendesk: ZendeskSimulator | None = None) -> World:
    sim = new_sim()
    sim.add_user(REP, "jordan", REP_EMAIL)
    extra = {}
    if zendesk is not None:
        extra = {
            "ZENDESK_SUBDOMAIN": "acme",
            "ZENDESK_EMAIL": ZD_EMAIL,
            "ZENDESK_API_TOKEN": ZD_TOKEN,
            "ZENDESK_URL": zendesk.url,
        }
    else:
        ctx.effect_topics = ("slack.request_event",)
    client = WebClient(token="xoxb-test", base_url=sim.url)
    runtime = build_runtime(
        settings_for(sim, **extra), client=client, process_before_response=True, ctx=ctx
    )
    sweeper = Sweeper(ctx, worker_id="test-sweeper")
    return World(ctx, clock, sim, runtime, sweeper, zendesk=zendesk)


@pytest.fixture
def world(ctx, clock) -> Iterator[World]:
    w = make_world(ctx, clock)
    yield w
    w.sim.stop()


@pytest.fixture
def world_zd(ctx, clock) -> Iterator[World]:
    with ZendeskSimulator(email=ZD_EMAIL, token=ZD_TOKEN) as zendesk:
        w = make_world(ctx, clock, zendesk=zendesk)
        yield w
        w.sim.stop()
