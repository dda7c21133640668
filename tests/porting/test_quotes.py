"""The fee quote's pure rules: amounts and currencies, the charge, the answer period in the
country's calendar, the submit guard, and the reminders the policy plans."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.porting.calendar import BusinessCalendar
from bot.porting.countries import calendar_for
from bot.porting.errors import InvalidInput
from bot.porting.lifecycle import Move, allowed_moves, apply
from bot.porting.quotes import (
    Answer,
    Quote,
    QuoteNotAccepted,
    answer_deadline,
    charge,
    check_submit,
    money,
    parse_amount,
    parse_currency,
    quote_required,
)
from bot.porting.reminders import ReminderKind, ReminderPolicy, RequestFacts, reminders_for
from storage.values import RequestStatus, Role

S = RequestStatus
SENT = datetime(2027, 3, 25, 9, 0, tzinfo=UTC)  # Thu 10:00 Paris; Mon 29 is Easter Monday
US = BusinessCalendar(country="US", timezone="America/New_York")


def _quote(**kw) -> Quote:
    values = dict(
        amount=Decimal("12.50"),
        currency="EUR",
        per_number=True,
        country="FR",
        sent_at=SENT,
        answer_by=answer_deadline(SENT, calendar_for("FR")),
        numbers=3,
    )
    values.update(kw)
    return Quote(**values)  # type: ignore[arg-type]


def test_amounts_are_decimals_never_floats():
    assert parse_amount("12.50") == Decimal("12.50")
    assert parse_amount(" 1,200 ") == Decimal("1200")
    assert parse_amount("0.105") == Decimal("0.105")
    for bad in ("", "abc", "0", "-1", "NaN", "Infinity", "1e9", "1.0001"):
        with pytest.raises(InvalidInput):
            parse_amount(bad)


def test_currencies_are_iso_4217_codes():
    assert parse_currency("eur") == "EUR" and parse_currency(" GBP ") == "GBP"
    for bad in ("", "EU", "EURO", "XXX", "ABC", "€"):
        with pytest.raises(InvalidInput):
            parse_currency(bad)


def test_money_shows_the_code_and_two_decimals():
    assert money(Decimal("1250"), "EUR") == "EUR 1,250.00"
    assert money(Decimal("12.5"), "USD") == "USD 12.50"
    assert money(Decimal("0.105"), "BHD") == "BHD 0.105"


def test_charge_counts_ported_numbers_or_the_total():
    per_number = _quote()
    assert charge(per_number, 2) == Decimal("25.00")
    assert charge(per_number, 0) == 0
    total = _quote(per_number=False, amount=Decimal("150"))
    assert charge(total, 1) == Decimal("150") and charge(total, 3) == Decimal("150")
    assert charge(total, 0) == 0


def test_answer_period_uses_the_countrys_calendar():
    # France: Fri 26 (1), Easter Monday skipped, Tue 30 (2), Wed 31 (3), 10:00 CEST.
    assert answer_deadline(SENT, calendar_for("FR")) == datetime(2027, 3, 31, 8, 0, tzinfo=UTC)
    # The United States work on Easter Monday: Tue 30, at the same instant's New York time.
    assert answer_deadline(SENT, US) == datetime(2027, 3, 30, 9, 0, tzinfo=UTC)


def test_json_round_trip_keeps_everything():
    q = _quote(note="Carrier fee").answered(Answer.ACCEPTED, SENT, "Casey", by_default=False)
    q = q.charged(2)
    assert Quote.from_json(q.to_json()) == q
    assert Quote.from_json(None) is None


def test_which_countries_need_a_quote():
    assert quote_required("FR") and quote_required("fr")
    assert not quote_required("US") and not quote_required(None) and not quote_required("ZZ")
    assert quote_required("US", quote_all=True) and quote_required(None, quote_all=True)


def test_submit_guard_names_why():
    check_submit("PR1", "US", None, required=False)
    with pytest.raises(QuoteNotAccepted, match="Send one first"):
        check_submit("PR1", "FR", None, required=True)
    with pytest.raises(QuoteNotAccepted, match="not accepted"):
        check_submit("PR1", "FR", _quote(), required=True)
    accepted = _quote().answered(Answer.ACCEPTED, SENT, "Casey", by_default=True)
    check_submit("PR1", "FR", accepted, required=True)


def test_quote_pending_in_the_lifecycle():
    assert apply(S.IN_REVIEW, Move.SEND_QUOTE, Role.AGENT) is S.QUOTE_PENDING
    assert set(allowed_moves(S.QUOTE_PENDING, Role.CUSTOMER)) == {
        Move.ACCEPT_QUOTE,
        Move.DECLINE_QUOTE,
        Move.REQUEST_CANCEL,
    }
    assert set(allowed_moves(S.QUOTE_PENDING, Role.SYSTEM)) == {Move.ACCEPT_QUOTE}
    assert Move.SUBMIT not in allowed_moves(S.QUOTE_PENDING)
    assert not S.QUOTE_PENDING.final


def _facts(status: RequestStatus, since: datetime, **kw) -> RequestFacts:
    q = _quote()
    return RequestFacts(
        sid="PR1",
        status=status,
        created_at=SENT,
        status_since=since,
        has_bill=True,
        quote_sent_at=q.sent_at,
        quote_answer_by=q.answer_by,
        quote_country="FR",
        **kw,
    )


def test_policy_plans_reminders_and_the_default_while_pending():
    found = reminders_for(_facts(S.QUOTE_PENDING, SENT), ReminderPolicy(), US)
    quote = [(d.kind, d.due_at) for d in found if d.kind.value.startswith("quote")]
    assert quote == [
        (ReminderKind.QUOTE_UNANSWERED, datetime(2027, 3, 26, 9, 0, tzinfo=UTC)),
        (ReminderKind.QUOTE_UNANSWERED, datetime(2027, 3, 30, 8, 0, tzinfo=UTC)),
        (ReminderKind.QUOTE_DEADLINE, datetime(2027, 3, 31, 8, 0, tzinfo=UTC)),
    ]


def test_policy_plans_the_review_alert_only_right_after_acceptance():
    accepted = datetime(2027, 3, 25, 14, 0, tzinfo=UTC)
    found = reminders_for(
        _facts(S.IN_REVIEW, accepted, quote_accepted_at=accepted), ReminderPolicy(), US
    )
    review = [d for d in found if d.kind is ReminderKind.QUOTE_REVIEW]
    assert [d.due_at for d in review] == [datetime(2027, 3, 26, 14, 0, tzinfo=UTC)]
    later = datetime(2027, 4, 2, 14, 0, tzinfo=UTC)  # back in review after a fix
    found = reminders_for(
        _facts(S.IN_REVIEW, later, quote_accepted_at=accepted), ReminderPolicy(), US
    )
    assert not [d for d in found if d.kind is ReminderKind.QUOTE_REVIEW]
    submitted = _facts(S.SUBMITTED, later, quote_accepted_at=accepted, submitted_at=later)
    assert not [d for d in reminders_for(submitted, ReminderPolicy(), US) if "quote" in d.kind]
