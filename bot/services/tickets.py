"""The Zendesk ticket of a request, as a link for the porting team."""

from __future__ import annotations

from sqlmodel import select

from bot.services.base import Context
from bot.services.queries import Viewer
from storage.models import PortRequest, ZendeskLink


def ticket_url(ctx: Context, request: PortRequest, viewer: Viewer | None = None) -> str | None:
    """Where the porting team opens ``request``'s ticket (``…/agent/tickets/7``); None before
    the ticket exists, without Zendesk, or when ``viewer`` is not on the porting team (a
    customer cannot open an agent's ticket page). Without a ``viewer`` the caller decides
    who sees it."""
    if ctx.zendesk_site is None or request.id is None:
        return None
    if viewer is not None and not viewer.is_agent:
        return None
    with ctx.db.read() as session:
        found = session.exec(
            select(ZendeskLink.ticket_id).where(ZendeskLink.request_id == request.id)
        ).first()
    return f"{ctx.zendesk_site}/agent/tickets/{int(found)}" if found is not None else None
