"""Which numbers each customer account holds (PRODUCT §4).

An account is the Slack channel where its requests are opened, or, for requests opened in a
DM, the person who opened them. A number joins an account when its port-in completes (number by
number, so partial ports count) or when an agent registers it, and leaves when it ports out.
The unique ``held_numbers.e164`` keeps a number to one account.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.porting.errors import InvalidInput
from bot.porting.numbers import format_display, parse_numbers
from bot.services.base import Actor, Context
from storage.models import HeldNumber, PortNumber, PortOutAccount, PortRequest

_E164 = re.compile(r"\+[1-9]\d{6,14}")


def account_of(channel_id: str, user_id: str) -> str:
    """The account a person acts for: the channel, or themselves in a DM."""
    return channel_id if channel_id[:1] in ("C", "G") else user_id


def account_of_request(req: PortRequest) -> str:
    return account_of(req.channel_id, req.requester_id)


def parsed_numbers(
    ctx: Context, text: str | Sequence[str], *, field_name: str = "numbers"
) -> list[str]:
    """Typed numbers → E.164; :class:`InvalidInput` naming what could not be read. A list
    that is E.164 already (what a carrier's system sent) is taken as it is: a number we do not
    know is then simply not held, rather than a typing error."""
    if not isinstance(text, str) and text and all(_E164.fullmatch(n) for n in text):
        return list(dict.fromkeys(text))
    joined = text if isinstance(text, str) else "\n".join(text)
    result = parse_numbers(joined, default_region=ctx.default_region)
    if result.issues:
        raise InvalidInput(result.summary(), {field_name: result.summary()})
    if not result.numbers:
        raise InvalidInput(
            "Which numbers? Give at least one.", {field_name: "Give at least one number."}
        )
    return [n.e164 for n in result.numbers]


def account_row(session: Session, team_id: str, account: str, *, now: datetime) -> PortOutAccount:
    """The account's protection row, made on first use with a code for carriers."""
    row = session.exec(
        select(PortOutAccount).where(
            PortOutAccount.team_id == team_id, PortOutAccount.account == account
        )
    ).first()
    if row is None:
        row = PortOutAccount(team_id=team_id, account=account, code=new_code(), updated_at=now)
        session.add(row)
        session.flush()
    return row


def new_code() -> str:
    """An account code for carriers: ten digits (what their forms accept)."""
    return str(secrets.randbelow(9 * 10**9) + 10**9)


def held(session: Session, numbers: Iterable[str], *, lock: bool = False) -> dict[str, HeldNumber]:
    wanted = list(dict.fromkeys(numbers))
    if not wanted:
        return {}
    query = select(HeldNumber).where(col(HeldNumber.e164).in_(wanted))
    if lock:
        query = query.with_for_update()
    return {h.e164: h for h in session.exec(query)}


_HELD = HeldNumber.__table__  # type: ignore[attr-defined]
_ACCOUNTS = PortOutAccount.__table__  # type: ignore[attr-defined]
# Built once: the incoming port-out's first look, on every delivery.
_HELD_WITH_ACCOUNTS = (
    sa.select(
        _HELD.c.e164,
        _HELD.c.team_id,
        _HELD.c.account,
        _HELD.c.postal_code,
        _HELD.c.pin,
        _HELD.c.locked,
        _HELD.c.unlock_at,
        _ACCOUNTS.c.pin.label("account_pin"),
        _ACCOUNTS.c.locked.label("account_locked"),
        _ACCOUNTS.c.unlock_at.label("account_unlock_at"),
        _ACCOUNTS.c.code,
    )
    .select_from(
        _HELD.outerjoin(
            _ACCOUNTS,
            sa.and_(_ACCOUNTS.c.team_id == _HELD.c.team_id, _ACCOUNTS.c.account == _HELD.c.account),
        )
    )
    .where(_HELD.c.e164.in_(sa.bindparam("numbers", expanding=True)))
)


def held_with_accounts(conn: sa.Connection, numbers: Iterable[str]) -> dict[str, Any]:
    """Each held number among ``numbers`` with its account's protection, in one query (by the
    unique ``e164``, then the account's unique team and account): rows with the number's
    ``e164``, ``team_id``, ``account``, ``postal_code``, ``pin``, ``locked`` and
    ``unlock_at``, and its account's ``account_pin``, ``account_locked``,
    ``account_unlock_at`` and ``code`` (None without an account row)."""
    wanted = list(dict.fromkeys(numbers))
    if not wanted:
        return {}
    rows = conn.execute(_HELD_WITH_ACCOUNTS, {"numbers": wanted})
    return {row.e164: row for row in rows}


def numbers_of_account(session: Session, team_id: str, account: str) -> list[HeldNumber]:
    return list(
        session.exec(
            select(HeldNumber)
            .where(HeldNumber.team_id == team_id, HeldNumber.account == account)
            .order_by(col(HeldNumber.e164))
        )
    )


@dataclass
class InventoryChange:
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # this account held them before
    removed: list[str] = field(default_factory=list)


def add_numbers(
    ctx: Context,
    *,
    team_id: str,
    account: str,
    numbers: str | Sequence[str],
    actor: Actor,
) -> InventoryChange:
    """An agent registers numbers to an account. Numbers another account holds are refused,
    each named with its account, and nothing is added."""
    wanted = parsed_numbers(ctx, numbers)
    now = ctx.now()
    with ctx.db.write() as session:
        found = held(session, wanted, lock=True)
        elsewhere = {
            n: h.account for n, h in found.items() if (h.team_id, h.account) != (team_id, account)
        }
        if elsewhere:
            named = ", ".join(f"{format_display(n)} ({where})" for n, where in elsewhere.items())
            raise InvalidInput(
                f"Another account holds {named}. Remove them there first.", {"numbers": named}
            )
        change = InventoryChange()
        account_row(session, team_id, account, now=now)
        for n in wanted:
            if n in found:
                change.already.append(n)
                continue
            session.add(
                HeldNumber(
                    e164=n, team_id=team_id, account=account, added_by=actor.id, added_at=now
                )
            )
            change.added.append(n)
        try:
            session.flush()
        except IntegrityError:  # registered by someone else this very moment
            raise InvalidInput(
                "Some of those numbers were just registered elsewhere; try again."
            ) from None
        return change


def remove_numbers(ctx: Context, *, numbers: str | Sequence[str], actor: Actor) -> InventoryChange:
    """An agent takes numbers out of whatever account holds them."""
    wanted = parsed_numbers(ctx, numbers)
    with ctx.db.write() as session:
        found = held(session, wanted, lock=True)
        for h in found.values():
            session.delete(h)
        change = InventoryChange(removed=[n for n in wanted if n in found])
        change.already = [n for n in wanted if n not in found]  # nobody held them
        return change


def hold_ported(
    session: Session, req: PortRequest, numbers: Sequence[PortNumber], *, now: datetime
) -> None:
    """Numbers whose port-in completed join the request's account (the number is ours now, so
    it moves here from any account that held it before)."""
    account = account_of_request(req)
    if not account:
        return
    found = held(session, [n.e164 for n in numbers], lock=True)
    account_row(session, req.team_id, account, now=now)
    for n in numbers:
        row = found.get(n.e164)
        if row is None:
            row = HeldNumber(e164=n.e164, team_id=req.team_id, account=account, added_at=now)
        row.team_id, row.account = req.team_id, account
        row.source, row.request_id, row.added_by = "port-in", req.id, req.requester_id
        row.postal_code = req.postal_code
        session.add(row)
