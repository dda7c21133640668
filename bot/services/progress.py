"""Use cases that move a request through signature, carrier submission, FOC and porting."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.porting import intake, lifecycle, rejections
from bot.porting.csr import compare_with_csr
from bot.porting.errors import InvalidInput
from bot.porting.fields import LOA_FIELDS
from bot.porting.lifecycle import MOVE_INTO_PHASE, Move, NumberMove
from bot.porting.numbers import format_display
from bot.services.base import (
    SYSTEM,
    Actor,
    Context,
    Snapshot,
    load,
    move,
    record,
    refresh_claims,
    run,
    select_numbers,
    snapshot,
)
from bot.services.requests import apply_changes
from storage import repositories as repo
from storage.models import PortNumber, PortRequest
from storage.values import NumberStatus, RequestStatus

LOA_MAX_AGE_DAYS = 30
MAX_NOTE = 3000


def _guard(req: PortRequest, action: Move, actor: Actor) -> None:
    """Raise unless ``action`` may start from the request's status for this actor."""
    lifecycle.apply(req.status, action, actor.role, before_cancel=req.status_before_cancel)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _sync_phase(
    ctx: Context,
    session: Session,
    req: PortRequest,
    numbers: Sequence[PortNumber],
    actor: Actor,
    action: Move,
    *,
    detail: str,
    changed: Iterable[str],
    data: dict[str, Any] | None = None,
) -> None:
    """Record a number-level change and move the request if its carrier phase changed; then
    release the numbers that are done (a claim ends with its number or its request).

    When the phase change is the action itself (the last FOC arrives), one event records both;
    otherwise the action is recorded in place and the phase move follows as its own event.
    """
    changed = list(changed)
    phase = lifecycle.carrier_phase(n.status for n in numbers)
    carrier_states = (RequestStatus.SUBMITTED, RequestStatus.FOC_CONFIRMED)
    follow = MOVE_INTO_PHASE.get(phase) if phase is not None and phase is not req.status else None
    if follow is None or req.status not in carrier_states:
        record(ctx, session, req, action.value, actor, detail=detail, numbers=changed, data=data)
    elif follow is action:
        move(ctx, session, req, action, actor, detail=detail, numbers=changed, data=data)
    else:
        record(ctx, session, req, action.value, actor, detail=detail, numbers=changed, data=data)
        by = actor if actor.role.value != "customer" else SYSTEM
        move(ctx, session, req, follow, by, detail=_phase_detail(phase))
    if req.status is RequestStatus.COMPLETED and req.completed_at is None:
        req.completed_at = ctx.now()
    refresh_claims(req, numbers)


def _phase_detail(phase: RequestStatus) -> str:
    return {
        RequestStatus.FOC_CONFIRMED: "Every remaining number now has a port date.",
        RequestStatus.COMPLETED: "Every remaining number has ported.",
        RequestStatus.ACTION_REQUIRED: "No number can go ahead until the rejection is fixed.",
    }.get(phase, "")


def _refresh_summary(req: PortRequest, numbers: Sequence[PortNumber]) -> None:
    """The request-level FOC is the earliest date among numbers still waiting to port."""
    waiting = [n for n in numbers if n.status is NumberStatus.FOC_CONFIRMED and n.foc_date]
    if not waiting:
        req.foc_date = None
        req.foc_window_start = req.foc_window_end = None
        return
    first = min(waiting, key=lambda n: n.foc_date)
    req.foc_date = first.foc_date
    req.foc_window_start, req.foc_window_end = first.foc_window_start, first.foc_window_end


# --- signature and submission -----------------------------------------------------------


def mark_loa_signed(
    ctx: Context, sid: str, *, actor: Actor, signer_name: str = "", key: str | None = None
) -> Snapshot:
    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        req.signed_at = ctx.now()
        who = signer_name or req.rep_name
        move(
            ctx,
            session,
            req,
            Move.SIGN_LOA,
            actor,
            detail=f"Letter of Authorization signed by {who}.",
        )
        return snapshot(session, req)

    return run(ctx, "mark_loa_signed", body, key=key)


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
                f"The LOA was signed {age} days ago; carriers accept 30 at most. "
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
        _guard(req, Move.SUBMIT, actor)
        problems = _document_problems(ctx, req)
        if problems:
            raise InvalidInput("Not ready for the carrier: " + " ".join(problems))
        numbers = repo.numbers_of(session, request_id=req.id)
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
            detail=f"Submitted {_plural(len(sent), 'number')} to {req.losing_carrier}.",
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
) -> Snapshot:
    """Record the firm port date for all numbers (or some), with an optional port window."""
    _check_window(ctx, foc_date, window_start, window_end)

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        _guard(req, Move.SET_FOC, actor)
        all_numbers = repo.numbers_of(session, request_id=req.id)
        if numbers is None:
            chosen = [n for n in all_numbers if lifecycle.number_can(n.status, NumberMove.SET_FOC)]
        else:
            chosen = select_numbers(ctx, all_numbers, numbers)
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
        _refresh_summary(req, all_numbers)
        detail = f"Port date {foc_date:%a %b %-d, %Y} for {_plural(len(changes), 'number')}"
        if moved_from:
            detail += f" (moved from {', '.join(f'{d:%b %-d}' for d in moved_from)})"
        data = {"foc_date": foc_date.isoformat(), "moved": bool(moved_from)}
        if window_start and window_end:
            data |= {"window_start": window_start.isoformat(), "window_end": window_end.isoformat()}
        _sync_phase(
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


def _check_window(
    ctx: Context, foc_date: date, start: datetime | None, end: datetime | None
) -> None:
    if foc_date < ctx.today():
        raise InvalidInput(
            f"{foc_date:%b %-d, %Y} is in the past; enter the date the carrier gave."
        )
    if (start is None) != (end is None):
        raise InvalidInput("Give both the start and the end of the port window, or neither.")
    if start is None or end is None:
        return
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("Port window times need a time zone.")
    if end <= start:
        raise InvalidInput("The port window must end after it starts.")
    # The window may be given in the carrier's zone or ours; either way it is on the port date.
    if foc_date not in (start.date(), ctx.calendar.local_date(start)):
        raise InvalidInput("The port window must start on the port date.")


# --- rejection and fixes ----------------------------------------------------------------


def reject(
    ctx: Context,
    sid: str,
    codes: Sequence[str],
    *,
    actor: Actor,
    numbers: Iterable[str] | None = None,
    note: str = "",
    key: str | None = None,
) -> Snapshot:
    """Record a rejection, by the porting team in review or by the carrier, of some or all
    numbers."""
    if not codes:
        raise InvalidInput("Choose at least one rejection reason.")
    try:
        reasons = [rejections.get(c) for c in codes]
    except KeyError as exc:
        raise InvalidInput(str(exc.args[0])) from None
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"Keep the note under {MAX_NOTE} characters.")

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        _guard(req, Move.REJECT, actor)
        all_numbers = repo.numbers_of(session, request_id=req.id)
        if numbers is None:
            chosen = [n for n in all_numbers if lifecycle.number_can(n.status, NumberMove.REJECT)]
        else:
            chosen = select_numbers(ctx, all_numbers, numbers)
        code_values = [r.code.value for r in reasons]
        for n in chosen:
            n.status = lifecycle.apply_number(n.e164, n.status, NumberMove.REJECT)
            n.rejection_codes = code_values
        _refresh_summary(req, all_numbers)
        titles = "; ".join(r.title for r in reasons)
        detail = f"Rejected {_plural(len(chosen), 'number')}: {titles}."
        if note:
            detail += f" Note: {note.strip()}"
        data = {"codes": code_values}
        changed = [n.e164 for n in chosen]
        if req.status is RequestStatus.IN_REVIEW:
            move(ctx, session, req, Move.REJECT, actor, detail=detail, numbers=changed, data=data)
        else:
            _sync_phase(
                ctx,
                session,
                req,
                all_numbers,
                actor,
                Move.REJECT,
                detail=detail,
                changed=changed,
                data=data,
            )
        return snapshot(session, req)

    return run(ctx, "reject", body, key=key)


def resubmit(
    ctx: Context,
    sid: str,
    *,
    actor: Actor,
    changes: Mapping[str, Any] | None = None,
    drop_numbers: Iterable[str] | None = None,
    key: str | None = None,
) -> Snapshot:
    """Fix what was rejected and send the request back: to review, or to signature when the
    fix touched anything the LOA certifies (including dropping numbers)."""

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        _guard(req, Move.RESUBMIT, actor)
        all_numbers = repo.numbers_of(session, request_id=req.id)
        changed = apply_changes(ctx, req, all_numbers, changes or {})
        dropped = select_numbers(ctx, all_numbers, drop_numbers) if drop_numbers else []
        for n in dropped:
            n.status = lifecycle.apply_number(n.e164, n.status, NumberMove.CANCEL)
        if all(n.status.final for n in all_numbers):
            raise InvalidInput("That would leave no number to port; cancel the request instead.")
        for n in all_numbers:
            if n.status is NumberStatus.REJECTED:
                n.status = lifecycle.apply_number(n.e164, n.status, NumberMove.RESET)
                n.rejection_codes = None
        refresh_claims(req, all_numbers)
        parts = []
        if changed:
            parts.append("changed " + ", ".join(sorted(f.value.replace("_", " ") for f in changed)))
        if dropped:
            parts.append("dropped " + ", ".join(format_display(n.e164) for n in dropped))
        what = "; ".join(parts) or "no details changed"
        data = {"fields": sorted(changed), "dropped": [n.e164 for n in dropped]}
        if changed & LOA_FIELDS or dropped:
            req.signed_at = None
            move(
                ctx,
                session,
                req,
                Move.AMEND,
                actor,
                detail=f"Fixed ({what}); the LOA must be signed again.",
                data=data,
            )
        else:
            move(ctx, session, req, Move.RESUBMIT, actor, detail=f"Fixed ({what}).", data=data)
        return snapshot(session, req)

    return run(ctx, "resubmit", body, key=key)


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
        all_numbers = repo.numbers_of(session, request_id=req.id)
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
        _refresh_summary(req, all_numbers)
        statuses = [n.status for n in all_numbers]
        partial = lifecycle.is_partial_port(statuses)
        data = {"partial": partial} if partial else None
        _sync_phase(
            ctx,
            session,
            req,
            all_numbers,
            actor,
            Move.COMPLETE,
            detail=f"Ported {_plural(len(chosen), 'number')}.",
            changed=[n.e164 for n in chosen],
            data=data,
        )
        return snapshot(session, req)

    return run(ctx, "mark_ported", body, key=key)


def add_note(
    ctx: Context,
    sid: str,
    text: str,
    *,
    actor: Actor,
    public: bool = False,
    key: str | None = None,
) -> Snapshot:
    text = text.strip()
    if not text:
        raise InvalidInput("The note is empty.")
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"Keep the note under {MAX_NOTE} characters.")

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        record(ctx, session, req, "note", actor, detail=text, public=public)
        return snapshot(session, req)

    return run(ctx, "add_note", body, key=key)


def expire(ctx: Context, sid: str, *, actor: Actor = SYSTEM, key: str | None = None) -> Snapshot:
    """Close a draft or an unsigned request that waited too long."""

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        move(
            ctx,
            session,
            req,
            Move.EXPIRE,
            actor,
            detail="Expired: it waited 30 days without being completed or signed.",
        )
        refresh_claims(req, repo.numbers_of(session, request_id=req.id))
        return snapshot(session, req)

    return run(ctx, "expire", body, key=key)
