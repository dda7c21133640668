"""The fee quote's use cases: send, accept, decline, silence as acceptance in the calendar of
the request's country, the reminders, the submit guard, the review alert, and the charge."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from bot import services as svc
from bot.delivery.reminders import Sweeper
from bot.porting.errors import InvalidInput
from bot.porting.fields import Bill
from bot.porting.lifecycle import IllegalMove, NotPermitted
from bot.porting.quotes import Quote, QuoteNotAccepted
from bot.porting.reminders import ReminderKind, ReminderPolicy
from bot.services import quotes
from storage.models import PortRequest, Reminder
from storage.values import NumberStatus, ReminderStatus, RequestStatus
from tests.services.helpers import (
    AGENT,
    CUSTOMER,
    assert_timeline_legal,
    draft,
    mark_loa_signed,
    numbers,
)

S = RequestStatus
K = ReminderKind
FR_NUMBERS = ["+33142685300", "+33142685301", "+33142685302"]
# Thursday 25 March 2027, 10:00 in Paris (CET). Monday 29 March is Easter Monday, a public
# holiday in France and none in the United States (the account's calendar in these tests).
SENT = datetime(2027, 3, 25, 9, 0, tzinfo=UTC)


def _fr_draft(nums=None):
    return draft(
        nums or FR_NUMBERS,
        country="FR",
        region="",
        city="Paris",
        street="1 rue de Rivoli",
        postal_code="75001",
        btn="",
        pin="02P123456ABC",
        bill=Bill("facture.pdf", 120_000, "application/pdf", date(2027, 3, 10)),
    )


def _in_review(ctx, clock, nums=None, at=SENT):
    clock.set(at - timedelta(hours=2))
    snap = svc.open_request(ctx, _fr_draft(nums), actor=CUSTOMER, team_id="T1", channel_id="C1")
    mark_loa_signed(ctx, snap.sid, actor=CUSTOMER)
    clock.set(at)
    return snap.sid


def _quoted(ctx, clock, *, per_number=True, amount="12.50", nums=None):
    sid = _in_review(ctx, clock, nums)
    snap = quotes.send_quote(
        ctx, sid, amount, "eur", per_number=per_number, note="Carrier fee", actor=AGENT
    )
    return snap


def _rows(db, sid):
    with db.read() as s:
        req = s.exec(select(PortRequest).where(PortRequest.sid == sid)).one()
        return list(
            s.exec(select(Reminder).where(Reminder.request_id == req.id).order_by(Reminder.due_at))
        )


def test_sending_a_quote_waits_for_the_answer(ctx, db, clock):
    snap = _quoted(ctx, clock)
    assert snap.status is S.QUOTE_PENDING
    quote = Quote.from_json(snap.request.quote)
    assert quote is not None
    assert (quote.amount, quote.currency, quote.per_number) == (Decimal("12.50"), "EUR", True)
    assert quote.country == "FR" and quote.numbers == 3 and quote.note == "Carrier fee"
    event = snap.events[-1]
    assert event.action == "send_quote"
    assert "EUR 12.50 per number" in event.detail and "EUR 37.50" in event.detail
    assert "counts as acceptance" in event.detail
    assert event.data["quote"]["amount"] == "12.50"
    assert_timeline_legal(db, snap.sid)


def test_amount_and_currency_are_checked(ctx, clock):
    sid = _in_review(ctx, clock)
    for amount, currency in (("abc", "EUR"), ("-5", "EUR"), ("0", "EUR"), ("1.23456", "EUR")):
        with pytest.raises(InvalidInput):
            quotes.send_quote(ctx, sid, amount, currency, actor=AGENT)
    for currency in ("EU", "EURO", "XYZ", "12$"):
        with pytest.raises(InvalidInput):
            quotes.send_quote(ctx, sid, "10", currency, actor=AGENT)
    with pytest.raises(NotPermitted):
        quotes.send_quote(ctx, sid, "10", "EUR", actor=CUSTOMER)


def test_the_answer_period_counts_business_days_of_the_numbers_country(ctx, db, clock):
    snap = _quoted(ctx, clock)
    quote = Quote.from_json(snap.request.quote)
    assert quote is not None
    # Fri 26 (1), weekend, Easter Monday 29 (holiday in France), Tue 30 (2), Wed 31 (3), at
    # 10:00 Paris time, which is summer time (CEST) by then: 08:00 UTC.
    assert quote.answer_by == datetime(2027, 3, 31, 8, 0, tzinfo=UTC)
    rows = {(r.kind, r.due_at) for r in _rows(db, snap.sid) if r.kind.startswith("quote")}
    assert rows == {
        (K.QUOTE_UNANSWERED.value, datetime(2027, 3, 26, 9, 0, tzinfo=UTC)),  # 10:00 CET
        (K.QUOTE_UNANSWERED.value, datetime(2027, 3, 30, 8, 0, tzinfo=UTC)),  # 10:00 CEST
        (K.QUOTE_DEADLINE.value, datetime(2027, 3, 31, 8, 0, tzinfo=UTC)),
    }


def test_silence_becomes_acceptance_at_the_deadline_through_the_sweep(ctx, db, clock):
    snap = _quoted(ctx, clock)
    sweeper = Sweeper(ctx, worker_id="test")
    for day in (26, 30):  # Friday and Tuesday, in both calendars' contact hours
        clock.set(datetime(2027, 3, day, 14, 0, tzinfo=UTC))
        assert len(sweeper.sweep().sent) == 1
    with db.read() as s:
        assert s.exec(select(PortRequest)).one().status is S.QUOTE_PENDING
    # Too early for the action itself, too: nothing changes.
    assert not quotes.accept_by_default(ctx, snap.sid, sent_at=SENT.isoformat())
    clock.set(datetime(2027, 3, 31, 8, 1, tzinfo=UTC))
    result = sweeper.sweep()
    assert result.actions
    events = assert_timeline_legal(db, snap.sid)
    last = events[-1]
    assert last.action == "accept_quote" and last.to_status is S.IN_REVIEW
    assert last.actor_name == "portbot" and "accepted by default" in last.detail
    with db.read() as s:
        req = s.exec(select(PortRequest)).one()
    quote = Quote.from_json(req.quote)
    assert quote is not None and quote.accepted and quote.by_default
    assert [r.status for r in _rows(db, snap.sid) if r.kind == K.QUOTE_UNANSWERED.value] == [
        ReminderStatus.SENT,
        ReminderStatus.SENT,
    ]
    # The action runs once: a second sweep finds nothing to do.
    assert not sweeper.sweep().actions


def test_the_customer_accepts_and_the_request_can_go_to_the_carrier(ctx, db, clock):
    snap = _quoted(ctx, clock)
    with pytest.raises(IllegalMove):
        svc.submit_to_carrier(ctx, snap.sid, actor=AGENT)
    accepted = quotes.accept_quote(ctx, snap.sid, actor=CUSTOMER)
    assert accepted.status is S.IN_REVIEW
    assert "accepted by Casey Customer" in accepted.events[-1].detail
    # The deadline and its reminders are gone; the review alert is planned for a business
    # day later (Friday 10:00 Paris time).
    live = [r for r in _rows(db, snap.sid) if r.status is ReminderStatus.SCHEDULED]
    assert not [r for r in live if r.kind in (K.QUOTE_DEADLINE.value, K.QUOTE_UNANSWERED.value)]
    review = [r for r in live if r.kind == K.QUOTE_REVIEW.value]
    assert [r.due_at for r in review] == [datetime(2027, 3, 26, 9, 0, tzinfo=UTC)]
    submitted = svc.submit_to_carrier(ctx, snap.sid, actor=AGENT)
    assert submitted.status is S.SUBMITTED
    assert not [
        r
        for r in _rows(db, snap.sid)
        if r.kind == K.QUOTE_REVIEW.value and r.status is ReminderStatus.SCHEDULED
    ]


def test_a_french_request_cannot_be_submitted_without_an_accepted_quote(ctx, clock):
    sid = _in_review(ctx, clock)
    with pytest.raises(QuoteNotAccepted) as err:
        svc.submit_to_carrier(ctx, sid, actor=AGENT)
    assert "FR" in err.value.message and f"/port quote {sid}" in err.value.message


def test_us_requests_need_no_quote_unless_every_request_does(ctx, clock, db):
    clock.set(datetime(2026, 11, 16, 15, 0, tzinfo=UTC))
    snap = svc.open_request(ctx, draft(numbers(2)), actor=CUSTOMER, team_id="T1")
    mark_loa_signed(ctx, snap.sid, actor=CUSTOMER)
    strict = dataclasses.replace(ctx, reminders=ReminderPolicy(quote_all=True))
    with pytest.raises(QuoteNotAccepted):
        svc.submit_to_carrier(strict, snap.sid, actor=AGENT)
    assert svc.submit_to_carrier(ctx, snap.sid, actor=AGENT).status is S.SUBMITTED


def test_decline_cancels_and_frees_the_numbers(ctx, db, clock):
    snap = _quoted(ctx, clock)
    declined = quotes.decline_quote(ctx, snap.sid, actor=CUSTOMER, reason="Too expensive")
    assert declined.status is S.CANCELLED
    assert all(n.status is NumberStatus.CANCELLED and n.open_e164 is None for n in declined.numbers)
    assert "declined by Casey Customer" in declined.events[-1].detail
    assert "Too expensive" in declined.events[-1].detail
    quote = Quote.from_json(declined.request.quote)
    assert quote is not None and quote.answer is not None and not quote.accepted
    assert not [r for r in _rows(db, snap.sid) if r.status is ReminderStatus.SCHEDULED]
    assert_timeline_legal(db, snap.sid)
    with pytest.raises(IllegalMove):
        quotes.accept_quote(ctx, snap.sid, actor=CUSTOMER)
    # A deadline that fires late finds nothing to accept.
    clock.set(datetime(2027, 4, 1, 9, 0, tzinfo=UTC))
    assert not quotes.accept_by_default(ctx, snap.sid, sent_at=SENT.isoformat())


def _through_the_port(ctx, clock, snap, *, reject=()):
    quotes.accept_quote(ctx, snap.sid, actor=CUSTOMER)
    svc.submit_to_carrier(ctx, snap.sid, actor=AGENT)
    if reject:
        svc.reject(ctx, snap.sid, codes=["not_portable"], numbers=list(reject), actor=AGENT)
    svc.set_foc(ctx, snap.sid, date(2027, 4, 15), actor=AGENT)
    return svc.mark_ported(ctx, snap.sid, actor=AGENT)


def test_the_charge_counts_only_the_numbers_that_ported(ctx, db, clock):
    snap = _quoted(ctx, clock, per_number=True, amount="12.50")
    done = _through_the_port(ctx, clock, snap, reject=[FR_NUMBERS[2]])
    assert done.status is S.COMPLETED
    quote = Quote.from_json(done.request.quote)
    assert quote is not None
    assert quote.charge == Decimal("25.00") and quote.charged_numbers == 2
    charge = [e for e in assert_timeline_legal(db, snap.sid) if e.action == "quote_charge"]
    assert len(charge) == 1
    assert charge[0].detail == "Porting fee: EUR 25.00 (2 ported numbers × EUR 12.50)."
    assert charge[0].data["charge"] == "25.00"


def test_a_total_quote_charges_the_total(ctx, db, clock):
    snap = _quoted(ctx, clock, per_number=False, amount="150")
    done = _through_the_port(ctx, clock, snap, reject=[FR_NUMBERS[0]])
    quote = Quote.from_json(done.request.quote)
    assert quote is not None and quote.charge == Decimal("150")
    charge = [e for e in assert_timeline_legal(db, snap.sid) if e.action == "quote_charge"]
    assert charge[0].detail.startswith("Porting fee: EUR 150.00 (the quoted total")


def test_review_alert_after_one_business_day_in_review_after_acceptance(ctx, db, clock):
    snap = _quoted(ctx, clock)
    clock.set(datetime(2027, 3, 25, 14, 0, tzinfo=UTC))  # Thursday afternoon
    quotes.accept_quote(ctx, snap.sid, actor=CUSTOMER)
    sweeper = Sweeper(ctx, worker_id="test")
    clock.set(datetime(2027, 3, 26, 13, 59, tzinfo=UTC))
    sweeper.sweep()
    review = [r for r in _rows(db, snap.sid) if r.kind == K.QUOTE_REVIEW.value]
    assert [r.status for r in review] == [ReminderStatus.SCHEDULED]
    clock.set(datetime(2027, 3, 26, 14, 1, tzinfo=UTC))
    sweeper.sweep()
    review = [r for r in _rows(db, snap.sid) if r.kind == K.QUOTE_REVIEW.value]
    assert [r.status for r in review] == [ReminderStatus.SENT]
    with db.read() as s:
        from storage.models import OutboxMessage

        rows = s.exec(select(OutboxMessage).where(OutboxMessage.topic == "slack.reminder")).all()
        assert any(r.payload.get("reminder_id") == review[0].id for r in rows)
