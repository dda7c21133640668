"""Authorization windows: the account's consent for some of its numbers to leave between two
instants, optionally to one carrier and with a PIN the carrier must quote (PRODUCT §4)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.porting.errors import InvalidInput, NotFound
from bot.porting.numbers import format_display
from bot.porting.port_outs import checked_pin, window_errors
from bot.services.base import Actor, Context
from bot.services.port_outs.inventory import account_row, held, parsed_numbers
from bot.services.port_outs.records import follow_window, new_public_id
from storage.models import PortOutWindow
from storage.values import Role, Secret, WindowStatus


def open_window(
    ctx: Context,
    *,
    team_id: str,
    account: str,
    channel_id: str,
    actor: Actor,
    numbers: str | Sequence[str],
    starts_at: datetime | None,
    ends_at: datetime | None,
    carrier: str | None = None,
    pin: str | None = None,
    requested: bool = False,
    wished_date: date | None = None,
) -> PortOutWindow:
    """Open a window for the account's own numbers. Errors come back by field (``numbers``,
    ``starts_at``, ``ends_at``, ``pin``), with the numbers that are not the account's named."""
    now = ctx.now()
    errors: dict[str, str] = {}
    try:
        wanted = parsed_numbers(ctx, numbers)
    except InvalidInput as exc:
        wanted, errors = [], dict(exc.errors)
    start = starts_at or now
    if ends_at is None:
        errors["ends_at"] = "When should the window close?"
    else:
        errors.update(window_errors(start, ends_at, now))
    digits = None
    if pin and pin.strip():
        try:
            digits = checked_pin(pin)
        except InvalidInput as exc:
            errors.update(exc.errors)
    with ctx.db.write() as session:
        found = held(session, wanted)
        others = [n for n in wanted if n not in found or found[n].account != account]
        if others and "numbers" not in errors:
            named = ", ".join(format_display(n) for n in others)
            errors["numbers"] = f"Not this account's numbers: {named}"
        if errors:
            raise InvalidInput(next(iter(errors.values())), errors)
        assert ends_at is not None
        account_row(session, team_id, account, now=now)
        window = PortOutWindow(
            public_id=new_public_id("PW"),
            team_id=team_id,
            channel_id=channel_id,
            account=account,
            created_by=actor.id,
            numbers=wanted,
            starts_at=start,
            ends_at=ends_at,
            receiving_carrier=(carrier or "").strip()[:120] or None,
            pin=Secret(digits) if digits else None,
            requested=requested,
            wished_date=wished_date,
            created_at=now,
        )
        session.add(window)
        session.flush()
        follow_window(ctx, session, window)
        return window


def revoke_window(
    ctx: Context, public_id: str, *, actor: Actor, account: str | None
) -> PortOutWindow:
    """Close a window before its end. ``account``: the account the person acts for (None: an
    agent, who may close any)."""
    now = ctx.now()
    with ctx.db.write() as session:
        window = session.exec(
            select(PortOutWindow).where(PortOutWindow.public_id == public_id).with_for_update()
        ).first()
        if window is None or (actor.role is not Role.AGENT and window.account != account):
            raise NotFound("That window is not there any more.")
        if window.status is not WindowStatus.OPEN or window.ends_at <= now:
            raise InvalidInput("That window is already closed.")
        close(session, window, now=now, by=actor.id)
        follow_window(ctx, session, window)
        return window


def close(session: Session, window: PortOutWindow, *, now: datetime, by: str) -> None:
    window.status, window.closed_at, window.closed_by = WindowStatus.CLOSED, now, by
    session.add(window)


def open_windows(
    session: Session,
    *,
    team_id: str | None = None,
    accounts: Sequence[str] | None = None,
    now: datetime,
) -> list[PortOutWindow]:
    """Windows still open at ``now`` (of these accounts), soonest end first."""
    query = select(PortOutWindow).where(
        PortOutWindow.status == WindowStatus.OPEN, col(PortOutWindow.ends_at) > now
    )
    if team_id is not None:
        query = query.where(PortOutWindow.team_id == team_id)
    if accounts is not None:
        query = query.where(col(PortOutWindow.account).in_(list(accounts)))
    return list(session.exec(query.order_by(col(PortOutWindow.ends_at))))


_WINDOWS = PortOutWindow.__table__  # type: ignore[attr-defined]
# Built once: asked on every incoming port-out that reaches the windows.
_OPEN_OF_ACCOUNTS = (
    sa.select(
        _WINDOWS.c.id,
        _WINDOWS.c.account,
        _WINDOWS.c.numbers,
        _WINDOWS.c.starts_at,
        _WINDOWS.c.ends_at,
        _WINDOWS.c.receiving_carrier,
        _WINDOWS.c.pin,
        _WINDOWS.c.requested,
    )
    .where(
        _WINDOWS.c.status == WindowStatus.OPEN,
        _WINDOWS.c.ends_at > sa.bindparam("now"),
        _WINDOWS.c.account.in_(sa.bindparam("accounts", expanding=True)),
    )
    .order_by(_WINDOWS.c.ends_at)
)


def open_window_rows(conn: sa.Connection, *, accounts: Sequence[str], now: datetime) -> list[Any]:
    """What :func:`open_windows` finds for these accounts, as rows (``id``, ``account``,
    ``numbers``, ``starts_at``, ``ends_at``, ``receiving_carrier``, ``pin``, ``requested``):
    no objects to build for a look that most often ends in a decision."""
    if not accounts:
        return []
    return list(conn.execute(_OPEN_OF_ACCOUNTS, {"now": now, "accounts": list(accounts)}))
