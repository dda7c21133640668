"""Transfers between accounts in Slack, over real HTTP with signed requests and the simulator:
the modal opens at once, a submission names the numbers the source does not hold, both
accounts' channels and the agents channel get the card, the porting team completes it from a
verb or its card, and the destination is told that call routing and SMS were reset."""

from __future__ import annotations

import json

from sqlmodel import select

from bot.porting.numbers import format_display
from bot.services import port_outs as po
from bot.services import transfers as tr
from bot.services.base import Actor
from bot.slack.ids import Action, Block, View
from storage.models import HeldNumber
from storage.transfer_models import Transfer
from storage.values import TransferStatus
from tests.services.helpers import numbers
from tests.slack.conftest import AGENT, AGENTS_CHANNEL, CHANNEL, CUSTOMER, OTHER

BRANCH = "C0BRANCH"


def _setup(slack, ctx, count: int = 2) -> list[str]:
    """The customer's channel holds ``count`` numbers; a second channel of theirs exists."""
    slack.sim.add_channel(BRANCH, "acme-branch", members=[CUSTOMER])
    nums = numbers(count)
    po.add_numbers(
        ctx, team_id=slack.sim.team_id, account=CHANNEL, numbers=nums, actor=Actor.agent(AGENT)
    )
    return nums


def _modal(slack, user: str) -> dict:
    stack = slack.sim.view_stack(user)
    assert stack, "no modal is open"
    return slack.sim.current_view(stack[-1])


def said(answer) -> str:
    return answer.json.get("text", "") if answer.json else answer.text


def _ask(slack, nums: list[str], user: str = CUSTOMER) -> Transfer:
    opened = slack.driver.command("/port", "transfer", user_id=user, channel_id=CHANNEL)
    assert opened.status == 200 and opened.in_time
    answer = slack.driver.view_submission(
        _modal(slack, user),
        {Block.TRANSFER_NUMBERS: "\n".join(nums), Block.TRANSFER_DESTINATION: BRANCH},
        user,
    )
    assert answer.view_error is None and answer.json["response_action"] == "update"
    with slack.runtime.ctx.db.read() as s:
        return s.exec(select(Transfer).order_by(Transfer.id.desc())).first()


def _cards(slack, channel: str) -> list[dict]:
    return [m for m in slack.sim.messages(channel) if "Transfer of" in m.get("text", "")]


def _text(message: dict) -> str:
    return json.dumps(message.get("blocks", [])) + message.get("text", "")


def test_the_modal_opens_at_once_with_this_channel_as_the_source(slack, ctx):
    _setup(slack, ctx)
    answer = slack.driver.command("/port", "transfer", user_id=CUSTOMER, channel_id=CHANNEL)
    assert answer.status == 200 and answer.in_time
    modal = _modal(slack, CUSTOMER)
    assert modal["callback_id"] == View.TRANSFER
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    assert blocks[Block.TRANSFER_SOURCE]["element"]["initial_conversation"] == CHANNEL
    assert "initial_conversation" not in blocks[Block.TRANSFER_DESTINATION]["element"]
    intro = json.dumps(modal["blocks"], ensure_ascii=False)
    assert "1–2 business days" in intro and "SMS settings" in intro


def test_numbers_the_source_does_not_hold_are_named_in_the_field(slack, ctx):
    mine = _setup(slack, ctx, 1)
    theirs = numbers(1)
    po.add_numbers(
        ctx,
        team_id=slack.sim.team_id,
        account="C0ELSEWHERE",
        numbers=theirs,
        actor=Actor.agent(AGENT),
    )
    stranger = numbers(1)
    slack.driver.command("/port", "transfer", user_id=CUSTOMER, channel_id=CHANNEL)
    modal = _modal(slack, CUSTOMER)
    answer = slack.driver.view_submission(
        modal,
        {
            Block.TRANSFER_NUMBERS: "\n".join(mine + theirs + stranger),
            Block.TRANSFER_DESTINATION: BRANCH,
        },
        CUSTOMER,
    )
    error = answer.json["errors"][Block.TRANSFER_NUMBERS]
    assert error.startswith("Not held by this account:")
    assert format_display(theirs[0]) in error and format_display(stranger[0]) in error
    assert format_display(mine[0]) not in error
    same = slack.driver.view_submission(
        modal, {Block.TRANSFER_NUMBERS: mine[0], Block.TRANSFER_DESTINATION: CHANNEL}, CUSTOMER
    )
    assert "another account" in same.json["errors"][Block.TRANSFER_DESTINATION]
    with ctx.db.read() as s:
        assert s.exec(select(Transfer)).first() is None


def test_a_customer_cannot_give_away_a_channel_they_do_not_act_for(slack, ctx):
    nums = _setup(slack, ctx, 1)
    slack.driver.command("/port", "transfer", user_id=OTHER, channel_id=CHANNEL)
    answer = slack.driver.view_submission(
        _modal(slack, OTHER),
        {
            Block.TRANSFER_NUMBERS: nums[0],
            Block.TRANSFER_SOURCE: BRANCH,
            Block.TRANSFER_DESTINATION: CHANNEL,
        },
        OTHER,
    )
    assert Block.TRANSFER_SOURCE in answer.json["errors"]


def test_both_channels_see_the_card_and_completion_tells_the_destination(slack, ctx):
    nums = _setup(slack, ctx, 2)
    asked = _ask(slack, nums)
    assert asked.source == CHANNEL and asked.destination == BRANCH
    done_view = json.dumps(_modal(slack, CUSTOMER)["blocks"], ensure_ascii=False)
    assert asked.public_id[:10] in done_view and "reset" in done_view
    slack.drain()
    (source_card,) = _cards(slack, CHANNEL)
    (destination_card,) = _cards(slack, BRANCH)
    (team_card,) = _cards(slack, AGENTS_CHANNEL)
    for card in (source_card, destination_card, team_card):
        assert format_display(nums[0]) in _text(card) and "Requested" in _text(card)
        assert f"<#{CHANNEL}>" in _text(card) and f"<#{BRANCH}>" in _text(card)
    # The customers' copies carry no team buttons; the team's copy does.
    assert Action.TRANSFER_COMPLETE not in _text(source_card) + _text(destination_card)
    assert Action.TRANSFER_COMPLETE in _text(team_card)

    refused = slack.driver.command(
        "/port", f"complete {asked.public_id[:10]}", user_id=CUSTOMER, channel_id=CHANNEL
    )
    assert "porting team" in said(refused)
    answer = slack.driver.command(
        "/port", f"complete {asked.public_id[:10]}", user_id=AGENT, channel_id=AGENTS_CHANNEL
    )
    assert "completed" in said(answer)
    with ctx.db.read() as s:
        held = {h.e164: h.account for h in s.exec(select(HeldNumber))}
    assert held == {n: BRANCH for n in nums}
    slack.drain()

    told = [m for m in slack.sim.messages(BRANCH) if m["ts"] != destination_card["ts"]]
    assert len(told) == 1
    words = told[0]["text"]
    assert "call routing and SMS settings were reset" in words
    assert "Set up again" in words and format_display(nums[1]) in words
    for channel, card in ((CHANNEL, source_card), (BRANCH, destination_card)):
        updated = slack.sim.message(channel, card["ts"])
        assert "Completed" in _text(updated) and "Requested" not in _text(updated)
    assert "no longer on this account" in slack.sim.thread(CHANNEL, source_card["ts"])[-1]["text"]
    team_copy = slack.sim.message(AGENTS_CHANNEL, team_card["ts"])
    assert Action.TRANSFER_COMPLETE not in _text(team_copy)  # nothing left to press
    again = slack.driver.command(
        "/port", f"complete {asked.public_id[:10]}", user_id=AGENT, channel_id=AGENTS_CHANNEL
    )
    assert "already completed" in said(again)


def test_the_team_completes_from_its_card_and_cancels_by_verb(slack, ctx):
    nums = _setup(slack, ctx, 2)
    first = _ask(slack, nums[:1])
    slack.drain()
    (team_card,) = _cards(slack, AGENTS_CHANNEL)
    slack.driver.block_action(
        Action.TRANSFER_COMPLETE, first.public_id, AGENT, AGENTS_CHANNEL, team_card["ts"]
    )
    assert tr.find_transfer(ctx, first.public_id).status is TransferStatus.COMPLETED

    second = _ask(slack, nums[1:])
    slack.drain()
    answer = slack.driver.command(
        "/port",
        f"transfer cancel {second.public_id[:10]} asked by mistake",
        user_id=AGENT,
        channel_id=AGENTS_CHANNEL,
    )
    assert "cancelled" in said(answer)
    slack.drain()
    card = next(c for c in _cards(slack, CHANNEL) if format_display(nums[1]) in _text(c))
    news = slack.sim.thread(CHANNEL, card["ts"])[-1]["text"]
    assert "Cancelled by" in news and "asked by mistake" in news and "Nothing moved" in news
    with ctx.db.read() as s:
        assert s.exec(select(HeldNumber).where(HeldNumber.e164 == nums[1])).one().account == (
            CHANNEL
        )


def test_a_late_transfer_alerts_the_agents_channel(slack, ctx, clock):
    nums = _setup(slack, ctx, 1)
    asked = _ask(slack, nums)
    slack.drain()
    clock.set(asked.due_at)
    assert tr.alert_late(ctx) == [asked.public_id]
    slack.drain()
    alerts = [m for m in slack.sim.messages(AGENTS_CHANNEL) if "waiting too long" in m["text"]]
    assert len(alerts) == 1 and f"/port complete {asked.public_id[:10]}" in alerts[0]["text"]
    shown = slack.driver.command(
        "/port", f"transfer {asked.public_id[:10]}", user_id=CUSTOMER, channel_id=CHANNEL
    )
    assert "Requested" in json.dumps(shown.json["blocks"])
    hidden = slack.driver.command(
        "/port", f"transfer {asked.public_id[:10]}", user_id=OTHER, channel_id="C0ELSEWHERE"
    )
    assert "no transfer" in said(hidden)
