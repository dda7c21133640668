"""A port-out's timeline and its side effects, written in the use case's transaction."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.porting.errors import NotFound
from bot.porting.reminders import PortOutFacts, port_out_reminders
from bot.services.base import Actor, Context
from bot.services.effects import Topic, enqueue, outbox_values
from bot.services.reminders.rows import (
    policy_of,
    reconcile_port_out,
    reconcile_window,
    row_values,
)
from storage.models import OutboxMessage, PortOut, PortOutEvent, PortOutWindow, Reminder

# Where a port-out's changes go: its card and the account's people, and its ticket.
PORT_OUT_TOPICS = (Topic.SLACK_PORT_OUT_EVENT, Topic.ZENDESK_PORT_OUT_EVENT)


def new_public_id(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def record(
    ctx: Context,
    session: Session,
    port_out: PortOut,
    action: str,
    actor: Actor,
    *,
    detail: str = "",
    data: dict[str, Any] | None = None,
) -> PortOutEvent:
    """One timeline event; its card, ticket and reminders follow (rendered when delivered)."""
    assert port_out.id is not None
    now = ctx.now()
    event = PortOutEvent(**_event_values(port_out.id, now, action, actor, detail, data))
    session.add(event)
    session.flush()
    for topic, payload, key in _effects(ctx, port_out.id, event.id, action):
        enqueue(session, topic, payload, key=key, now=now)
    if ctx.reminders is not None:
        reconcile_port_out(ctx, session, port_out)
    return event


class _Inserts:
    """An insert built once, and the ids of the rows it writes: one row by itself, several in
    one statement that returns their ids in order."""

    def __init__(self, model: Any) -> None:
        table = model.__table__
        self.one = sa.insert(table)
        self.many = self.one.returning(table.c.id, sort_by_parameter_order=True)

    def ids(self, conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
        if len(rows) == 1:
            key = conn.execute(self.one, rows[0]).inserted_primary_key
            assert key is not None
            return [key[0]]
        return list(conn.execute(self.many, list(rows)).scalars())


# Built once: what every incoming port-out writes.
_PORT_OUTS = _Inserts(PortOut)
_EVENTS = _Inserts(PortOutEvent)
_INSERT_OUTBOX = sa.insert(OutboxMessage.__table__)  # type: ignore[attr-defined]
_INSERT_REMINDERS = sa.insert(Reminder.__table__)  # type: ignore[attr-defined]


def insert_port_outs(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
    """New port-outs from their column values (each dict with the same keys), in one
    statement; each dict gets its row's ``id``."""
    for row, pid in zip(rows, _PORT_OUTS.ids(conn, rows), strict=True):
        row["id"] = pid


# A new port-out's event: its columns (with its id), action, actor, detail and data (as
# :func:`record` takes them).
NewEvent = tuple[dict[str, Any], str, Actor, str, dict[str, Any] | None]


def record_new(ctx: Context, conn: sa.Connection, entries: Sequence[NewEvent]) -> None:
    """The first events of port-outs just inserted, with the outbox rows :func:`record` queues
    for each, and each port-out's reminders (a port-out written in this transaction has none
    yet to reconcile with): three statements for any number of port-outs."""
    events = [
        _event_values(port_out["id"], ctx.now(), action, actor, detail, data)
        for port_out, action, actor, detail, data in entries
    ]
    ids = _EVENTS.ids(conn, events)
    outbox = [
        outbox_values(topic, payload, key=key, now=event["at"])
        for (port_out, *_), event, event_id in zip(entries, events, ids, strict=True)
        for topic, payload, key in _effects(ctx, port_out["id"], event_id, event["action"])
    ]
    if outbox:
        conn.execute(_INSERT_OUTBOX, outbox)
    if ctx.reminders is None:
        return
    policy = policy_of(ctx)
    reminders = [
        row_values(due, port_out_id=port_out["id"])
        for port_out in {e[0]["id"]: e[0] for e in entries}.values()
        for due in port_out_reminders(_facts(port_out), policy, ctx.calendar)
    ]
    if reminders:
        conn.execute(_INSERT_REMINDERS, reminders)


def _event_values(
    port_out_id: int | None,
    now: datetime,
    action: str,
    actor: Actor,
    detail: str,
    data: dict[str, Any] | None,
) -> dict[str, Any]:
    assert port_out_id is not None
    return {
        "port_out_id": port_out_id,
        "at": now,
        "action": action,
        "actor_role": actor.role,
        "actor_id": actor.id,
        "actor_name": actor.name,
        "detail": detail,
        "data": data or {},
    }


def _facts(port_out: dict[str, Any]) -> PortOutFacts:
    """:func:`~bot.services.reminders.rows.port_out_facts` of a port-out's columns."""
    return PortOutFacts(
        port_out_id=port_out["public_id"],
        status=port_out["status"],
        created_at=port_out["created_at"],
        deadline_at=port_out["deadline_at"],
    )


def _effects(
    ctx: Context, port_out_id: int | None, event_id: int | None, action: str
) -> list[tuple[Topic, dict[str, Any], str]]:
    """The outbox rows an event queues (topic, payload, key), for the destinations this
    install has."""
    found = []
    for topic in PORT_OUT_TOPICS:
        if topic.destination == "zendesk" and Topic.ZENDESK_REQUEST_EVENT not in ctx.effect_topics:
            continue  # an install without Zendesk queues nothing for it
        if topic.destination == "slack" and Topic.SLACK_REQUEST_EVENT not in ctx.effect_topics:
            continue
        payload = {"port_out_id": port_out_id, "event_id": event_id, "action": action}
        found.append((topic, payload, f"{topic.value}:{event_id}"))
    return found


def follow_window(ctx: Context, session: Session, window: PortOutWindow) -> None:
    """A window's notices (opened, closing, closed) follow its state."""
    if ctx.reminders is not None:
        reconcile_window(ctx, session, window)


def load_port_out(session: Session, public_id: str, *, lock: bool = True) -> PortOut:
    """A port-out by its id (``PO…``, or a unique prefix of it), locked for update."""
    text = public_id.strip()
    query = select(PortOut).where(col(PortOut.public_id).startswith(text)).limit(2)
    if lock:
        query = query.with_for_update()
    found = list(session.exec(query)) if len(text) >= 6 else []
    if len(found) != 1:
        raise NotFound(f"There is no port-out {text}.")
    return found[0]


def events_of(session: Session, port_out_id: int) -> list[PortOutEvent]:
    return list(
        session.exec(
            select(PortOutEvent)
            .where(PortOutEvent.port_out_id == port_out_id)
            .order_by(col(PortOutEvent.id))
        )
    )
