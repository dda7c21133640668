"""Rows, not jobs: every change reconciles the request's reminder rows in its own transaction."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from bot import services as svc
from bot.delivery.reminders import Sweeper
from bot.porting.fields import Bill
from bot.porting.lifecycle import Move
from bot.services import base
from bot.services import reminders as rsvc
from storage.models import PortRequest, Reminder
from storage.values import ReminderStatus, RequestStatus
from tests.reminders.conftest import local, ny
from tests.services.helpers import AGENT, BILL, CUSTOMER, draft, mark_loa_signed

S = ReminderStatus
OCTOBER_BILL = Bill("bill.pdf", 120_000, "application/pdf", date(2026, 10, 20))


def _rows(ctx, *, kind: str | None = None) -> list[Reminder]:
    with ctx.db.read() as s:
        stmt = select(Reminder).order_by(Reminder.due_at, Reminder.id)
        if kind:
            stmt = stmt.where(Reminder.kind == kind)
        return list(s.exec(stmt).all())


def _status(ctx, sid: str) -> RequestStatus:
    with ctx.db.read() as s:
        return s.exec(select(PortRequest.status).where(PortRequest.sid == sid)).one()


def _submitted(ctx, clock) -> str:
    clock.set(ny(2026, 11, 2, 10))
    sid = svc.open_request(ctx, draft(bill=OCTOBER_BILL), actor=CUSTOMER).sid
    mark_loa_signed(ctx, sid, actor=CUSTOMER)
    svc.submit_to_carrier(ctx, sid, actor=AGENT)
    return sid


def test_opening_a_request_plans_its_reminders_in_the_same_transaction(ctx, clock):
    sid = svc.open_request(ctx, draft(), actor=CUSTOMER).sid
    rows = _rows(ctx)
    assert {r.kind for r in rows} == {
        "loa-unsigned",
        "loa-unsigned-agents",
        "request-expiry",
        "document-aging",
    }
    assert all(r.status is S.SCHEDULED and r.dedupe_key.startswith(sid) for r in rows)
    # the draft's own expiry row was made and dropped within the transaction: never stored
    assert [r.dedupe_key.split(":")[2] for r in _rows(ctx, kind="request-expiry")] == [
        "awaiting_signature"
    ]
    assert rows[0].data["subject"] == sid and rows[0].data["audience"] == "customer"


def test_a_change_that_fails_leaves_the_rows_as_they_were(ctx, clock):
    sid = svc.open_request(ctx, draft(), actor=CUSTOMER).sid
    before = [(r.dedupe_key, r.status) for r in _rows(ctx)]

    def body(session):
        req = base.load(session, sid)
        req.signed_at = ctx.now()
        base.move(ctx, session, req, Move.SIGN_LOA, CUSTOMER)  # reconciles: LOA rows cancelled
        raise RuntimeError("something after it failed")

    with pytest.raises(RuntimeError):
        base.run(ctx, "sign", body)
    assert [(r.dedupe_key, r.status) for r in _rows(ctx)] == before


def test_moving_the_foc_replaces_its_countdown(ctx, clock):
    sid = _submitted(ctx, clock)
    clock.set(ny(2026, 11, 13, 10))
    svc.set_foc(ctx, sid, date(2026, 11, 24), actor=AGENT)
    old = {r.dedupe_key for r in _rows(ctx, kind="foc-approaching")}
    assert old and all(":20261124:" in k for k in old)
    svc.set_foc(ctx, sid, date(2026, 12, 1), actor=AGENT)
    rows = {r.dedupe_key: r for r in _rows(ctx, kind="foc-approaching")}
    assert all(rows[k].status is S.CANCELLED and rows[k].data["outcome"] == "obsolete" for k in old)
    new = [r for k, r in rows.items() if ":20261201:" in k]
    assert len(new) == 3 and all(r.status is S.SCHEDULED for r in new)
    assert [local(r.due_at).date() for r in new] == [
        date(2026, 11, 25),  # 3 business days before Dec 1 (Thanksgiving skipped)
        date(2026, 11, 30),
        date(2026, 12, 1),  # the start of the port day
    ]


def test_a_declined_cancellation_brings_the_countdown_back(ctx, clock):
    sid = _submitted(ctx, clock)
    clock.set(ny(2026, 11, 13, 10))
    svc.set_foc(ctx, sid, date(2026, 12, 1), actor=AGENT)
    planned = {r.dedupe_key for r in _rows(ctx) if r.status is S.SCHEDULED}
    svc.request_cancel(ctx, sid, actor=CUSTOMER, reason="changed our mind")
    assert not [r for r in _rows(ctx) if r.status is S.SCHEDULED and r.request_id]
    svc.decline_cancel(ctx, sid, actor=AGENT)
    assert {r.dedupe_key for r in _rows(ctx) if r.status is S.SCHEDULED} == planned


def test_a_sent_reminder_stays_sent_whatever_happens_next(ctx, clock):
    sid = svc.open_request(ctx, draft(), actor=CUSTOMER).sid
    clock.set(clock.now + timedelta(days=1))
    sent = Sweeper(ctx).sweep().sent
    assert len(sent) == 1
    svc.add_note(ctx, sid, "called the customer", actor=AGENT)
    mark_loa_signed(ctx, sid, actor=CUSTOMER)
    with ctx.db.read() as s:
        row = s.get(Reminder, sent[0])
    assert row.status is S.SENT and row.sent_at == clock.now - timedelta(0)


def test_the_sweep_double_checks_the_reason_before_sending(ctx, clock):
    """A change that skipped the reconciliation (reminders switched off for it) still never
    produces a reminder whose reason has gone."""
    sid = svc.open_request(ctx, draft(), actor=CUSTOMER).sid
    policy, ctx.reminders = ctx.reminders, None
    mark_loa_signed(ctx, sid, actor=CUSTOMER)
    ctx.reminders = policy
    clock.set(clock.now + timedelta(days=9))  # Wed Nov 25: the agents' alert is due too
    result = Sweeper(ctx).sweep()
    assert not result.sent and len(result.obsolete) == 4  # three LOA reminders, the alert
    assert {r.data["outcome"] for r in _rows(ctx) if r.kind.startswith("loa-")} == {"obsolete"}


def test_customer_reminders_wait_for_contact_hours_agent_alerts_do_not(ctx, clock):
    clock.set(ny(2026, 11, 16, 19, 30))  # Monday evening
    sid = svc.open_request(ctx, draft(), actor=CUSTOMER).sid
    mark_loa_signed(ctx, sid, actor=CUSTOMER)  # in review from 19:30
    sweeper = Sweeper(ctx)
    clock.set(ny(2026, 11, 18, 19, 30))  # two business days later, after hours
    result = sweeper.sweep()
    assert [r.kind for r in _rows(ctx) if r.id in result.sent] == ["stale-request"]

    # A customer reminder overdue after downtime that ends at night waits for the morning.
    other = svc.open_request(ctx, draft(), actor=CUSTOMER).sid
    clock.set(ny(2026, 11, 20, 7))  # Friday 07:00: its first LOA reminder (Thu 10:00) is due
    assert sweeper.sweep().sent == []
    clock.set(ny(2026, 11, 20, 9))
    (sent,) = sweeper.sweep().sent
    with ctx.db.read() as s:
        assert s.get(Reminder, sent).dedupe_key.startswith(f"{other}:loa-unsigned:")


def test_a_draft_expires_after_thirty_days_through_the_use_case(ctx, clock):
    sid = svc.save_draft(ctx, draft(bill=None), actor=CUSTOMER).sid
    sweeper = Sweeper(ctx)
    clock.set(clock.now + timedelta(days=29, hours=23))
    sweeper.sweep()
    assert _status(ctx, sid) is RequestStatus.DRAFT
    clock.set(clock.now + timedelta(hours=1))
    result = sweeper.sweep()
    assert len(result.actions) == 1 and _status(ctx, sid) is RequestStatus.EXPIRED
    (row,) = _rows(ctx, kind="request-expiry")
    assert row.status is S.SENT and row.data["outcome"] == "done"
    assert not [r for r in _rows(ctx) if r.status is S.SCHEDULED and r.request_id]


def test_a_request_that_moved_on_is_not_expired_by_a_stale_row(ctx, clock):
    sid = svc.save_draft(ctx, draft(bill=None), actor=CUSTOMER).sid
    (row,) = _rows(ctx, kind="request-expiry")
    svc.complete_draft(ctx, sid, actor=CUSTOMER, bill=BILL)
    assert rsvc.expire_for_reminder(ctx, row) is False
    assert _status(ctx, sid) is RequestStatus.AWAITING_SIGNATURE


def test_digest_rows_are_made_once_for_business_days(ctx, clock):
    clock.set(ny(2026, 11, 20, 8))  # Friday before Thanksgiving week
    assert rsvc.ensure_digests(ctx, days=10) == 5  # Fri; Mon, Tue, Wed, (Thanksgiving), Fri
    assert rsvc.ensure_digests(ctx, days=10) == 0
    days = [local(r.due_at) for r in _rows(ctx, kind="daily-digest")]
    assert [d.day for d in days] == [20, 23, 24, 25, 27]
    assert {(d.hour, d.minute) for d in days} == {(9, 0)}
