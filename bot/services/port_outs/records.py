"""A port-out's timeline and its side effects, written in the use case's transaction."""

from __future__ import annotations

import secrets
from typing import Any

from sqlmodel import Session, col, select

from bot.porting.errors import NotFound
from bot.services.base import Actor, Context
from bot.services.effects import Topic, enqueue
from bot.services.reminders.rows import reconcile_port_out, reconcile_window
from storage.models import PortOut, PortOutEvent, PortOutWindow

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
    event = PortOutEvent(
        port_out_id=port_out.id,
        at=now,
        action=action,
        actor_role=actor.role,
        actor_id=actor.id,
        actor_name=actor.name,
        detail=detail,
        data=data or {},
    )
    session.add(event)
    session.flush()
    for topic in PORT_OUT_TOPICS:
        if topic.destination == "zendesk" and Topic.ZENDESK_REQUEST_EVENT not in ctx.effect_topics:
            continue  # an install without Zendesk queues nothing for it
        if topic.destination == "slack" and Topic.SLACK_REQUEST_EVENT not in ctx.effect_topics:
            continue
        payload = {"port_out_id": port_out.id, "event_id": event.id, "action": action}
        enqueue(session, topic, payload, key=f"{topic.value}:{event.id}", now=now)
    if ctx.reminders is not None:
        reconcile_port_out(ctx, session, port_out)
    return event


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
