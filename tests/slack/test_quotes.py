"""The fee quote in Slack, over real HTTP with signed requests and the simulator: an agent's
``/port quote`` puts the quote with Accept and Decline in the card's thread, the customer's
Accept moves the request on, Decline cancels it, and customers cannot send quotes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import services as svc
from bot.services import quotes
from bot.slack.ids import Action
from storage.values import RequestStatus
from tests.services.helpers import Actor, mark_loa_signed
from tests.services.test_quotes import SENT, _fr_draft
from tests.slack.conftest import AGENT, AGENTS_CHANNEL, CHANNEL, CUSTOMER

S = RequestStatus


def said(answer) -> str:
    return answer.json.get("text", "") if answer.json else answer.text


def _in_review(slack, ctx, clock) -> str:
    clock.set(SENT - timedelta(hours=2))
    snap = svc.open_request(
        ctx,
        _fr_draft(),
        actor=Actor.customer(CUSTOMER, "casey"),
        team_id=slack.sim.team_id,
        channel_id=CHANNEL,
    )
    mark_loa_signed(ctx, snap.sid, actor=Actor.customer(CUSTOMER, "casey"))
    clock.set(SENT)
    slack.drain()
    return snap.sid


def _quote_message(slack, sid: str) -> dict:
    card = next(m for m in slack.sim.messages(CHANNEL) if sid in str(m.get("blocks")))
    replies = slack.sim.thread(CHANNEL, card["ts"])[1:]
    found = [m for m in replies if Action.QUOTE_ACCEPT.value in str(m.get("blocks"))]
    assert len(found) == 1, replies
    return found[0]


def _buttons(message: dict) -> dict[str, dict]:
    return {
        e["action_id"]: e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }


def test_an_agents_quote_lands_in_the_thread_with_accept_and_decline(slack, ctx, clock):
    sid = _in_review(slack, ctx, clock)
    answer = slack.driver.command(
        "/port",
        f"quote {sid} 12.50 eur --per-number --note Carrier <b>fee</b>",
        user_id=AGENT,
        channel_id=AGENTS_CHANNEL,
    )
    assert answer.status == 200 and answer.in_time
    assert f"Quote sent for {sid}: EUR 12.50 per number" in said(answer)
    slack.drain()
    message = _quote_message(slack, sid)
    buttons = _buttons(message)
    assert set(buttons) == {Action.QUOTE_ACCEPT.value, Action.QUOTE_DECLINE.value}
    assert buttons[Action.QUOTE_ACCEPT.value]["value"] == sid
    assert "confirm" in buttons[Action.QUOTE_DECLINE.value]
    shown = str(message["blocks"])
    assert "EUR 12.50 per number" in shown and "EUR 37.50" in shown
    assert "counts as accepted" in shown and "only charged for numbers that actually port" in shown
    assert "Carrier &lt;b&gt;fee&lt;/b&gt;" in shown and "<b>" not in shown
    assert f"<@{CUSTOMER}>" in message["text"]  # it asks the requester to answer
    card = next(m for m in slack.sim.messages(CHANNEL) if sid in str(m.get("blocks")))
    assert "Fee quote" in str(card["blocks"]) and "waiting for the customer" in str(card["blocks"])


def test_the_customer_accepts_with_the_button(slack, ctx, clock):
    sid = _in_review(slack, ctx, clock)
    quotes.send_quote(ctx, sid, "150", "EUR", actor=Actor.agent(AGENT, "avery"))
    slack.drain()
    message = _quote_message(slack, sid)
    clicked = slack.driver.block_action(
        Action.QUOTE_ACCEPT, sid, CUSTOMER, CHANNEL, message_ts=message["ts"]
    )
    assert clicked.status == 200
    snap = svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True))
    assert snap.status is S.IN_REVIEW
    assert snap.events[-1].action == "accept_quote" and snap.events[-1].actor_id == CUSTOMER
    told = " ".join(e.get("text", "") for e in slack.sim.ephemerals(CHANNEL, CUSTOMER))
    assert "you accepted the quote (EUR 150.00)" in told
    slack.drain()
    answered = slack.sim.message(CHANNEL, message["ts"])
    assert Action.QUOTE_ACCEPT.value not in str(answered["blocks"])
    assert "Fee quote accepted by casey" in str(answered["blocks"])
    assert answered["text"] == message["text"]
    card = next(m for m in slack.sim.messages(CHANNEL) if sid in str(m.get("blocks")))
    assert "accepted by casey" in str(card["blocks"])


def test_the_customer_declines_and_the_request_is_cancelled(slack, ctx, clock):
    sid = _in_review(slack, ctx, clock)
    quotes.send_quote(ctx, sid, "150", "EUR", actor=Actor.agent(AGENT, "avery"))
    slack.drain()
    message = _quote_message(slack, sid)
    slack.driver.block_action(
        Action.QUOTE_DECLINE, sid, CUSTOMER, CHANNEL, message_ts=message["ts"]
    )
    assert svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True)).status is S.CANCELLED
    told = " ".join(e.get("text", "") for e in slack.sim.ephemerals(CHANNEL, CUSTOMER))
    assert "You declined the quote" in told


def test_a_customer_cannot_send_a_quote(slack, ctx, clock):
    sid = _in_review(slack, ctx, clock)
    answer = slack.driver.command(
        "/port", f"quote {sid} 10 EUR", user_id=CUSTOMER, channel_id=CHANNEL
    )
    assert "is for the porting team" in said(answer)
    assert svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True)).status is S.IN_REVIEW


def test_a_bad_currency_is_refused_with_the_reason(slack, ctx, clock):
    sid = _in_review(slack, ctx, clock)
    answer = slack.driver.command(
        "/port", f"quote {sid} 10 EURO", user_id=AGENT, channel_id=AGENTS_CHANNEL
    )
    assert "not a currency code" in said(answer)
    answer = slack.driver.command(
        "/port", f"quote {sid} 10", user_id=AGENT, channel_id=AGENTS_CHANNEL
    )
    assert "Usage" in said(answer)


def test_reminders_and_the_default_reach_the_thread_and_the_agents(slack, ctx, clock):
    sid = _in_review(slack, ctx, clock)
    quotes.send_quote(ctx, sid, "150", "EUR", actor=Actor.agent(AGENT, "avery"))
    slack.drain()
    card = next(m for m in slack.sim.messages(CHANNEL) if sid in str(m.get("blocks")))
    clock.set(datetime(2027, 3, 26, 14, 0, tzinfo=UTC))  # one business day later
    slack.runtime.sweeper.sweep()
    slack.drain()
    reminder = slack.sim.thread(CHANNEL, card["ts"])[-1]
    assert "still waits for your answer" in reminder["text"]
    assert f"<@{CUSTOMER}>" in reminder["text"]
    assert "Mon Mar 29" not in reminder["text"]  # Easter Monday is no business day in France
    assert "Wed Mar 31, 2027" in reminder["text"]
    clock.set(datetime(2027, 3, 31, 8, 1, tzinfo=UTC))  # the answer period is over
    slack.runtime.sweeper.sweep()
    slack.drain()
    assert svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True)).status is S.IN_REVIEW
    last = slack.sim.thread(CHANNEL, card["ts"])[-1]
    assert "accepted by default" in last["text"]
    clock.set(datetime(2027, 4, 1, 8, 2, tzinfo=UTC))  # a business day, still in review
    slack.runtime.sweeper.sweep()
    slack.drain()
    alert = slack.sim.messages(AGENTS_CHANNEL)[-1]
    assert "fee quote was accepted" in alert["text"] and "within one business day" in alert["text"]


def test_a_late_press_is_refused_with_the_reason(slack, ctx, clock):
    sid = _in_review(slack, ctx, clock)
    quotes.send_quote(ctx, sid, "150", "EUR", actor=Actor.agent(AGENT, "avery"))
    slack.drain()
    message = _quote_message(slack, sid)
    quotes.decline_quote(ctx, sid, actor=Actor.agent(AGENT, "avery"), reason="On the phone")
    clicked = slack.driver.block_action(
        Action.QUOTE_ACCEPT, sid, CUSTOMER, CHANNEL, message_ts=message["ts"]
    )
    assert clicked.status == 200
    told = " ".join(e.get("text", "") for e in slack.sim.ephemerals(CHANNEL, CUSTOMER))
    assert "can't accept the fee quote" in told
    assert svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True)).status is S.CANCELLED


def test_status_shows_the_quote_and_lets_the_customer_answer(slack, ctx, clock):
    sid = _in_review(slack, ctx, clock)
    quotes.send_quote(ctx, sid, "12.50", "GBP", per_number=True, actor=Actor.agent(AGENT, "avery"))
    answer = slack.driver.command("/port", f"status {sid}", user_id=CUSTOMER, channel_id=CHANNEL)
    shown = str(answer.json["blocks"])
    assert "Fee quote" in shown and "GBP 12.50 per number" in shown
    assert Action.QUOTE_ACCEPT.value in shown and Action.QUOTE_DECLINE.value in shown
    assert "A fee quote waits for your answer" in shown


def test_an_agent_records_an_answer_given_elsewhere(slack, ctx, clock):
    sid = _in_review(slack, ctx, clock)
    quotes.send_quote(ctx, sid, "150", "EUR", actor=Actor.agent(AGENT, "avery"))
    answer = slack.driver.command(
        "/port", f"quote accept {sid}", user_id=AGENT, channel_id=AGENTS_CHANNEL
    )
    assert f"the customer accepted the quote for {sid}" in said(answer)
    snap = svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True))
    assert snap.status is S.IN_REVIEW and snap.events[-1].actor_id == AGENT
    refused = slack.driver.command(
        "/port", f"quote decline {sid}", user_id=CUSTOMER, channel_id=CHANNEL
    )
    assert "is for the porting team" in said(refused)
