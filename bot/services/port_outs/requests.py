"""A customer asks to move numbers away (seed 004, "Porting out"): portbot opens a window for
them and tells the customer, privately, what the new carrier will ask for."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from bot.porting import rules
from bot.porting.errors import InvalidInput
from bot.services.base import Actor, Context
from bot.services.effects import Topic, enqueue
from bot.services.port_outs.inventory import account_row, held, parsed_numbers
from bot.services.port_outs.windows import open_window
from storage.models import PortOutWindow, PortRequest

DAYS_AFTER_WISHED = 7  # the window stays open this long after the wished date, for a late FOC


@dataclass(frozen=True)
class Requested:
    """What the customer alone is shown: the window, the account code, the one-time PIN and the
    service address on file (empty when no port-in gave one)."""

    window: PortOutWindow
    account_code: str
    pin: str
    address: tuple[str, ...]


def request_port_out(
    ctx: Context,
    *,
    team_id: str,
    account: str,
    channel_id: str,
    actor: Actor,
    numbers: str | Sequence[str],
    carrier: str,
    wished_date: date | None,
) -> Requested:
    """Open a window for the move, with a fresh one-time PIN, and tell the agents."""
    if not (carrier or "").strip():
        raise InvalidInput("Which carrier are the numbers moving to?", {"carrier": "Name it."})
    now = ctx.now()
    today = ctx.calendar.local_date(now)
    if wished_date is not None and wished_date < today:
        raise InvalidInput("That date is past.", {"wished_date": "Pick today or later."})
    last = (wished_date or today) + timedelta(days=DAYS_AFTER_WISHED)
    ends = datetime.combine(last, time(23, 59), tzinfo=ctx.calendar.tz)
    ends = min(ends, now + timedelta(days=rules.PORT_OUT_WINDOW_MAX_DAYS))
    pin = "".join(str(secrets.randbelow(10)) for _ in range(8))
    window = open_window(
        ctx,
        team_id=team_id,
        account=account,
        channel_id=channel_id,
        actor=actor,
        numbers=numbers,
        starts_at=now,
        ends_at=ends,
        carrier=carrier,
        pin=pin,
        requested=True,
        wished_date=wished_date,
    )
    with ctx.db.write() as session:
        code = account_row(session, team_id, account, now=now).code
        address = _address(session, window.numbers)
        payload = {
            "team_id": team_id,
            "account": account,
            "kind": "requested",
            "window_id": window.id,
            "by": actor.id,
        }
        enqueue(
            session,
            Topic.SLACK_ACCOUNT_NOTICE,
            payload,
            key=f"requested:{window.public_id}",
            now=now,
        )
        if Topic.ZENDESK_REQUEST_EVENT in ctx.effect_topics:  # Zendesk is on
            ticket = {"window_id": window.id}
            key = f"ticket:requested:{window.public_id}"
            enqueue(session, Topic.ZENDESK_PORT_OUT_REQUEST, ticket, key=key, now=now)
    return Requested(window, code, pin, address)


def _address(session: Session, numbers: Sequence[str]) -> tuple[str, ...]:
    """The service address of the latest port-in that brought one of these numbers."""
    ids = [h.request_id for h in held(session, numbers).values() if h.request_id]
    if not ids:
        return ()
    req = session.exec(
        select(PortRequest).where(col(PortRequest.id).in_(ids)).order_by(col(PortRequest.id).desc())
    ).first()
    if req is None:
        return ()
    place = " ".join(p for p in (req.city + ",", req.region, req.postal_code) if p.strip(","))
    return tuple(line for line in (req.street, req.street2 or "", place) if line.strip())


__all__ = ["Requested", "parsed_numbers", "request_port_out"]
