"""A reminder's message as it stands at delivery: the outbox rows the sweep queues carry only
the reminder's id and where the message goes; the delivering handler calls :func:`message_of`
for the words (built from the reminder's subject as it is now) and the place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.porting.reminders import Destination, ReminderKind
from bot.services.base import Context
from bot.services.reminders.digest import digest_summary
from bot.services.reminders.rows import due_of, policy_of
from bot.wording.reminders import Notice, Occasion, notice
from storage import repositories as repo
from storage.models import PortOut, PortOutWindow, PortRequest, Reminder


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


def message_of(ctx: Context, reminder_id: int, to: Destination) -> ReminderMessage | None:
    """The message of reminder ``reminder_id`` for ``to``, worded from the current state, with
    counts of days as of today; None when the reminder or its subject no longer exists."""
    with ctx.db.read() as s:
        row = s.get(Reminder, reminder_id)
        if row is None:
            return None
        due = due_of(row)
        found = _subject(ctx, s, row)
    if found is None:
        return None
    subject, rows = found
    calendar = ctx.calendar
    occasion = Occasion(
        kind=due.kind,
        data=due.data,
        subject=subject,
        calendar=calendar,
        policy=policy_of(ctx),
        today=calendar.local_date(ctx.now()),
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
