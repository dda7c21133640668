"""APScheduler only ticks: one in-memory job per process, first run at start-up, late ticks
kept and merged, never overlapping; it stops with the runtime."""

from __future__ import annotations

import threading
from datetime import timedelta

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from sqlmodel import func, select

from bot.delivery.reminders import Sweeper
from bot.delivery.scheduler import JOB_ID
from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.server import build_runtime
from bot.services.effects import Topic
from storage.models import Reminder
from tests.reminders.conftest import ZD_EMAIL, ZD_TOKEN
from tests.slack.conftest import new_sim, settings_for


class Signalling(Sweeper):
    """A sweeper that says when it has swept (the test waits on the scheduler's thread)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.swept = threading.Event()

    def sweep(self, **kw):
        result = super().sweep(**kw)
        self.swept.set()
        return result


def test_the_ticker_runs_at_start_up_and_stops_with_the_runtime(ctx, clock):
    sim = new_sim()
    with ZendeskSimulator(email=ZD_EMAIL, token=ZD_TOKEN) as zendesk:
        settings = settings_for(
            sim,
            ZENDESK_SUBDOMAIN="acme",
            ZENDESK_EMAIL=ZD_EMAIL,
            ZENDESK_API_TOKEN=ZD_TOKEN,
            ZENDESK_URL=zendesk.url,
            PORTBOT_REMINDER_INTERVAL="45",
        )
        client = WebClient(token="xoxb-test", base_url=sim.url)
        runtime = build_runtime(settings, client=client, process_before_response=True, ctx=ctx)
        sweeper = Signalling(ctx, worker_id="test")
        runtime.sweeper = sweeper
        ticker = runtime.start_reminders()
        try:
            assert sweeper.swept.wait(10), "the first tick runs at start-up"
            assert {Topic.SLACK_REMINDER, Topic.ZENDESK_NOTE} <= set(runtime.outbox.handlers)
            job = ticker.scheduler.get_job(JOB_ID)
            assert job.misfire_grace_time is None
            assert job.coalesce is True and job.max_instances == 1
            assert isinstance(job.trigger, IntervalTrigger)
            assert job.trigger.interval == timedelta(seconds=45)
            assert isinstance(ticker.scheduler._jobstores["default"], MemoryJobStore)
            with ctx.db.read() as s:  # the tick planned the digests
                count = select(func.count()).where(Reminder.kind == "daily-digest")
                assert s.exec(count).one() > 0
        finally:
            runtime.close()
        assert not ticker.scheduler.running
    sim.stop()
