"""``portbot demo --international``, run in-process: a French request through its fee quote
(accepted by default after three French business days of silence, a weekend between) to its
port date and ported, then a transfer between sub-accounts. The transcript is checked in
order, and what Slack and Zendesk received is checked where they received it."""

import io
import json
import time
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import select

from bot.cli import _parser
from bot.porting.calendar import BusinessCalendar
from bot.porting.countries import calendar_for
from bot.porting.quotes import Quote
from bot.sandbox import demo, demo_international, demo_stage
from bot.sandbox.demo_international import BRANCH, CHANNEL, RIO, SHORT_RIO
from bot.slack.ids import Action
from storage.models import HeldNumber, PortNumber, PortRequest
from storage.transfer_models import Transfer
from storage.values import NumberStatus, RequestStatus, TransferStatus

FRANCE = calendar_for("FR")
PARIS_NUMBERS = ["+33142685300", "+33142685301"]


def _in_order(text: str, phrases: list[str], at: int = 0) -> int:
    """Where the last phrase was found; each one must come after the one before."""
    for phrase in phrases:
        found = text.find(phrase, at)
        assert found >= 0, f"{phrase!r} missing after position {at}"
        at = found
    return at


def _watch(monkeypatch) -> dict:
    """Run the international part and keep what Slack, Zendesk and the database held at its
    end (the demo's servers and database are gone when it returns)."""
    seen: dict = {}
    play = demo_international.play

    def watched(t, sim, driver, ff, ctx, zendesk, mail, **team):
        play(t, sim, driver, ff, ctx, zendesk, mail, **team)
        seen["agents"] = team["agents"]
        seen["messages"] = {ch: sim.messages(ch) for ch in (CHANNEL, BRANCH, team["agents"])}
        card = next(m for m in sim.messages(CHANNEL) if "Port request" in json.dumps(m))
        seen["card"] = card
        seen["thread"] = sim.thread(CHANNEL, card["ts"])
        seen["tickets"] = [(ticket, zendesk.comments(ticket["id"])) for ticket in zendesk.tickets()]
        with ctx.db.read() as s:
            seen["request"] = s.exec(select(PortRequest)).one()
            seen["numbers"] = list(s.exec(select(PortNumber).order_by(PortNumber.position)))
            seen["held"] = {h.e164: h.account for h in s.exec(select(HeldNumber))}
            seen["transfers"] = list(s.exec(select(Transfer)))

    monkeypatch.setattr(demo_international, "play", watched)
    return seen


def _text(message: dict) -> str:
    return json.dumps(message.get("blocks") or [], ensure_ascii=False) + message.get("text", "")


def test_the_international_demo_plays_a_french_port_and_a_transfer(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "SLACK_BOT_TOKEN", "PORTBOT_COUNTRIES", "PORTBOT_QUOTE_ALL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    seen = _watch(monkeypatch)
    out = io.StringIO()
    started = time.monotonic()
    assert demo.run(out, international=True) == 0
    assert time.monotonic() - started < 30
    text = out.getvalue().replace("\n  │ ", " ")  # long lines wrap; phrases may span them

    # The transcript, in order: the French intake, the quote, silence, the port, the transfer.
    at = _in_order(
        text,
        [
            "camille (customer) types `/port new` in #acme-france",
            "asking what a port from France needs",
            "[RIO code]",
            "call 3179",
            "[NDI (head number)] (optional)",
            "⚠ under “RIO code”: That doesn't look like a RIO code",
            "*Documents to send for a port from France*",
            "[Proof of address]",
            "[Company registration]",
            "*Your port request is in.* 2 numbers",
            "#acme-france gets the request card",
            "2 numbers: +33 1 42 68 53 00, +33 1 42 68 53 01",
            "To send for a port from France: proof of address",
            "Zendesk gets ticket #1, linked to the request",
            "gets an e-mail at Sophie Laurent <sophie@acme.example>",
            "-signed.pdf",
            "/port quote PR",
            "120 EUR --per-number`",
            "EUR 120.00 per number (at most EUR 240.00 for 2 numbers)",
            "#acme-france gets the quote in the card's thread",
            "If we don't hear from you within three business days",
            "Buttons: Accept · Decline",
            "port_status_quote_pending",
            "camille says nothing",
            "the clock moves 3 French business days",
            "a weekend in between",
            "still waits for your answer",
            "Fee quote accepted by default: no answer came within three business days",
            "accepted by default on",
            "Submitted PR",
            "to Orange.",
            "confirmed the port date",
            "jumps to the port date",
            "Completed",
            "✅ Completed",
            "Porting fee charged: EUR 240.00 (2 ported numbers × EUR 120.00).",
            "portbot: Porting fee: EUR 240.00",
            "port_status_completed",
        ],
    )
    _in_order(
        text,
        [
            "camille types `/port transfer` in #acme-france",
            "« Transfer numbers »",
            "Transfer `TR",
            "#acme-france gets the transfer card",
            "*Transfer of 1 number* from #acme-france to #acme-france-support: +33 1 42 68 53 01",
            "#acme-france-support gets the transfer card",
            "*Transfer of 1 number* from #acme-france to #acme-france-support",
            "#porting-team gets the transfer card",
            "Buttons: Complete · Cancel",
            "Zendesk gets ticket #2 for the transfer",
            "transfer, transfer_status_requested",
            "completed: the numbers moved to #acme-france-support",
            "#acme-france-support is told what to do next",
            "*Their call routing and SMS settings were reset in the move*",
            "Status: *Completed*",
            "transfer_status_completed",
            "This account holds 1 number.",
            "the RIO code is in none of them",
        ],
        at,
    )
    for secret in (RIO, SHORT_RIO):
        assert secret not in out.getvalue()

    # What Slack received: the card, the quote with its buttons and rule, silence's acceptance.
    req = seen["request"]
    card, thread = seen["card"], seen["thread"]
    assert req.sid in _text(card) and "+33 1 42 68 53 00" in _text(card)
    (offer,) = [m for m in thread if Action.QUOTE_ACCEPT.value in _text(m)]
    buttons = {
        e["action_id"]: e["value"]
        for b in offer["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }
    assert buttons == {Action.QUOTE_ACCEPT.value: req.sid, Action.QUOTE_DECLINE.value: req.sid}
    assert "within three business days" in _text(offer) and "counts as accepted" in _text(offer)
    replies = [m.get("text", "") for m in thread[1:]]
    by_default = [i for i, r in enumerate(replies) if "accepted by default" in r]
    offered = replies.index(offer.get("text", ""))
    assert by_default and by_default[0] > offered
    assert any("confirmed the port date" in r for r in replies[by_default[0] :])
    assert "accepted by default" in _text(card) and "EUR 240.00" in _text(card)

    # The quote ran three French business days across a weekend, and silence accepted it.
    quote = Quote.from_json(req.quote)
    assert quote is not None and quote.by_default and quote.accepted and quote.country == "FR"
    sent, due = FRANCE.local_date(quote.sent_at), FRANCE.local_date(quote.answer_by)
    assert FRANCE.add_business_days(sent, 3) == due
    assert any((sent + timedelta(days=d)).weekday() == 5 for d in range((due - sent).days))
    assert quote.answered_at is not None and quote.answered_at >= quote.answer_by
    assert quote.charge is not None and str(quote.charge) == "240" and quote.charged_numbers == 2
    assert req.status is RequestStatus.COMPLETED and req.submitted_at is not None
    assert [(n.e164, n.status) for n in seen["numbers"]] == [
        (e164, NumberStatus.PORTED) for e164 in PARIS_NUMBERS
    ]
    port_date = seen["numbers"][0].foc_date
    assert port_date is not None and FRANCE.is_business_day(port_date)
    assert req.submitted_at >= quote.answered_at  # submitted once silence had accepted
    assert req.numbers_country == "FR" and req.pin is not None and req.pin.reveal() == RIO

    # The transfer: its card in both channels and the team's, the destination told of the reset.
    (transfer,) = seen["transfers"]
    assert transfer.status is TransferStatus.COMPLETED
    assert (transfer.source, transfer.destination) == (CHANNEL, BRANCH)
    assert seen["held"] == {PARIS_NUMBERS[0]: CHANNEL, PARIS_NUMBERS[1]: BRANCH}
    messages = seen["messages"]
    for channel in (CHANNEL, BRANCH, seen["agents"]):
        cards = [m for m in messages[channel] if "Transfer of 1 number" in m.get("text", "")]
        assert len(cards) == 1 and "Completed" in _text(cards[0]), channel
    told = [m["text"] for m in messages[BRANCH] if "reset in the move" in m.get("text", "")]
    assert len(told) == 1 and "+33 1 42 68 53 01" in told[0] and "Set up again" in told[0]

    # What Zendesk received: the port's ticket, the quote and the fee; the transfer's ticket.
    (port_ticket, port_notes), (transfer_ticket, transfer_notes) = seen["tickets"]
    assert "port_status_completed" in port_ticket["tags"]
    bodies = " ".join(c["body"] for c in port_notes)
    assert "Fee quote sent: EUR 120.00 per number" in bodies
    assert "Fee quote accepted by default" in bodies
    assert "Porting fee: EUR 240.00 (2 ported numbers × EUR 120.00)" in bodies
    assert {"transfer", "transfer_status_completed"} <= set(transfer_ticket["tags"])
    assert any("reset in the move" in c["body"] for c in transfer_notes)
    everything = json.dumps([seen["tickets"], messages, thread], default=str)
    assert RIO not in everything and SHORT_RIO not in everything


def test_the_demo_command_takes_the_international_flag():
    assert _parser().parse_args(["demo", "--international"]).international is True
    assert _parser().parse_args(["demo"]).international is False


@pytest.mark.parametrize(
    "today",
    [date(2026, 12, 5), date(2026, 12, 21), date(2027, 4, 30), date(2027, 5, 3), date(2027, 7, 12)],
)
def test_the_quote_day_has_a_weekend_in_its_three_french_business_days(today):
    us = BusinessCalendar(country="US", timezone="America/New_York")
    ctx = SimpleNamespace(today=lambda: today, calendar=us)
    day = demo_international._quote_day(ctx, FRANCE)
    assert day > today and day.weekday() in (2, 3)
    assert FRANCE.is_business_day(day) and us.is_business_day(day)
    due = FRANCE.add_business_days(day, 3)
    assert any((day + timedelta(days=d)).weekday() == 5 for d in range((due - day).days))
    # the transcript names the days counted: exactly three, all French business days
    start = datetime(day.year, day.month, day.day, 15, 30, tzinfo=FRANCE.tz)
    end = datetime(due.year, due.month, due.day, 15, 30, tzinfo=FRANCE.tz)
    days, holidays = demo_stage.business_days(FRANCE, start, end)
    assert len(days) == 3
    skipped = [
        day + timedelta(days=d)
        for d in range(1, (due - day).days)
        if (day + timedelta(days=d)).weekday() < 5 and FRANCE.is_holiday(day + timedelta(days=d))
    ]
    assert len(holidays) == len(skipped)


def test_the_transcript_names_the_french_holidays_the_quote_skips():
    start = datetime(2026, 12, 23, 15, 30, tzinfo=FRANCE.tz)  # a Wednesday; Friday is Christmas
    end = datetime(2026, 12, 29, 15, 30, tzinfo=FRANCE.tz)
    days, holidays = demo_stage.business_days(FRANCE, start, end)
    assert days == ["Thu 24", "Mon 28", "Tue 29"]
    assert len(holidays) == 1 and holidays[0].startswith("Fri Dec 25 (")
