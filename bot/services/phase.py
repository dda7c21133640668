"""Helpers shared by the use cases that act on a submitted request: guards, the carrier phase
that follows from the numbers, and the request-level FOC summary."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlmodel import Session

from bot.porting import lifecycle
from bot.porting.lifecycle import MOVE_INTO_PHASE, Move
from bot.services.base import SYSTEM, Actor, Context, move, record, refresh_claims
from storage.models import PortNumber, PortRequest
from storage.values import NumberStatus, RequestStatus


def guard(req: PortRequest, action: Move, actor: Actor) -> None:
    """Raise unless ``action`` may start from the request's status for this actor."""
    lifecycle.apply(req.status, action, actor.role, before_cancel=req.status_before_cancel)


def sync_phase(
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
    if follow is None or phase is None or req.status not in carrier_states:
        record(ctx, session, req, action.value, actor, detail=detail, numbers=changed, data=data)
    elif follow is action:
        move(ctx, session, req, action, actor, detail=detail, numbers=changed, data=data)
    else:
        record(ctx, session, req, action.value, actor, detail=detail, numbers=changed, data=data)
        by = actor if actor.role.value != "customer" else SYSTEM
        move(ctx, session, req, follow, by, detail=phase_detail(phase))
    if req.status is RequestStatus.COMPLETED and req.completed_at is None:
        req.completed_at = ctx.now()
    refresh_claims(req, numbers)


def phase_detail(phase: RequestStatus) -> str:
    return {
        RequestStatus.FOC_CONFIRMED: "Every remaining number now has a port date.",
        RequestStatus.COMPLETED: "Every remaining number has ported.",
        RequestStatus.ACTION_REQUIRED: "No number can go ahead until the rejection is fixed.",
    }.get(phase, "")


def refresh_summary(req: PortRequest, numbers: Sequence[PortNumber]) -> None:
    """The request-level FOC is the earliest date among numbers still waiting to port."""
    waiting = [n for n in numbers if n.status is NumberStatus.FOC_CONFIRMED and n.foc_date]
    if not waiting:
        req.foc_date = None
        req.foc_window_start = req.foc_window_end = None
        return
    first = min(waiting, key=lambda n: n.foc_date or date.max)  # all have one
    req.foc_date = first.foc_date
    req.foc_window_start, req.foc_window_end = first.foc_window_start, first.foc_window_end
