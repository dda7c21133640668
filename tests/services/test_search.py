"""Lists a page at a time with their totals, and /port find's search, as a viewer sees them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import services as svc
from bot.porting.errors import InvalidInput
from bot.porting.sids import new_sid
from bot.services.search import Filters, carrier_choices, filters, find_requests, list_page
from storage.models import PortRequest
from storage.values import RequestStatus as S
from tests.services.helpers import AGENT, CUSTOMER, OTHER_CUSTOMER, draft

ALL = svc.Viewer(AGENT.id, is_agent=True)
MINE = svc.Viewer(CUSTOMER.id, team_id="T1", channel_ids=frozenset({"C1"}))
THEIRS = svc.Viewer(OTHER_CUSTOMER.id, team_id="T1", channel_ids=frozenset({"C9"}))
START = datetime(2026, 1, 1, tzinfo=UTC)


def _bulk(ctx, count: int, **fields) -> list[str]:
    """``count`` bare requests (no numbers), one minute apart, oldest first."""
    sids = []
    with ctx.db.write() as s:
        for i in range(count):
            values = {
                "sid": new_sid(),
                "status": S.IN_REVIEW,
                "team_id": "T1",
                "channel_id": "C1",
                "requester_id": CUSTOMER.id,
                "losing_carrier": "Old Phone Co",
                "created_at": START + timedelta(minutes=i),
                "updated_at": START + timedelta(minutes=i),
                **fields,
            }
            s.add(PortRequest(**values))
            sids.append(values["sid"])
    return sids


def test_pages_are_newest_first_with_totals_and_clamp_past_the_end(ctx):
    sids = _bulk(ctx, 45)
    first = list_page(ctx, ALL, page=1)
    assert first.total == 45 and first.pages == 3 and (first.first, first.last) == (1, 20)
    assert [r.sid for r in first.rows] == sids[::-1][:20]
    assert not first.has_previous and first.has_next
    third = list_page(ctx, ALL, page=3)
    assert [r.sid for r in third.rows] == sids[::-1][40:]
    assert (third.first, third.last, third.has_next) == (41, 45, False)
    past = list_page(ctx, ALL, page=99)
    assert past.page == 3 and [r.sid for r in past.rows] == [r.sid for r in third.rows]
    seen = [r.sid for p in (1, 2, 3) for r in list_page(ctx, ALL, page=p).rows]
    assert sorted(seen) == sorted(sids) and len(set(seen)) == 45  # every one, once


def test_ties_on_creation_time_keep_one_order(ctx):
    same = _bulk(ctx, 5, created_at=START)
    pages = [r.sid for p in (1, 2, 3) for r in list_page(ctx, ALL, page=p, per_page=2).rows]
    assert sorted(pages) == sorted(same) and len(set(pages)) == 5


def test_filters_by_status_and_carrier(ctx):
    _bulk(ctx, 3)
    done = _bulk(ctx, 2, status=S.COMPLETED, losing_carrier="Verizon Wireless")
    _bulk(ctx, 1, losing_carrier="verizon business")
    assert list_page(ctx, ALL).total == 4  # open by default
    assert list_page(ctx, ALL, Filters("all")).total == 6
    completed = list_page(ctx, ALL, Filters("completed"))
    assert sorted(r.sid for r in completed.rows) == sorted(done)
    assert list_page(ctx, ALL, filters("all", "VERIZON")).total == 3
    assert list_page(ctx, ALL, filters("open", "verizon")).total == 1
    assert carrier_choices(ctx, ALL, Filters("all")) == [
        "Old Phone Co",
        "Verizon Wireless",
        "verizon business",
    ]
    with pytest.raises(InvalidInput, match="not a status"):
        filters("closed")


def test_customers_page_only_through_their_own_requests(ctx):
    _bulk(ctx, 25)
    _bulk(ctx, 7, requester_id=OTHER_CUSTOMER.id, channel_id="C9")
    mine = list_page(ctx, MINE, page=2)
    assert mine.total == 25 and mine.pages == 2 and len(mine.rows) == 5
    assert {r.requester_id for r in mine.rows} == {CUSTOMER.id}
    assert list_page(ctx, THEIRS).total == 7
    assert carrier_choices(ctx, THEIRS) == ["Old Phone Co"]


def test_wildcards_in_filters_are_literal(ctx):
    _bulk(ctx, 2, losing_carrier="Acme")
    _bulk(ctx, 1, losing_carrier="50% Off_Telecom")
    assert list_page(ctx, ALL, filters("open", "%")).total == 1
    assert list_page(ctx, ALL, filters("open", "_")).total == 1
    assert find_requests(ctx, ALL, "%%").total == 0
    assert find_requests(ctx, ALL, "f_t").total == 1  # "Off_Telecom", not "Of?t"


def _opened(ctx, landlines, *, actor=CUSTOMER, channel="C1", **fields):
    return svc.open_request(
        ctx, draft(landlines, **fields), actor=actor, team_id="T1", channel_id=channel
    )


def test_find_by_number_in_any_format(ctx):
    mine = _opened(ctx, ["+16172531234", "+16172531235"], name="HQ lines")
    _opened(ctx, ["+16172539876"])
    for typed in (
        "617-253-1235",
        "(617) 253 1235",
        "+1 617.253.1235",
        "16172531235",
        "2531235",
        "1235",
    ):
        found = find_requests(ctx, ALL, typed)
        assert [r.sid for r in found.rows] == [mine.sid], typed
        assert found.number_counts == {mine.sid: 2}
    assert find_requests(ctx, ALL, "617-253-1235").number == "+16172531235"
    assert find_requests(ctx, ALL, "617-253-0000").total == 0


def test_find_by_sid_prefix_carrier_company_and_name(ctx):
    a = _opened(ctx, ["+16172532001"], losing_carrier="Comcast Business", name="Warehouse")
    b = _opened(ctx, ["+16172532002"], company_name="Bright Dental LLC")
    assert [r.sid for r in find_requests(ctx, ALL, a.sid[:6].lower()).rows] == [a.sid]
    assert [r.sid for r in find_requests(ctx, ALL, a.sid[:6].upper()).rows] == [a.sid]
    assert [r.sid for r in find_requests(ctx, ALL, "comcast").rows] == [a.sid]
    assert [r.sid for r in find_requests(ctx, ALL, "DENTAL").rows] == [b.sid]
    assert [r.sid for r in find_requests(ctx, ALL, "wareh").rows] == [a.sid]
    both = find_requests(ctx, ALL, "Old Phone")  # b's carrier; a's is Comcast
    assert [r.sid for r in both.rows] == [b.sid]


def test_find_stays_within_what_a_customer_may_see(ctx):
    mine = _opened(ctx, ["+16172533001"], company_name="Shared Name Inc")
    theirs = _opened(
        ctx, ["+16172533002"], actor=OTHER_CUSTOMER, channel="C9", company_name="Shared Name Inc"
    )
    assert [r.sid for r in find_requests(ctx, MINE, "shared name").rows] == [mine.sid]
    assert [r.sid for r in find_requests(ctx, THEIRS, "shared name").rows] == [theirs.sid]
    assert find_requests(ctx, MINE, "617 253 3002").total == 0
    assert find_requests(ctx, MINE, theirs.sid[:8]).total == 0
    assert find_requests(ctx, ALL, "shared name").total == 2


def test_find_limits_and_says_how_many_matched(ctx):
    _bulk(ctx, 30, company_name="Many Co")
    found = find_requests(ctx, ALL, "many co", limit=25)
    assert found.total == 30 and len(found.rows) == 25
    for empty in ("", " ", "x"):
        with pytest.raises(InvalidInput, match="What should I look for"):
            find_requests(ctx, ALL, empty)
    with pytest.raises(InvalidInput, match="too long"):
        find_requests(ctx, ALL, "x" * 101)


def test_the_teams_open_list_walks_the_creation_index_without_sorting(ctx):
    """On SQLite (no statistics) "open" as IN would take the status index and sort every open
    request for a page of 20; the page's query must read the rows already in order."""
    import sqlalchemy as sa

    if ctx.db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner; PostgreSQL decides from its statistics")
    _bulk(ctx, 3)
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "LIMIT" in statement and "count(" not in statement:
            seen.append((statement, parameters))

    sa.event.listen(ctx.db.engine, "before_cursor_execute", record)
    try:
        list_page(ctx, ALL, page=1)
    finally:
        sa.event.remove(ctx.db.engine, "before_cursor_execute", record)
    ((statement, parameters),) = [s for s in seen if "FROM port_requests" in s[0]]
    with ctx.db.engine.connect() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        )
    assert "ix_port_requests_created_at" in plan and "TEMP B-TREE" not in plan, plan
