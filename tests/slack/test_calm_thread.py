"""Thread updates name the person who made a change and mention the requester only when the
change asks them to act; port-out thread news names who decided. Checked on what the Slack
simulator received, through the real outbox and delivery."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot import services as svc
from bot.porting.fields import Bill
from bot.slack.blocks.reminders import reminder_of
from bot.slack.delivery import thread_line
from bot.wording import port_outs as words
from bot.wording.news import asks_the_requester
from storage.models import PortOut, PortRequest, TimelineEvent
from storage.values import PortOutStatus, RequestStatus, Role
from tests.reminders.conftest import make_world, ny
from tests.services.helpers import AGENT, CUSTOMER, draft, mark_loa_signed
from tests.slack.conftest import CHANNEL

BILL = Bill("bill.pdf", 120_000, "application/pdf", date(2026, 11, 10))
S = RequestStatus


@pytest.fixture
def world(ctx, clock):
    w = make_world(ctx, clock)
    w.digests = False
    yield w
    w.sim.stop()


def _updates(w) -> list[str]:
    """The thread lines portbot posted (reminders aside)."""
    calls = [c for c in w.sim.calls_to("chat.postMessage") if not c.error]
    return [
        str(c.args.get("text"))
        for c in calls
        if c.args.get("thread_ts") and c.args.get("channel") == CHANNEL and not reminder_of(c.args)
    ]


def test_the_thread_names_who_acted_and_pings_the_requester_only_for_a_fix(world):
    w = world
    w.clock.set(ny(2026, 11, 16, 10))
    sid = svc.open_request(w.ctx, draft(bill=BILL), actor=CUSTOMER, channel_id=CHANNEL).sid
    mark_loa_signed(w.ctx, sid, actor=CUSTOMER)
    svc.submit_to_carrier(w.ctx, sid, actor=AGENT)
    w.tick()
    calm = _updates(w)
    assert any(line.startswith("Avery Agent: Submitted") for line in calm)
    assert calm and all("<@" not in line for line in calm), calm  # nobody is pinged

    svc.reject(w.ctx, sid, ["wrong_pin"], actor=AGENT)
    w.tick()
    (line,) = _updates(w)[len(calm) :]
    first, second = line.split("\n", 1)
    assert first.startswith("Avery Agent: ") and "<@" not in first  # the agent, by name
    assert second.startswith(f"<@{CUSTOMER.id}> The carrier turned down part of this request.")
    assert "/port status" in second


def _event(action: str, before: S, after: S, actor_id: str, name: str = "") -> TimelineEvent:
    return TimelineEvent(
        request_id=1,
        at=datetime(2026, 11, 16, 15, tzinfo=UTC),
        actor_role=Role.AGENT if actor_id == AGENT.id else Role.CUSTOMER,
        actor_id=actor_id,
        actor_name=name,
        action=action,
        from_status=before,
        to_status=after,
        detail="What happened.",
    )


@pytest.mark.parametrize(
    ("action", "before", "after", "actor", "asks"),
    [
        ("submit", S.IN_REVIEW, S.SUBMITTED, AGENT.id, False),
        ("set_foc", S.SUBMITTED, S.FOC_CONFIRMED, AGENT.id, False),
        ("complete", S.FOC_CONFIRMED, S.COMPLETED, AGENT.id, False),
        ("note", S.IN_REVIEW, S.IN_REVIEW, AGENT.id, False),
        ("reject", S.SUBMITTED, S.ACTION_REQUIRED, AGENT.id, True),
        ("amend", S.IN_REVIEW, S.AWAITING_SIGNATURE, AGENT.id, True),  # a fresh LOA to sign
        ("amend", S.ACTION_REQUIRED, S.AWAITING_SIGNATURE, CUSTOMER.id, False),  # their own
        ("loa_not_sent", S.AWAITING_SIGNATURE, S.AWAITING_SIGNATURE, "portbot", True),
        ("complete_draft", S.DRAFT, S.AWAITING_SIGNATURE, CUSTOMER.id, False),
    ],
)
def test_which_changes_ask_the_requester(action, before, after, actor, asks):
    event = _event(action, before, after, actor)
    assert asks_the_requester(event, CUSTOMER.id) is asks
    req = PortRequest(
        sid="PR" + "a" * 32,
        status=after,
        requester_id=CUSTOMER.id,
        requester_name=CUSTOMER.name,
        rep_name="Jordan Rivera",
        losing_carrier="Old Phone Co",
    )
    line = thread_line(event, req)
    assert (f"<@{CUSTOMER.id}>" in line) is asks
    assert line.count("<@") == int(asks)  # the actor is never mentioned


def test_port_out_thread_news_names_who_decided_and_the_notice_still_mentions():
    po = PortOut(
        public_id="PO" + "c" * 32,
        numbers=["+16172531000"],
        receiving_carrier="Other Tel",
        status=PortOutStatus.REJECTED,
        rule="customer",
        decided_by=CUSTOMER.id,
        created_at=datetime(2026, 11, 16, 15, tzinfo=UTC),
    )
    told = words.port_out_news(po, "rejected", "UTC", default="authorize", actor="Casey")
    assert str(told).startswith("Casey rejected Other Tel's request") and "<@" not in str(told)
    approved = PortOut(**{**po.model_dump(), "status": PortOutStatus.AUTHORIZED, "rule": "agent"})
    said = words.port_out_news(approved, "authorized", "UTC", default="authorize", actor="Avery")
    assert str(said).startswith("The porting team (Avery) authorized")
