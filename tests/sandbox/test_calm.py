"""How many messages a customer gets for a normal port, and how often they are @-mentioned:
counted at the Slack simulator over the demo's whole port-in (intake, the LOA signed a business
day later, a question answered from the ticket, submitted, the port date set eight business
days out, the reminder sweep walked through every business day to the port, ported), and held
to the budget the README states."""

from __future__ import annotations

import io
import re

import pytest

from bot.sandbox import demo, demo_port_outs, demo_tally
from bot.slack.blocks.reminders import reminder_of

CARD = 1
"""The request's card in the customer's channel (posted once, then edited in place)."""
UPDATES = 7
"""Thread lines, one per public change: details complete, LOA sent, LOA signed, submitted,
port date set, ported (6), and the porting team's answer to the customer's question (1)."""
REMINDERS = 7
"""Reminder messages: LOA still unsigned (1 business day), sent to the carrier with "keep your
service active" (the submitted stage's one advice), port date confirmed (the FOC stage's one
advice), the cancellation cut-off and the 3-day countdown on the same morning (one message),
the 1-day countdown, the port window's start, the post-port check."""
MESSAGES = CARD + UPDATES + REMINDERS  # 15 (it was 18, with three reminders on one morning)
MENTIONS = 4
"""Messages that @-mention the customer (it was 12): the card's "opened by" line, and the three
reminders that ask them to act — get the LOA signed, set the numbers up for the port date, test
after the port. Nothing else pings them: not the changes they or others made, not the
countdowns, not the cut-off (only for someone who wants to cancel)."""
ASKS = {"loa-unsigned", "foc-confirmed", "post-port-check"}


@pytest.fixture(scope="module")
def port(tmp_path_factory) -> dict:
    """The demo's port-in, once; what Slack received is kept when its port-out part would
    start (the port-outs are skipped: they are another story)."""
    seen: dict = {}

    def stop(t, sim, driver, ff, ctx, cast):
        seen["posted"] = demo_tally.posted_to(sim, cast.channel, cast.customer)
        seen["tally"] = demo_tally.tally(sim, cast.channel, cast.customer)
        seen["customer"], seen["channel"] = cast.customer, cast.channel

    mp = pytest.MonkeyPatch()
    for name in ("DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "PORTBOT_AGENTS"):
        mp.delenv(name, raising=False)
    mp.setattr(demo_port_outs, "play", stop)
    mp.chdir(tmp_path_factory.mktemp("demo"))
    out = io.StringIO()
    try:
        assert demo.run(out) == 0
    finally:
        mp.undo()
    seen["transcript"] = out.getvalue()
    return seen


def test_a_normal_port_stays_within_the_message_budget(port):
    posted, customer = port["posted"], port["customer"]
    top = [a for a in posted if not a.get("thread_ts")]
    replies = [a for a in posted if a.get("thread_ts")]
    reminders = [a for a in replies if reminder_of(a) is not None]
    assert (len(top), len(replies) - len(reminders), len(reminders)) == (CARD, UPDATES, REMINDERS)
    assert len(posted) == MESSAGES
    pinged = [a for a in posted if demo_tally.mentions(a, customer)]
    assert len(pinged) == MENTIONS
    # the demo's own count says the same, and prints it
    tally = port["tally"]
    assert (tally.messages, tally.reminders, tally.mentions) == (MESSAGES, REMINDERS, MENTIONS)
    assert f"{MESSAGES} messages from portbot" in port["transcript"]
    assert f"{MENTIONS} of them @-mention casey" in port["transcript"]


def test_the_customer_is_mentioned_only_where_they_must_act(port):
    posted, customer = port["posted"], port["customer"]
    for args in posted:
        told = reminder_of(args)
        kinds = set(str(told.get("kinds") or told["kind"]).split(",")) if told else set()
        text = str(args.get("text") or "")
        if kinds & ASKS:  # one mention, first
            assert text.startswith(f"<@{customer}> ") and text.count("<@") == 1, text
        elif args.get("thread_ts"):  # news, and the changes people made: no one is pinged
            assert "<@" not in text, text
    # the people who made a change are named in words
    lines = [str(a.get("text")) for a in posted if a.get("thread_ts") and not reminder_of(a)]
    assert any(line.startswith("avery: Submitted 2 numbers") for line in lines)
    assert any(line.startswith("casey: Details complete") for line in lines)


def test_reminders_due_the_same_hour_are_one_message_and_the_advice_is_said_once_a_stage(port):
    reminders = [reminder_of(a) | {"text": a["text"]} for a in port["posted"] if reminder_of(a)]
    together = [r for r in reminders if "kinds" in r]
    assert [sorted(r["kinds"].split(",")) for r in together] == [
        ["cancellation-cutoff", "foc-approaching"]
    ]
    (morning,) = together
    assert "If you want to stop" in morning["text"] and "Your numbers move in 3" in morning["text"]
    advice = [r["kind"] for r in reminders if re.search(r"Keep your service .* active", r["text"])]
    assert advice == ["keep-active", "foc-confirmed"]  # submitted once, port date confirmed once
