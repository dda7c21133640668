"""A destination that stops answering: the outbox rides it out for the give-up time, keeps each
request's deliveries in order, and tells the agents once when it starts and once when it ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlmodel import select

from bot import config
from bot import services as svc
from bot.delivery import outbox as outbox_module
from bot.delivery.outbox import Outbox
from bot.services.effects import Topic
from bot.slack.delivery import AlertDelivery
from storage.models import OutboxMessage
from storage.values import OutboxStatus
from tests.services.helpers import CUSTOMER, draft
from tests.slack.conftest import AGENTS_CHANNEL, new_sim

ZENDESK = "zendesk.request_event"


@pytest.fixture(autouse=True)
def _zendesk_only(ctx):
    ctx.effect_topics = (ZENDESK,)
    ctx.loa_topic = None


@pytest.fixture
def sim():
    sim = new_sim()
    yield sim
    sim.stop()


class Zendesk:
    """A Zendesk that is down until told otherwise, and remembers what reached it."""

    def __init__(self) -> None:
        self.down = True
        self.received: list[tuple[str, int]] = []

    def __call__(self, row: OutboxMessage) -> None:
        if self.down:
            raise ConnectionError("Zendesk answered 503 Service Unavailable")
        self.received.append((row.payload["sid"], row.id))


def _lanes(ctx, sim, zendesk, **kw):
    client = WebClient(token="xoxb-test", base_url=sim.url)
    handlers = {
        ZENDESK: zendesk,
        Topic.SLACK_ALERT: AlertDelivery(client, agents_channel=AGENTS_CHANNEL),
    }
    return Outbox(ctx, handlers, alert_topic=Topic.SLACK_ALERT, **kw).lanes()


def _run(lanes, clock, minutes):
    """Each lane takes one round a minute, as the worker's loops would."""
    for _ in range(minutes):
        for lane in lanes:
            lane.run_once()
        clock.set(clock.now + timedelta(minutes=1))


def _rows(ctx, topic=ZENDESK):
    with ctx.db.read() as s:
        stmt = select(OutboxMessage).where(OutboxMessage.topic == topic).order_by(OutboxMessage.id)
        return list(s.exec(stmt).all())


def _open(ctx, n):
    return [svc.open_request(ctx, draft(), actor=CUSTOMER).sid for _ in range(n)]


def test_six_hours_down_nothing_dies_all_delivered_in_order_two_alerts(ctx, clock, sim):
    zendesk = Zendesk()
    _open(ctx, 3)  # two rows each
    lanes = _lanes(ctx, sim, zendesk)
    _run(lanes, clock, 120)
    _open(ctx, 1)  # more work arrives during the outage
    lanes = _lanes(ctx, sim, zendesk)  # a restart: the outage is remembered, not announced again
    _run(lanes, clock, 240)
    rows = _rows(ctx)
    assert {r.status for r in rows} == {OutboxStatus.PENDING}
    assert max(r.attempts for r in rows) > 10  # tried all along, the count is no limit
    zendesk.down = False
    _run(lanes, clock, 20)

    rows = _rows(ctx)
    assert {r.status for r in rows} == {OutboxStatus.DELIVERED} and len(rows) == 8
    for sid in {sid for sid, _ in zendesk.received}:
        ids = [i for s, i in zendesk.received if s == sid]
        assert ids == sorted(ids) and len(ids) == 2
    texts = [m["text"] for m in sim.messages(AGENTS_CHANNEL)]
    assert len(texts) == 2, texts
    assert "Zendesk is not answering since <!date^" in texts[0]
    assert "6 deliveries waiting" in texts[0]
    assert "Zendesk is back: 8 delivered after the outage" in texts[1]
    assert "set aside" not in texts[1]


def test_past_the_give_up_time_rows_die_and_one_alert_counts_them(ctx, clock, sim, monkeypatch):
    monkeypatch.setattr(outbox_module, "backoff", lambda attempt: 60.0)
    zendesk = Zendesk()
    _open(ctx, 3)
    lanes = _lanes(ctx, sim, zendesk, give_up=timedelta(hours=2))
    _run(lanes, clock, 150)
    rows = _rows(ctx)
    assert {r.status for r in rows} == {OutboxStatus.DEAD} and len(rows) == 6
    texts = [m["text"] for m in sim.messages(AGENTS_CHANNEL)]
    assert len(texts) == 2, texts  # the outage, then the rows set aside: not one per row
    assert "6 deliveries waiting" in texts[0]
    assert "Zendesk has not answered since" in texts[1]
    assert "set aside 6 deliveries" in texts[1] and "portbot outbox retry --all-dead" in texts[1]

    zendesk.down = False
    _open(ctx, 1)
    _run(lanes, clock, 5)
    texts = [m["text"] for m in sim.messages(AGENTS_CHANNEL)]
    assert len(texts) == 3 and "Zendesk is back: 2 delivered after the outage" in texts[2]
    assert "6 deliveries set aside during it" in texts[2]


def test_a_short_failure_raises_no_alert(ctx, clock, sim):
    zendesk = Zendesk()
    _open(ctx, 1)
    lanes = _lanes(ctx, sim, zendesk)
    _run(lanes, clock, 3)
    zendesk.down = False
    _run(lanes, clock, 3)
    assert {r.status for r in _rows(ctx)} == {OutboxStatus.DELIVERED}
    assert sim.messages(AGENTS_CHANNEL) == []


@pytest.mark.parametrize("value", ["0", "721", "1.5", "a day"])
def test_the_give_up_setting_is_checked(value):
    with pytest.raises(config.ConfigError) as raised:
        config.load({"PORTBOT_DELIVERY_GIVE_UP_HOURS": value})
    assert str(raised.value).startswith("PORTBOT_DELIVERY_GIVE_UP_HOURS: ")
    assert "\n" not in str(raised.value)


def test_the_give_up_setting():
    assert config.load({}).portbot_delivery_give_up_hours == 24
    assert (
        config.load({"PORTBOT_DELIVERY_GIVE_UP_HOURS": " 48 "}).portbot_delivery_give_up_hours == 48
    )


def test_two_workers_raise_the_alerts_once_between_them(ctx, clock, sim):
    zendesk = Zendesk()
    _open(ctx, 4)
    workers = [_lanes(ctx, sim, zendesk, worker_id=f"w{i}") for i in (1, 2)]
    lanes = [lane for pair in zip(*workers, strict=True) for lane in pair]
    _run(lanes, clock, 60)
    zendesk.down = False
    _run(lanes, clock, 20)
    assert {r.status for r in _rows(ctx)} == {OutboxStatus.DELIVERED}
    texts = [m["text"] for m in sim.messages(AGENTS_CHANNEL)]
    assert len(texts) == 2, texts
    assert "8 deliveries waiting" in texts[0] and "back: 8 delivered" in texts[1]
