"""A reminder's message as it stands at delivery: the outbox rows the sweep queues carry only
the reminder's id and where the message goes; the delivering handler calls :func:`message_of`
for the words (built from the reminder's subject as it is now) and the place.

A reminder must still be true when it is delivered: between the sweep and the delivery (a
Slack row waits up to a day for the request's card, a note for its ticket) the request may
have been cancelled, its LOA signed, its FOC moved. So :func:`message_of` first asks whether
the reminder is still wanted — for a request, whether the policy still lists its key for the
request's current state (the sweep's own check); for a port-out window or a port-out, whether
they are still in the state that called for it — and whether its moment is not over
(``expires_at``). When not, the message is :class:`Dropped` (and the reminder row says so in
``data["dropped"]``): the handler posts nothing and does not retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.porting.reminders import (
    Destination,
    Due,
    ReminderKind,
    port_out_reminders,
    window_reminders,
)
from bot.services.base import Context
from bot.services.reminders.digest import digest_summary
from bot.services.reminders.rows import (
    due_of,
    moments_of,
    policy_of,
    port_out_facts,
    wanted_for_request,
    window_facts,
)
from bot.wording.reminders import Notice, Occasion, notice
from storage import repositories as repo
from storage.models import PortOut, PortOutWindow, PortRequest, Reminder

DROPPED = "dropped at delivery"
"""``data["outcome"]`` of a sent reminder none of whose messages were still true."""
GONE = "the reminder or its subject no longer exists"


@dataclass(frozen=True)
class ReminderMessage:
    """One message of a reminder, ready for a channel to render: ``notice`` (the words),
    ``kind``, ``subject`` (the sid, window or port-out id the reminder is about), ``stage``,
    and the subject's row (``request``: a request summary; ``window``; ``port_out``) for the
    handler to find the place (a thread, the representative, a channel)."""

    reminder_id: int
    kind: ReminderKind
    subject: str
    stage: object
    notice: Notice
    request: Any = None
    window: PortOutWindow | None = None
    port_out: PortOut | None = None


@dataclass(frozen=True)
class Dropped:
    """A reminder message that is not to be delivered, and ``why``: the reminder or its
    subject is gone, or what it says is no longer true."""

    reminder_id: int
    why: str


def message_of(ctx: Context, reminder_id: int, to: Destination) -> ReminderMessage | Dropped:
    """The message of reminder ``reminder_id`` for ``to``, worded from the current state, with
    counts of days as of today; :class:`Dropped` when the reminder or its subject no longer
    exists, or the reminder is no longer true (recorded on the reminder row)."""
    now = ctx.now()
    with ctx.db.read() as s:
        row = s.get(Reminder, reminder_id)
        if row is None:
            return Dropped(reminder_id, GONE)
        due = due_of(row)
        found = _subject(ctx, s, row)
        if found is None:
            return Dropped(reminder_id, GONE)
        subject, rows = found
        why = why_untrue(ctx, s, row, due, rows, now)
    if why is not None:
        _record_drop(ctx, reminder_id, to, why)
        return Dropped(reminder_id, why)
    calendar = ctx.calendar
    occasion = Occasion(
        kind=due.kind,
        data=due.data,
        subject=subject,
        calendar=calendar,
        policy=policy_of(ctx),
        today=calendar.local_date(now),
        to=to,
    )
    return ReminderMessage(
        reminder_id=reminder_id,
        kind=due.kind,
        subject=due.subject,
        stage=due.stage,
        notice=notice(occasion),
        **rows,
    )


def _subject(ctx: Context, s: Session, row: Reminder) -> tuple[Any, dict[str, Any]] | None:
    """What the reminder is about: the value its builder words, and the rows to keep."""
    if row.kind == ReminderKind.DAILY_DIGEST.value:
        summary = digest_summary(ctx, s, ctx.calendar.local_date(row.due_at), ctx.now())
        return summary, {}
    if row.request_id is not None:
        stmt = sa.select(*repo.REQUEST_SUMMARY).where(col(PortRequest.id) == row.request_id)
        req = s.execute(stmt).first()
        return None if req is None else (req, {"request": req})
    if row.window_id is not None:
        window = s.get(PortOutWindow, row.window_id)
        return None if window is None else (window, {"window": window})
    if row.port_out_id is not None:
        port_out = s.get(PortOut, row.port_out_id)
        return None if port_out is None else (port_out, {"port_out": port_out})
    return None


def why_untrue(
    ctx: Context, s: Session, row: Reminder, due: Due, rows: dict[str, Any], now: datetime
) -> str | None:
    """Why the reminder is no longer true, or None while it is (``rows``: its subject's row,
    as ``{"request": ...}``, ``{"window": ...}`` or ``{"port_out": ...}``)."""
    if due.expires_at is not None and due.expires_at <= now:
        return "its moment is over"
    policy, calendar = policy_of(ctx), ctx.calendar
    req, window, port_out = rows.get("request"), rows.get("window"), rows.get("port_out")
    if req is not None:
        moments = moments_of(s, [req]).get(req.id)
        wanted = {d.key for d in wanted_for_request(req, moments, policy, calendar)}
        if row.dedupe_key not in wanted:
            return f"the request's current state ({req.status}) no longer calls for it"
    elif window is not None:
        wanted = {d.key for d in window_reminders(window_facts(window), policy, calendar)}
        if row.dedupe_key not in wanted:
            return f"the window's current state ({window.status}) no longer calls for it"
    elif port_out is not None:
        if due.kind is ReminderKind.PORT_OUT_DEADLINE:  # told once the default was applied
            if port_out.rule != "deadline" or port_out.decided_by != "portbot":
                return f"the port-out was decided otherwise ({port_out.status})"
        else:
            facts = port_out_facts(port_out)
            wanted = {d.key for d in port_out_reminders(facts, policy, calendar)}
            if row.dedupe_key not in wanted:
                return f"the port-out's current state ({port_out.status}) no longer calls for it"
    return None


def _record_drop(ctx: Context, reminder_id: int, to: Destination, why: str) -> None:
    """Note on the reminder row that its message for ``to`` was dropped, and why. The row's
    ``outcome`` (if it has none yet) becomes :data:`DROPPED`; its status stays what it is
    (the sweep queued it; rows that left the sweep are never planned again)."""
    with ctx.db.write() as s:
        row = s.get(Reminder, reminder_id, with_for_update=True)
        if row is None:
            return
        data = dict(row.data or {})
        data["dropped"] = {**(data.get("dropped") or {}), to.value: why}
        data.setdefault("outcome", DROPPED)
        row.data = data
        s.add(row)
