"""Several incoming port-outs in one transaction: a group commit for Bandwidth's deliveries.

The deliveries recorded before are found first, with one query on the unique dedupe keys.
The others are decided together: one query for every number they name (who holds it, and how
it is protected), one for the open windows of the accounts that would be asked, then each
delivery decided in turn in Python (a one-time window spent by one is spent for the next), and
all written at once: the port-outs, their events, the outbox rows and the reminders, one
statement each, and one ``COMMIT``. A delivery sent twice in the group is answered from what
the first wrote. Should the write fail (another replica recorded one of them a moment ago, or
anything else), the whole transaction is rolled back and the group is written again with a
savepoint for each delivery, so that one failure is that delivery's alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.services.base import Actor, Context
from bot.services.port_outs.incoming import (
    Arrival,
    Incoming,
    Planned,
    Received,
    decide_and_record,
    plan,
    recorded,
    spend_requested_window,
    store,
)
from bot.services.port_outs.inventory import held_with_accounts, parsed_numbers
from bot.services.port_outs.windows import open_window_rows
from storage.models import PortOut

_PORT_OUTS = PortOut.__table__  # type: ignore[attr-defined]
_FIRST_KEYS = sa.select(_PORT_OUTS.c.dedupe_key).where(
    _PORT_OUTS.c.dedupe_key.in_(sa.bindparam("keys", expanding=True))
)


@dataclass(frozen=True)
class Delivery:
    """One delivery of an incoming port-out, for :func:`receive_batch`."""

    incoming: Incoming
    source_ref: str | None
    dedupe_key: str


class _Isolate(Exception):
    """A delivery failed in the shared transaction: write the group again, one savepoint each."""


def receive_batch(
    ctx: Context, deliveries: Sequence[Delivery], *, actor: Actor, source: str
) -> list[Received | Exception]:
    """``receive()`` for several deliveries, committed together. Each gets its
    :class:`Received` (``replayed`` when it was recorded before, in this group or earlier), or
    the exception that stopped it alone; if the commit fails, the exception is raised for all."""
    numbers: list[list[str] | Exception] = []
    for d in deliveries:
        try:
            numbers.append(parsed_numbers(ctx, d.incoming.numbers))
        except Exception as exc:  # this delivery's alone
            numbers.append(exc)
    try:
        return _write(ctx, deliveries, numbers, actor, source, isolated=False)
    except _Isolate:
        return _write(ctx, deliveries, numbers, actor, source, isolated=True)


def _write(
    ctx: Context,
    deliveries: Sequence[Delivery],
    numbers: Sequence[list[str] | Exception],
    actor: Actor,
    source: str,
    *,
    isolated: bool,
) -> list[Received | Exception]:
    results: list[Received | Exception | None] = [None] * len(deliveries)
    with ctx.db.write() as session:
        before = _recorded_before(session, [d.dedupe_key for d in deliveries])
        firsts: dict[str, int] = {}  # each new delivery's first place in the group
        for i, (d, found) in enumerate(zip(deliveries, numbers, strict=True)):
            if isinstance(found, Exception):
                results[i] = found
            elif d.dedupe_key not in before:
                firsts.setdefault(d.dedupe_key, i)
        new = sorted(firsts.values())
        if isolated:
            for i in new:
                found = numbers[i]
                assert not isinstance(found, Exception)
                results[i] = _one(ctx, session, deliveries[i], found, actor, source)
        else:
            try:
                fresh = _together(
                    ctx, session, [(deliveries[i], numbers[i]) for i in new], actor, source
                )
            except Exception as exc:
                raise _Isolate() from exc
            for i, received in zip(new, fresh, strict=True):
                results[i] = received
        for i, d in enumerate(deliveries):  # recorded before, or earlier in this group
            if results[i] is None:
                again = recorded(session, d.dedupe_key)
                results[i] = again if again is not None else LookupError(d.dedupe_key)
    return [r for r in results if r is not None]


def _together(
    ctx: Context,
    session: Session,
    arrivals: Sequence[tuple[Delivery, list[str] | Exception]],
    actor: Actor,
    source: str,
) -> list[Received]:
    """Decide and write new deliveries at once (see the module's docstring)."""
    if not arrivals:
        return []
    now = ctx.now()
    conn = session.connection()
    planned: list[tuple[Arrival, Planned]] = []
    wanted = [n for _, found in arrivals if not isinstance(found, Exception) for n in found]
    held = held_with_accounts(conn, wanted)
    for d, found in arrivals:
        assert not isinstance(found, Exception)
        arrival = Arrival(d.incoming, found, d.source_ref, d.dedupe_key)
        planned.append((arrival, plan(ctx, arrival, held, None, now)))
    asked = sorted({a for _, p in planned for a in p.asked})
    if asked:
        windows = open_window_rows(conn, accounts=asked, now=now)
        spent: set[int] = set()
        for n, (arrival, first) in enumerate(planned):
            if first.asked:
                again = plan(ctx, arrival, held, windows, now, spent=spent)
                spent.update(again.spent)
                planned[n] = (arrival, again)
    store(ctx, session, [row for _, p in planned for row in p.rows], actor, source)
    for wid in sorted({w for _, p in planned for w in p.spent}):
        spend_requested_window(session, wid, now)
    return [Received(None, p.decisions, values=p.rows) for _, p in planned]


def _one(
    ctx: Context,
    session: Session,
    d: Delivery,
    numbers: list[str],
    actor: Actor,
    source: str,
) -> Received | Exception:
    """One delivery in a savepoint of its own: its failure is its own."""
    args = (ctx, session, d.incoming, numbers, actor, source, d.source_ref, d.dedupe_key)
    try:
        with session.begin_nested():
            return decide_and_record(*args)
    except IntegrityError as exc:  # another replica recorded it a moment ago
        again = recorded(session, d.dedupe_key)
        return exc if again is None else again
    except Exception as exc:  # this delivery's alone; the others go on
        return exc


def _recorded_before(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of these deliveries were recorded before (by their first port-out's key)."""
    if not keys:
        return set()
    found = session.connection().execute(_FIRST_KEYS, {"keys": [f"{k}#0" for k in keys]})
    return {key.removesuffix("#0") for key in found.scalars()}
