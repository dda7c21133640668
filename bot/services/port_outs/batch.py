"""Several incoming port-outs in one transaction: a group commit for Bandwidth's deliveries.

The deliveries recorded before are found first, with one query on the unique dedupe keys;
the others are decided and written one after another, and committed once. Should one of them
fail (another replica recorded the same delivery a moment ago, or anything else), the whole
transaction is rolled back and the group is written again with a savepoint for each delivery,
so that one failure is that delivery's alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.services.base import Actor, Context
from bot.services.port_outs.incoming import Incoming, Received, decide_and_record, recorded
from bot.services.port_outs.inventory import parsed_numbers
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
    results: list[Received | Exception] = []
    with ctx.db.write() as session:
        seen = _recorded_before(session, [d.dedupe_key for d in deliveries])
        for d, found in zip(deliveries, numbers, strict=True):
            if isinstance(found, Exception):
                results.append(found)
                continue
            if d.dedupe_key in seen:
                again = recorded(session, d.dedupe_key)
                if again is not None:
                    results.append(again)
                    continue
            results.append(_one(ctx, session, d, found, actor, source, isolated=isolated))
            seen.add(d.dedupe_key)
    return results


def _one(
    ctx: Context,
    session: Session,
    d: Delivery,
    numbers: list[str],
    actor: Actor,
    source: str,
    *,
    isolated: bool,
) -> Received | Exception:
    args = (ctx, session, d.incoming, numbers, actor, source, d.source_ref, d.dedupe_key)
    if not isolated:
        try:
            return decide_and_record(*args)
        except Exception as exc:
            raise _Isolate() from exc
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
