"""What a Zendesk ticket is linked to (``zendesk_links``: a port request or a port-out), read
for the sidebar: only that ticket's own request, never another's.

Reads only; the actions change things through the services (``bot.sidebar.actions``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.porting.lifecycle import Move
from bot.services.base import Context, Snapshot, snapshot
from bot.services.port_outs import events_of
from storage.models import (
    PortOut,
    PortOutEvent,
    PortRequest,
    SlackLink,
    TimelineEvent,
    ZendeskLink,
)

__all__ = [
    "EVENTS_SHOWN",
    "PortOutPage",
    "RequestPage",
    "Target",
    "load",
    "port_out_decision",
    "target",
]

EVENTS_SHOWN = 5  # the last timeline events the sidebar lists


@dataclass(frozen=True)
class RequestPage:
    """A port request as the sidebar shows it: the request, its numbers and last events, the
    latest rejection (its event), and where its card lives in Slack."""

    snapshot: Snapshot
    rejection: TimelineEvent | None
    slack: SlackLink | None


@dataclass(frozen=True)
class PortOutPage:
    """A port-out as the sidebar shows it, with its whole (short) timeline."""

    port_out: PortOut
    events: list[PortOutEvent]
    slack: SlackLink | None


@dataclass(frozen=True)
class Target:
    """What an action on a ticket acts on: a request's SID, or a port-out's public id."""

    sid: str | None = None
    port_out: str | None = None


def _link(session: Session, ticket_id: int) -> ZendeskLink | None:
    return session.exec(select(ZendeskLink).where(ZendeskLink.ticket_id == ticket_id)).first()


def load(ctx: Context, ticket_id: int) -> RequestPage | PortOutPage | None:
    """What ``ticket_id`` is linked to, or None for a ticket linked to nothing."""
    with ctx.db.read() as session:
        link = _link(session, ticket_id)
        if link is None:
            return None
        if link.request_id is not None:
            req = session.get(PortRequest, link.request_id)
            if req is None:
                return None
            return RequestPage(
                snapshot(session, req, events=EVENTS_SHOWN),
                _latest_rejection(session, link.request_id),
                session.exec(select(SlackLink).where(SlackLink.request_id == req.id)).first(),
            )
        if link.port_out_id is not None:
            po = session.get(PortOut, link.port_out_id)
            if po is None:
                return None
            slack = session.exec(select(SlackLink).where(SlackLink.port_out_id == po.id)).first()
            return PortOutPage(po, events_of(session, link.port_out_id), slack)
    return None


def target(ctx: Context, ticket_id: int) -> Target | None:
    """The request or port-out ``ticket_id`` is linked to; None when it is linked to nothing."""
    with ctx.db.read() as session:
        link = _link(session, ticket_id)
        if link is None:
            return None
        if link.request_id is not None:
            req = session.get(PortRequest, link.request_id)
            return Target(sid=req.sid) if req is not None else None
        if link.port_out_id is not None:
            po = session.get(PortOut, link.port_out_id)
            return Target(port_out=po.public_id) if po is not None else None
    return None


def port_out_decision(ctx: Context, public_id: str) -> tuple[str, str | None]:
    """A port-out's status and who decided it (``decided_by``), read again."""
    with ctx.db.read() as session:
        po = session.exec(select(PortOut).where(PortOut.public_id == public_id)).one()
        return po.status.value, po.decided_by


def _latest_rejection(session: Session, request_id: int) -> TimelineEvent | None:
    return session.exec(
        select(TimelineEvent)
        .where(TimelineEvent.request_id == request_id, TimelineEvent.action == Move.REJECT.value)
        .order_by(col(TimelineEvent.id).desc())
        .limit(1)
    ).first()
