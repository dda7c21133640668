"""The agents' daily digest: when it is due, and what it shows (plain values the services
fill in and the wording tells)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.porting.calendar import BusinessCalendar
from bot.porting.reminders.due import Due, make_due, start_of_day
from bot.porting.reminders.kinds import ReminderKind
from bot.porting.reminders.policy import ReminderPolicy
from storage.values import RequestStatus

K = ReminderKind


@dataclass(frozen=True)
class StaleItem:
    """A request that has waited too long in its status (the digest's last list)."""

    sid: str
    name: str
    status: RequestStatus
    since: datetime
    business_days: int


@dataclass(frozen=True)
class DigestSummary:
    """What the agents' morning digest shows: requests by status, port dates today and in the
    next ``policy.digest_ahead_days`` days as ``(date, sid, name)``, and stale requests."""

    day: date
    counts: dict[RequestStatus, int]
    focs_today: list[tuple[date, str, str]]
    focs_week: list[tuple[date, str, str]]
    stale: list[StaleItem]


def digest_due(day: date, policy: ReminderPolicy, calendar: BusinessCalendar) -> Due | None:
    """The agents' daily digest for local date ``day`` at ``policy.digest_time``, or None when
    ``day`` is not a business day. Key ``digest:YYYYMMDD``; void once the day is over."""
    if not calendar.is_business_day(day):
        return None
    return make_due(
        K.DAILY_DIGEST,
        calendar.at_local(day, policy.digest_time),
        f"digest:{day:%Y%m%d}",
        "digest",
        calendar,
        {"day": day.isoformat()},
        expires_at=start_of_day(day + timedelta(days=1), calendar),
    )
