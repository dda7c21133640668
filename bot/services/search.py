"""Lists of requests a person may see, a page at a time with the total, and ``find``: a
request by a number in any format, a SID prefix, a carrier, a company or a request name.

Visibility is the :class:`~bot.services.queries.Viewer`'s, decided here for every page and
every search (a button pressed later is a new question, asked as the person who pressed it).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from sqlmodel import Session

from bot.porting.errors import InvalidInput
from bot.porting.numbers import ParsedNumber, parse_number
from bot.services.base import Context
from bot.services.queries import STATUS_NAMES, Viewer, statuses_named
from storage import listing
from storage.models import PortRequest
from storage.values import RequestStatus

PER_PAGE = 20
FIND_LIMIT = 25
FIND_MIN_CHARS = 2
FIND_MAX_CHARS = 100
CARRIER_MAX_CHARS = 120
SID_FIND_MIN = 4  # hex characters after PR that /port find accepts as a prefix
MIN_DIGITS = 4  # a part of a number must have at least this many digits
_SID = re.compile(rf"^PR([0-9a-f]{{{SID_FIND_MIN},32}})$", re.IGNORECASE)
_PHONEISH = re.compile(r"^[+()\d\s.\-/]+$")


@dataclass(frozen=True)
class Filters:
    """What a list shows: ``which`` is ``open`` (default), ``all`` or a status's value;
    ``carrier``: only requests whose losing carrier's name contains it (any case)."""

    which: str = "open"
    carrier: str | None = None

    @property
    def statuses(self) -> tuple[RequestStatus, ...] | None:
        return statuses_named(self.which)


def filters(which: str | None = None, carrier: str | None = None) -> Filters:
    """Filters from what someone typed or picked, refused with a clear line when unknown."""
    name = (which or "open").strip().lower()
    try:
        statuses_named(name)
    except ValueError:
        names = ", ".join(STATUS_NAMES)
        raise InvalidInput(
            f"“{name[:40]}” is not a status. Use open, all, or one of: {names}."
        ) from None
    carrier = " ".join((carrier or "").split())
    if len(carrier) > CARRIER_MAX_CHARS:
        raise InvalidInput(f"A carrier name has at most {CARRIER_MAX_CHARS} characters.")
    return Filters(which=name, carrier=carrier or None)


@dataclass(frozen=True)
class RequestPage:
    """One page of a list: its rows (newest first), how many requests the list holds in all,
    and how many numbers each row's request has (by SID)."""

    rows: list[PortRequest]
    total: int
    page: int  # from 1
    per_page: int
    filters: Filters
    number_counts: dict[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        """The position of the first row in the whole list (from 1; 0 when empty)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def visible_scope(viewer: Viewer, flt: Filters | None = None) -> listing.Scope:
    seen = viewer.scope()
    return listing.Scope(
        requester_id=seen.get("requester_id"),
        team_id=seen.get("team_id"),
        channel_ids=seen.get("channel_ids"),
        statuses=flt.statuses if flt else None,
        carrier=flt.carrier if flt else None,
    )


def _counts(session: Session, rows: list[PortRequest]) -> dict[str, int]:
    by_id = listing.number_counts(session, request_ids=[r.id for r in rows if r.id])
    return {r.sid: by_id.get(r.id or 0, 0) for r in rows}


def list_page(
    ctx: Context,
    viewer: Viewer,
    flt: Filters | None = None,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> RequestPage:
    """Page ``page`` of the requests ``viewer`` may see that pass ``flt``; a page past the
    end gives the last one."""
    flt = flt or Filters()
    scope = visible_scope(viewer, flt)
    with ctx.db.read() as session:
        total = listing.count_requests(session, scope=scope)
        pages = max(1, math.ceil(total / per_page))
        page = min(max(1, page), pages)
        rows = listing.page_of_requests(
            session, scope=scope, limit=per_page, offset=(page - 1) * per_page
        )
        counts = _counts(session, rows)
    return RequestPage(rows, total, page, per_page, flt, counts)


def carrier_choices(ctx: Context, viewer: Viewer, flt: Filters | None = None) -> list[str]:
    """The carriers of the requests ``viewer`` may see (in ``flt``'s statuses), most used
    first: what a carrier menu offers."""
    with ctx.db.read() as session:
        return listing.carriers_in_use(session, scope=visible_scope(viewer, flt), limit=99)


@dataclass(frozen=True)
class Found:
    """What ``find`` found: the newest ``rows`` of ``total`` matches."""

    query: str
    rows: list[PortRequest]
    total: int
    number: str | None = None  # the text read as this E.164 number
    number_counts: dict[str, int] = field(default_factory=dict)


def _as_number(text: str, region: str) -> tuple[str | None, str | None]:
    """(E.164, digits): the text as a whole number, or the digits of part of one."""
    if not _PHONEISH.match(text):
        return None, None
    parsed = parse_number(text, default_region=region)
    if isinstance(parsed, ParsedNumber):
        return parsed.e164, None
    digits = re.sub(r"\D", "", text)
    return None, (digits if len(digits) >= MIN_DIGITS else None)


def find_requests(ctx: Context, viewer: Viewer, text: str, *, limit: int = FIND_LIMIT) -> Found:
    """Requests ``viewer`` may see that match ``text``: a phone number in any format (or at
    least four of its digits), a SID prefix (``PR`` and at least four characters), or words
    in the losing carrier, the company or the request's name. Newest first, at most
    ``limit``, with how many matched in all."""
    query = " ".join(text.split()).strip("`'\"")
    if len(query) < FIND_MIN_CHARS:
        raise InvalidInput(
            "What should I look for? Give a phone number, a request ID, a carrier, a company "
            "or a request name, for example `/port find 617-555-0142`."
        )
    if len(query) > FIND_MAX_CHARS:
        raise InvalidInput(
            f"That is too long to look for; use at most {FIND_MAX_CHARS} characters."
        )
    sid = _SID.match(query)
    e164, digits = _as_number(query, ctx.default_region)
    # A whole number or an ID is looked up on its index alone (nobody names a company
    # "617-555-0142"); anything else is searched in the words too.
    matching = listing.search_condition(
        text=None if (e164 or sid) else query,
        sid_prefix=("PR" + sid.group(1).lower()) if sid else None,
        e164=e164,
        digits=digits,
    )
    scope = visible_scope(viewer)
    with ctx.db.read() as session:
        total = listing.count_requests(session, scope=scope, matching=matching)
        rows = listing.page_of_requests(session, scope=scope, limit=limit, matching=matching)
        counts = _counts(session, rows)
    return Found(query, rows, total, e164, counts)
