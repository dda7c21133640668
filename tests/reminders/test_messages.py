"""What reminder messages say and where they go: builders, the Slack and ticket deliveries,
port-out windows, incoming port-outs and the agents' digest."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from slack_sdk.models.blocks import Block
from sqlmodel import select

from bot import services as svc
from bot.delivery.outbox import RetryLater
from bot.delivery.reminders import NOTE_TOPIC, SLACK_TOPIC, TicketNoteDelivery
from bot.porting.fields import Bill
from bot.porting.reminders import ReminderKind, ReminderPolicy
from bot.services import reminders as rsvc
from bot.slack.blocks import reminders as blocks
from bot.slack.reminder_delivery import ReminderDelivery
from storage import repositories as repo
from storage.models import OutboxMessage, PortOut, PortOutWindow
from storage.values import PortOutStatus, RequestStatus, WindowStatus
from tests.reminders.conftest import REP, REP_EMAIL, ny
from tests.services.helpers import ACCOUNT, AGENT, CUSTOMER, PIN, draft, mark_loa_signed
from tests.slack.conftest import AGENTS_CHANNEL, CHANNEL

K = ReminderKind
OCTOBER = Bill("bill.pdf", 120_000, "application/pdf", date(2026, 10, 20))


def _request(ctx):
    sid = svc.open_request(ctx, draft(wireless=["+16172530199"]), actor=CUSTOMER).sid
    with ctx.db.read() as s:
        return repo.get_request(s, sid=sid)


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (K.LOA_UNSIGNED, {"business_days": 3, "loa_sent_at": "2026-11-16T15:00:00+00:00"}),
        (K.BILL_MISSING, {"business_days": 1}),
        (K.DOCUMENT_AGING, {"document": "bill", "dated": "2026-11-10", "last_valid_day": "x"}),
        (K.DOCUMENT_AGING, {"document": "loa", "dated": "2026-11-10"}),
        (K.KEEP_ACTIVE, {"stage": "weekly", "week": 2}),
        (K.FOC_CONFIRMED, {"foc_date": "2026-12-01", "cancel_by": "2026-11-27"}),
        (K.FOC_APPROACHING, {"stage": "business-days-before", "business_days": 3}),
        (K.FOC_APPROACHING, {"stage": "window-start", "window_end": "2026-12-01T18:00:00+00:00"}),
        (K.CANCELLATION_CUTOFF, {"foc_date": "2026-12-01", "cancel_by": "2026-11-27"}),
        (K.POST_PORT_CHECK, {"foc_date": "2026-12-01"}),
    ],
)
def test_requester_messages_mention_them_and_never_leak_secrets(ctx, calendar, kind, data):
    if kind is K.DOCUMENT_AGING and data.get("last_valid_day") == "x":
        data = {**data, "last_valid_day": "2026-12-10"}
    req = _request(ctx)
    msg = blocks.request_message(kind, data, req, calendar=calendar, policy=ReminderPolicy())
    assert msg.text.startswith(f"<@{CUSTOMER.id}>")
    everything = f"{msg.text} {msg.blocks} {msg.note}"
    assert PIN not in everything and ACCOUNT not in everything and ACCOUNT[-4:] not in everything
    assert "*" not in msg.note and "<@" not in msg.note
    # Our dicts are exactly what slack_sdk would send for the same blocks.
    for block in msg.blocks:
        assert Block.parse(block).to_dict() == block


def test_a_name_typed_by_a_customer_cannot_ping_anyone(ctx, calendar):
    req = _request(ctx)
    req.losing_carrier = "<!channel> Tel @here"
    msg = blocks.request_message(
        K.KEEP_ACTIVE, {"stage": "weekly"}, req, calendar=calendar, policy=ReminderPolicy()
    )
    assert "<!channel>" not in msg.text and "&lt;!channel&gt;" in msg.text
    assert "@here" not in msg.text


def test_buttons_carry_the_action(ctx, calendar):
    req = _request(ctx)
    policy = ReminderPolicy()

    def actions(kind):
        msg = blocks.request_message(kind, {}, req, calendar=calendar, policy=policy)
        return [e["action_id"] for b in msg.blocks if b["type"] == "actions" for e in b["elements"]]

    assert actions(K.CANCELLATION_CUTOFF) == ["port-cancel"]
    assert actions(K.BILL_MISSING) == ["port-resume"]
    assert actions(K.LOA_UNSIGNED) == ["port-resend-loa"]
    alert = blocks.agents_message(
        K.LOA_UNSIGNED_AGENTS, {"business_days": 7}, req, calendar=calendar, policy=policy
    )
    assert [e["action_id"] for e in alert.blocks[1]["elements"]] == [
        "port-resend-loa",
        "port-status",
    ]


def test_each_destination_gets_its_own_row_and_its_own_place(world):
    w = world
    w.ctx.effect_topics = ("slack.request_event", "zendesk.request_event")
    w.sweeper = type(w.sweeper)(w.ctx, worker_id="t")
    sid = svc.open_request(w.ctx, draft(), actor=CUSTOMER, channel_id=CHANNEL).sid
    w.tick()
    w.clock.set(w.clock.now + timedelta(days=9))  # Wed Nov 25: LOA (newest) + agents' alert
    w.tick()
    rows = [r for r in w.outbox(SLACK_TOPIC) if r.payload["kind"] != "daily-digest"]
    assert sorted(r.dedupe_key.rsplit(":", 1)[1] for r in rows) == ["agents", "rep", "thread"]
    notes = w.outbox(NOTE_TOPIC)
    assert len(notes) == 2 and all(n.payload["sid"] == sid for n in notes)
    where = {(s.kind, s.channel) for s in w.sent}
    assert ("loa-unsigned", CHANNEL) in where and ("loa-unsigned", REP) in where
    assert ("loa-unsigned-agents", AGENTS_CHANNEL) in where
    (alert,) = w.sim.messages(AGENTS_CHANNEL)[-1:]
    assert alert["blocks"][-1]["elements"][0]["text"].endswith("|Open the card>")


def test_a_representative_outside_slack_gets_no_dm_and_a_429_waits(world):
    w = world
    w.digests = False
    sid = svc.open_request(
        w.ctx, draft(rep_email="someone@elsewhere.example"), actor=CUSTOMER, channel_id=CHANNEL
    ).sid
    w.tick()
    w.clock.set(w.clock.now + timedelta(days=1))
    w.sim.fail("chat.postMessage", status=429, retry_after=7, times=1)
    w.tick()
    assert [s.channel for s in w.sent] == []  # rate limited: the thread message waits
    (thread,) = [r for r in w.outbox(SLACK_TOPIC) if r.payload["to"] == "thread"]
    assert thread.next_attempt_at == w.clock.now + timedelta(seconds=7)
    w.clock.set(w.clock.now + timedelta(seconds=7))
    w.tick()
    assert [(s.kind, s.channel) for s in w.sent] == [("loa-unsigned", CHANNEL)]
    assert sid


def test_a_thread_message_waits_for_the_card(ctx, clock):
    delivery = ReminderDelivery(ctx, client=None)  # never reached
    row = OutboxMessage(
        id=1, request_id=None, topic=SLACK_TOPIC, payload={"to": "thread", "text": "x"}
    )
    row.created_at = clock.now
    with pytest.raises(RetryLater):
        delivery(row)
    row.created_at = clock.now - timedelta(days=2)
    delivery(row)  # given up quietly after a day


def _rep_row(clock) -> OutboxMessage:
    row = OutboxMessage(
        id=1,
        request_id=None,
        topic=SLACK_TOPIC,
        payload={"to": "rep", "email": REP_EMAIL, "requester": CUSTOMER, "text": "Sign it"},
    )
    row.created_at = clock.now
    return row


@pytest.mark.parametrize("error", ["missing_scope", "users_not_found", "account_inactive"])
def test_a_rep_dm_is_skipped_when_slack_cannot_find_them(world, clock, error):
    """No scope to look people up is not a failure to retry: the thread carries the reminder."""
    w = world
    w.sim.fail("users.lookupByEmail", error=error)
    ReminderDelivery(w.ctx, w.runtime.client)(_rep_row(clock))  # delivered, nothing to send
    assert w.sim.calls_to("users.lookupByEmail") and not w.sim.calls_to("chat.postMessage")


def test_a_rep_dm_waits_out_a_rate_limit_on_the_lookup(world, clock):
    w = world
    w.sim.fail("users.lookupByEmail", retry_after=9)
    with pytest.raises(RetryLater) as later:
        ReminderDelivery(w.ctx, w.runtime.client)(_rep_row(clock))
    assert later.value.seconds == 9
    ReminderDelivery(w.ctx, w.runtime.client)(_rep_row(clock))
    [dm] = w.sim.messages(REP)
    assert dm["text"] == "Sign it"


def test_the_ticket_note_waits_for_the_ticket(ctx, clock):
    sid = svc.open_request(ctx, draft(), actor=CUSTOMER).sid
    with ctx.db.read() as s:
        rid = repo.get_request(s, sid=sid).id
    row = OutboxMessage(request_id=rid, topic=NOTE_TOPIC, payload={"body": "b", "sid": sid})
    row.created_at = clock.now
    with pytest.raises(RetryLater):
        TicketNoteDelivery(ctx, gateway=None)(row)


def test_port_out_window_notices(world):
    w = world
    w.digests = False
    w.clock.set(ny(2026, 11, 16, 8))
    with w.ctx.db.write() as s:
        window = PortOutWindow(
            public_id="PW" + "a" * 32,
            channel_id=CHANNEL,
            created_by=CUSTOMER.id,
            numbers=["+16172530101"],
            starts_at=ny(2026, 11, 16, 12),
            ends_at=ny(2026, 11, 19, 12),
            status=WindowStatus.OPEN,
            created_at=w.clock.now,
        )
        s.add(window)
        s.flush()
        rsvc.reconcile_window(w.ctx, s, window)
    w.run_until(ny(2026, 11, 20, 12))
    got = [(s.at, s.stage, s.channel) for s in w.sent if s.kind == "port-out-window"]
    assert got == [
        (ny(2026, 11, 16, 12).replace(tzinfo=None), "opened", CHANNEL),
        (ny(2026, 11, 18, 12).replace(tzinfo=None), "closing", CHANNEL),
        (ny(2026, 11, 19, 12).replace(tzinfo=None), "closed", CHANNEL),
    ]
    assert (
        "+16172530101" in w.sent[0].text and "until *Thu Nov 19, 2026, 12:00 PM" in w.sent[0].text
    )


def test_an_unanswered_port_out_is_refused_at_its_deadline(world):
    w = world
    w.digests = False
    w.clock.set(ny(2026, 11, 16, 10))
    with w.ctx.db.write() as s:
        port_out = PortOut(
            public_id="PO" + "b" * 32,
            numbers=["+16172530102"],
            receiving_carrier="Other Tel",
            created_at=w.clock.now,
        )
        s.add(port_out)
        s.flush()
        rsvc.reconcile_port_out(w.ctx, s, port_out)
        pid = port_out.id
    w.run_until(ny(2026, 11, 18, 10))
    got = [(s.kind, s.stage) for s in w.sent]
    assert ("port-out-pending", "arrived") in got and ("port-out-pending", "half-time") in got
    assert got[-1][0] == "port-out-deadline"
    assert "we refused Other Tel" in w.sent[-1].text
    with w.ctx.db.read() as s:
        decided = s.get(PortOut, pid)
    assert decided.status is PortOutStatus.REJECTED and decided.decided_by == "portbot"
    assert decided.decided_at == ny(2026, 11, 17, 10)  # 1 business day after it arrived


def test_the_digest_counts_lists_port_dates_and_stale_requests(ctx, clock, calendar):
    clock.set(ny(2026, 11, 2, 10))
    stale = svc.open_request(ctx, draft(name="Stale one", bill=OCTOBER), actor=CUSTOMER).sid
    mark_loa_signed(ctx, stale, actor=CUSTOMER)  # in review from Nov 2
    svc.open_request(ctx, draft(bill=OCTOBER), actor=CUSTOMER)
    soon = svc.open_request(ctx, draft(name="Moving soon", bill=OCTOBER), actor=CUSTOMER).sid
    mark_loa_signed(ctx, soon, actor=CUSTOMER)
    svc.submit_to_carrier(ctx, soon, actor=AGENT)
    svc.set_foc(ctx, soon, date(2026, 11, 6), actor=AGENT)
    clock.set(ny(2026, 11, 5, 9))
    with ctx.db.read() as s:
        summary = rsvc.digest_summary(ctx, s, date(2026, 11, 5), clock.now)
    assert summary.counts == {
        RequestStatus.IN_REVIEW: 1,
        RequestStatus.AWAITING_SIGNATURE: 1,
        RequestStatus.FOC_CONFIRMED: 1,
    }
    assert [sid for _, sid, _ in summary.focs_week] == [soon] and not summary.focs_today
    assert [(i.sid, i.business_days) for i in summary.stale] == [(stale, 3)]
    msg = blocks.digest_message(summary, calendar=calendar)
    assert "Porting digest for Thu Nov 5, 2026" in msg.text
    assert "Stale one" in msg.text and "Moving soon" in msg.text
    assert Block.parse(msg.blocks[0]).to_dict() == msg.blocks[0]


def test_no_message_outbox_row_carries_a_secret(world):
    w = world
    w.clock.set(ny(2026, 11, 16, 10))
    svc.open_request(w.ctx, draft(wireless=["+16172530198"]), actor=CUSTOMER, channel_id=CHANNEL)
    w.run_until(ny(2026, 12, 20, 10))
    with w.ctx.db.read() as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.topic == SLACK_TOPIC)).all()
    assert rows
    text = " ".join(str(r.payload) for r in rows)
    assert PIN not in text and ACCOUNT not in text and ACCOUNT[-4:] not in text
