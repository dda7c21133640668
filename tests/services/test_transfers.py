"""Transfers between sub-accounts as use cases: asked for, completed (the held numbers move in
one transaction), refused with the numbers named, cancelled, raced, and late (seed 004)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.porting import transfers as rule
from bot.porting.errors import InvalidInput, NotFound
from bot.porting.numbers import format_display
from bot.services import port_outs as po
from bot.services import transfers as tr
from bot.services.effects import Topic
from storage.models import HeldNumber, OutboxMessage, PortOutAccount
from storage.transfer_models import Transfer, TransferEvent
from storage.values import Role, TransferStatus
from tests.services.helpers import AGENT, CUSTOMER, OTHER_CUSTOMER, numbers

TEAM, MAIN, BRANCH, ELSEWHERE = "T1", "C0MAIN", "C0BRANCH", "C0ELSEWHERE"


def _hold(ctx, count: int = 2, account: str = MAIN) -> list[str]:
    nums = numbers(count)
    po.add_numbers(ctx, team_id=TEAM, account=account, numbers=nums, actor=AGENT)
    return nums


def _ask(ctx, nums, **kw) -> Transfer:
    values = {"team_id": TEAM, "source": MAIN, "destination": BRANCH, "actor": CUSTOMER}
    values.update(kw)
    return tr.request_transfer(ctx, numbers=nums, **values)


def _held(ctx) -> dict[str, HeldNumber]:
    with ctx.db.read() as s:
        return {h.e164: h for h in s.exec(select(HeldNumber))}


def _actions(ctx, transfer: Transfer) -> list[str]:
    with ctx.db.read() as s:
        return [
            e.action
            for e in s.exec(
                select(TransferEvent)
                .where(TransferEvent.transfer_id == transfer.id)
                .order_by(TransferEvent.id)
            )
        ]


def _topics(ctx) -> list[tuple[str, str]]:
    with ctx.db.read() as s:
        rows = s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [(r.topic, r.payload.get("action", "")) for r in rows if "transfer" in r.topic]


def test_a_transfer_is_asked_for_then_completed_and_the_numbers_move(ctx, clock):
    nums = _hold(ctx, 2)
    asked = _ask(ctx, nums, channel_id=MAIN)
    assert asked.public_id.startswith("TR") and len(asked.public_id) == 34
    assert asked.status is TransferStatus.REQUESTED and asked.numbers == nums
    # Monday 10:00 in New York: due two business days later, Wednesday 10:00.
    assert asked.due_at == datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    assert {h.account for h in _held(ctx).values()} == {MAIN}  # nothing moves yet

    done = tr.complete_transfer(ctx, asked.public_id[:10], actor=AGENT)
    assert done.status is TransferStatus.COMPLETED and done.closed_by == AGENT.id
    held = _held(ctx)
    assert {n: (h.account, h.source, h.request_id) for n, h in held.items()} == {
        n: (BRANCH, "transfer", None) for n in nums
    }
    with ctx.db.read() as s:  # the destination has its protection row (its code for carriers)
        assert s.exec(select(PortOutAccount).where(PortOutAccount.account == BRANCH)).first()
    assert _actions(ctx, asked) == ["requested", "completed"]
    assert _topics(ctx) == [
        (Topic.SLACK_TRANSFER_EVENT, "requested"),
        (Topic.ZENDESK_TRANSFER_EVENT, "requested"),
        (Topic.SLACK_TRANSFER_EVENT, "completed"),
        (Topic.ZENDESK_TRANSFER_EVENT, "completed"),
    ]


def test_numbers_the_source_does_not_hold_are_refused_and_named(ctx):
    mine = _hold(ctx, 1)
    theirs = _hold(ctx, 1, account=ELSEWHERE)
    nobodys = numbers(1)
    with pytest.raises(InvalidInput) as refused:
        _ask(ctx, mine + theirs + nobodys)
    error = refused.value.errors["numbers"]
    assert error.startswith("Not held by this account:")
    assert format_display(theirs[0]) in error and format_display(nobodys[0]) in error
    assert format_display(mine[0]) not in error
    with ctx.db.read() as s:
        assert s.exec(select(Transfer)).first() is None  # nothing recorded
    assert _topics(ctx) == []


def test_the_destination_must_be_another_account_and_typing_errors_are_named(ctx):
    nums = _hold(ctx, 1)
    with pytest.raises(InvalidInput) as same:
        _ask(ctx, nums, destination=MAIN)
    assert "another account" in same.value.errors["destination"]
    with pytest.raises(InvalidInput) as none:
        _ask(ctx, nums, destination="")
    assert "destination" in none.value.errors
    with pytest.raises(InvalidInput) as typed:
        _ask(ctx, "617-253-12", destination=BRANCH)
    assert "617-253-12" in typed.value.errors["numbers"]


def test_numbers_already_on_their_way_are_refused_with_what_holds_them(ctx):
    nums = _hold(ctx, 2)
    first = _ask(ctx, nums[:1])
    with pytest.raises(InvalidInput) as refused:
        _ask(ctx, nums, destination=ELSEWHERE)
    error = refused.value.errors["numbers"]
    assert f"{format_display(nums[0])} (transfer {first.public_id[:10]})" in error
    port_out = po.receive(
        ctx, po.Incoming(nums[1:], carrier="Greenfield"), actor=AGENT, source="agent"
    ).port_outs[0]
    assert port_out.status.value == "pending"
    with pytest.raises(InvalidInput) as leaving:
        _ask(ctx, nums[1:])
    assert f"port-out {port_out.public_id[:10]}" in leaving.value.errors["numbers"]


def test_a_customer_gives_away_only_an_account_they_act_for(ctx):
    nums = _hold(ctx, 1)
    with pytest.raises(rule.NotAllowed):
        _ask(ctx, nums, accounts=[ELSEWHERE])
    assert _ask(ctx, nums, accounts=[MAIN]).status is TransferStatus.REQUESTED


def test_only_the_porting_team_completes(ctx):
    asked = _ask(ctx, _hold(ctx, 1))
    with pytest.raises(rule.NotAllowed, match="porting team"):
        tr.complete_transfer(ctx, asked.public_id, actor=CUSTOMER)
    assert {h.account for h in _held(ctx).values()} == {MAIN}


def test_numbers_that_left_the_source_meanwhile_stop_the_completion_by_name(ctx):
    nums = _hold(ctx, 2)
    asked = _ask(ctx, nums)
    po.remove_numbers(ctx, numbers=nums[1:], actor=AGENT)
    with pytest.raises(InvalidInput) as refused:
        tr.complete_transfer(ctx, asked.public_id, actor=AGENT)
    assert format_display(nums[1]) in refused.value.message
    assert format_display(nums[0]) not in refused.value.message
    assert _held(ctx)[nums[0]].account == MAIN  # nothing moved
    assert tr.find_transfer(ctx, asked.public_id).status is TransferStatus.REQUESTED


def test_cancel_by_the_team_or_the_asker_and_nothing_moves(ctx):
    nums = _hold(ctx, 2)
    asked = _ask(ctx, nums[:1])
    with pytest.raises(rule.NotAllowed):
        tr.cancel_transfer(ctx, asked.public_id, actor=OTHER_CUSTOMER)
    gone = tr.cancel_transfer(ctx, asked.public_id, actor=CUSTOMER, reason="wrong branch")
    assert gone.status is TransferStatus.CANCELLED and gone.reason == "wrong branch"
    with pytest.raises(rule.TransferClosed, match="already cancelled"):
        tr.complete_transfer(ctx, asked.public_id, actor=AGENT)
    other = _ask(ctx, nums)  # the numbers are free again
    assert tr.cancel_transfer(ctx, other.public_id, actor=AGENT).closed_by == AGENT.id
    assert {h.account for h in _held(ctx).values()} == {MAIN}
    assert _actions(ctx, asked) == ["requested", "cancelled"]


def test_ids_are_checked_and_found_by_prefix(ctx):
    asked = _ask(ctx, _hold(ctx, 1))
    assert tr.find_transfer(ctx, f"`{asked.public_id[:10].lower()}`").id == asked.id
    with pytest.raises(InvalidInput, match="too short"):
        tr.find_transfer(ctx, "TR12")
    with pytest.raises(InvalidInput, match="not a transfer ID"):
        tr.find_transfer(ctx, "PR1234567890")
    with pytest.raises(NotFound):
        tr.find_transfer(ctx, "TR" + "0" * 32)
    assert rule.is_transfer_id("tr1a2b3c4d") and not rule.is_transfer_id("PR1a2b3c4d")


def test_the_same_submission_records_one_transfer(ctx):
    nums = _hold(ctx, 1)
    first = _ask(ctx, nums, dedupe_key="view:V123")
    again = _ask(ctx, nums, dedupe_key="view:V123")
    assert again.id == first.id
    with ctx.db.read() as s:
        assert len(s.exec(select(Transfer)).all()) == 1


def test_a_late_transfer_is_told_to_the_team_once(ctx, clock):
    waiting = _ask(ctx, _hold(ctx, 1))
    done = _ask(ctx, _hold(ctx, 1))
    tr.complete_transfer(ctx, done.public_id, actor=AGENT)
    clock.set(waiting.due_at - timedelta(seconds=1))
    assert tr.alert_late(ctx) == []
    clock.set(waiting.due_at)
    assert tr.alert_late(ctx) == [waiting.public_id]
    assert tr.alert_late(ctx) == []  # once
    assert _actions(ctx, waiting) == ["requested", "late"]
    with ctx.db.read() as s:
        late = s.exec(select(TransferEvent).where(TransferEvent.action == "late")).one()
    assert late.actor_role is Role.SYSTEM
    assert (Topic.SLACK_TRANSFER_EVENT, "late") in _topics(ctx)


def test_two_completions_race_to_exactly_one(ctx):
    """Two agents complete the same transfer at once: one moves the numbers, the other is told
    it is already completed (a row lock; SQLite's write lock; run on PostgreSQL too)."""
    for _ in range(4):
        nums = _hold(ctx, 3)
        asked = _ask(ctx, nums)
        results: list[object] = []
        start = threading.Barrier(2)

        def complete(asked: Transfer = asked, results: list[object] = results, start=start) -> None:
            start.wait()
            try:
                results.append(tr.complete_transfer(ctx, asked.public_id, actor=AGENT))
            except rule.TransferClosed as exc:
                results.append(exc)

        threads = [threading.Thread(target=complete) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(isinstance(r, Transfer) for r in results) == 1
        assert sum(isinstance(r, rule.TransferClosed) for r in results) == 1
        assert _actions(ctx, asked).count("completed") == 1
        assert {_held(ctx)[n].account for n in nums} == {BRANCH}
        completed = [t for t in _topics(ctx) if t[1] == "completed"]
        assert len(completed) == 2 * (_ + 1)  # one Slack and one Zendesk row per transfer


def test_the_lifecycle_table_is_closed_after_its_final_states():
    for status in TransferStatus:
        for move in rule.TransferMove:
            if status is TransferStatus.REQUESTED:
                assert rule.apply(status, move, Role.AGENT) is not TransferStatus.REQUESTED
            else:
                with pytest.raises(rule.TransferClosed):
                    rule.apply(status, move, Role.AGENT)
    with pytest.raises(rule.NotAllowed):
        rule.apply(TransferStatus.REQUESTED, rule.TransferMove.CANCEL, Role.CUSTOMER)
    assert (
        rule.apply(TransferStatus.REQUESTED, rule.TransferMove.CANCEL, Role.CUSTOMER, asker=True)
        is TransferStatus.CANCELLED
    )
