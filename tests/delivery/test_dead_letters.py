"""Deliveries set aside after the give-up time: the agents are told in Slack, and
``portbot outbox`` lists them and puts them back in line. A row that dies on its own (no
outage of its destination was announced) raises its own alert; outages: test_outages.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlmodel import select

from bot import cli
from bot import services as svc
from bot.delivery import admin
from bot.delivery.outbox import Outbox
from bot.services.effects import Topic
from bot.slack.delivery import AlertDelivery
from storage.models import OutboxMessage
from storage.values import OutboxStatus
from tests.services.helpers import CUSTOMER, draft
from tests.slack.conftest import AGENTS_CHANNEL, new_sim

ZENDESK = "zendesk.request_event"
KEY = "dead-letter-test-key-0123456789abcdef"
ALONE = timedelta(days=30)  # no outage is announced in these tests: each dead row is on its own


@pytest.fixture(autouse=True)
def _zendesk_only(ctx):
    ctx.effect_topics = (ZENDESK,)  # one destination keeps the counts readable
    ctx.loa_topic = None


def _broken(row):
    raise ConnectionError("Zendesk answered 503 Service Unavailable")


def _kill(ctx, clock, outbox, rounds):
    for _ in range(rounds):
        outbox.run_once()
        clock.set(clock.now + timedelta(hours=1))


def _rows(ctx, topic):
    with ctx.db.read() as s:
        stmt = select(OutboxMessage).where(OutboxMessage.topic == topic).order_by(OutboxMessage.id)
        return list(s.exec(stmt).all())


def test_a_dead_delivery_alerts_the_agents_channel_once(ctx, clock):
    sid = svc.open_request(ctx, draft(), actor=CUSTOMER).sid
    sim = new_sim()
    try:
        client = WebClient(token="xoxb-test", base_url=sim.url)
        handlers = {
            ZENDESK: _broken,
            Topic.SLACK_ALERT: AlertDelivery(client, agents_channel=AGENTS_CHANNEL),
        }
        outbox = Outbox(
            ctx,
            handlers,
            give_up=timedelta(hours=2),
            outage_after=ALONE,
            alert_topic=Topic.SLACK_ALERT,
        )
        _kill(ctx, clock, outbox, 3)
        Outbox(ctx, {Topic.SLACK_ALERT: handlers[Topic.SLACK_ALERT]}).run_once()  # the alert
        dead = [r for r in _rows(ctx, ZENDESK) if r.status is OutboxStatus.DEAD]
        assert len(dead) == 1 and dead[0].attempts == 3  # the second row waits behind the first
        alerts = _rows(ctx, Topic.SLACK_ALERT)
        assert len(alerts) == 1 and alerts[0].status is OutboxStatus.DELIVERED
        posted = sim.messages(AGENTS_CHANNEL)
        assert len(posted) == 1
        text = posted[0]["text"]
        assert sid in text and "Zendesk ticket update" in text and "503" in text
        assert f"portbot outbox retry {dead[0].id}" in text
    finally:
        sim.stop()


def test_an_alert_that_dies_raises_no_alert_of_its_own(ctx, clock):
    svc.open_request(ctx, draft(), actor=CUSTOMER)
    outbox = Outbox(
        ctx,
        {ZENDESK: _broken, Topic.SLACK_ALERT: _broken},
        give_up=timedelta(hours=1),
        outage_after=ALONE,
        alert_topic=Topic.SLACK_ALERT,
    )
    _kill(ctx, clock, outbox, 8)
    dead = [r.id for r in _rows(ctx, ZENDESK) if r.status is OutboxStatus.DEAD]
    alerts = _rows(ctx, Topic.SLACK_ALERT)
    assert len(dead) == 2  # both events of the request, one after the other
    # One alert per dead delivery, each dead in turn, and no alert about an alert.
    assert [a.payload["row_id"] for a in alerts] == dead
    assert {a.status for a in alerts} == {OutboxStatus.DEAD}


def test_list_counts_and_retry(ctx, clock):
    svc.open_request(ctx, draft(), actor=CUSTOMER)
    outbox = Outbox(ctx, {ZENDESK: _broken}, give_up=timedelta(hours=1))
    _kill(ctx, clock, outbox, 2)
    counts = admin.counts(ctx)
    assert counts == {"pending": 1, "delivered": 0, "dead": 1}
    (row,) = admin.rows(ctx, state="dead")
    assert row.topic == ZENDESK and row.attempts == 2 and "503" in row.error
    assert admin.retry(ctx) == []  # nothing named: nothing done
    assert admin.retry(ctx, [row.id, 999_999]) == [row.id]
    assert admin.counts(ctx)["dead"] == 0
    back = _rows(ctx, ZENDESK)[0]
    assert back.attempts == 0 and back.next_attempt_at == clock.now
    assert back.created_at == clock.now  # queued anew: its give-up time starts again
    delivered = Outbox(ctx, {ZENDESK: lambda r: None}).drain()
    assert delivered == 2 and admin.counts(ctx)["delivered"] == 2


def test_retry_all_dead_leaves_pending_and_delivered_rows_alone(ctx, clock):
    for _ in range(3):
        svc.open_request(ctx, draft(), actor=CUSTOMER)
    outbox = Outbox(ctx, {ZENDESK: _broken}, give_up=timedelta(0))
    outbox.run_once()
    dead = [r.id for r in _rows(ctx, ZENDESK) if r.status is OutboxStatus.DEAD]
    assert len(dead) == 3
    assert admin.retry(ctx, all_dead=True) == dead
    assert admin.counts(ctx) == {"pending": 6, "delivered": 0, "dead": 0}


def test_the_outbox_command(ctx, clock, db_url, monkeypatch, capsys):
    svc.open_request(ctx, draft(), actor=CUSTOMER)
    _kill(ctx, clock, Outbox(ctx, {ZENDESK: _broken}, give_up=timedelta(0)), 1)
    (dead,) = admin.rows(ctx, state="dead")
    for name in ("SLACK_BOT_TOKEN", "ZENDESK_SUBDOMAIN", "PORTBOT_AGENTS_CHANNEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("PORTBOT_SECRET_KEY", KEY)

    assert cli.main(["outbox"]) == 0
    shown = capsys.readouterr().out
    assert "dead 1" in shown and f"{dead.id:>7}  dead" in shown and "503" in shown
    assert "portbot outbox retry" in shown

    assert cli.main(["outbox", "retry"]) == 2
    assert "--all-dead" in capsys.readouterr().err

    assert cli.main(["outbox", "retry", str(dead.id), "424242"]) == 0
    shown = capsys.readouterr().out
    assert f"Queued again, due now: {dead.id}." in shown and "left alone: 424242" in shown

    assert cli.main(["outbox", "list", "--state", "pending"]) == 0
    assert "pending 2" in capsys.readouterr().out
