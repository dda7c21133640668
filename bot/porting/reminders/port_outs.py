"""Reminders of port-out authorization windows and incoming port-outs (PRODUCT §4).

Pure domain code; import these from :mod:`bot.porting.reminders`.
"""

from __future__ import annotations

from datetime import datetime

from bot.porting.calendar import BusinessCalendar
from bot.porting.reminders.due import Due, contact_slot_before, iso, make_due, stamp
from bot.porting.reminders.facts import PortOutFacts, WindowFacts
from bot.porting.reminders.kinds import ReminderKind
from bot.porting.reminders.policy import ReminderPolicy
from storage.values import PortOutStatus, WindowStatus

K = ReminderKind


def window_reminders(
    window: WindowFacts, policy: ReminderPolicy, calendar: BusinessCalendar
) -> list[Due]:
    """The customer notices of one port-out window (kind ``port-out-window``), sorted by time.

    While the window is ``open``: *opened* when it starts (or when it was created, if later),
    *closing* ``policy.window_closing_notice`` before it ends — sent earlier, at
    ``customer_time`` of the last business day before, when contact hours would push it past
    the end, and left out for windows too short to warn before they open — and *closed* when it
    ends. Once ``closed``, only the *closed* notice (at the early close if there was one).
    A ``cancelled`` window has none. Keys carry the window's start and end, so moving either
    gives new reminders.
    """
    if window.status is WindowStatus.CANCELLED:
        return []
    wid = window.window_id
    base = f"{wid}:{K.PORT_OUT_WINDOW}"
    span = {"starts_at": iso(window.starts_at), "ends_at": iso(window.ends_at)}
    ends = window.ends_at
    if window.status is WindowStatus.CLOSED and window.closed_at is not None:
        ends = min(ends, window.closed_at)
    closed = make_due(
        K.PORT_OUT_WINDOW,
        ends,
        f"{base}:closed:{stamp(ends)}",
        wid,
        calendar,
        {**span, "stage": "closed", "closed_at": iso(ends)},
    )
    if window.status is WindowStatus.CLOSED:
        return [closed]

    found = []
    opens = max(window.starts_at, window.created_at)
    opened = make_due(
        K.PORT_OUT_WINDOW,
        opens,
        f"{base}:opened:{stamp(window.starts_at)}",
        wid,
        calendar,
        {**span, "stage": "opened"},
        expires_at=window.ends_at,
    )
    found.append(opened)
    nominal = window.ends_at - policy.window_closing_notice
    slot = contact_slot_before(nominal, window.ends_at, policy, calendar)
    if nominal > opens and slot is not None and slot > opened.due_at:
        found.append(
            make_due(
                K.PORT_OUT_WINDOW,
                slot,
                f"{base}:closing:{stamp(window.ends_at)}",
                wid,
                calendar,
                {**span, "stage": "closing"},
                expires_at=window.ends_at,
            )
        )
    found.append(closed)
    return sorted(found, key=lambda d: (d.due_at, d.key))


def port_out_deadline(
    arrived_at: datetime, policy: ReminderPolicy, calendar: BusinessCalendar
) -> datetime:
    """The default decision deadline of an unannounced port-out: ``policy.
    port_out_deadline_business_days`` business days after it arrived, same wall time, or
    ``policy.port_out_deadline`` after it when that is set."""
    if policy.port_out_deadline is not None:
        return arrived_at + policy.port_out_deadline
    return calendar.business_days_after(arrived_at, policy.port_out_deadline_business_days)


def port_out_reminders(
    port_out: PortOutFacts, policy: ReminderPolicy, calendar: BusinessCalendar
) -> list[Due]:
    """The reminders of one incoming port-out while it is ``pending``, sorted by time.

    ``port-out-pending`` to the customer when it arrives (*arrived*) and at half the time to its
    deadline (*half-time*; moved before the deadline if contact hours would push it past, left
    out when it would not come after the arrival notice), both void once the deadline passes;
    and the system action ``port-out-deadline`` at the deadline, when the configured default
    decision applies. Any other status has none (the decision was taken).
    """
    if port_out.status is not PortOutStatus.PENDING:
        return []
    pid, arrived = port_out.port_out_id, port_out.created_at
    deadline = port_out.deadline_at or port_out_deadline(arrived, policy, calendar)
    base = f"{pid}:{K.PORT_OUT_PENDING}"
    common = {"arrived_at": iso(arrived), "deadline_at": iso(deadline)}
    found = [
        make_due(
            K.PORT_OUT_PENDING,
            arrived,
            f"{base}:arrived:{stamp(arrived)}",
            pid,
            calendar,
            {**common, "stage": "arrived"},
            expires_at=deadline,
        ),
        make_due(
            K.PORT_OUT_DEADLINE,
            deadline,
            f"{pid}:{K.PORT_OUT_DEADLINE}:{stamp(deadline)}",
            pid,
            calendar,
            common,
        ),
    ]
    if deadline > arrived:
        half = arrived + (deadline - arrived) / 2
        slot = contact_slot_before(half, deadline, policy, calendar)
        if slot is not None and slot > found[0].due_at:
            found.append(
                make_due(
                    K.PORT_OUT_PENDING,
                    slot,
                    f"{base}:half-time:{stamp(deadline)}",
                    pid,
                    calendar,
                    {**common, "stage": "half-time"},
                    expires_at=deadline,
                )
            )
    return sorted(found, key=lambda d: (d.due_at, d.key))
