"""Cancelling a request: asked by the customer (inside the cut-off) or an agent, confirmed by
an agent once the carriers have it, or withdrawn when a carrier refuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from bot.porting import lifecycle
from bot.porting.calendar import cancellation_deadline
from bot.porting.lifecycle import Move, NumberMove
from bot.services.base import (
    SYSTEM,
    Actor,
    Context,
    Snapshot,
    load,
    move,
    refresh_claims,
    run,
    snapshot,
)
from bot.services.queries import Viewer, find
from storage import repositories as repo
from storage.models import PortNumber, PortRequest
from storage.values import NumberStatus


def _earliest_foc(numbers: list[PortNumber]) -> date | None:
    dates = [n.foc_date for n in numbers if n.foc_date and n.status is NumberStatus.FOC_CONFIRMED]
    return min(dates) if dates else None


def _close(ctx: Context, session: Session, req: PortRequest, actor: Actor, detail: str) -> None:
    move(ctx, session, req, Move.CONFIRM_CANCEL, actor, detail=detail)
    numbers = repo.numbers_of(session, request_id=req.pk)
    for n in numbers:
        if lifecycle.number_can(n.status, NumberMove.CANCEL):
            n.status = lifecycle.apply_number(n.e164, n.status, NumberMove.CANCEL)
    refresh_claims(req, numbers)


@dataclass(frozen=True)
class CancelPreview:
    """What the confirmation shows before anyone asks to cancel: the request, and the last day
    a customer may still ask (None until it has a port date)."""

    snapshot: Snapshot
    deadline: date | None


def cancel_preview(ctx: Context, query: str, *, viewer: Viewer, actor: Actor) -> CancelPreview:
    """Whether ``actor`` may ask to cancel the request ``query`` names, as ``viewer`` sees it.

    Refuses with the errors :func:`request_cancel` would give (not found, too late for a
    customer, already closed), so nobody is shown a confirmation that cannot succeed.
    """
    snap = find(ctx, query, viewer)
    foc = snap.request.foc_date
    lifecycle.check_cancel(actor.role, ctx.now(), foc, ctx.calendar)
    lifecycle.apply(snap.status, Move.REQUEST_CANCEL, actor.role)  # refuse closed ones now
    deadline = cancellation_deadline(foc, ctx.calendar) if foc else None
    return CancelPreview(snapshot=snap, deadline=deadline)


def request_cancel(
    ctx: Context, sid: str, *, actor: Actor, reason: str = "", key: str | None = None
) -> Snapshot:
    """Ask to cancel. Customers are refused inside the two-business-day notice before the FOC.

    A request that never reached a carrier has nobody to tell, so it is cancelled at once.
    """

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        numbers = repo.numbers_of(session, request_id=req.pk)
        lifecycle.check_cancel(actor.role, ctx.now(), _earliest_foc(numbers), ctx.calendar)
        why = f" Reason: {reason.strip()}" if reason.strip() else ""
        move(ctx, session, req, Move.REQUEST_CANCEL, actor, detail="Cancellation requested." + why)
        if req.submitted_at is None:
            _close(ctx, session, req, SYSTEM, "Cancelled: nothing had been sent to a carrier yet.")
        return snapshot(session, req)

    return run(ctx, "request_cancel", body, key=key)


def confirm_cancel(ctx: Context, sid: str, *, actor: Actor, key: str | None = None) -> Snapshot:
    """The carriers have the cancellation: close the request and free its numbers."""

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        _close(ctx, session, req, actor, "Cancellation confirmed with the carriers.")
        return snapshot(session, req)

    return run(ctx, "confirm_cancel", body, key=key)


def decline_cancel(
    ctx: Context, sid: str, *, actor: Actor, reason: str = "", key: str | None = None
) -> Snapshot:
    """The cancellation could not be made (too late at the carrier): carry on as before."""

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        why = f" {reason.strip()}" if reason.strip() else ""
        move(
            ctx,
            session,
            req,
            Move.DECLINE_CANCEL,
            actor,
            detail="The cancellation could not be made; the port goes ahead." + why,
        )
        return snapshot(session, req)

    return run(ctx, "decline_cancel", body, key=key)
