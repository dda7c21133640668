"""Port-outs as use cases: the inventory, protection, windows, the decision at arrival, the
holder's answer and the deadline's default (PRODUCT §4)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import services as svc
from bot.porting.errors import InvalidInput, NotFound
from bot.porting.numbers import format_display
from bot.porting.reminders import ReminderPolicy
from bot.services import port_outs as po
from bot.services.base import Context
from bot.services.reminders import reconcile
from storage.models import HeldNumber, OutboxMessage, PortOut, PortOutEvent, Reminder
from storage.values import PortOutStatus, ReminderStatus
from tests.services.helpers import AGENT, CUSTOMER, draft, mark_loa_signed, numbers

TEAM, CHANNEL, OTHER = "T1", "C0ACME", "C0OTHER"
NY = ZoneInfo("America/New_York")
PORT_PIN = "482913"


def _hold(ctx, count: int = 2, account: str = CHANNEL) -> list[str]:
    nums = numbers(count)
    po.add_numbers(ctx, team_id=TEAM, account=account, numbers=nums, actor=AGENT)
    return nums


def _incoming(nums, **kw) -> po.Incoming:
    return po.Incoming(numbers=nums, carrier=kw.pop("carrier", "Greenfield Wireless"), **kw)


def _receive(ctx, nums, **kw) -> po.Received:
    key = kw.pop("key", None)
    return po.receive(ctx, _incoming(nums, **kw), actor=AGENT, source="agent", dedupe_key=key)


# ----------------------------------------------------------------------------- inventory
def test_numbers_join_an_account_once_and_another_account_is_refused_by_name(ctx):
    nums = _hold(ctx, 2)
    again = po.add_numbers(ctx, team_id=TEAM, account=CHANNEL, numbers=nums, actor=AGENT)
    assert again.added == [] and again.already == nums
    with pytest.raises(InvalidInput) as refused:
        po.add_numbers(
            ctx, team_id=TEAM, account=OTHER, numbers=[nums[1], numbers(1)[0]], actor=AGENT
        )
    assert f"{format_display(nums[1])} ({CHANNEL})" in refused.value.message
    with ctx.db.read() as s:
        rows = s.exec(select(HeldNumber)).all()
    assert sorted(r.e164 for r in rows) == sorted(nums)  # nothing added by the refused call
    gone = po.remove_numbers(ctx, numbers=nums[:1], actor=AGENT)
    assert gone.removed == nums[:1]


def test_a_completed_port_in_puts_its_ported_numbers_in_the_requests_account(ctx):
    nums = numbers(3)
    sid = svc.open_request(ctx, draft(nums), actor=CUSTOMER, team_id=TEAM, channel_id=CHANNEL).sid
    mark_loa_signed(ctx, sid, actor=CUSTOMER)
    svc.submit_to_carrier(ctx, sid, actor=AGENT)
    svc.set_foc(ctx, sid, ctx.today() + timedelta(days=7), actor=AGENT)
    svc.mark_ported(ctx, sid, actor=AGENT, numbers=nums[:2])  # a partial port so far
    with ctx.db.read() as s:
        rows = {r.e164: r for r in s.exec(select(HeldNumber))}
    assert set(rows) == set(nums[:2])
    assert {(r.account, r.source, r.postal_code) for r in rows.values()} == {
        (CHANNEL, "port-in", "02139")
    }


# ----------------------------------------------------------------------------- decisions
def test_numbers_nobody_holds_are_refused_and_named(ctx):
    nums = _hold(ctx, 1)
    stranger = numbers(1)[0]
    got = _receive(ctx, [nums[0], stranger])
    by_account = {p.account: p for p in got.port_outs}
    assert by_account[""].status is PortOutStatus.REJECTED and by_account[""].rule == "not-held"
    assert by_account[""].numbers == [stranger]
    assert by_account[CHANNEL].status is PortOutStatus.PENDING  # ours: the holder is asked
    assert got.status is PortOutStatus.REJECTED


def test_a_wrong_or_missing_pin_rejects_and_is_never_stored_or_sent_in_the_clear(ctx, caplog):
    nums = _hold(ctx, 2)
    po.set_pin(ctx, team_id=TEAM, account=CHANNEL, pin=PORT_PIN, actor=CUSTOMER)
    wrong = _receive(ctx, nums, pin="111111")
    assert [p.status for p in wrong.port_outs] == [PortOutStatus.REJECTED]
    assert {d.reason.value for d in wrong.decisions} == {"pin-wrong"}
    missing = _receive(ctx, nums)
    assert {d.reason.value for d in missing.decisions} == {"pin-missing"}
    right = _receive(ctx, nums, pin=PORT_PIN)
    assert right.status is PortOutStatus.PENDING  # the PIN only lets it be asked about
    with ctx.db.read() as s:
        stored = json.dumps(
            [r.payload for r in s.exec(select(OutboxMessage))]
            + [e.data | {"d": e.detail} for e in s.exec(select(PortOutEvent))]
            + [p.decisions for p in s.exec(select(PortOut))],
            default=str,
        )
        raw = s.connection().exec_driver_sql("SELECT pin FROM port_out_accounts").scalar()
    assert PORT_PIN not in stored and "111111" not in stored
    assert PORT_PIN not in str(raw)  # encrypted at rest
    assert PORT_PIN not in caplog.text


def test_a_locked_number_goes_only_with_the_right_pin(ctx, clock):
    nums = _hold(ctx, 1)
    po.lock(ctx, team_id=TEAM, account=CHANNEL, actor=CUSTOMER, numbers=nums)
    assert {d.reason.value for d in _receive(ctx, nums).decisions} == {"locked"}
    w = po.open_window(
        ctx,
        team_id=TEAM,
        account=CHANNEL,
        channel_id=CHANNEL,
        actor=CUSTOMER,
        numbers=nums,
        starts_at=None,
        ends_at=clock.now + timedelta(days=2),
    )
    assert {d.reason.value for d in _receive(ctx, nums).decisions} == {
        "locked"
    }  # a window is no key
    po.set_pin(ctx, team_id=TEAM, account=CHANNEL, pin=PORT_PIN, actor=CUSTOMER, numbers=nums)
    with_pin = _receive(ctx, nums, pin=PORT_PIN)
    assert with_pin.status is PortOutStatus.AUTHORIZED and with_pin.port_outs[0].window_id == w.id


def test_unlocking_waits_before_it_takes_effect_and_says_so_at_once(ctx, clock):
    nums = _hold(ctx, 1)
    po.lock(ctx, team_id=TEAM, account=CHANNEL, actor=CUSTOMER)
    ends = po.unlock(ctx, team_id=TEAM, account=CHANNEL, actor=CUSTOMER)
    assert ends == clock.now + timedelta(hours=24)
    with ctx.db.read() as s:
        notices = [
            r.payload for r in s.exec(select(OutboxMessage)) if r.topic == "slack.account_notice"
        ]
    assert [n["kind"] for n in notices] == ["locked", "unlocking"]
    clock.set(ends - timedelta(seconds=1))
    assert {d.reason.value for d in _receive(ctx, nums).decisions} == {"locked"}
    clock.set(ends)
    assert {d.reason.value for d in _receive(ctx, nums).decisions} == {"ask"}


# ----------------------------------------------------------------------------- windows
@pytest.mark.parametrize("zone", ["America/New_York", "Europe/London", "Australia/Sydney"])
def test_a_window_covers_from_its_first_instant_to_just_before_its_last_across_dst(
    ctx, clock, zone
):
    tz = ZoneInfo(zone)
    clock.set(datetime(2027, 3, 1, tzinfo=UTC))
    nums = _hold(ctx, 1)
    # spans the spring change in the US (Mar 14) and the UK (Mar 28), autumn's in Sydney (Apr 4)
    starts = datetime(2027, 3, 10, 9, 0, tzinfo=tz)
    ends = datetime(2027, 4, 5, 9, 0, tzinfo=tz)
    po.open_window(
        ctx,
        team_id=TEAM,
        account=CHANNEL,
        channel_id=CHANNEL,
        actor=CUSTOMER,
        numbers=nums,
        starts_at=starts,
        ends_at=ends,
        carrier="Greenfield Wireless",
    )
    for moment, expected in (
        (starts - timedelta(microseconds=1), "ask"),
        (starts, "window"),
        (ends - timedelta(microseconds=1), "window"),
        (ends, "ask"),
    ):
        clock.set(moment)
        assert {d.reason.value for d in _receive(ctx, nums).decisions} == {expected}, moment


def test_a_window_checks_carrier_and_pin_when_it_names_them(ctx, clock):
    nums = _hold(ctx, 1)
    po.open_window(
        ctx,
        team_id=TEAM,
        account=CHANNEL,
        channel_id=CHANNEL,
        actor=CUSTOMER,
        numbers=nums,
        starts_at=None,
        ends_at=clock.now + timedelta(days=3),
        carrier="Greenfield Wireless, Inc",
        pin="2468",
    )
    assert _receive(ctx, nums, carrier="Other Co", pin="2468").status is PortOutStatus.PENDING
    assert _receive(ctx, nums, carrier="GREENFIELD wireless inc").status is PortOutStatus.PENDING
    ok = _receive(ctx, nums, carrier="greenfield wireless inc.", pin="2468")
    assert ok.status is PortOutStatus.AUTHORIZED and ok.port_outs[0].rule == "window"


def test_window_input_is_checked_by_field_and_others_numbers_are_named(ctx, clock):
    mine, theirs = _hold(ctx, 1), _hold(ctx, 1, account=OTHER)
    base = dict(team_id=TEAM, account=CHANNEL, channel_id=CHANNEL, actor=CUSTOMER)
    with pytest.raises(InvalidInput) as bad:
        po.open_window(
            ctx,
            **base,
            numbers=mine + theirs,
            starts_at=None,
            ends_at=clock.now + timedelta(days=1),
        )
    assert set(bad.value.errors) == {"numbers"}
    assert bad.value.errors["numbers"] == f"Not this account's numbers: {format_display(theirs[0])}"
    for starts, ends, field in (
        (clock.now + timedelta(days=2), clock.now + timedelta(days=1), "ends_at"),
        (None, clock.now - timedelta(hours=1), "ends_at"),
        (None, clock.now + timedelta(days=31), "ends_at"),
        (clock.now - timedelta(days=1), clock.now + timedelta(days=1), "starts_at"),
    ):
        with pytest.raises(InvalidInput) as bad:
            po.open_window(ctx, **base, numbers=mine, starts_at=starts, ends_at=ends)
        assert set(bad.value.errors) == {field}
    with pytest.raises(InvalidInput) as bad:
        po.open_window(
            ctx,
            **base,
            numbers=mine,
            starts_at=None,
            ends_at=clock.now + timedelta(days=1),
            pin="12",
        )
    assert set(bad.value.errors) == {"pin"}


def test_a_revoked_window_authorizes_nothing_more(ctx, clock):
    nums = _hold(ctx, 1)
    w = po.open_window(
        ctx,
        team_id=TEAM,
        account=CHANNEL,
        channel_id=CHANNEL,
        actor=CUSTOMER,
        numbers=nums,
        starts_at=None,
        ends_at=clock.now + timedelta(days=3),
    )
    with pytest.raises(NotFound):
        po.revoke_window(ctx, w.public_id, actor=CUSTOMER, account=OTHER)  # not theirs
    po.revoke_window(ctx, w.public_id, actor=CUSTOMER, account=CHANNEL)
    assert _receive(ctx, nums).status is PortOutStatus.PENDING


# ------------------------------------------------------------------ answers and deadlines
def _world(db, clock, **policy) -> Context:
    return Context(db=db, clock=clock, reconcile=reconcile, reminders=ReminderPolicy(**policy))


@pytest.mark.parametrize(
    ("default", "status"), [("authorize", "authorized"), ("reject", "rejected")]
)
def test_at_the_deadline_the_default_decides(db, clock, default, status):
    ctx = _world(db, clock, port_out_default=default, port_out_deadline=timedelta(hours=6))
    nums = _hold(ctx, 1)
    got = _receive(ctx, nums).port_outs[0]
    assert got.deadline_at == clock.now + timedelta(hours=6)
    with ctx.db.read() as s:
        kinds = sorted(r.kind for r in s.exec(select(Reminder)) if r.port_out_id == got.id)
    assert "port-out-deadline" in kinds and "port-out-pending" in kinds
    assert po.apply_default(ctx, got.id) is True
    assert po.apply_default(ctx, got.id) is False  # once
    with ctx.db.read() as s:
        after = s.get(PortOut, got.id)
        left = [
            r
            for r in s.exec(select(Reminder))
            if r.port_out_id == got.id and r.status is ReminderStatus.SCHEDULED
        ]
    assert after.status.value == status and after.rule == "deadline" and left == []


def test_the_holders_answer_and_the_deadline_race_to_exactly_one_outcome(db, clock):
    ctx = _world(db, clock)
    for _ in range(5):
        nums = _hold(ctx, 1)
        got = _receive(ctx, nums).port_outs[0]
        results: list[object] = []

        def click(got: PortOut = got, results: list[object] = results) -> None:
            try:
                results.append(
                    po.answer(
                        ctx,
                        got.public_id,
                        approve=False,
                        actor=CUSTOMER,
                        accounts=[CHANNEL],
                        reason="not-requested",
                    )
                )
            except InvalidInput as exc:
                results.append(exc)

        def deadline(got: PortOut = got, results: list[object] = results) -> None:
            results.append(po.apply_default(ctx, got.id))

        threads = [threading.Thread(target=click), threading.Thread(target=deadline)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with ctx.db.read() as s:
            final = s.get(PortOut, got.id)
            decided = [
                e.action
                for e in s.exec(select(PortOutEvent).where(PortOutEvent.port_out_id == got.id))
            ]
        assert decided.count("authorized") + decided.count("rejected") == 1
        clicked = [r for r in results if isinstance(r, PortOut)]
        if clicked:
            assert final.status is PortOutStatus.REJECTED and results.count(False) == 1
        else:
            assert final.status is PortOutStatus.AUTHORIZED and True in results


def test_only_the_holder_answers_and_only_once(ctx):
    nums = _hold(ctx, 1)
    got = _receive(ctx, nums).port_outs[0]
    with pytest.raises(InvalidInput):
        po.answer(ctx, got.public_id, approve=True, actor=CUSTOMER, accounts=[OTHER])
    done = po.answer(ctx, got.public_id, approve=True, actor=CUSTOMER, accounts=[CHANNEL])
    assert done.status is PortOutStatus.AUTHORIZED and done.rule == "customer"
    with pytest.raises(InvalidInput):
        po.answer(ctx, got.public_id, approve=False, actor=CUSTOMER, accounts=[CHANNEL])
    ported = po.mark_ported(ctx, got.public_id, actor=AGENT)
    assert ported.status is PortOutStatus.PORTED
    with ctx.db.read() as s:
        assert s.exec(select(HeldNumber).where(HeldNumber.e164 == nums[0])).first() is None


def test_a_delivery_that_comes_again_records_nothing_new(ctx):
    nums = _hold(ctx, 1)
    first = _receive(ctx, nums + numbers(1), key="bandwidth:abc")
    again = _receive(ctx, nums + numbers(1), key="bandwidth:abc")
    assert again.replayed and [p.id for p in again.port_outs] == [p.id for p in first.port_outs]
    assert again.status is first.status
    with ctx.db.read() as s:
        assert len(s.exec(select(PortOut)).all()) == 2


def _ported_then_asked_away(ctx) -> tuple[list[str], po.Requested]:
    """Two numbers ported in to the channel's account, then asked away by the customer (a
    window with a one-time PIN)."""
    nums = numbers(2)
    sid = svc.open_request(ctx, draft(nums), actor=CUSTOMER, team_id=TEAM, channel_id=CHANNEL).sid
    mark_loa_signed(ctx, sid, actor=CUSTOMER)
    svc.submit_to_carrier(ctx, sid, actor=AGENT)
    svc.set_foc(ctx, sid, ctx.today() + timedelta(days=7), actor=AGENT)
    svc.mark_ported(ctx, sid, actor=AGENT)
    asked = po.request_port_out(
        ctx,
        team_id=TEAM,
        account=CHANNEL,
        channel_id=CHANNEL,
        actor=CUSTOMER,
        numbers=nums,
        carrier="Greenfield Wireless",
        wished_date=ctx.today() + timedelta(days=10),
    )
    return nums, asked


def test_a_requested_port_out_opens_a_window_with_a_one_time_pin(ctx, clock):
    nums, asked = _ported_then_asked_away(ctx)
    assert len(asked.pin) == 8 and asked.pin.isdigit() and asked.account_code.isdigit()
    assert asked.address[0] == "77 Massachusetts Ave" and "02139" in asked.address[-1]
    ok = _receive(ctx, nums, pin=asked.pin, account_number=asked.account_code, postal_code="02139")
    assert ok.status is PortOutStatus.AUTHORIZED
    again = _receive(ctx, nums, pin=asked.pin)  # one time only: the window closed
    assert again.status is PortOutStatus.PENDING
    wrong_zip = _receive(ctx, nums, pin=asked.pin, postal_code="90210")
    assert {d.reason.value for d in wrong_zip.decisions} == {"zip-mismatch"}


def test_a_one_time_window_authorizes_one_port_out_of_a_group(ctx, clock):
    """Deliveries written together are decided in turn: the customer's one-time window, spent
    by the first, decides nothing for the second of the same group."""
    nums, asked = _ported_then_asked_away(ctx)
    group = [
        po.Delivery(_incoming(nums, pin=asked.pin), "PON-A", "bandwidth:a"),
        po.Delivery(_incoming(nums, pin=asked.pin), "PON-B", "bandwidth:b"),
    ]
    first, second = po.receive_batch(ctx, group, actor=AGENT, source="bandwidth")
    assert first.status is PortOutStatus.AUTHORIZED
    assert second.status is PortOutStatus.PENDING
