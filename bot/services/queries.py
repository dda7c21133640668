"""Finding requests as a given person may see them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session

from bot.porting.errors import InvalidInput, NotFound
from bot.porting.sids import parse_query
from bot.services.base import Context, Snapshot, snapshot
from storage import repositories as repo
from storage.models import PortRequest
from storage.values import RequestStatus


@dataclass(frozen=True)
class Viewer:
    """Agents see every request; customers see their own and those of channels they are in."""

    user_id: str
    is_agent: bool = False
    team_id: str = ""
    channel_ids: frozenset[str] = field(default_factory=frozenset)

    def scope(self) -> dict:
        if self.is_agent:
            return {}
        return {
            "requester_id": self.user_id,
            "team_id": self.team_id,
            "channel_ids": self.channel_ids,
        }


def _one(session: Session, prefix: str, viewer: Viewer) -> PortRequest:
    found = repo.find_by_prefix(session, prefix=prefix, **viewer.scope())
    if not found:
        raise NotFound(f"No request matches {prefix}. Check the ID, or use /port list.")
    if len(found) > 1:
        raise InvalidInput(f"{prefix} matches more than one request; type more of the ID.")
    return found[0]


def find(ctx: Context, query: str, viewer: Viewer, *, events: int = 10) -> Snapshot:
    """One request by SID or unique prefix. Unknown and not-yours read the same."""
    prefix = parse_query(query)
    with ctx.db.read() as session:
        return snapshot(session, _one(session, prefix, viewer), events=events)


def visible_sid(ctx: Context, query: str, viewer: Viewer) -> str:
    """The SID that ``query`` (a SID or unique prefix) names among the requests ``viewer`` may
    see, refused as :func:`find` refuses it; nothing else is loaded (no numbers, no timeline).
    For checks that must be quick, such as before a Slack ack."""
    prefix = parse_query(query)
    with ctx.db.read() as session:
        return _one(session, prefix, viewer).sid


def list_requests(
    ctx: Context,
    viewer: Viewer,
    *,
    statuses: Iterable[RequestStatus] | None = None,
    limit: int = 50,
) -> list[PortRequest]:
    with ctx.db.read() as session:
        return repo.list_requests(session, statuses=statuses, limit=limit, **viewer.scope())


def request_for_thread(ctx: Context, *, channel_id: str, thread_ts: str) -> str | None:
    """The SID of the request whose card heads this Slack thread, if any."""
    with ctx.db.read() as session:
        req = repo.request_for_thread(session, channel_id=channel_id, thread_ts=thread_ts)
        return req.sid if req is not None else None


OPEN_STATUSES = tuple(s for s in RequestStatus if not s.final)
STATUS_NAMES = tuple(s.value for s in RequestStatus)


def statuses_named(which: str) -> tuple[RequestStatus, ...] | None:
    """The statuses a list asks for by name: ``open`` (every status not final), ``all`` (None:
    no filter), or one status by its value. ValueError for anything else."""
    if which == "open":
        return OPEN_STATUSES
    if which == "all":
        return None
    return (RequestStatus(which),)
