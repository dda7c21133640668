"""Use cases for rejections and their fixes: record what the carrier (or the porting team)
refused, then fix only what was wrong and send the request back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlmodel import Session

from bot.porting import lifecycle, rejections
from bot.porting.errors import InvalidInput
from bot.porting.fields import LOA_FIELDS
from bot.porting.lifecycle import Move, NumberMove
from bot.porting.numbers import format_display
from bot.services.base import (
    Actor,
    Context,
    Snapshot,
    load,
    move,
    refresh_claims,
    run,
    select_numbers,
    snapshot,
)
from bot.services.conversation import MAX_NOTE
from bot.services.phase import guard, refresh_summary, sync_phase
from bot.services.port_requests import apply_changes
from bot.wording.formats import plural
from storage import repositories as repo
from storage.values import NumberStatus, RequestStatus


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
        guard(req, Move.REJECT, actor)
        all_numbers = repo.numbers_of(session, request_id=req.pk)
        chosen = select_numbers(ctx, all_numbers, numbers, able=NumberMove.REJECT)
        code_values = [r.code.value for r in reasons]
        for n in chosen:
            n.status = lifecycle.apply_number(n.e164, n.status, NumberMove.REJECT)
            n.rejection_codes = code_values
        refresh_summary(req, all_numbers)
        titles = "; ".join(r.title for r in reasons)
        detail = f"Rejected {plural(len(chosen), 'number', grouped=False)}: {titles}."
        if note:
            detail += f" Note: {note.strip()}"
        data = {"codes": code_values}
        changed = [n.e164 for n in chosen]
        if req.status is RequestStatus.IN_REVIEW:
            move(ctx, session, req, Move.REJECT, actor, detail=detail, numbers=changed, data=data)
        else:
            sync_phase(
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
        guard(req, Move.RESUBMIT, actor)
        all_numbers = repo.numbers_of(session, request_id=req.pk)
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
