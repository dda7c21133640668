"""Request events reach Zendesk through the outbox: one ticket per request, whatever fails."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlmodel import select

from bot import services as svc
from bot.delivery.outbox import Outbox
from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.services.effects import Topic
from bot.zendesk.delivery import ZendeskDelivery
from bot.zendesk.gateway import ZenpyGateway
from bot.zendesk.mapping import TicketOptions
from storage.models import OutboxMessage, ZendeskLink
from storage.values import OutboxStatus
from tests.services.helpers import draft, mark_loa_signed, numbers

EMAIL, TOKEN = "porting@acme.example", "zd-token"
CUSTOMER, AGENT = svc.Actor.customer("U0CUSTOMER", "casey"), svc.Actor.agent("U0AGENT", "avery")


@pytest.fixture
def sim() -> Iterator[ZendeskSimulator]:
    with ZendeskSimulator(email=EMAIL, token=TOKEN) as s:
        yield s


@pytest.fixture
def outbox(ctx, sim) -> Outbox:
    gateway = ZenpyGateway("acme", EMAIL, TOKEN, url=sim.url, timeout=0.5)
    delivery = ZendeskDelivery(ctx, gateway, TicketOptions(timezone="America/New_York"))
    return Outbox(ctx, {Topic.ZENDESK_REQUEST_EVENT: delivery}, worker_id="test")


def _open(ctx) -> str:
    return svc.open_request(ctx, draft(numbers(3)), actor=CUSTOMER, team_id="T1").sid


def _rows(ctx) -> list[OutboxMessage]:
    with ctx.db.read() as s:
        query = select(OutboxMessage).where(OutboxMessage.topic == Topic.ZENDESK_REQUEST_EVENT)
        return list(s.exec(query.order_by(OutboxMessage.id)).all())


def _later(ctx, clock, minutes: float) -> None:
    clock.set(clock.now + timedelta(minutes=minutes))


def test_a_request_gets_one_ticket_then_updates(ctx, sim, outbox):
    sid = _open(ctx)
    outbox.drain()
    (ticket,) = sim.tickets()
    assert ticket["external_id"] == sid and "portbot" in ticket["tags"]
    assert "port_status_awaiting_signature" in ticket["tags"]
    mark_loa_signed(ctx, sid, actor=CUSTOMER)
    svc.submit_to_carrier(ctx, sid, actor=AGENT)
    outbox.drain()
    assert len(sim.tickets()) == 1
    ticket = sim.ticket(ticket["id"])
    assert "port_status_submitted" in ticket["tags"]
    assert "port_status_awaiting_signature" not in ticket["tags"]
    assert len(sim.comments(ticket["id"])) >= 3  # the description and one note per change
    updates = sim.calls(method="PUT")
    assert all(
        set(c.body["ticket"])
        <= {"comment", "additional_tags", "remove_tags", "custom_fields", "status", "priority"}
        for c in updates
    )
    assert all(r.status == OutboxStatus.DELIVERED for r in _rows(ctx))


def test_zendesk_down_for_an_hour_loses_nothing(ctx, clock, sim, outbox):
    sid = _open(ctx)
    sim.down()
    outbox.drain()
    mark_loa_signed(ctx, sid, actor=CUSTOMER)
    for _ in range(8):  # an hour of retries with back-off
        _later(ctx, clock, 8)
        outbox.drain()
    assert sim.tickets() == []
    assert all(r.status == OutboxStatus.PENDING for r in _rows(ctx))
    sim.recover()
    for _ in range(20):
        _later(ctx, clock, 15)
        outbox.drain()
    (ticket,) = sim.tickets()
    assert "port_status_loa_signed" in ticket["tags"] or "port_status_in_review" in ticket["tags"]
    assert all(r.status == OutboxStatus.DELIVERED for r in _rows(ctx))


def test_a_create_that_timed_out_after_succeeding_still_makes_one_ticket(ctx, clock, sim, outbox):
    sid = _open(ctx)
    sim.hang_after_write("POST /api/v2/tickets*", seconds=1.5)
    outbox.drain()
    assert len(sim.tickets()) == 1  # Zendesk made it; we did not hear back
    with ctx.db.read() as s:
        assert s.exec(select(ZendeskLink)).first() is None
    _later(ctx, clock, 30)
    outbox.drain()
    assert len(sim.tickets()) == 1
    with ctx.db.read() as s:
        link = s.exec(select(ZendeskLink)).one()
    assert link.ticket_id == sim.tickets()[0]["id"] and sim.tickets()[0]["external_id"] == sid


def test_a_429_reschedules_at_retry_after_without_sleeping(ctx, clock, sim, outbox):
    _open(ctx)
    sim.rate_limit(retry_after=120, times=1)
    outbox.drain()
    row = _rows(ctx)[0]
    assert row.status == OutboxStatus.PENDING and len(sim.calls()) == 1
    assert (row.next_attempt_at - clock.now).total_seconds() == pytest.approx(120, abs=1)
    _later(ctx, clock, 1)
    outbox.drain()
    assert sim.tickets() == []
    _later(ctx, clock, 1.1)
    outbox.drain()
    assert len(sim.tickets()) == 1


def test_no_pin_or_account_number_reaches_zendesk(ctx, sim, outbox):
    d = replace(draft(numbers(2)), account_number="88001234567", pin="9137")
    sid = svc.open_request(ctx, d, actor=CUSTOMER, team_id="T1").sid
    mark_loa_signed(ctx, sid, actor=CUSTOMER)
    svc.submit_to_carrier(ctx, sid, actor=AGENT)
    svc.set_foc(ctx, sid, date(2026, 11, 25), actor=AGENT)
    outbox.drain()
    sent = " ".join(str(c.body) for c in sim.calls())
    assert "88001234567" not in sent and "9137" not in sent
    assert "4567" in sent  # masked, last four only


def test_an_install_without_zendesk_queues_nothing_for_it(ctx):
    quiet = replace(ctx, effect_topics=("slack.request_event",))
    _open(quiet)
    assert _rows(ctx) == []


def test_a_429_storm_is_waited_out_without_hammering_zendesk(ctx, clock, sim, outbox):
    sids = [_open(ctx) for _ in range(10)]
    sim.rate_limit(retry_after=60, times=None)  # every call is refused until told otherwise
    outbox.drain()
    # One try per request: each request's later rows wait behind its first, in order.
    assert len(sim.calls()) == 10 and sim.tickets() == []
    for _ in range(5):  # time passes, but not the minute Zendesk asked for
        _later(ctx, clock, 0.15)
        outbox.drain()
    assert len(sim.calls()) == 10
    sim.clear_faults()
    _later(ctx, clock, 0.3)
    outbox.drain()
    assert sorted(t["external_id"] for t in sim.tickets()) == sorted(sids)
    rows = _rows(ctx)
    assert {r.status for r in rows} == {OutboxStatus.DELIVERED}  # a storm never kills a row
