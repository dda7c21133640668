"""The served app with both simulators: Slack and Zendesk, talking to each other through it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from slack_sdk import WebClient

from bot.sandbox.serving import ServedApp
from bot.sandbox.slack_driver import SlackDriver
from bot.sandbox.slack_payloads import message_event
from bot.sandbox.slack_sim import SlackSimulator
from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.server import Runtime, build_runtime, zendesk_inbound
from bot.web import create_app
from tests.slack.conftest import CHANNEL, CUSTOMER, SIGNING_SECRET, new_sim, settings_for

EMAIL, TOKEN, SECRET = "porting@acme.example", "zd-token", "hook-secret"
BILL_BYTES = b"%PDF-1.7\n" + b"bill " * 2000


@dataclass
class Both:
    slack: SlackSimulator
    zendesk: ZendeskSimulator
    driver: SlackDriver
    runtime: Runtime

    def drain(self) -> int:
        return self.runtime.outbox.drain()

    def ticket(self) -> int:
        (ticket,) = self.zendesk.tickets()
        return ticket["id"]

    def comments(self) -> list[dict]:
        return self.zendesk.comments(self.ticket())

    def card_ts(self) -> str:
        (card,) = self.slack.messages(CHANNEL)
        return card["ts"]

    def reply(self, text: str, **kw) -> dict:
        event = message_event(text, CUSTOMER, CHANNEL, thread_ts=self.card_ts(), **kw)
        assert self.driver.event(event).status == 200
        return event


@pytest.fixture
def both(ctx, clock) -> Iterator[Both]:
    slack = new_sim()
    with ZendeskSimulator(email=EMAIL, token=TOKEN) as zendesk:
        settings = settings_for(
            slack,
            ZENDESK_SUBDOMAIN="acme",
            ZENDESK_EMAIL=EMAIL,
            ZENDESK_API_TOKEN=TOKEN,
            ZENDESK_URL=zendesk.url,
            ZENDESK_WEBHOOK_SECRET=SECRET,
        )
        client = WebClient(token="xoxb-test", base_url=slack.url)
        runtime = build_runtime(settings, client=client, process_before_response=True, ctx=ctx)
        app = create_app(ctx, runtime.bolt, zendesk=zendesk_inbound(settings, ctx))
        with ServedApp(app) as served:
            zendesk.webhook(f"{served.url}/zendesk/webhook", SECRET)
            driver = SlackDriver(
                f"{served.url}/slack/events", SIGNING_SECRET, slack, team_id=slack.team_id
            )
            try:
                yield Both(slack, zendesk, driver, runtime)
            finally:  # delivery lanes a test started stop before the database goes
                runtime.stop.set()
                runtime.outbox.wake.set()
                zendesk.clear_faults()
                for thread in runtime.threads:
                    thread.join(timeout=15)
    slack.stop()
