"""Stale-request alerts count with the country table's figures, not one fixed number: a
submitted request is stale once its firm date is usually in (1-3 business days for the
carrier's answer, then 3-7 for the date: 10), or once the whole port usually is, when that is
shorter (UK mobile numbers: 5 business days)."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from bot import services as svc
from bot.porting.fields import Bill
from bot.porting.reminders import ReminderKind, ReminderPolicy, RequestFacts, reminders_for
from bot.porting.stale import foc_due_business_days
from bot.services import reminders as rsvc
from storage.models import PortRequest, Reminder
from storage.values import LineType
from tests.reminders.conftest import local, ny
from tests.services.helpers import AGENT, CUSTOMER, draft, mark_loa_signed, numbers

OCTOBER_BILL = Bill("bill.pdf", 120_000, "application/pdf", date(2026, 10, 20))


def _submitted(ctx, clock, **kinds) -> str:
    clock.set(ny(2026, 11, 2, 10))  # Monday
    sid = svc.open_request(ctx, draft(bill=OCTOBER_BILL, **kinds), actor=CUSTOMER).sid
    mark_loa_signed(ctx, sid, actor=CUSTOMER)
    svc.submit_to_carrier(ctx, sid, actor=AGENT)
    return sid


def _stale_row(ctx, sid: str) -> Reminder:
    with ctx.db.read() as s:
        rows = s.exec(
            select(Reminder).where(
                Reminder.kind == ReminderKind.STALE_REQUEST.value,
                Reminder.dedupe_key.startswith(f"{sid}:"),  # type: ignore[attr-defined]
                Reminder.dedupe_key.contains(":submitted:"),  # type: ignore[attr-defined]
            )
        ).all()
    assert len(rows) == 1
    return rows[0]


def _move_to(ctx, sid: str, country: str) -> None:
    """The request's numbers belong to ``country`` (as if opened so); its rows follow."""
    with ctx.db.write() as s:
        req = s.exec(select(PortRequest).where(PortRequest.sid == sid)).one()
        req.numbers_country = country
        s.add(req)
        rsvc.reconcile(ctx, s, req)


def test_the_figures_by_country_and_kind():
    assert foc_due_business_days([LineType.LANDLINE], "US") == 10
    assert foc_due_business_days([LineType.WIRELESS], "GB") == 5  # ports in 1-5 days
    # the slowest kind on the request sets the figure
    assert foc_due_business_days([LineType.WIRELESS, LineType.LANDLINE], "GB") == 10
    assert foc_due_business_days([LineType.LANDLINE], "JP") is None  # not in the table


def test_a_us_landline_request_is_stale_ten_business_days_after_submission(ctx, clock):
    sid = _submitted(ctx, clock)
    row = _stale_row(ctx, sid)
    # Mon Nov 2 + 10 business days, Veterans Day (Nov 11) not counted: Tue Nov 17
    assert local(row.due_at) == ny(2026, 11, 17, 10).replace(tzinfo=None)
    assert row.data["data"]["business_days"] == 10


def test_a_uk_mobile_request_is_stale_after_five(ctx, clock):
    sid = _submitted(ctx, clock, wireless=numbers(1))
    assert _stale_row(ctx, sid).data["data"]["business_days"] == 10  # a US mobile request: 10
    _move_to(ctx, sid, "GB")
    row = _stale_row(ctx, sid)
    assert row.data["data"]["business_days"] == 5
    assert local(row.due_at) == ny(2026, 11, 9, 10).replace(tzinfo=None)


def test_a_country_outside_the_table_keeps_the_policys_figure(ctx, clock):
    sid = _submitted(ctx, clock)
    _move_to(ctx, sid, "JP")
    assert (
        _stale_row(ctx, sid).data["data"]["business_days"]
        == ReminderPolicy().stale_submitted_business_days
    )


def test_the_policy_counts_from_the_facts_figure(calendar):
    since = ny(2026, 11, 2, 10)
    facts = RequestFacts(
        sid="PR" + "0" * 32,
        status="submitted",  # type: ignore[arg-type]
        created_at=since,
        status_since=since,
        submitted_at=since,
        foc_due_business_days=3,
    )
    [stale] = [
        d
        for d in reminders_for(facts, ReminderPolicy(), calendar)
        if d.kind is ReminderKind.STALE_REQUEST
    ]
    assert local(stale.due_at) == ny(2026, 11, 5, 10).replace(tzinfo=None)


def test_the_digest_lists_stale_requests_by_the_same_figures(ctx, clock):
    us = _submitted(ctx, clock)
    uk = _submitted(ctx, clock, wireless=numbers(1))
    _move_to(ctx, uk, "GB")
    clock.set(ny(2026, 11, 10, 9))  # 6 business days after submission
    with ctx.db.read() as s:
        summary = rsvc.digest_summary(ctx, s, date(2026, 11, 10), clock.now)
    listed = [i.sid for i in summary.stale]
    assert uk in listed and us not in listed
