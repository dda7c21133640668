"""The fee quote on the Zendesk ticket: the status while the customer answers, a note for the
quote, the answer and the charge, and the quote in the ticket's description."""

from __future__ import annotations

from datetime import date

from bot import services as svc
from bot.services import quotes
from bot.zendesk.mapping import TicketOptions, description, event_update
from tests.services.helpers import AGENT, CUSTOMER
from tests.services.test_quotes import FR_NUMBERS, _in_review

PLAIN = TicketOptions(timezone="America/New_York")


def _last(snap, action: str):
    return [e for e in snap.events if e.action == action][-1]


def test_the_quote_waits_on_the_customer_and_is_noted(ctx, clock):
    sid = _in_review(ctx, clock)
    snap = quotes.send_quote(ctx, sid, "12.50", "EUR", per_number=True, actor=AGENT)
    update = event_update(snap, _last(snap, "send_quote"), PLAIN, urgency="normal")
    assert update is not None
    assert update["status"] == "pending"
    assert "port_status_quote_pending" in update["additional_tags"]
    body = update["comment"]["body"]
    assert update["comment"]["public"] is False
    assert "In review → Waiting for the fee quote's answer" in body
    assert "EUR 12.50 per number" in body and "counts as acceptance" in body
    text = description(snap, PLAIN)
    assert "FEE QUOTE" in text and "waiting for the customer's answer until" in text


def test_the_answer_and_the_charge_reach_the_ticket(ctx, clock):
    sid = _in_review(ctx, clock)
    quotes.send_quote(ctx, sid, "12.50", "EUR", per_number=True, actor=AGENT)
    accepted = quotes.accept_quote(ctx, sid, actor=CUSTOMER)
    update = event_update(accepted, _last(accepted, "accept_quote"), PLAIN, urgency="normal")
    assert update is not None and update["status"] == "open"
    assert "Fee quote accepted by Casey Customer" in update["comment"]["body"]
    svc.submit_to_carrier(ctx, sid, actor=AGENT)
    svc.reject(ctx, sid, codes=["not_portable"], numbers=[FR_NUMBERS[1]], actor=AGENT)
    svc.set_foc(ctx, sid, date(2027, 4, 15), actor=AGENT)
    done = svc.mark_ported(ctx, sid, actor=AGENT)
    update = event_update(done, _last(done, "quote_charge"), PLAIN, urgency="normal")
    assert update is not None and update["status"] == "solved"
    assert "Porting fee: EUR 25.00 (2 ported numbers × EUR 12.50)." in update["comment"]["body"]
    text = description(done, PLAIN)
    assert "accepted by Casey Customer" in text
    assert "Porting fee charged: EUR 25.00 (2 ported numbers × EUR 12.50)." in text
