"""Reminder rows follow their request (PRODUCT §3, §4): the database, not a scheduler, holds them.

Every change to a request goes through :func:`bot.services.base.record`, which calls the
context's reconciler (:func:`reconcile`, injected by ``bot.context``) in the same transaction:
the request's facts go through the pure policy (:func:`bot.porting.reminders.reminders_for`)
and its rows are brought in line —

* a wanted reminder without a row gets one (the policy's ``key`` is the row's unique
  ``dedupe_key``, so a reminder exists once however often it is reconciled);
* a scheduled row that is still wanted gets the policy's current ``due_at`` and ``data``;
* a scheduled row that is no longer wanted is cancelled (``data["outcome"] = "obsolete"``),
  and comes back if its reason does (a declined cancellation restores the FOC countdown);
  a row made and dropped within one transaction is simply deleted;
* sent rows, and rows the sweep set aside (skipped after downtime), are never touched again.

Port-out windows and incoming port-outs are reconciled the same way by
:func:`reconcile_window` and :func:`reconcile_port_out` (their use cases call them). Rows keep
what the sweep needs besides the columns in ``data``:
``{"subject", "audience", "topic", "expires_at", "data"}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.porting.calendar import BusinessCalendar
from bot.porting.lifecycle import Move
from bot.porting.quotes import Quote
from bot.porting.reminders import (
    Audience,
    Due,
    PortOutFacts,
    ReminderKind,
    ReminderPolicy,
    RequestFacts,
    WindowFacts,
    port_out_reminders,
    reminders_for,
    window_reminders,
)
from bot.porting.stale import foc_due_business_days
from bot.services.base import Context
from storage import repositories as repo
from storage.models import PortOut, PortOutWindow, PortRequest, Reminder
from storage.values import LineType, ReminderStatus, RequestStatus

FOC_ACTION = Move.SET_FOC.value
OBSOLETE, SUPERSEDED, EXPIRED, FAILED = "obsolete", "superseded", "expired", "failed"
TOLD = "thread"
"""``data`` key of a reminder told in a thread message with others (``bundles``): kept through
every reconciliation, so the reminder is not told twice."""
_FRESH = "portbot.reminders.fresh"  # session.info: keys inserted by this transaction


def policy_of(ctx: Context) -> ReminderPolicy:
    """The context's reminder policy (the defaults when reminders are switched off)."""
    return ctx.reminders or ReminderPolicy()


# --- facts ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moments:
    """What the policy needs that is not on the request row: when its status began and its FOC
    was set (the timeline), and for a completed request its ported numbers' last port date
    and window (the request-level FOC summary is cleared once everything has ported)."""

    status_since: datetime | None = None
    foc_set_at: datetime | None = None
    ported: tuple[date | None, datetime | None, datetime | None] | None = None
    kinds: frozenset[str] = frozenset()  # line types of the numbers still in play


def moments_of(session: Session, requests: Iterable[Any]) -> dict[int, Moments]:
    """:class:`Moments` of many requests in one or two queries."""
    reqs = list(requests)
    found = repo.status_moments(session, request_ids=[r.id for r in reqs], foc_action=FOC_ACTION)
    done = [r.id for r in reqs if RequestStatus(r.status) is RequestStatus.COMPLETED]
    ported = repo.ported_windows(session, request_ids=done) if done else {}
    submitted = [r.id for r in reqs if RequestStatus(r.status) is RequestStatus.SUBMITTED]
    kinds = repo.line_types(session, request_ids=submitted) if submitted else {}
    return {
        r.id: Moments(
            *found.get(r.id, (None, None)), ported.get(r.id), kinds.get(r.id, frozenset())
        )
        for r in reqs
    }


def request_facts(req: Any, moments: Moments | None) -> RequestFacts:
    """The policy's view of a request (a :class:`PortRequest` or a ``REQUEST_SUMMARY`` row).

    Without a status change on the timeline the status began when the request was created.
    Until the LOA sender records ``loa_sent_at``, the LOA counts as sent when the request
    started waiting for it.
    """
    status = RequestStatus(req.status)
    moments = moments or Moments()
    since, foc_set = moments.status_since or req.created_at, moments.foc_set_at
    foc, start, end = req.foc_date, req.foc_window_start, req.foc_window_end
    if status is RequestStatus.COMPLETED and foc is None and moments.ported:
        foc, start, end = moments.ported
    sent = req.loa_sent_at
    if sent is None and status is RequestStatus.AWAITING_SIGNATURE:
        sent = since
    quote = Quote.from_json(getattr(req, "quote", None))
    return RequestFacts(
        sid=req.sid,
        status=status,
        created_at=req.created_at,
        status_since=since,
        loa_sent_at=sent,
        signed_at=req.signed_at,
        submitted_at=req.submitted_at,
        foc_date=foc,
        foc_window_start=start,
        foc_window_end=end,
        foc_set_at=foc_set,
        has_bill=bool(req.bill_filename),
        bill_issued_on=req.bill_issued_on,
        completed_at=req.completed_at,
        updated_at=req.updated_at,
        quote_sent_at=quote.sent_at if quote else None,
        quote_answer_by=quote.answer_by if quote else None,
        quote_country=quote.country if quote else None,
        quote_accepted_at=quote.answered_at if quote and quote.accepted else None,
        foc_due_business_days=_foc_due(req, status, moments),
    )


def _foc_due(req: Any, status: RequestStatus, moments: Moments) -> int | None:
    """When a submitted request's firm date is usually in, by its country and kinds of number
    (the stale alert's figure); None otherwise, or for a country outside the table."""
    if status is not RequestStatus.SUBMITTED:
        return None
    kinds = [LineType(k) for k in moments.kinds]
    return foc_due_business_days(kinds, getattr(req, "numbers_country", None) or "US")


def window_facts(window: PortOutWindow) -> WindowFacts:
    return WindowFacts(
        window_id=window.public_id,
        status=window.status,
        starts_at=window.starts_at,
        ends_at=window.ends_at,
        created_at=window.created_at,
    )


def port_out_facts(port_out: PortOut) -> PortOutFacts:
    return PortOutFacts(
        port_out_id=port_out.public_id,
        status=port_out.status,
        created_at=port_out.created_at,
        deadline_at=port_out.deadline_at,
    )


# --- rows -----------------------------------------------------------------------------------------


def row_data(due: Due) -> dict[str, Any]:
    """What a row keeps of a :class:`Due` besides its columns."""
    return {
        "subject": due.subject,
        "audience": due.audience.value,
        "topic": due.topic,
        "expires_at": due.expires_at.isoformat() if due.expires_at else None,
        "data": dict(due.data),
    }


def due_of(row: Reminder) -> Due:
    """The :class:`Due` a row stands for (for :func:`bot.porting.reminders.catch_up`)."""
    data = row.data or {}
    expires = data.get("expires_at")
    kind = ReminderKind(row.kind)
    return Due(
        kind=kind,
        audience=Audience(data.get("audience") or kind.audience),
        due_at=row.due_at,
        key=row.dedupe_key,
        subject=str(data.get("subject") or ""),
        data=dict(data.get("data") or {}),
        expires_at=datetime.fromisoformat(expires) if expires else None,
        topic=str(data.get("topic") or ""),
    )


def new_row(due: Due, **owner: int | None) -> Reminder:
    """A scheduled row for ``due``; ``owner``: ``request_id``, ``window_id`` or ``port_out_id``."""
    return Reminder(
        kind=due.kind.value,
        dedupe_key=due.key,
        due_at=due.due_at,
        data=row_data(due),
        request_id=owner.get("request_id"),
        window_id=owner.get("window_id"),
        port_out_id=owner.get("port_out_id"),
    )


@dataclass
class Changes:
    """What one reconciliation did (keys)."""

    created: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.created or self.moved or self.cancelled)


def _revivable(row: Reminder) -> bool:
    return row.status is ReminderStatus.CANCELLED and (row.data or {}).get("outcome") == OBSOLETE


def apply_plan(
    session: Session, wanted: Sequence[Due], existing: Iterable[Reminder], **owner: int | None
) -> Changes:
    """Bring one subject's rows (``existing``, locked) in line with ``wanted``."""
    changes = Changes()
    fresh: set[str] = session.info.setdefault(_FRESH, set())
    by_key = {row.dedupe_key: row for row in existing}
    for due in wanted:
        row = by_key.pop(due.key, None)
        if row is None:
            session.add(new_row(due, **owner))
            fresh.add(due.key)
            changes.created.append(due.key)
            continue
        if row.status is not ReminderStatus.SCHEDULED and not _revivable(row):
            continue  # sent, or set aside by the sweep: final
        data = row_data(due)
        told = (row.data or {}).get(TOLD)
        if told is not None:
            data[TOLD] = told  # told in a thread message already: it stays told
        if row.status is ReminderStatus.SCHEDULED and (row.due_at, row.data) == (due.due_at, data):
            continue
        row.status, row.due_at, row.data = ReminderStatus.SCHEDULED, due.due_at, data
        row.claimed_by = row.claimed_until = None
        session.add(row)
        changes.moved.append(due.key)
    for row in by_key.values():
        if row.status is not ReminderStatus.SCHEDULED:
            continue
        changes.cancelled.append(row.dedupe_key)
        if row.dedupe_key in fresh:
            if row in session.new:
                session.expunge(row)
            else:
                session.delete(row)
            continue
        row.status = ReminderStatus.CANCELLED
        row.data = {**(row.data or {}), "outcome": OBSOLETE}
        row.claimed_by = row.claimed_until = None
        session.add(row)
    return changes


# --- reconcile ------------------------------------------------------------------------------------


def wanted_for_request(
    req: Any, moments: Moments | None, policy: ReminderPolicy, calendar: BusinessCalendar
) -> list[Due]:
    return reminders_for(request_facts(req, moments), policy, calendar)


def reconcile(ctx: Context, session: Session, req: PortRequest) -> Changes:
    """Create, move and cancel the request's reminder rows to match its state (in the caller's
    transaction; the request is locked by the use case, its rows here)."""
    if ctx.reminders is None:
        return Changes()
    assert req.id is not None
    session.flush()
    moments = moments_of(session, [req])
    wanted = wanted_for_request(req, moments.get(req.id), ctx.reminders, ctx.calendar)
    existing = repo.reminders_of(session, request_id=req.id, lock=True)
    return apply_plan(session, wanted, existing, request_id=req.id)


def reconcile_window(ctx: Context, session: Session, window: PortOutWindow) -> Changes:
    """The same for a port-out authorization window (call it where windows change)."""
    assert window.id is not None
    wanted = window_reminders(window_facts(window), policy_of(ctx), ctx.calendar)
    existing = repo.reminders_of(session, window_id=window.id, lock=True)
    return apply_plan(session, wanted, existing, window_id=window.id)


def reconcile_port_out(ctx: Context, session: Session, port_out: PortOut) -> Changes:
    """The same for an incoming port-out (call it where port-outs change)."""
    assert port_out.id is not None
    wanted = port_out_reminders(port_out_facts(port_out), policy_of(ctx), ctx.calendar)
    existing = repo.reminders_of(session, port_out_id=port_out.id, lock=True)
    return apply_plan(session, wanted, existing, port_out_id=port_out.id)


def row_values(due: Due, **owner: int | None) -> dict[str, Any]:
    """Column values of a new scheduled row (bulk inserts: the digest, benchmarks)."""
    return {
        "kind": due.kind.value,
        "dedupe_key": due.key,
        "due_at": due.due_at,
        "status": ReminderStatus.SCHEDULED,
        "attempts": 0,
        "data": row_data(due),
        "request_id": owner.get("request_id"),
        "window_id": owner.get("window_id"),
        "port_out_id": owner.get("port_out_id"),
    }
