"""The served app end to end: real HTTP on loopback, signed requests, a simulated Slack."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from slack_sdk import WebClient

from bot import config
from bot.sandbox.serving import ServedApp
from bot.sandbox.slack_driver import SlackDriver
from bot.sandbox.slack_sim import SlackSimulator
from bot.server import Runtime, build_runtime
from bot.slack.deferral import Front
from bot.web import create_app

SIGNING_SECRET = "test-signing-secret"
CUSTOMER, OTHER, AGENT = "U0CUSTOMER", "U0OTHER", "U0AGENT"
CHANNEL, AGENTS_CHANNEL = "C0CUSTOMER", "C0AGENTS"


@dataclass
class Slack:
    sim: SlackSimulator
    driver: SlackDriver
    runtime: Runtime
    url: str

    def drain(self) -> int:
        """Deliver everything the outbox holds (cards, thread messages)."""
        return self.runtime.outbox.drain()


def settings_for(sim: SlackSimulator, **extra: str) -> config.Settings:
    return config.load(
        {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": sim.url,
            "PORTBOT_AGENTS": AGENT,
            "PORTBOT_AGENTS_CHANNEL": AGENTS_CHANNEL,
            **extra,
        }
    )


def new_sim() -> SlackSimulator:
    sim = SlackSimulator().start()
    sim.add_user(CUSTOMER, "casey", "casey@acme.example")
    sim.add_user(OTHER, "olive", "olive@other.example")
    sim.add_user(AGENT, "avery", "avery@porting.example")
    sim.add_channel(CHANNEL, "acme-telecom", members=[CUSTOMER])
    sim.add_channel(AGENTS_CHANNEL, "porting-team", members=[AGENT])
    return sim


@contextmanager
def served_slack(
    ctx, *, front: Callable[[Runtime], Front] | None = None, sim: SlackSimulator | None = None
) -> Iterator[Slack]:
    """The app served over HTTP against a fresh simulator. ``front`` builds the deferral front
    (``bot.slack.deferral``) from the runtime; without it every request is dispatched first."""
    sim = sim or new_sim()
    client = WebClient(token="xoxb-test", base_url=sim.url)
    runtime = build_runtime(settings_for(sim), client=client, process_before_response=True, ctx=ctx)
    made = front(runtime) if front else None
    served = ServedApp(create_app(ctx, runtime.bolt, front=made)).start()
    driver = SlackDriver(f"{served.url}/slack/events", SIGNING_SECRET, sim, team_id=sim.team_id)
    try:
        yield Slack(sim=sim, driver=driver, runtime=runtime, url=served.url)
    finally:
        served.stop()
        if made is not None:
            made.runner.close()
        sim.stop()


@pytest.fixture
def slack(ctx) -> Iterator[Slack]:
    with served_slack(ctx) as served:
        yield served
