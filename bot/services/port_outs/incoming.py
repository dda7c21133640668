"""Incoming port-outs: one use case for every door (an agent's command, a Zendesk ticket,
Bandwidth's validation webhook), and the decisions that follow (PRODUCT §4).

:func:`receive` decides each number at once (``bot.porting.port_outs``) and records one
port-out per account the numbers belong to (and one for numbers nobody here holds). A delivery
that comes again (``dedupe_key``) records nothing new and gets the same port-outs back.
Pending port-outs are then decided by the account holder (:func:`answer`), by the deadline's
default (:func:`apply_default`), or closed by the agents (:func:`mark_ported`, :func:`cancel`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.porting import port_outs as rule
from bot.porting.errors import InvalidInput
from bot.porting.port_outs import Decision, Holding, Offer, Reason
from bot.porting.reminders import port_out_deadline
from bot.services.base import SYSTEM, Actor, Context
from bot.services.port_outs.inventory import held_with_accounts, parsed_numbers
from bot.services.port_outs.records import (
    NewEvent,
    insert_port_outs,
    new_public_id,
    record_new,
)
from bot.services.port_outs.windows import close, open_window_rows
from bot.services.reminders.rows import policy_of
from storage.models import PortOut, PortOutWindow
from storage.values import PortOutStatus, Secret

# Which rule decided, by the first reason that rejected.
_RULES = {
    Reason.NOT_HELD: "not-held",
    Reason.PIN_MISSING: "pin",
    Reason.PIN_WRONG: "pin",
    Reason.LOCKED: "lock",
    Reason.ACCOUNT_MISMATCH: "mismatch",
    Reason.ZIP_MISMATCH: "mismatch",
}
# Built once: what a delivery recorded, by the unique index on dedupe_key.
_PORT_OUTS = PortOut.__table__  # type: ignore[attr-defined]
_RECORDED = sa.select(_PORT_OUTS).where(
    _PORT_OUTS.c.dedupe_key.in_(sa.bindparam("keys", expanding=True))
)


@dataclass(frozen=True)
class Incoming:
    """What the receiving carrier sent, as typed or as the webhook carried it."""

    numbers: str | Sequence[str]
    carrier: str = ""
    spid: str | None = None
    pon: str | None = None
    pin: str | None = None
    account_number: str | None = None
    postal_code: str | None = None
    subscriber_name: str | None = None
    foc_date: date | None = None


class Received:
    """What :func:`receive` recorded, or found recorded before (``replayed``), and decided."""

    def __init__(
        self,
        port_outs: Sequence[PortOut] | None,
        decisions: Sequence[Decision] = (),
        *,
        replayed: bool = False,
        values: Sequence[dict[str, Any]] = (),
    ) -> None:
        self._port_outs = None if port_outs is None else list(port_outs)
        self._values = values  # the new port-outs' columns, when port_outs is None
        self.decisions = list(decisions)
        self.replayed = replayed

    @property
    def port_outs(self) -> list[PortOut]:
        """The port-outs, made from their columns when first asked for (Bandwidth's answer
        needs only the decisions)."""
        if self._port_outs is None:
            self._port_outs = [PortOut(**row) for row in self._values]
        return self._port_outs

    @property
    def statuses(self) -> set[PortOutStatus]:
        """The statuses of the port-outs (without making them)."""
        if self._port_outs is not None:
            return {po.status for po in self._port_outs}
        return {PortOutStatus(row["status"]) for row in self._values}

    @property
    def status(self) -> PortOutStatus:
        return rule.overall(self.decisions)


def receive(
    ctx: Context,
    incoming: Incoming,
    *,
    actor: Actor,
    source: str,
    source_ref: str | None = None,
    dedupe_key: str | None = None,
) -> Received:
    """Record an incoming port-out and decide it as far as the rules can, at once."""
    numbers = parsed_numbers(ctx, incoming.numbers)
    if not (incoming.carrier or "").strip() and source == "agent":
        raise InvalidInput("Which carrier asks for the numbers? Add --carrier NAME.")
    # A delivery is new far more often than not: it is decided and written without looking
    # first, and one that was recorded before (by us, or by another replica just now) fails on
    # the unique dedupe key of its first port-out; then what was recorded is the answer.
    for attempt in range(2):
        try:
            with ctx.db.write() as session:
                if attempt and (again := recorded(session, dedupe_key or "")) is not None:
                    return again
                return decide_and_record(
                    ctx, session, incoming, numbers, actor, source, source_ref, dedupe_key
                )
        except IntegrityError:
            if attempt or not dedupe_key:
                raise
    raise AssertionError("unreachable")


def decide_and_record(
    ctx: Context,
    session: Session,
    incoming: Incoming,
    numbers: list[str],
    actor: Actor,
    source: str,
    source_ref: str | None,
    dedupe_key: str | None,
) -> Received:
    """Decide an incoming port-out and write it, in the caller's transaction (nothing checks
    ``dedupe_key`` first: a delivery recorded before fails on its unique index)."""
    now = ctx.now()
    conn = session.connection()
    held = held_with_accounts(conn, numbers)
    planned = plan(ctx, Arrival(incoming, numbers, source_ref, dedupe_key), held, None, now)
    if planned.asked:  # windows only for numbers every other rule lets through
        found = open_window_rows(conn, accounts=planned.asked, now=now)
        planned = plan(ctx, Arrival(incoming, numbers, source_ref, dedupe_key), held, found, now)
    store(ctx, session, planned.rows, actor, source)
    for wid in planned.spent:
        spend_requested_window(session, wid, now)
    return Received(None, planned.decisions, values=planned.rows)


@dataclass(frozen=True)
class Arrival:
    """One incoming port-out as :func:`plan` takes it: what was sent, its numbers parsed."""

    incoming: Incoming
    numbers: list[str]
    source_ref: str | None
    dedupe_key: str | None


@dataclass(frozen=True)
class Planned:
    """What :func:`plan` decided: each number's decision, the port-outs' columns, the accounts
    whose windows were needed but not given (``asked``), and the one-time windows spent."""

    decisions: list[Decision]
    rows: list[dict[str, Any]]
    asked: list[str]
    spent: list[int]


def plan(
    ctx: Context,
    arrival: Arrival,
    held: Mapping[str, Any],
    windows: Sequence[Any] | None,
    now: datetime,
    *,
    spent: Collection[int] = (),
) -> Planned:
    """Decide an arrival from what is held (rows of ``held_with_accounts``) and the open windows
    (rows of ``open_window_rows``; None: not looked up yet — then ``asked`` names the accounts
    whose windows would decide, and nothing else is planned). ``spent``: one-time windows
    already used, which decide nothing more. Reads and writes nothing."""
    incoming = arrival.incoming
    holdings, teams = _holdings(held, arrival.numbers, now)
    offer = Offer(
        tuple(arrival.numbers),
        carrier=incoming.carrier or "",
        pin=incoming.pin,
        account_number=incoming.account_number,
        postal_code=incoming.postal_code,
    )
    decisions = rule.decide(offer, holdings, (), now)
    asked = sorted({d.account for d in decisions if d.reason is Reason.ASK})
    requested: set[int] = set()  # windows the customer asked for (one-time PINs)
    if asked:
        if windows is None:
            return Planned(decisions, [], asked, [])
        usable = [w for w in windows if w.account in asked and w.id not in spent]
        requested = {w.id for w in usable if w.requested}
        decisions = rule.decide(offer, holdings, [_window(w) for w in usable], now)
    groups: dict[str, list[Decision]] = {}
    for d in decisions:
        groups.setdefault(d.account, []).append(d)
    policy = policy_of(ctx)
    rows: list[dict[str, Any]] = []  # the new port-outs, by their columns
    for i, (account, group) in enumerate(sorted(groups.items())):
        status = rule.overall(group)
        pending = status is PortOutStatus.PENDING
        rows.append(
            {
                "public_id": new_public_id("PO"),
                "team_id": teams.get(account, ""),
                "account": account,
                "numbers": [d.number for d in group],
                "receiving_carrier": (incoming.carrier or "").strip()[:120],
                "spid": _clip(incoming.spid, 16),
                "pon": _clip(incoming.pon, 32),
                "subscriber_name": _clip(incoming.subscriber_name, 120),
                "postal_code": _clip(incoming.postal_code, 16),
                "account_number": Secret(incoming.account_number, keep_last=4)
                if incoming.account_number
                else None,
                "pin_offered": Secret(incoming.pin) if incoming.pin else None,
                "foc_date": incoming.foc_date,
                "source": "",  # set by store()
                "source_ref": _clip(arrival.source_ref, 64),
                "dedupe_key": f"{arrival.dedupe_key}#{i}" if arrival.dedupe_key else None,
                "status": status,
                "decisions": [_decision_row(d) for d in group],
                "rule": None if pending else _rule(status, group),
                "window_id": None
                if pending
                else next((d.window_id for d in group if d.window_id), None),
                "deadline_at": port_out_deadline(now, policy, ctx.calendar) if pending else None,
                "logged_by": "",  # set by store()
                "decided_by": None if pending else "portbot",
                "decided_at": None if pending else now,
                "created_at": now,
            }
        )
    used = sorted({d.window_id for d in decisions if d.window_id in requested})
    return Planned(decisions, rows, [], [w for w in used if w is not None])


def store(
    ctx: Context, session: Session, rows: list[dict[str, Any]], actor: Actor, source: str
) -> None:
    """Write planned port-outs (of any number of arrivals), their first events, the outbox rows
    and reminders those queue: four statements at most, whatever their number."""
    if not rows:
        return
    for row in rows:
        row["source"], row["logged_by"] = source, actor.id or actor.name
    conn = session.connection()
    insert_port_outs(conn, rows)
    entries: list[NewEvent] = []
    for row in rows:
        entries.append((row, "arrived", actor, f"from {source}", None))
        if row["status"] is not PortOutStatus.PENDING:
            entries.append((row, row["status"].value, SYSTEM, "", {"rule": row["rule"]}))
    record_new(ctx, conn, entries)


def recorded(session: Session, dedupe_key: str) -> Received | None:
    """The port-outs one delivery recorded: ``dedupe_key#0``, ``#1``, … (all written in one
    transaction), found by the unique index."""
    conn = session.connection()
    found: list[dict[str, Any]] = []
    start, size = 0, 8
    while True:
        keys = [f"{dedupe_key}#{i}" for i in range(start, start + size)]
        batch = [dict(row._mapping) for row in conn.execute(_RECORDED, {"keys": keys})]
        found += batch
        if len(batch) < size:
            break
        start, size = start + size, size * 2
    if not found:
        return None
    found.sort(key=lambda row: row["id"])
    decisions = [
        Decision(d["number"], Reason(d["reason"]), d.get("window"), row["account"])
        for row in found
        for d in row["decisions"]
    ]
    return Received(None, decisions, replayed=True, values=found)


def _holdings(
    rows: Mapping[str, Any], numbers: list[str], now: datetime
) -> tuple[dict[str, Holding | None], dict[str, str]]:
    """What is on file for each number (None: nobody holds it), and each account's team, from
    the rows of ``held_with_accounts``."""
    found: dict[str, Holding | None] = {}
    teams: dict[str, str] = {}
    for n in numbers:
        h = rows.get(n)
        if h is None:
            found[n] = None
            continue
        teams[h.account] = h.team_id
        pin = h.pin or h.account_pin
        locked = rule.lock_in_effect(h.locked, h.unlock_at, now) or (
            h.code is not None and rule.lock_in_effect(h.account_locked, h.account_unlock_at, now)
        )
        found[n] = Holding(
            number=n,
            account=h.account,
            pin=pin.reveal() if pin else None,
            locked=locked,
            postal_code=h.postal_code,
            account_code=h.code,
        )
    return found, teams


def _window(w: Any) -> rule.Window:
    """A row of :func:`open_window_rows` as the rule's window."""
    return rule.Window(
        window_id=w.id,
        account=w.account,
        numbers=frozenset(w.numbers),
        starts_at=w.starts_at,
        ends_at=w.ends_at,
        carrier=w.receiving_carrier,
        pin=w.pin.reveal() if w.pin else None,
    )


def spend_requested_window(session: Session, window_id: int | None, now: datetime) -> None:
    """A window the customer asked portbot for carries a one-time PIN: once a port-out used it,
    it closes."""
    window = session.get(PortOutWindow, window_id)
    if window is not None and window.requested:
        close(session, window, now=now, by="portbot")


def _decision_row(d: Decision) -> dict[str, object]:
    row: dict[str, object] = {"number": d.number, "reason": d.reason.value}
    if d.window_id:
        row["window"] = d.window_id
    return row


def _rule(status: PortOutStatus, group: list[Decision]) -> str:
    return "window" if status is PortOutStatus.AUTHORIZED else _first_rule(group)


def _first_rule(group: list[Decision]) -> str:
    return next(_RULES[d.reason] for d in group if d.reason in _RULES)


def _clip(value: str | None, limit: int) -> str | None:
    text = " ".join((value or "").split())
    return text[:limit] or None
