"""Thread reminders of one request that fall due within the hour go out as one message.

The sweep queues one outbox row per reminder and destination, as before; the Slack handler,
delivering a reminder's thread row, asks :func:`thread_members` which reminders its message
tells. The first one delivered leads: in one transaction it locks the request's other thread
reminders that would go out within :data:`~bot.porting.reminders.TOGETHER` and have not been
told yet — those the sweep already queued (their thread row is still pending: they go out now)
and those still scheduled to fall due within the hour — keeps the ones that are still true,
and marks all of them, itself included, with ``data["thread"] = {"in": <leader id>, "with":
[<ids to word>]}`` (of two stages of one countdown only the newer is worded, as after
downtime). Then it words each one as it stands
(:func:`~bot.services.reminders.message_of`, which checks again that each is still true) and
posts one message. When a marked reminder's own thread row comes up later, the mark says it was
told in the leader's message (:class:`Covered`), and nothing is posted. Their ticket notes are
unaffected: each reminder keeps its own.

Why nothing is lost or doubled:

* The mark is written before the post. A crash after the mark and before the post leaves the
  leader's outbox row pending; its retry reads the same members from the mark and posts them.
  A crash after the post and before the outbox row is marked delivered posts again on retry,
  as every Slack delivery does today (at least once, never none).
* The outbox hands out one request's rows of a topic in order, one at a time, so two workers
  never deliver two thread reminders of one request at once; the row locks (``SKIP LOCKED``
  for the others) keep a sweep and a use case that touch the same rows apart. A reminder the
  sweep holds at that moment is left out of the bundle and goes out on its own.
* A reminder that is marked is never a member again, and a reminder once told alone (no mark)
  is never pulled in later: only rows whose thread row is still pending, or still scheduled,
  join.
* A scheduled member keeps its mark (``rows.apply_plan`` keeps it through every change), so
  when the sweep sends it, its thread row is covered; its ticket note goes out as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.porting.reminders import THREAD_KINDS, TOGETHER, Destination, ReminderKind
from bot.services.base import Context
from bot.services.effects import Topic
from bot.services.reminders.messages import why_untrue
from bot.services.reminders.rows import TOLD, due_of
from storage import repositories as repo
from storage.models import OutboxMessage, PortRequest, Reminder
from storage.values import OutboxStatus, ReminderStatus

__all__ = ["Covered", "thread_members"]

_KINDS = sorted(k.value for k in THREAD_KINDS)


@dataclass(frozen=True)
class Covered:
    """Reminder ``reminder_id`` was told in the thread message of reminder ``by``."""

    reminder_id: int
    by: int


def thread_members(ctx: Context, reminder_id: int) -> list[int] | Covered:
    """The reminders that reminder ``reminder_id``'s thread message tells, itself first and
    then the others by due time; :class:`Covered` when another reminder's message told it."""
    with ctx.db.read() as s:
        row = s.get(Reminder, reminder_id)
        if row is None:
            return [reminder_id]
        told = _told(row)
        if told is not None:
            return told
        if not _bundles(row) or not _candidates(s, row, ctx.now(), lock=False):
            return [reminder_id]  # alone: no write
    with ctx.db.write() as s:
        row = s.get(Reminder, reminder_id, with_for_update=True)
        if row is None:
            return [reminder_id]
        told = _told(row)
        if told is not None:
            return told
        now = ctx.now()
        others = _candidates(s, row, now, lock=True)
        req = s.execute(
            sa.select(*repo.REQUEST_SUMMARY).where(col(PortRequest.id) == row.request_id)
        ).first()
        subject: dict[str, Any] = {"request": req}
        if req is None or why_untrue(ctx, s, row, due_of(row), subject, now) is not None:
            return [reminder_id]  # it is dropped at delivery; the others go out on their own
        kept = [r for r in others if why_untrue(ctx, s, r, due_of(r), subject, now) is None]
        if not kept:
            return [reminder_id]
        told = _newest([row, *kept])
        for r in (row, *kept):
            r.data = {**(r.data or {}), TOLD: {"in": reminder_id, "with": told}}
            s.add(r)
        return told


def _newest(rows: list[Reminder]) -> list[int]:
    """The ids to word, by due time: of two stages of one countdown (same kind and topic) only
    the newer, as after downtime (``catch_up``); the older is told by it."""
    newest: dict[tuple[str, str], Reminder] = {}
    for r in rows:
        group = (r.kind, str((r.data or {}).get("topic") or ""))
        if group not in newest or (r.due_at, r.pk) > (newest[group].due_at, newest[group].pk):
            newest[group] = r
    return [r.pk for r in sorted(newest.values(), key=lambda r: (r.due_at, r.pk))]


def _told(row: Reminder) -> list[int] | Covered | None:
    """What the row's mark says: told by another (:class:`Covered`), the members it leads,
    or None when it has no mark."""
    mark = (row.data or {}).get(TOLD)
    if not isinstance(mark, dict) or mark.get("in") is None:
        return None
    leader = int(mark["in"])
    if leader != row.id:
        return Covered(row.pk, leader)
    return [int(i) for i in mark.get("with") or (row.pk,)]


def _bundles(row: Reminder) -> bool:
    return row.request_id is not None and ReminderKind(row.kind) in THREAD_KINDS


def _thread_key(reminder_id: int) -> str:
    """The dedupe key the sweep gives a reminder's thread row."""
    return f"{Topic.SLACK_REMINDER.value}:{reminder_id}:{Destination.THREAD.value}"


def _candidates(s: Session, row: Reminder, now: datetime, *, lock: bool) -> list[Reminder]:
    """The request's other thread reminders that would go out within the hour and are not told
    yet: those the sweep queued whose thread row is still pending (they go out now anyway), and
    scheduled ones falling due in the coming hour (an overdue one is the sweep's to send or set
    aside). ``lock``: take them ``FOR UPDATE SKIP LOCKED`` (one a sweep holds is left out)."""
    stmt = (
        select(Reminder)
        .where(
            Reminder.request_id == row.request_id,
            col(Reminder.id) != row.id,
            col(Reminder.kind).in_(_KINDS),
            sa.or_(
                sa.and_(
                    col(Reminder.status) == ReminderStatus.SCHEDULED,
                    col(Reminder.due_at) > now,
                    col(Reminder.due_at) < now + TOGETHER,
                ),
                col(Reminder.status) == ReminderStatus.SENT,
            ),
        )
        .order_by(col(Reminder.due_at), col(Reminder.id))
    )
    if lock:
        stmt = stmt.with_for_update(skip_locked=True)
    rows = [r for r in s.exec(stmt).all() if TOLD not in (r.data or {})]
    sent = {_thread_key(r.pk): r for r in rows if r.status is ReminderStatus.SENT}
    if not sent:
        return rows
    pending = set(
        s.exec(
            select(OutboxMessage.dedupe_key).where(
                col(OutboxMessage.dedupe_key).in_(list(sent)),
                col(OutboxMessage.status) == OutboxStatus.PENDING,
            )
        ).all()
    )
    return [r for r in rows if r.status is ReminderStatus.SCHEDULED or _thread_key(r.pk) in pending]
