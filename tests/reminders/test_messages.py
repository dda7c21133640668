"""What reminder messages say and where they go: builders, the Slack and ticket deliveries,
port-out windows, incoming port-outs and the agents' digest."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from slack_sdk.models.blocks import Block
from sqlmodel import select

from bot import services as svc
from bot.delivery.outbox import RetryLater
from bot.porting import rules
from bot.porting.fields import Bill
from bot.porting.reminders import ADVICE, Destination, ReminderKind, ReminderPolicy, destinations
from bot.services import reminders as rsvc
from bot.services.effects import Topic
from bot.slack.blocks import reminders as blocks
from bot.slack.reminder_delivery import ReminderDelivery
from bot.wording.formats import spelled
from bot.wording.reminders import BUILDERS, Occasion, note_text, notice
from bot.zendesk.delivery import NoteDelivery
from storage import repositories as repo
from storage.models import OutboxMessage, PortOut, PortOutWindow
from storage.values import PortOutStatus, RequestStatus, WindowStatus
from tests.reminders.conftest import REP, REP_EMAIL, ny
from tests.services.helpers import ACCOUNT, AGENT, CUSTOMER, PIN, draft, mark_loa_signed
from tests.slack.conftest import AGENTS_CHANNEL, CHANNEL

K = ReminderKind
OCTOBER = Bill("bill.pdf", 120_000, "application/pdf", date(2026, 10, 20))
SLACK_TOPIC, NOTE_TOPIC = Topic.SLACK_REMINDER, Topic.ZENDESK_NOTE


def say(kind, data, subject, calendar, *, to=Destination.THREAD, today=None):
    """A reminder as Slack gets it (``text``, ``blocks``) and as the ticket's note says it."""
    told = notice(Occasion(kind, data, subject, calendar, ReminderPolicy(), today, to))
    msg = blocks.message(told)
    return msg.text, msg.blocks, note_text(told)


def _request(ctx):
    sid = svc.open_request(ctx, draft(wireless=["+16172530199"]), actor=CUSTOMER).sid
    with ctx.db.read() as s:
        return repo.get_request(s, sid=sid)


ASKS = {K.LOA_UNSIGNED, K.BILL_MISSING, K.DOCUMENT_AGING, K.FOC_CONFIRMED, K.POST_PORT_CHECK}
"""The requester's reminders that ask them to act: only these mention them."""


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (K.LOA_UNSIGNED, {"business_days": 3, "loa_sent_at": "2026-11-16T15:00:00+00:00"}),
        (K.BILL_MISSING, {"business_days": 1}),
        (K.DOCUMENT_AGING, {"document": "bill", "dated": "2026-11-10", "last_valid_day": "x"}),
        (K.DOCUMENT_AGING, {"document": "loa", "dated": "2026-11-10"}),
        (K.KEEP_ACTIVE, {"stage": "submitted", ADVICE: True}),
        (K.FOC_CONFIRMED, {"foc_date": "2026-12-01", "cancel_by": "2026-11-27"}),
        (K.FOC_APPROACHING, {"stage": "business-days-before", "business_days": 3}),
        (K.FOC_APPROACHING, {"stage": "window-start", "window_end": "2026-12-01T18:00:00+00:00"}),
        (K.CANCELLATION_CUTOFF, {"foc_date": "2026-12-01", "cancel_by": "2026-11-27"}),
        (K.POST_PORT_CHECK, {"foc_date": "2026-12-01"}),
    ],
)
def test_requester_messages_mention_them_only_to_ask_and_never_leak_secrets(
    ctx, calendar, kind, data
):
    if kind is K.DOCUMENT_AGING and data.get("last_valid_day") == "x":
        data = {**data, "last_valid_day": "2026-12-10"}
    req = _request(ctx)
    text, blocks_, note = say(kind, data, req, calendar)
    if kind in ASKS:
        assert text.startswith(f"<@{CUSTOMER.id}> ") and text.count("<@") == 1
        assert note.startswith(f"{note_heading(kind)}\n@")
    else:
        assert "<@" not in text and text[0].isupper(), text  # news: nobody is pinged
        assert note.startswith(f"{note_heading(kind)}\n") and "@" not in note
    everything = f"{text} {blocks_} {note}"
    assert PIN not in everything and ACCOUNT not in everything and ACCOUNT[-4:] not in everything
    assert "*" not in note and "<@" not in note
    # Our dicts are exactly what slack_sdk would send for the same blocks.
    for block in blocks_:
        assert Block.parse(block).to_dict() == block


def note_heading(kind):
    return f"portbot reminder sent in Slack ({kind.value}):"


def test_a_name_typed_by_a_customer_cannot_ping_anyone(ctx, calendar):
    req = _request(ctx)
    req.losing_carrier = "<!channel> Tel @here"
    text, _, _ = say(K.KEEP_ACTIVE, {"stage": "weekly"}, req, calendar)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "@here" not in text


def test_buttons_carry_the_action(ctx, calendar):
    req = _request(ctx)

    def actions(kind, data=None):
        _, blocks_, _ = say(kind, data or {}, req, calendar)
        return [
            (e["action_id"], e["value"])
            for b in blocks_
            if b["type"] == "actions"
            for e in b["elements"]
        ]

    assert actions(K.CANCELLATION_CUTOFF) == [("port-cancel", req.sid)]
    assert actions(K.BILL_MISSING) == [("port-resume", req.sid)]
    assert actions(K.LOA_UNSIGNED) == [("port-resend-loa", req.sid)]
    assert actions(K.LOA_UNSIGNED_AGENTS, {"business_days": 7}) == [
        ("port-resend-loa", req.sid),
        ("port-status", req.sid),
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
        id=1, request_id=None, topic=SLACK_TOPIC, payload={"reminder_id": 1, "to": "thread"}
    )
    row.created_at = clock.now
    with pytest.raises(RetryLater):
        delivery(row)
    row.created_at = clock.now - timedelta(days=2)
    delivery(row)  # given up quietly after a day


def _rep_row(ctx, clock) -> OutboxMessage:
    """The representative's DM of the request's first LOA reminder (its e-mail: REP_EMAIL)."""
    req = _request(ctx)
    assert req.rep_email == REP_EMAIL
    with ctx.db.read() as s:
        rows = repo.reminders_of(s, request_id=req.id)
    first = next(r for r in rows if r.kind == K.LOA_UNSIGNED.value)
    row = OutboxMessage(
        id=1,
        request_id=req.id,
        topic=SLACK_TOPIC,
        payload={"reminder_id": first.id, "kind": first.kind, "to": "rep"},
    )
    row.created_at = clock.now
    return row


@pytest.mark.parametrize("error", ["missing_scope", "users_not_found", "account_inactive"])
def test_a_rep_dm_is_skipped_when_slack_cannot_find_them(world, clock, error):
    """No scope to look people up is not a failure to retry: the thread carries the reminder."""
    w = world
    w.sim.fail("users.lookupByEmail", error=error)
    ReminderDelivery(w.ctx, w.runtime.client)(_rep_row(w.ctx, clock))  # delivered: nothing to send
    assert w.sim.calls_to("users.lookupByEmail") and not w.sim.calls_to("chat.postMessage")


def test_a_rep_dm_waits_out_a_rate_limit_on_the_lookup(world, clock):
    w = world
    w.sim.fail("users.lookupByEmail", retry_after=9)
    row = _rep_row(w.ctx, clock)
    with pytest.raises(RetryLater) as later:
        ReminderDelivery(w.ctx, w.runtime.client)(row)
    assert later.value.seconds == 9
    ReminderDelivery(w.ctx, w.runtime.client)(row)
    [dm] = w.sim.messages(REP)
    assert dm["text"].startswith("Hello Jordan Rivera: ")
    assert "named you to sign the Letter of Authorization" in dm["text"]


def test_the_ticket_note_waits_for_the_ticket(ctx, clock):
    sid = svc.open_request(ctx, draft(), actor=CUSTOMER).sid
    with ctx.db.read() as s:
        rid = repo.get_request(s, sid=sid).id
    with ctx.db.read() as s:
        reminder = repo.reminders_of(s, request_id=rid)[0]
    payload = {"reminder_id": reminder.id, "kind": reminder.kind, "sid": sid}
    row = OutboxMessage(request_id=rid, topic=NOTE_TOPIC, payload=payload)
    row.created_at = clock.now
    with pytest.raises(RetryLater):
        NoteDelivery(ctx, gateway=None)(row)
    row.created_at = clock.now - timedelta(days=2)
    NoteDelivery(ctx, gateway=None)(row)  # given up quietly after a day


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
        "+1 617-253-0101" in w.sent[0].text
        and "until *Thu Nov 19, 2026, 12:00 PM" in w.sent[0].text
    )


def test_an_unanswered_port_out_goes_ahead_at_its_deadline(world):
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
    assert "so Other Tel's port-out of +1 617-253-0102 went ahead" in w.sent[-1].text
    with w.ctx.db.read() as s:
        decided = s.get(PortOut, pid)
    assert decided.status is PortOutStatus.AUTHORIZED and decided.decided_by == "portbot"
    assert decided.rule == "deadline"
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
    text, blocks_, _ = say(K.DAILY_DIGEST, {}, summary, calendar)
    assert "Porting digest for Thu Nov 5, 2026" in text
    assert "Stale one" in text and "Moving soon" in text
    assert "*Port dates in the next six days:* \n• Fri Nov 6, 2026: `" in text
    assert [Block.parse(b).to_dict() for b in blocks_] == blocks_


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


def test_every_reminder_kind_that_makes_a_message_has_exactly_one_builder():
    talking = {k for k in ReminderKind if destinations(k, rep_email=True)}
    assert set(BUILDERS) == talking  # a table: one builder per kind, none for the expiry action
    assert K.REQUEST_EXPIRY not in BUILDERS
    assert all(callable(BUILDERS[k]) for k in talking)


HOSTILE = "<!channel> <https://evil.example|Reset>"
ESCAPED = "&lt;!channel&gt; &lt;https://evil.example|Reset&gt;"


def test_a_hostile_name_is_words_in_slack_and_verbatim_in_the_note(ctx, calendar):
    """Outside strings go into the words as data: Slack's renderer escapes them (no ping, no
    link), the ticket's plain-text note shows them as typed, where they are harmless."""
    req = _request(ctx)
    req.name = req.requester_name = req.losing_carrier = req.rep_name = HOSTILE
    short, data = req.sid[:10], {"business_days": 3, "loa_sent_at": "2026-11-16T15:00:00+00:00"}
    text, blocks_, note = say(K.LOA_UNSIGNED, data, req, calendar)
    assert text == (
        f"<@{CUSTOMER.id}> The Letter of Authorization for *{ESCAPED}* (`{short}`) went to "
        f"{ESCAPED} 3 business days ago and is still not signed. Please make sure it is signed "
        "by *Wed Dec 16, 2026*: on that day the request closes on its own. If the e-mail never "
        "arrived or its link has expired, press *Resend LOA* for a fresh one."
    )
    assert blocks_[0]["text"]["text"] == text
    assert note == (
        "portbot reminder sent in Slack (loa-unsigned):\n"
        f"@{HOSTILE} The Letter of Authorization for {HOSTILE} ({short}) went to {HOSTILE} 3 "
        "business days ago and is still not signed. Please make sure it is signed by Wed Dec "
        "16, 2026: on that day the request closes on its own. If the e-mail never arrived or "
        "its link has expired, press Resend LOA for a fresh one."
    )
    dm, _, _ = say(K.LOA_UNSIGNED, data, req, calendar, to=Destination.REP)
    assert dm.startswith(f"Hello {ESCAPED}: {ESCAPED} is moving phone numbers for ")
    assert f"away from {ESCAPED} and named you" in dm and dm.endswith(
        f"Ask <@{CUSTOMER.id}> to resend it."
    )
    port_out = PortOut(public_id="PO1", numbers=[HOSTILE], receiving_carrier=HOSTILE)
    text, _, note = say(K.PORT_OUT_PENDING, {"stage": "arrived"}, port_out, calendar)
    assert text.startswith(f"{ESCAPED} asked to take {ESCAPED} away") and "<!" not in text
    assert note.startswith(f"portbot reminder sent in Slack (port-out-pending):\n{HOSTILE} asked")


def test_the_cut_off_notice_states_the_enforced_cut_off(ctx, calendar):
    """The notice states the lifecycle's cut-off (``rules.CANCEL_NOTICE_BUSINESS_DAYS``): the
    policy has no number of its own that could say otherwise."""
    req = _request(ctx)
    data = {"foc_date": "2026-12-01", "cancel_by": "2026-11-26"}
    words = spelled(rules.CANCEL_NOTICE_BUSINESS_DAYS, "business day")
    told = notice(Occasion(K.CANCELLATION_CUTOFF, data, req, calendar, ReminderPolicy()))
    assert f"({words} before the port date, Tue Dec 1, 2026)" in note_text(told)
    with pytest.raises(TypeError):
        ReminderPolicy(cancellation_notice_business_days=3)  # type: ignore[call-arg]


def test_hostile_names_in_the_digest_are_words(calendar):
    """Request names come from customers: in the agents' digest they ping nobody and link
    nowhere, in every list it has."""
    when = ny(2026, 11, 2, 10)
    summary = rsvc.DigestSummary(
        date(2026, 11, 5),
        {RequestStatus.IN_REVIEW: 1},
        [(date(2026, 11, 5), "PR" + "1" * 32, HOSTILE)],
        [(date(2026, 11, 6), "PR" + "2" * 32, HOSTILE)],
        [rsvc.StaleItem("PR" + "3" * 32, HOSTILE, RequestStatus.IN_REVIEW, when, 3)],
    )
    text, blocks_, note = say(K.DAILY_DIGEST, {}, summary, calendar)
    assert text.count(ESCAPED) == 3 and "<!channel>" not in text and "<https://" not in text
    rendered = " ".join(b["text"]["text"] for b in blocks_ if "text" in b)
    assert "<!channel>" not in rendered and rendered.count(ESCAPED) == 3
    assert note.count(HOSTILE) == 3  # the ticket's plain-text note: shown as typed
