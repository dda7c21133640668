"""The agents' daily digest: its rows, made ahead for every business day, and what it shows,
read when it is delivered."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.porting.reminders import DigestSummary, StaleItem, digest_due
from bot.services.base import Context
from bot.services.reminders.rows import moments_of, policy_of, request_facts, row_values
from storage import repositories as repo
from storage.models import Reminder
from storage.values import RequestStatus

__all__ = ["DigestSummary", "StaleItem", "digest_summary", "ensure_digests"]


def ensure_digests(ctx: Context, *, days: int = 7) -> int:
    """Rows for the agents' daily digest from today on (business days only); rows that exist
    are left alone, so every replica may run this. The number of rows added."""
    policy, calendar = policy_of(ctx), ctx.calendar
    today = ctx.today()
    wanted = [digest_due(today + timedelta(days=i), policy, calendar) for i in range(days)]
    rows = [row_values(d) for d in wanted if d is not None]
    if not rows:
        return 0
    keys = [r["dedupe_key"] for r in rows]
    with ctx.db.write() as session:
        have = set(
            session.exec(select(Reminder.dedupe_key).where(col(Reminder.dedupe_key).in_(keys)))
        )
        rows = [r for r in rows if r["dedupe_key"] not in have]
        if rows:
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            stmt = insert(Reminder).on_conflict_do_nothing(index_elements=["dedupe_key"])
            session.connection().execute(stmt, rows)
        return len(rows)


def digest_summary(ctx: Context, session: Session, day: date, now: datetime) -> DigestSummary:
    """Counts by status, port dates today and in the next ``policy.digest_ahead_days`` days, and
    stale requests."""
    policy, calendar = policy_of(ctx), ctx.calendar

    def label(req: Any) -> str:
        return req.name or req.company_name or req.rep_name or ""

    today = [(d, r.sid, label(r)) for d, r in repo.upcoming_focs(session, start=day, end=day)]
    week_end = day + timedelta(days=policy.digest_ahead_days)
    week = [
        (d, r.sid, label(r))
        for d, r in repo.upcoming_focs(session, start=day + timedelta(days=1), end=week_end)
    ]
    limits = {
        RequestStatus.IN_REVIEW: policy.stale_in_review_business_days,
        RequestStatus.SUBMITTED: policy.stale_submitted_business_days,
    }
    rows = repo.request_summaries(session, statuses=list(limits))
    moments = moments_of(session, rows)
    stale = []
    for r in rows:
        status = RequestStatus(r.status)
        since = moments[r.id].status_since or r.created_at
        limit = request_facts(r, moments[r.id]).foc_due_business_days or limits[status]
        if calendar.business_days_after(since, limit) <= now:
            days = calendar.business_days_between(
                calendar.local_date(since), calendar.local_date(now)
            )
            stale.append(StaleItem(r.sid, label(r), status, since, days))
    stale.sort(key=lambda s: s.since)
    counts = {s: n for s, n in repo.count_by_status(session).items() if n}
    return DigestSummary(day, counts, today, week, stale)
