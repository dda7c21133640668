"""Use cases with the carrier: submission (documents and CSR checked), FOC dates, ports."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlmodel import Session, col, select

from bot.porting import intake, lifecycle
from bot.porting.csr import compare_with_csr
from bot.porting.errors import InvalidInput
from bot.porting.lifecycle import Move, NumberMove
from bot.porting.numbers import format_display
from bot.porting.rules import DOCUMENT_MAX_AGE_DAYS
from bot.services import quotes
from bot.services.base import (
    Actor,
    Context,
    Snapshot,
    load,
    move,
    run,
    select_numbers,
    snapshot,
)
from bot.services.phase import guard, refresh_summary, sync_phase
from bot.services.port_outs.inventory import hold_ported
from bot.wording.formats import plural
from storage import repositories as repo
from storage.models import PortRequest, TimelineEvent
from storage.values import NumberStatus, RequestStatus

LOA_MAX_AGE_DAYS = DOCUMENT_MAX_AGE_DAYS


def _document_problems(ctx: Context, req: PortRequest) -> list[str]:
    today = ctx.today()
    problems = []
    bill = intake.document_age_problem(req.bill_issued_on, on=today)
    if bill:
        problems.append(bill + " Ask the customer for their latest bill.")
    if req.signed_at is None:
        problems.append("The LOA has not been signed.")
    else:
        age = (today - ctx.calendar.local_date(req.signed_at)).days
        if age > LOA_MAX_AGE_DAYS:
            problems.append(
                f"The LOA was signed {age} days ago; carriers accept {LOA_MAX_AGE_DAYS} at most. "
                "Send a fresh one for signature."
            )
    return problems


def _csr_warnings(req: PortRequest) -> list[str]:
    csr = {
        "company_name" if req.company_name else "rep_name": req.csr_name or "",
        "address": req.csr_address or "",
        "postal_code": req.csr_postal_code or "",
        "account_number": req.csr_account_number.reveal() if req.csr_account_number else "",
    }
    entered = {
        "company_name": req.company_name or "",
        "rep_name": req.rep_name,
        "address": " ".join(p for p in (req.street, req.street2, req.city, req.region) if p),
        "postal_code": req.postal_code,
        "account_number": req.account_number.reveal() if req.account_number else "",
    }
    return [
        f"{d.field.replace('_', ' ')}: “{d.entered}” vs CSR “{d.on_record}”. {d.note}"
        for d in compare_with_csr(entered, csr)
    ]


def submit_to_carrier(ctx: Context, sid: str, *, actor: Actor, key: str | None = None) -> Snapshot:
    """Send the request to the losing carrier; refuses stale documents, warns on CSR differences."""

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        guard(req, Move.SUBMIT, actor)
        quotes.check_quote_before_submit(ctx, session, req)
        problems = _document_problems(ctx, req)
        if problems:
            raise InvalidInput("Not ready for the carrier: " + " ".join(problems))
        numbers = repo.numbers_of(session, request_id=req.pk)
        sent = []
        for n in numbers:
            if lifecycle.number_can(n.status, NumberMove.SUBMIT):
                n.status = lifecycle.apply_number(n.e164, n.status, NumberMove.SUBMIT)
                sent.append(n.e164)
        if not sent:
            raise InvalidInput("No number on this request is waiting to be submitted.")
        req.submitted_at = ctx.now()
        warnings = _csr_warnings(req)
        move(
            ctx,
            session,
            req,
            Move.SUBMIT,
            actor,
            detail=f"Submitted {plural(len(sent), 'number', grouped=False)} to "
            f"{req.losing_carrier}.",
            numbers=sent,
            data={"csr_warnings": warnings} if warnings else None,
        )
        return snapshot(session, req, warnings=warnings)

    return run(ctx, "submit_to_carrier", body, key=key)


# --- FOC --------------------------------------------------------------------------------


def set_foc(
    ctx: Context,
    sid: str,
    foc_date: date,
    *,
    actor: Actor,
    numbers: Iterable[str] | None = None,
    window_start: datetime | None = None,
    window_end: datetime | None = None,
    key: str | None = None,
    as_of: datetime | None = None,
) -> Snapshot:
    """Record the firm port date for all numbers (or some), with an optional port window.

    ``as_of`` is when the change was made where it came from (a Zendesk field change: the
    webhook's signed time). A change older than the request's last port-date change is refused,
    so a late or replayed delivery never reverts a newer date."""
    _check_window(ctx, foc_date, window_start, window_end)

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        guard(req, Move.SET_FOC, actor)
        if as_of is not None:
            _refuse_older(session, req, as_of)
        all_numbers = repo.numbers_of(session, request_id=req.pk)
        chosen = select_numbers(ctx, all_numbers, numbers, able=NumberMove.SET_FOC)
        if not chosen:
            raise InvalidInput("No number on this request is waiting for a port date.")
        changes = [
            n
            for n in chosen
            if (n.status, n.foc_date, n.foc_window_start, n.foc_window_end)
            != (NumberStatus.FOC_CONFIRMED, foc_date, window_start, window_end)
        ]
        if not changes:
            return snapshot(session, req, replayed=True)
        moved_from = sorted({n.foc_date for n in changes if n.foc_date})
        for n in changes:
            n.status = lifecycle.apply_number(n.e164, n.status, NumberMove.SET_FOC)
            n.foc_date, n.foc_window_start, n.foc_window_end = foc_date, window_start, window_end
        refresh_summary(req, all_numbers)
        count = plural(len(changes), "number", grouped=False)
        detail = f"Port date {foc_date:%a %b %-d, %Y} for {count}"
        if moved_from:
            detail += f" (moved from {', '.join(f'{d:%b %-d}' for d in moved_from)})"
        data = {"foc_date": foc_date.isoformat(), "moved": bool(moved_from)}
        if as_of is not None:
            data["made_at"] = as_of.isoformat()
        if window_start and window_end:
            data |= {"window_start": window_start.isoformat(), "window_end": window_end.isoformat()}
        sync_phase(
            ctx,
            session,
            req,
            all_numbers,
            actor,
            Move.SET_FOC,
            detail=detail + ".",
            changed=[n.e164 for n in changes],
            data=data,
        )
        return snapshot(session, req)

    return run(ctx, "set_foc", body, key=key)


def _last_foc_change(session: Session, req: PortRequest) -> datetime | None:
    """When the request's port date last changed: where it was made (``made_at``), else when
    portbot recorded it."""
    last = session.exec(
        select(TimelineEvent)
        .where(TimelineEvent.request_id == req.pk, TimelineEvent.action == Move.SET_FOC.value)
        .order_by(col(TimelineEvent.id).desc())
        .limit(1)
    ).first()
    if last is None:
        return None
    made = (last.data or {}).get("made_at")
    try:
        return datetime.fromisoformat(made) if isinstance(made, str) else last.at
    except ValueError:
        return last.at


def _refuse_older(session: Session, req: PortRequest, as_of: datetime) -> None:
    last = _last_foc_change(session, req)
    if last is not None and as_of < last:
        as_of, last = as_of.astimezone(UTC), last.astimezone(UTC)
        shown = req.foc_date.strftime("%b %-d, %Y") if req.foc_date else "the current port date"
        raise InvalidInput(
            f"this change was made at {as_of:%b %-d, %H:%M:%S} UTC, before the port date was "
            f"last changed ({last:%b %-d, %H:%M:%S} UTC); {shown} stays."
        )


# The fields of set_foc its InvalidInput errors are keyed by (the FOC form shows each by its box).
FOC_DATE, FOC_WINDOW = "foc_date", "foc_window"


def _refuse(fld: str, message: str) -> InvalidInput:
    return InvalidInput(message, {fld: message})


def _check_window(
    ctx: Context, foc_date: date, start: datetime | None, end: datetime | None
) -> None:
    if foc_date < ctx.today():
        raise _refuse(
            FOC_DATE, f"{foc_date:%b %-d, %Y} is in the past; enter the date the carrier gave."
        )
    if (start is None) != (end is None):
        raise _refuse(FOC_WINDOW, "Give both the start and the end of the port window, or neither.")
    if start is None or end is None:
        return
    if start.tzinfo is None or end.tzinfo is None:
        raise _refuse(FOC_WINDOW, "Port window times need a time zone.")
    if end <= start:
        raise _refuse(FOC_WINDOW, "The port window must end after it starts.")
    # The window may be given in the carrier's zone or ours; either way it is on the port date.
    if foc_date not in (start.date(), ctx.calendar.local_date(start)):
        raise _refuse(FOC_WINDOW, "The port window must start on the port date.")


# --- porting ----------------------------------------------------------------------------


def mark_ported(
    ctx: Context,
    sid: str,
    *,
    actor: Actor,
    numbers: Iterable[str] | None = None,
    key: str | None = None,
) -> Snapshot:
    """Mark numbers (default: every number with a port date) as ported; the request completes
    when nothing is left waiting, as a partial port when some numbers were rejected."""

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        if req.status not in (RequestStatus.SUBMITTED, RequestStatus.FOC_CONFIRMED):
            raise lifecycle.IllegalMove(
                req.status, Move.COMPLETE, lifecycle.allowed_moves(req.status, actor.role)
            )
        if actor.role.value == "customer":
            raise lifecycle.NotPermitted(actor.role, Move.COMPLETE)
        all_numbers = repo.numbers_of(session, request_id=req.pk)
        if numbers is None:
            chosen = [n for n in all_numbers if n.status is NumberStatus.FOC_CONFIRMED]
        else:
            chosen = [
                n
                for n in select_numbers(ctx, all_numbers, numbers)
                if n.status is not NumberStatus.PORTED
            ]
        if not chosen:
            if numbers is not None:
                return snapshot(session, req, replayed=True)
            raise InvalidInput("No number has a port date yet; set the FOC first.")
        now = ctx.now()
        for n in chosen:
            if n.status is NumberStatus.SUBMITTED:
                raise InvalidInput(
                    f"{format_display(n.e164)} has no port date yet; set its FOC first."
                )
            n.status = lifecycle.apply_number(n.e164, n.status, NumberMove.PORT)
            n.ported_at = now
        refresh_summary(req, all_numbers)
        hold_ported(session, req, chosen, now=now)  # the numbers are the account's now
        statuses = [n.status for n in all_numbers]
        partial = lifecycle.is_partial_port(statuses)
        data = {"partial": partial} if partial else None
        sync_phase(
            ctx,
            session,
            req,
            all_numbers,
            actor,
            Move.COMPLETE,
            detail=f"Ported {plural(len(chosen), 'number', grouped=False)}.",
            changed=[n.e164 for n in chosen],
            data=data,
        )
        if req.status is RequestStatus.COMPLETED:
            quotes.record_charge(ctx, session, req, all_numbers)
        return snapshot(session, req)

    return run(ctx, "mark_ported", body, key=key)
