"""Random sequences of real service calls never leave the transition table, every accepted
call is on the timeline, and a refused call changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot import services as svc
from bot.porting.calendar import BusinessCalendar
from bot.porting.errors import DomainError
from bot.porting.lifecycle import ACTIVE_NUMBER_STATUSES, carrier_phase
from bot.services.base import Context
from bot.services.reminders import reconcile
from storage.db import Database
from storage.models import PortNumber, PortRequest, TimelineEvent
from storage.values import RequestStatus
from tests.conftest import Clock, fresh_database_url
from tests.services.helpers import (
    AGENT,
    CUSTOMER,
    assert_timeline_legal,
    draft,
    mark_loa_signed,
    numbers,
)

ACTORS = {"customer": CUSTOMER, "agent": AGENT, "system": svc.SYSTEM}
FOC = date(2026, 12, 2)
ADV = ("advance", "agent", 0)


def _call(ctx: Context, sid: str, nums: list[str], op: str, who: str, pick: int) -> None:
    actor = ACTORS[who]
    some = [nums[pick % len(nums)]]
    calls = {
        "sign": lambda: mark_loa_signed(ctx, sid, actor=actor),
        "submit": lambda: svc.submit_to_carrier(ctx, sid, actor=actor),
        "foc_all": lambda: svc.set_foc(ctx, sid, FOC, actor=actor),
        "foc_one": lambda: svc.set_foc(ctx, sid, FOC, actor=actor, numbers=some),
        "reject_all": lambda: svc.reject(ctx, sid, ["data_mismatch"], actor=actor),
        "reject_one": lambda: svc.reject(ctx, sid, ["wrong_pin"], actor=actor, numbers=some),
        "resubmit": lambda: svc.resubmit(ctx, sid, actor=actor),
        "resubmit_loa": lambda: svc.resubmit(ctx, sid, actor=actor, changes={"city": "Boston"}),
        "ported_all": lambda: svc.mark_ported(ctx, sid, actor=actor),
        "ported_one": lambda: svc.mark_ported(ctx, sid, actor=actor, numbers=some),
        "cancel": lambda: svc.request_cancel(ctx, sid, actor=actor),
        "confirm_cancel": lambda: svc.confirm_cancel(ctx, sid, actor=actor),
        "decline_cancel": lambda: svc.decline_cancel(ctx, sid, actor=actor),
        "expire": lambda: svc.expire(ctx, sid, actor=actor),
        "edit": lambda: svc.update_details(ctx, sid, {"name": f"r{pick}"}, actor=actor),
        "note": lambda: svc.add_note(ctx, sid, "checking in", actor=actor),
    }
    calls[op]()


# "advance" takes the natural next step for the current status, so walks get deep.
NEXT = {
    RequestStatus.AWAITING_SIGNATURE: ("sign", "customer"),
    RequestStatus.IN_REVIEW: ("submit", "agent"),
    RequestStatus.SUBMITTED: ("foc_all", "agent"),
    RequestStatus.FOC_CONFIRMED: ("ported_all", "agent"),
    RequestStatus.ACTION_REQUIRED: ("resubmit", "customer"),
    RequestStatus.CANCEL_PENDING: ("confirm_cancel", "agent"),
}

OPS = st.tuples(
    st.sampled_from(
        ["advance"] * 12
        + [
            "sign",
            "submit",
            "foc_all",
            "foc_one",
            "reject_all",
            "reject_one",
            "resubmit",
            "resubmit_loa",
            "ported_all",
            "ported_one",
            "cancel",
            "confirm_cancel",
            "decline_cancel",
            "expire",
            "edit",
            "note",
        ]
    ),
    st.sampled_from(list(ACTORS)),
    st.integers(min_value=0, max_value=5),
)


def _state(db: Database, sid: str) -> tuple[RequestStatus, list, int]:
    with db.read() as s:
        req = s.exec(select(PortRequest).where(PortRequest.sid == sid)).one()
        nums = list(s.exec(select(PortNumber).where(PortNumber.request_id == req.id)).all())
        events = len(
            s.exec(select(TimelineEvent.id).where(TimelineEvent.request_id == req.id)).all()
        )
        return req.status, [(n.e164, n.status, n.open_e164) for n in nums], events


def test_random_service_sequences_keep_the_lifecycle(tmp_path):
    url, drop = fresh_database_url(tmp_path)
    db = Database(url)
    db.upgrade()
    ctx = Context(
        reconcile=reconcile,
        db=db,
        calendar=BusinessCalendar(),
        clock=Clock(datetime(2026, 11, 16, 15, tzinfo=UTC)),
    )
    accepted_ops: set[str] = set()

    @settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @example([ADV] * 5, 2)  # the happy path to completion
    @example([ADV, ADV, ("cancel", "customer", 0), ADV], 1)  # cancel after submission
    @example([ADV, ADV, ADV, ("cancel", "agent", 0), ("decline_cancel", "agent", 0)], 2)
    @example([ADV, ADV, ("reject_one", "agent", 1), ADV, ADV, ADV, ADV, ADV], 2)
    @example([ADV, ADV, ADV, ("ported_one", "agent", 0), ("reject_all", "agent", 0)], 2)
    @example([ADV, ("reject_all", "agent", 0), ("resubmit_loa", "customer", 0), ADV], 1)
    @given(st.lists(OPS, min_size=1, max_size=14), st.integers(min_value=1, max_value=3))
    def run(steps, count):
        nums = numbers(count)
        sid = svc.open_request(ctx, draft(nums), actor=CUSTOMER).sid
        for op, who, pick in steps:
            before = _state(db, sid)
            if op == "advance":
                if before[0] not in NEXT:
                    continue
                op, who = NEXT[before[0]]
            try:
                _call(ctx, sid, nums, op, who, pick)
            except DomainError:
                assert _state(db, sid) == before, f"refused {op} by {who} changed something"
                continue
            after = _state(db, sid)
            if after != before:
                accepted_ops.add(op)
                assert after[2] > before[2], f"{op} by {who} changed state without an event"
            if after[0] != before[0]:
                assert after[2] > before[2]
            status, number_rows, _ = after
            statuses = [st_ for _, st_, _ in number_rows]
            if status in (RequestStatus.SUBMITTED, RequestStatus.FOC_CONFIRMED):
                assert carrier_phase(statuses) is status
            for e164, n_status, claim in number_rows:
                live = not status.final and not n_status.final
                assert claim == (e164 if live else None)
            if status is RequestStatus.COMPLETED:
                assert not any(s in ACTIVE_NUMBER_STATUSES for s in statuses)
        assert_timeline_legal(db, sid)

    try:
        run()
    finally:
        db.dispose()
        drop()
    # The walk really exercised the lifecycle, not just refusals.
    assert {
        "sign",
        "submit",
        "foc_all",
        "ported_all",
        "cancel",
        "confirm_cancel",
        "resubmit",
    } <= accepted_ops, sorted(accepted_ops)
