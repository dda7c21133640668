"""Closing what waited too long: drafts and unsigned requests."""

from __future__ import annotations

from sqlmodel import Session

from bot.porting.lifecycle import Move
from bot.porting.rules import EXPIRY_DAYS
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
from storage import repositories as repo


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
            detail=f"Expired: it waited {EXPIRY_DAYS} days without being completed or signed.",
        )
        refresh_claims(req, repo.numbers_of(session, request_id=req.pk))
        return snapshot(session, req)

    return run(ctx, "expire", body, key=key)
