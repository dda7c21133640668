"""One reminder that should exist (:class:`Due`), how one is made, and what to send of many
overdue ones after downtime (:func:`catch_up`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeAlias

from bot.porting.calendar import BusinessCalendar
from bot.porting.reminders.kinds import Audience, ReminderKind
from bot.porting.reminders.policy import ReminderPolicy

JSONValue: TypeAlias = str | int | float | bool | list["JSONValue"] | dict[str, "JSONValue"] | None


@dataclass(frozen=True)
class Due:
    """One reminder occurrence that should exist.

    ``key`` is a stable dedupe key (``<subject>:<kind>:<facts it depends on>:<stage>``): the
    same facts always give the same key, and a change of a fact the moment depends on (FOC
    moved, LOA re-sent) gives a new one. ``due_at`` is aware UTC, already moved into contact
    hours for customer kinds. ``expires_at`` (optional) is when sending it stops making sense
    (see :func:`catch_up`); ``topic`` separates independent series of one kind for catch-up
    (``document-aging``: ``bill`` / ``loa``). ``data`` holds plain JSON values for the
    wording (dates and instants as ISO strings).
    """

    kind: ReminderKind
    audience: Audience
    due_at: datetime
    key: str
    subject: str
    data: dict[str, JSONValue] = field(default_factory=dict, hash=False)
    expires_at: datetime | None = None
    topic: str = ""

    @property
    def stage(self) -> JSONValue:
        """Which moment of its series this is (``"weekly"``, ``3`` business days, ...), or None."""
        return self.data.get("stage") or self.data.get("business_days")


def catch_up(due: Sequence[Due], now: datetime) -> list[Due]:
    """Of the unsent reminders ``due``, the overdue ones to send at ``now`` (sorted by time).

    The "after downtime" rule (PRODUCT §3: overdue reminders are sent once, newest state only):

    1. Only overdue reminders (``due_at <= now``) are considered; later ones are not returned
       and simply wait for their time.
    2. System actions (audience ``system``: expire a request, apply the port-out default) are
       all kept: they are state changes, not messages.
    3. A reminder whose ``expires_at`` has passed is dropped: its moment is over (a countdown
       once the FOC window has started, the cut-off notice after the last day to cancel, "the
       window closes in 24 h" once it has closed, yesterday's digest).
    4. Of the rest, at most one per subject, kind and topic is kept: the newest (latest
       ``due_at``, then key). Stages of one kind are successive states of one countdown, so
       "FOC in 3 business days" is dropped when "FOC in 1 business day" or the window start is
       also overdue, and only the latest weekly "keep numbers active" goes out.

    Overdue reminders that are not returned should be marked as skipped (never sent later).
    Safe to apply on every sweep: while the sweep keeps up, each overdue reminder is alone in
    its group and unexpired, so everything due is returned.
    """
    newest: dict[tuple[str, str, str], Due] = {}
    kept: list[Due] = []
    for item in due:
        if item.due_at > now:
            continue
        if item.audience is Audience.SYSTEM:
            kept.append(item)
            continue
        if item.expires_at is not None and item.expires_at <= now:
            continue
        group = (item.subject, item.kind.value, item.topic)
        current = newest.get(group)
        if current is None or (item.due_at, item.key) > (current.due_at, current.key):
            newest[group] = item
    kept.extend(newest.values())
    return sorted(kept, key=lambda d: (d.due_at, d.key))


# --- helpers shared by the policy modules ---------------------------------------------------


def stamp(instant: datetime) -> str:
    """A compact UTC form of an instant for dedupe keys: ``20261102150000``."""
    return f"{instant.astimezone(UTC):%Y%m%d%H%M%S}"


def iso(value: datetime | date) -> str:
    """ISO text for ``data``: instants in UTC, dates as ``YYYY-MM-DD``."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value.isoformat()


def start_of_day(d: date, calendar: BusinessCalendar) -> datetime:
    """The UTC instant of local midnight at the start of ``d``."""
    return calendar.at_local(d, time(0, 0))


def make_due(
    kind: ReminderKind,
    at: datetime,
    key: str,
    subject: str,
    calendar: BusinessCalendar,
    data: Mapping[str, JSONValue] | None = None,
    *,
    expires_at: datetime | None = None,
    topic: str = "",
) -> Due:
    """A :class:`Due`; customer kinds are moved into contact hours on business days."""
    audience = kind.audience
    due_at = calendar.next_contact_time(at) if audience is Audience.CUSTOMER else at
    return Due(
        kind=kind,
        audience=audience,
        due_at=due_at.astimezone(UTC),
        key=key,
        subject=subject,
        data=dict(data or {}),
        expires_at=None if expires_at is None else expires_at.astimezone(UTC),
        topic=topic,
    )


_LOOKBACK_DAYS = 31


def contact_slot_before(
    nominal: datetime, deadline: datetime, policy: ReminderPolicy, calendar: BusinessCalendar
) -> datetime | None:
    """A contact-hours moment for a customer notice meant for ``nominal`` that must precede
    ``deadline``.

    The usual move forward into contact hours when that is still before the deadline; otherwise
    ``customer_time`` on the latest business day at or before ``nominal`` (so "closes in 24 h"
    for a window ending Monday 08:00 goes out on Friday rather than after the close). None when
    there is no such moment.
    """
    forward = calendar.next_contact_time(nominal)
    if forward < deadline:
        return forward
    d = calendar.local_date(nominal)
    for _ in range(_LOOKBACK_DAYS):
        if calendar.is_business_day(d):
            slot = calendar.next_contact_time(calendar.at_local(d, policy.customer_time))
            if slot <= nominal:
                return slot
        d -= timedelta(days=1)
    return None
