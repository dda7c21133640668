"""What a person's App Home shows: their requests a page at a time (the porting team: every
request) and, for the porting team, the queues and the port dates coming up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.services.base import Context
from bot.services.queries import OPEN_STATUSES, Viewer, list_requests
from bot.services.search import Filters, RequestPage, carrier_choices, list_page
from storage import repositories as repo
from storage.models import PortRequest
from storage.values import RequestStatus

MINE_LIMIT = 20
UPCOMING_DAYS = 7


@dataclass(frozen=True)
class Home:
    mine: list[PortRequest]  # open requests this person opened
    today: date
    queues: dict[RequestStatus, int] | None = None  # agents only: requests per status
    upcoming: list[tuple[date, PortRequest]] | None = None  # agents only: port dates this week
    # The list shown: customers their own requests, agents every request; with its filters.
    requests: RequestPage | None = None
    carriers: list[str] | None = None  # what the list's carrier menu offers


def home(
    ctx: Context,
    *,
    user_id: str,
    team_id: str,
    is_agent: bool,
    flt: Filters | None = None,
    page: int = 1,
) -> Home:
    """The App Home of ``user_id``. "Mine" means requests they opened, also for agents (who
    may see everything, and find the rest in the queues). The list is page ``page`` of what
    ``flt`` asks for (open requests by default): a customer's own requests, or for an agent
    every request."""
    own = Viewer(user_id=user_id, is_agent=False, team_id=team_id)
    mine = list_requests(ctx, own, statuses=OPEN_STATUSES, limit=MINE_LIMIT)
    viewer = Viewer(user_id=user_id, is_agent=True) if is_agent else own
    requests = list_page(ctx, viewer, flt, page=page)
    carriers = carrier_choices(ctx, viewer, requests.filters)
    today = ctx.today()
    if not is_agent:
        return Home(mine=mine, today=today, requests=requests, carriers=carriers)
    with ctx.db.read() as s:
        queues = repo.count_by_status(s)
        upcoming = repo.upcoming_focs(s, start=today, end=today + timedelta(days=UPCOMING_DAYS))
    return Home(
        mine=mine,
        today=today,
        queues=queues,
        upcoming=upcoming,
        requests=requests,
        carriers=carriers,
    )
