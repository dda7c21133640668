from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from bot import services as svc
from bot.porting.errors import InvalidInput, NotFound
from bot.porting.lifecycle import CutoffPassed, IllegalMove, NotPermitted
from storage.models import IdempotencyRecord, PortNumber, PortRequest
from storage.values import NumberStatus, RequestStatus
from tests.services.helpers import (
    ACCOUNT,
    AGENT,
    CUSTOMER,
    OTHER_CUSTOMER,
    PIN,
    assert_timeline_legal,
    draft,
    mark_loa_signed,
    numbers,
    outbox_for,
)

S = RequestStatus


def _to_submitted(ctx, nums=None, **kw):
    snap = svc.open_request(ctx, draft(nums, **kw), actor=CUSTOMER, team_id="T1", channel_id="C1")
    mark_loa_signed(ctx, snap.sid, actor=CUSTOMER)
    return svc.submit_to_carrier(ctx, snap.sid, actor=AGENT)


def _count(db, model) -> int:
    with db.read() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_the_whole_journey(ctx, db):
    nums = numbers(3)
    snap = svc.open_request(ctx, draft(nums), actor=CUSTOMER, team_id="T1", channel_id="C1")
    assert snap.status is S.AWAITING_SIGNATURE
    assert snap.sid.startswith("PR") and len(snap.sid) == 34
    assert [n.e164 for n in snap.numbers] == nums
    assert all(n.open_e164 == n.e164 for n in snap.numbers)

    assert mark_loa_signed(ctx, snap.sid, actor=CUSTOMER).status is S.IN_REVIEW
    submitted = svc.submit_to_carrier(ctx, snap.sid, actor=AGENT)
    assert submitted.status is S.SUBMITTED
    assert {n.status for n in submitted.numbers} == {NumberStatus.SUBMITTED}

    foc = date(2026, 12, 2)
    confirmed = svc.set_foc(ctx, snap.sid, foc, actor=AGENT)
    assert confirmed.status is S.FOC_CONFIRMED and confirmed.request.foc_date == foc

    done = svc.mark_ported(ctx, snap.sid, actor=AGENT)
    assert done.status is S.COMPLETED and done.request.completed_at is not None
    assert all(n.status is NumberStatus.PORTED and n.open_e164 is None for n in done.numbers)

    events = assert_timeline_legal(db, snap.sid)
    assert [e.action for e in events] == [
        "open",
        "complete_draft",
        "sign_loa",
        "submit",
        "set_foc",
        "complete",
    ]
    assert events[3].actor_id == AGENT.id and events[3].actor_role.value == "agent"
    # Each event queued one message per destination, in the same transaction; entering
    # awaiting_signature also queued the LOA's sending, once.
    outbox = outbox_for(db, snap.sid)
    loa = [m for m in outbox if m.topic == "loa.send"]
    assert [m.payload["action"] for m in loa] == ["complete_draft"]
    outbox = [m for m in outbox if m.topic != "loa.send"]
    assert len(outbox) == 2 * len(events)
    assert {m.payload["event_id"] for m in outbox} == {e.id for e in events}


def test_upload_later_keeps_a_draft_until_the_bill_arrives(ctx):
    snap = svc.open_request(ctx, draft(bill=None, bill_later=True), actor=CUSTOMER)
    assert snap.status is S.DRAFT
    with pytest.raises(InvalidInput) as err:
        svc.complete_draft(ctx, snap.sid, actor=CUSTOMER)
    assert "bill" in err.value.errors
    from tests.services.helpers import BILL

    assert svc.complete_draft(ctx, snap.sid, actor=CUSTOMER, bill=BILL).status is (
        S.AWAITING_SIGNATURE
    )


def test_bad_input_is_refused_and_nothing_is_saved(ctx, db):
    bad = draft(["+1 212 555 0100", "+16172531000"], street="PO Box 99", rep_email="nope")
    with pytest.raises(InvalidInput) as err:
        svc.open_request(ctx, bad, actor=CUSTOMER)
    assert set(err.value.errors) >= {"landlines", "street", "rep_email"}
    assert "+1 212 555 0100" in err.value.errors["landlines"]
    assert _count(db, PortRequest) == 0 and _count(db, PortNumber) == 0


def test_a_number_can_be_in_one_open_request_only(ctx):
    nums = numbers(2)
    first = svc.open_request(ctx, draft(nums), actor=CUSTOMER)
    with pytest.raises(InvalidInput) as err:
        svc.open_request(ctx, draft([nums[1]]), actor=OTHER_CUSTOMER)
    assert "already in another open port request" in err.value.errors["landlines"]
    svc.request_cancel(ctx, first.sid, actor=CUSTOMER)  # never submitted: cancelled at once
    again = svc.open_request(ctx, draft([nums[1]]), actor=OTHER_CUSTOMER)
    assert again.status is S.AWAITING_SIGNATURE


def test_same_idempotency_key_gives_one_request(ctx, db):
    d = draft()
    one = svc.open_request(ctx, d, actor=CUSTOMER, key="view-123")
    two = svc.open_request(ctx, d, actor=CUSTOMER, key="view-123")
    assert one.sid == two.sid and two.replayed and not one.replayed
    assert _count(db, PortRequest) == 1


def test_double_clicked_submission_from_many_threads_makes_one_request(ctx, db):
    d = draft()
    results, errors = [], []

    def click() -> None:
        try:
            results.append(svc.open_request(ctx, d, actor=CUSTOMER, key="double-click"))
        except Exception as exc:  # pragma: no cover - a failure shows in the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({r.sid for r in results}) == 1
    assert _count(db, PortRequest) == 1 and _count(db, IdempotencyRecord) == 1


def test_racing_requests_for_the_same_numbers_let_exactly_one_through(ctx, db):
    nums = numbers(2)
    outcomes: list[str] = []

    def open_one(i: int) -> None:
        try:
            svc.open_request(ctx, draft(nums), actor=CUSTOMER, key=f"race-{i}")
            outcomes.append("ok")
        except InvalidInput as exc:
            assert "already in another open port request" in exc.errors["landlines"]
            outcomes.append("refused")

    threads = [threading.Thread(target=open_one, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok"] + ["refused"] * 5
    assert _count(db, PortRequest) == 1


def test_repeated_agent_actions_with_a_key_act_once(ctx, db):
    snap = _to_submitted(ctx)
    a = svc.add_note(ctx, snap.sid, "Called the carrier", actor=AGENT, key="note-1")
    b = svc.add_note(ctx, snap.sid, "Called the carrier", actor=AGENT, key="note-1")
    assert b.replayed
    notes = [e for e in assert_timeline_legal(db, snap.sid) if e.action == "note"]
    assert len(notes) == 1 and a.sid == b.sid
    # Without a key, a second submit is refused by the lifecycle (nothing doubles either).
    with pytest.raises(IllegalMove):
        svc.submit_to_carrier(ctx, snap.sid, actor=AGENT)


def test_foc_per_number_then_the_rest_then_moved(ctx, db):
    nums = numbers(3)
    snap = _to_submitted(ctx, nums)
    partial = svc.set_foc(ctx, snap.sid, date(2026, 12, 1), actor=AGENT, numbers=[nums[0]])
    assert partial.status is S.SUBMITTED
    assert partial.request.foc_date == date(2026, 12, 1)
    full = svc.set_foc(ctx, snap.sid, date(2026, 12, 3), actor=AGENT, numbers=nums[1:])
    assert full.status is S.FOC_CONFIRMED
    assert full.request.foc_date == date(2026, 12, 1)  # the earliest waiting number

    start = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    moved = svc.set_foc(
        ctx,
        snap.sid,
        date(2026, 12, 4),
        actor=AGENT,
        window_start=start,
        window_end=start + timedelta(hours=2),
    )
    assert moved.status is S.FOC_CONFIRMED
    assert {n.foc_date for n in moved.numbers} == {date(2026, 12, 4)}
    assert moved.request.foc_window_start == start
    last = moved.events[-1]
    assert last.action == "set_foc" and last.data["moved"] is True and "moved from" in last.detail

    before = len(assert_timeline_legal(db, snap.sid))
    same = svc.set_foc(
        ctx,
        snap.sid,
        date(2026, 12, 4),
        actor=AGENT,
        window_start=start,
        window_end=start + timedelta(hours=2),
    )
    assert same.replayed and len(assert_timeline_legal(db, snap.sid)) == before


@pytest.mark.parametrize(
    ("foc", "kw", "says"),
    [
        (date(2026, 11, 13), {}, "in the past"),
        (date(2026, 12, 1), {"window_start": datetime(2026, 12, 1, 14, tzinfo=UTC)}, "both"),
        (
            date(2026, 12, 1),
            {
                "window_start": datetime(2026, 12, 1, 14, tzinfo=UTC),
                "window_end": datetime(2026, 12, 1, 13, tzinfo=UTC),
            },
            "end after",
        ),
        (
            date(2026, 12, 1),
            {
                "window_start": datetime(2026, 12, 5, 14, tzinfo=UTC),
                "window_end": datetime(2026, 12, 5, 15, tzinfo=UTC),
            },
            "port date",
        ),
    ],
)
def test_bad_foc_input(ctx, foc, kw, says):
    snap = _to_submitted(ctx)
    with pytest.raises(InvalidInput, match=says):
        svc.set_foc(ctx, snap.sid, foc, actor=AGENT, **kw)


def test_rejected_in_review_then_fixed_without_new_signature(ctx, db):
    snap = svc.open_request(ctx, draft(numbers(1), wireless=numbers(1)), actor=CUSTOMER)
    mark_loa_signed(ctx, snap.sid, actor=CUSTOMER)
    rejected = svc.reject(ctx, snap.sid, ["wrong_pin"], actor=AGENT, note="PIN expired")
    assert rejected.status is S.ACTION_REQUIRED
    assert {tuple(n.rejection_codes) for n in rejected.numbers} == {("wrong_pin",)}
    fixed = svc.resubmit(ctx, snap.sid, actor=CUSTOMER, changes={"pin": "246810"})
    assert fixed.status is S.IN_REVIEW and fixed.request.signed_at is not None
    assert fixed.request.pin.reveal() == "246810"
    assert {n.status for n in fixed.numbers} == {NumberStatus.PENDING}
    assert_timeline_legal(db, snap.sid)


def test_fixing_loa_data_needs_a_new_signature(ctx, db):
    snap = _to_submitted(ctx)
    svc.reject(ctx, snap.sid, ["address_mismatch"], actor=AGENT)
    with pytest.raises(InvalidInput) as err:
        svc.resubmit(ctx, snap.sid, actor=CUSTOMER, changes={"street": "PO Box 1"})
    assert "street" in err.value.errors
    fixed = svc.resubmit(ctx, snap.sid, actor=CUSTOMER, changes={"street": "77 Mass Ave"})
    assert fixed.status is S.AWAITING_SIGNATURE and fixed.request.signed_at is None
    assert fixed.request.street == "77 Mass Ave"
    assert_timeline_legal(db, snap.sid)


def test_partial_port_completes_and_offers_a_follow_up(ctx, db):
    nums = numbers(3)
    snap = _to_submitted(ctx, nums)
    svc.set_foc(ctx, snap.sid, date(2026, 12, 2), actor=AGENT, numbers=nums[:2])
    after_reject = svc.reject(ctx, snap.sid, ["not_portable"], actor=AGENT, numbers=[nums[2]])
    # The only number still without a date was rejected: the rest are all scheduled.
    assert after_reject.status is S.FOC_CONFIRMED
    done = svc.mark_ported(ctx, snap.sid, actor=AGENT)
    assert done.status is S.COMPLETED
    assert done.events[-1].action == "complete" and done.events[-1].data == {"partial": True}
    assert all(n.open_e164 is None for n in done.numbers)

    follow = svc.open_follow_up(ctx, snap.sid, actor=CUSTOMER)
    assert follow.status is S.DRAFT and [n.e164 for n in follow.numbers] == [nums[2]]
    assert follow.request.parent_id == done.request.id
    assert follow.request.rep_name == done.request.rep_name
    assert follow.request.account_number.reveal() == ACCOUNT
    assert_timeline_legal(db, snap.sid)
    assert_timeline_legal(db, follow.sid)


def test_carrier_rejecting_every_number_needs_action(ctx, db):
    snap = _to_submitted(ctx)
    svc.set_foc(ctx, snap.sid, date(2026, 12, 2), actor=AGENT)
    rejected = svc.reject(ctx, snap.sid, ["name_mismatch", "account_number"], actor=AGENT)
    assert rejected.status is S.ACTION_REQUIRED and rejected.request.foc_date is None
    assert_timeline_legal(db, snap.sid)


def test_customer_cancel_is_refused_inside_the_cutoff(ctx, clock, db):
    snap = _to_submitted(ctx)
    svc.set_foc(ctx, snap.sid, date(2026, 11, 30), actor=AGENT)  # Monday after Thanksgiving
    clock.set(datetime(2026, 11, 26, 15, tzinfo=UTC))  # Thanksgiving: deadline was Wed 25th
    with pytest.raises(CutoffPassed) as err:
        svc.request_cancel(ctx, snap.sid, actor=CUSTOMER)
    assert "Wed Nov 25, 2026" in err.value.message
    pending = svc.request_cancel(ctx, snap.sid, actor=AGENT, reason="customer called")
    assert pending.status is S.CANCEL_PENDING
    back = svc.decline_cancel(ctx, snap.sid, actor=AGENT, reason="carrier says too late")
    assert back.status is S.FOC_CONFIRMED
    svc.request_cancel(ctx, snap.sid, actor=AGENT)
    closed = svc.confirm_cancel(ctx, snap.sid, actor=AGENT)
    assert closed.status is S.CANCELLED
    assert all(n.status is NumberStatus.CANCELLED and n.open_e164 is None for n in closed.numbers)
    assert_timeline_legal(db, snap.sid)


def test_customer_cancel_before_the_cutoff_waits_for_an_agent(ctx, db):
    snap = _to_submitted(ctx)
    svc.set_foc(ctx, snap.sid, date(2026, 12, 2), actor=AGENT)
    assert svc.request_cancel(ctx, snap.sid, actor=CUSTOMER).status is S.CANCEL_PENDING
    with pytest.raises(NotPermitted):
        svc.confirm_cancel(ctx, snap.sid, actor=CUSTOMER)


def test_submission_refuses_stale_documents(ctx, clock):
    snap = svc.open_request(ctx, draft(), actor=CUSTOMER)
    mark_loa_signed(ctx, snap.sid, actor=CUSTOMER)
    clock.set(clock.now + timedelta(days=30))  # the bill (Nov 10) is now 36 days old
    with pytest.raises(InvalidInput, match="36 days old"):
        svc.submit_to_carrier(ctx, snap.sid, actor=AGENT)


def test_customers_cannot_make_agent_moves(ctx):
    snap = svc.open_request(ctx, draft(), actor=CUSTOMER)
    mark_loa_signed(ctx, snap.sid, actor=CUSTOMER)
    with pytest.raises(NotPermitted):
        svc.submit_to_carrier(ctx, snap.sid, actor=CUSTOMER)
    svc.submit_to_carrier(ctx, snap.sid, actor=AGENT)
    svc.set_foc(ctx, snap.sid, date(2026, 12, 2), actor=AGENT)
    with pytest.raises(NotPermitted):
        svc.mark_ported(ctx, snap.sid, actor=CUSTOMER)


def test_changing_details_before_submission(ctx, db):
    snap = svc.open_request(ctx, draft(), actor=CUSTOMER)
    mark_loa_signed(ctx, snap.sid, actor=CUSTOMER)
    same = svc.update_details(ctx, snap.sid, {"name": "Main office lines"}, actor=CUSTOMER)
    assert same.status is S.IN_REVIEW and same.request.name == "Main office lines"
    resign = svc.update_details(ctx, snap.sid, {"rep_name": "Sam Lee"}, actor=CUSTOMER)
    assert resign.status is S.AWAITING_SIGNATURE and resign.request.signed_at is None
    with pytest.raises(InvalidInput, match="can't be edited"):
        svc.update_details(ctx, snap.sid, {"landlines": "+16172530000"}, actor=CUSTOMER)
    assert_timeline_legal(db, snap.sid)


def test_expiry_frees_the_numbers(ctx):
    snap = svc.open_request(ctx, draft(bill=None, bill_later=True), actor=CUSTOMER)
    with pytest.raises(NotPermitted):
        svc.expire(ctx, snap.sid, actor=CUSTOMER)
    gone = svc.expire(ctx, snap.sid)
    assert gone.status is S.EXPIRED and all(n.open_e164 is None for n in gone.numbers)


def test_visibility_and_prefix_lookup(ctx):
    mine = svc.open_request(ctx, draft(), actor=CUSTOMER, team_id="T1", channel_id="C1")
    me = svc.Viewer(user_id=CUSTOMER.id, team_id="T1")
    stranger = svc.Viewer(user_id=OTHER_CUSTOMER.id, team_id="T1")
    teammate = svc.Viewer(user_id=OTHER_CUSTOMER.id, team_id="T1", channel_ids=frozenset({"C1"}))
    agent = svc.Viewer(user_id=AGENT.id, is_agent=True)
    prefix = mine.sid[:12]
    assert svc.find(ctx, prefix, me).sid == mine.sid
    assert svc.find(ctx, prefix.lower(), agent).sid == mine.sid
    assert svc.find(ctx, prefix, teammate).sid == mine.sid
    with pytest.raises(NotFound) as foreign:
        svc.find(ctx, prefix, stranger)
    with pytest.raises(NotFound) as unknown:
        svc.find(ctx, "PR" + "f" * 32, stranger)
    assert foreign.value.message.replace(prefix, "X") == unknown.value.message.replace(
        "PR" + "f" * 32, "X"
    )
    assert [r.sid for r in svc.list_requests(ctx, me)] == [mine.sid]
    assert svc.list_requests(ctx, stranger) == []


def test_secrets_never_reach_the_timeline_or_outbox(ctx, db):
    snap = svc.open_request(ctx, draft(numbers(1), wireless=numbers(1)), actor=CUSTOMER)
    mark_loa_signed(ctx, snap.sid, actor=CUSTOMER)
    svc.reject(ctx, snap.sid, ["wrong_pin"], actor=AGENT)
    svc.resubmit(
        ctx, snap.sid, actor=CUSTOMER, changes={"pin": "112233", "account_number": "55667788"}
    )
    with db.read() as s:
        dumped = []
        for table in ("timeline_events", "outbox", "port_requests"):
            for row in s.execute(sa.text(f"SELECT * FROM {table}")).all():
                dumped.append(" ".join(str(v) for v in row))
    text = "\n".join(dumped)
    for secret in (PIN, "112233", ACCOUNT, "55667788"):
        assert secret not in text
