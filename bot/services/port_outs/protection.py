"""How an account protects its numbers from leaving: a port-out PIN, and a lock whose release
waits (PRODUCT §4). A PIN or lock set for the account covers every number it holds, now and
later; one set for a number covers that number, and a number's own PIN wins over the account's.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.porting.errors import InvalidInput
from bot.porting.numbers import format_display
from bot.porting.port_outs import checked_pin, lock_in_effect
from bot.services.base import Actor, Context
from bot.services.effects import Topic, enqueue
from bot.services.port_outs.inventory import (
    account_row,
    held,
    numbers_of_account,
    parsed_numbers,
)
from bot.services.reminders.rows import policy_of
from storage.models import HeldNumber, PortOutAccount
from storage.values import Secret


def _targets(
    ctx: Context, session: Session, team_id: str, account: str, numbers: str | Sequence[str] | None
) -> list[HeldNumber] | None:
    """The account's numbers named (None: the whole account). Numbers it does not hold are
    refused by name."""
    if numbers is None or (isinstance(numbers, str) and not numbers.strip()):
        return None
    wanted = parsed_numbers(ctx, numbers)
    found = held(session, wanted, lock=True)
    mine = [
        found[n]
        for n in wanted
        if n in found and (found[n].team_id, found[n].account) == (team_id, account)
    ]
    missing = [n for n in wanted if n not in {h.e164 for h in mine}]
    if missing:
        named = ", ".join(format_display(n) for n in missing)
        raise InvalidInput(
            f"This account does not hold {named}.", {"numbers": f"Not this account's: {named}"}
        )
    return mine


def _notice(
    session: Session,
    ctx: Context,
    row: PortOutAccount,
    kind: str,
    numbers: list[str],
    actor: Actor,
    **data: object,
) -> None:
    now = ctx.now()
    payload = {
        "team_id": row.team_id,
        "account": row.account,
        "kind": kind,
        "numbers": numbers,
        "by": actor.id,
        **data,
    }
    enqueue(
        session,
        Topic.SLACK_ACCOUNT_NOTICE,
        payload,
        key=f"account:{row.id}:{kind}:{secrets.token_hex(8)}",  # each change is told once
        now=now,
    )


def set_pin(
    ctx: Context,
    *,
    team_id: str,
    account: str,
    pin: str,
    actor: Actor,
    numbers: str | Sequence[str] | None = None,
) -> int:
    """Set the port-out PIN of some numbers, or of the whole account; how many numbers it
    now covers. The PIN is kept encrypted and never shown again."""
    digits = checked_pin(pin)
    now = ctx.now()
    with ctx.db.write() as session:
        row = account_row(session, team_id, account, now=now)
        targets = _targets(ctx, session, team_id, account, numbers)
        if targets is None:
            row.pin, row.updated_by, row.updated_at = Secret(digits), actor.id, now
            session.add(row)
            count = _count(session, team_id, account)
        else:
            for h in targets:
                h.pin = Secret(digits)
                session.add(h)
            count = len(targets)
        _notice(session, ctx, row, "pin", [h.e164 for h in targets or ()], actor)
        return count


def lock(
    ctx: Context,
    *,
    team_id: str,
    account: str,
    actor: Actor,
    numbers: str | Sequence[str] | None = None,
) -> int:
    """Lock numbers (or the whole account) against port-outs, at once; how many it covers."""
    now = ctx.now()
    with ctx.db.write() as session:
        row = account_row(session, team_id, account, now=now)
        targets = _targets(ctx, session, team_id, account, numbers)
        if targets is None:
            row.locked, row.unlock_at, row.updated_by, row.updated_at = True, None, actor.id, now
            session.add(row)
            count = _count(session, team_id, account)
        else:
            for h in targets:
                h.locked, h.unlock_at = True, None
                session.add(h)
            count = len(targets)
        _notice(session, ctx, row, "locked", [h.e164 for h in targets or ()], actor)
        return count


def unlock(
    ctx: Context,
    *,
    team_id: str,
    account: str,
    actor: Actor,
    numbers: str | Sequence[str] | None = None,
) -> datetime:
    """Ask to unlock numbers (or the account): the lock holds until the wait
    (``port_out_unlock_wait``) is over, and the account's channel is told at once. The moment
    the lock ends is returned."""
    now = ctx.now()
    ends = now + unlock_wait(ctx)
    with ctx.db.write() as session:
        row = account_row(session, team_id, account, now=now)
        targets = _targets(ctx, session, team_id, account, numbers)
        if targets is None:
            if not lock_in_effect(row.locked, row.unlock_at, now):
                raise InvalidInput("This account is not locked.")
            row.unlock_at = min(row.unlock_at or ends, ends)
            row.updated_by, row.updated_at = actor.id, now
            session.add(row)
            ends = row.unlock_at
        else:
            locked = [h for h in targets if lock_in_effect(h.locked, h.unlock_at, now)]
            if not locked:
                raise InvalidInput("None of those numbers is locked on its own.")
            for h in locked:
                h.unlock_at = min(h.unlock_at or ends, ends)
                session.add(h)
        _notice(
            session,
            ctx,
            row,
            "unlocking",
            [h.e164 for h in targets or ()],
            actor,
            unlock_at=ends.isoformat(),
        )
        return ends


def unlock_wait(ctx: Context) -> timedelta:
    """How long an unlock waits before it takes effect (``PORTBOT_PORTOUT_UNLOCK_HOURS``)."""
    return policy_of(ctx).port_out_unlock_wait


def _count(session: Session, team_id: str, account: str) -> int:
    return len(numbers_of_account(session, team_id, account))
