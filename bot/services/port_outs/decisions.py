"""Decisions on a port-out after it arrived: the account holder approves or rejects it
(:func:`answer`), the deadline's default applies (:func:`apply_default`), and the porting team
marks it ported (:func:`mark_ported`; the numbers leave the inventory) or cancelled."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, delete

from bot.porting.errors import InvalidInput
from bot.services.base import SYSTEM, Actor, Context
from bot.services.port_outs.records import load_port_out, record
from bot.services.reminders.rows import policy_of
from storage.models import HeldNumber, PortOut
from storage.values import PortOutStatus, Role

REJECT_REASONS = {
    "not-requested": "We did not ask for this port-out.",
    "wrong-account": "These numbers are on a different account.",
    "other": "Another reason.",
}


def answer(
    ctx: Context,
    public_id: str,
    *,
    approve: bool,
    actor: Actor,
    accounts: Sequence[str] | None,
    reason: str = "",
    comment: str = "",
) -> PortOut:
    """The account holder approves or rejects a pending port-out. ``accounts``: those the person
    acts for (None: an agent). Exactly one decision wins a race with the deadline."""
    with ctx.db.write() as session:
        po = load_port_out(session, public_id)
        if accounts is not None and po.account not in accounts:
            raise InvalidInput("That port-out is not for your numbers.")
        if po.status is not PortOutStatus.PENDING:
            raise InvalidInput(f"That port-out was already decided: {po.status.value}.")
        now = ctx.now()
        po.status = PortOutStatus.AUTHORIZED if approve else PortOutStatus.REJECTED
        po.decided_by, po.decided_at = actor.who, now
        po.rule = "agent" if actor.role is Role.AGENT else "customer"
        if not approve:
            words = REJECT_REASONS.get(reason, REJECT_REASONS["other"])
            po.reason = " ".join(f"{words} {comment}".split())[:500]
        session.add(po)
        record(ctx, session, po, po.status.value, actor, detail=po.reason or "")
        return po


def apply_default(ctx: Context, port_out_id: int) -> bool:
    """At the deadline, a port-out still pending gets the configured default; False when it was
    decided meanwhile (then nothing changes)."""
    default = policy_of(ctx).port_out_default
    with ctx.db.write() as session:
        po = session.get(PortOut, port_out_id, with_for_update=True)
        if po is None or po.status is not PortOutStatus.PENDING:
            return False
        now = ctx.now()
        po.status = PortOutStatus.AUTHORIZED if default == "authorize" else PortOutStatus.REJECTED
        po.decided_by, po.decided_at, po.rule = "portbot", now, "deadline"
        if po.status is PortOutStatus.REJECTED:
            po.reason = "Nobody approved it before the deadline."
        session.add(po)
        record(ctx, session, po, po.status.value, SYSTEM, data={"rule": "deadline"})
        return True


def mark_ported(ctx: Context, public_id: str, *, actor: Actor) -> PortOut:
    """The numbers left: they leave the account's inventory."""
    _agent_only(actor)
    with ctx.db.write() as session:
        po = load_port_out(session, public_id)
        if po.status is not PortOutStatus.AUTHORIZED:
            raise InvalidInput(
                f"Only an authorized port-out can be marked ported (this one is {po.status.value})."
            )
        po.status, po.decided_at = PortOutStatus.PORTED, ctx.now()
        session.add(po)
        session.exec(
            delete(HeldNumber).where(
                col(HeldNumber.e164).in_(po.numbers), col(HeldNumber.account) == po.account
            )
        )
        record(ctx, session, po, "ported", actor)
        return po


def cancel(ctx: Context, public_id: str, *, actor: Actor, reason: str = "") -> PortOut:
    """The receiving carrier withdrew it, or it will not happen: the numbers stay."""
    _agent_only(actor)
    with ctx.db.write() as session:
        po = load_port_out(session, public_id)
        if po.status not in (PortOutStatus.PENDING, PortOutStatus.AUTHORIZED):
            raise InvalidInput(f"That port-out is already {po.status.value}.")
        po.status, po.reason = PortOutStatus.CANCELLED, (reason.strip()[:500] or po.reason)
        session.add(po)
        record(ctx, session, po, "cancelled", actor, detail=reason.strip()[:500])
        return po


def _agent_only(actor: Actor) -> None:
    if actor.role is not Role.AGENT:
        raise InvalidInput("Only the porting team can do that.")
