"""What a person sees of port-outs: the accounts they act for, an account's numbers and
protection, its open windows and the port-outs waiting for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.porting.port_outs import lock_in_effect
from bot.services.base import Context
from bot.services.port_outs.inventory import account_of, numbers_of_account
from bot.services.port_outs.windows import open_windows
from storage.models import HeldNumber, PortOut, PortOutAccount, PortOutWindow, PortRequest
from storage.values import PortOutStatus


def accounts_for(ctx: Context, *, team_id: str, user_id: str, channel_id: str) -> list[str]:
    """The accounts a customer acts for, from where they are: the channel (or, in a DM,
    themselves), and the channels where they opened port-ins (they are its people)."""
    found = [account_of(channel_id, user_id), user_id]
    with ctx.db.read() as s:
        channels = s.exec(
            select(PortRequest.channel_id)
            .where(PortRequest.requester_id == user_id, PortRequest.team_id == team_id)
            .distinct()
        ).all()
    found += [c for c in channels if c[:1] in ("C", "G")]
    return list(dict.fromkeys(a for a in found if a))


@dataclass(frozen=True)
class Overview:
    account: str
    numbers: list[HeldNumber]
    locked: bool
    unlock_at: datetime | None
    has_pin: bool
    windows: list[PortOutWindow]
    pending: list[PortOut]


def overview(ctx: Context, *, team_id: str, account: str) -> Overview:
    now = ctx.now()
    with ctx.db.read() as s:
        row = s.exec(
            select(PortOutAccount).where(
                PortOutAccount.team_id == team_id, PortOutAccount.account == account
            )
        ).first()
        numbers = numbers_of_account(s, team_id, account)
        windows = open_windows(s, accounts=[account], now=now)
        pending = pending_port_outs(s, [account])
    locked = row is not None and lock_in_effect(row.locked, row.unlock_at, now)
    return Overview(
        account=account,
        numbers=numbers,
        locked=locked,
        unlock_at=row.unlock_at if locked and row is not None else None,
        has_pin=row is not None and row.pin is not None,
        windows=windows,
        pending=pending,
    )


def pending_port_outs(session: Session, accounts: Sequence[str]) -> list[PortOut]:
    return list(
        session.exec(
            select(PortOut)
            .where(
                PortOut.status == PortOutStatus.PENDING, col(PortOut.account).in_(list(accounts))
            )
            .order_by(col(PortOut.created_at))
        )
    )


def requesters_of(ctx: Context, numbers: Sequence[str]) -> list[str]:
    """Who opened the port-ins that brought these numbers (told at once of a port-out)."""
    with ctx.db.read() as s:
        ids = {
            h.request_id
            for h in s.exec(select(HeldNumber).where(col(HeldNumber.e164).in_(list(numbers))))
            if h.request_id
        }
        if not ids:
            return []
        people = s.exec(select(PortRequest.requester_id).where(col(PortRequest.id).in_(ids))).all()
    return list(dict.fromkeys(p for p in people if p))
