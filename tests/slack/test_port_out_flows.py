"""Port-outs in Slack over real HTTP: the PIN modal, a window, the numbers list, an incoming
port-out from the porting team, the card with Approve in the account's channel, and a
customer's own request."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from bot import services as svc
from bot.sandbox.slack_driver import app_home_opened_event
from bot.services import port_outs as po
from bot.slack.ids import Action, Block
from storage.models import PortOut
from storage.values import PortOutStatus
from tests.services.helpers import draft, mark_loa_signed, numbers
from tests.slack.conftest import AGENT, AGENTS_CHANNEL, CHANNEL, CUSTOMER

PIN = "58203917"


def _ported_in(slack, ctx, count: int = 2) -> list[str]:
    """Numbers this channel's account holds because its port-in completed."""
    nums = numbers(count)
    customer = svc.Actor.customer(CUSTOMER, "casey")
    sid = svc.open_request(
        ctx, draft(nums), actor=customer, team_id=slack.sim.team_id, channel_id=CHANNEL
    ).sid
    mark_loa_signed(ctx, sid, actor=customer)
    agent = svc.Actor.agent(AGENT)
    svc.submit_to_carrier(ctx, sid, actor=agent)
    svc.set_foc(ctx, sid, ctx.today() + timedelta(days=7), actor=agent)
    svc.mark_ported(ctx, sid, actor=agent)
    slack.drain()
    return nums


def _modal(slack, user: str) -> dict:
    stack = slack.sim.view_stack(user)
    assert stack, "no modal is open"
    return slack.sim.current_view(stack[-1])


def said(answer) -> str:
    return answer.json.get("text", "") if answer.json else answer.text


def _every_call(slack) -> str:
    return json.dumps([c.args for c in slack.sim.calls], default=str)


def test_a_pin_set_in_the_modal_protects_and_is_never_shown(slack, ctx):
    nums = _ported_in(slack, ctx)
    slack.driver.command("/port", "portout pin", user_id=CUSTOMER, channel_id=CHANNEL)
    modal = _modal(slack, CUSTOMER)
    answer = slack.driver.view_submission(
        modal, {Block.PORTOUT_PIN: PIN, Block.PORTOUT_PIN_AGAIN: PIN + "0"}, CUSTOMER
    )
    assert Block.PORTOUT_PIN_AGAIN in answer.json["errors"]
    slack.driver.view_submission(
        modal, {Block.PORTOUT_PIN: PIN, Block.PORTOUT_PIN_AGAIN: PIN}, CUSTOMER
    )
    slack.drain()
    told = " ".join(m.get("text", "") for m in slack.sim.messages(CHANNEL))
    assert "port-out PIN" in told
    got = po.receive(
        ctx, po.Incoming(nums, carrier="Greenfield"), actor=svc.Actor.agent(AGENT), source="agent"
    )
    assert got.status is PortOutStatus.REJECTED  # no PIN quoted
    slack.drain()
    assert PIN not in _every_call(slack)


def test_a_window_for_numbers_of_another_account_names_them(slack, ctx, clock):
    mine = _ported_in(slack, ctx, 1)
    theirs = numbers(1)
    po.add_numbers(
        ctx,
        team_id=slack.sim.team_id,
        account="C0ELSEWHERE",
        numbers=theirs,
        actor=svc.Actor.agent(AGENT),
    )
    slack.driver.command("/port", "portout authorize", user_id=CUSTOMER, channel_id=CHANNEL)
    modal = _modal(slack, CUSTOMER)
    ends = {
        "type": "datetimepicker",
        "selected_date_time": int((clock.now + timedelta(days=2)).timestamp()),
    }
    answer = slack.driver.view_submission(
        modal,
        {Block.PORTOUT_NUMBERS: "\n".join(mine + theirs), Block.PORTOUT_ENDS_AT: ends},
        CUSTOMER,
    )
    error = answer.json["errors"][Block.PORTOUT_NUMBERS]
    assert error.startswith("Not this account's numbers:") and theirs[0][-4:] in error.replace(
        "-", ""
    )
    answer = slack.driver.view_submission(
        modal, {Block.PORTOUT_NUMBERS: mine[0], Block.PORTOUT_ENDS_AT: ends}, CUSTOMER
    )
    assert answer.view_error is None
    listed = slack.driver.command("/port", "portout list", user_id=CUSTOMER, channel_id=CHANNEL)
    assert Action.PORTOUT_REVOKE in json.dumps(listed.json)


def test_an_incoming_port_out_is_shown_in_the_channel_and_approved_there(slack, ctx):
    nums = _ported_in(slack, ctx)
    refused = slack.driver.command(
        "/port", f"portout incoming {nums[0]} --carrier X", user_id=CUSTOMER, channel_id=CHANNEL
    )
    assert "porting team" in said(refused)
    answer = slack.driver.command(
        "/port",
        f"portout incoming {' '.join(nums)} --carrier Greenfield &amp; Sons --spid 1234",
        user_id=AGENT,
        channel_id=AGENTS_CHANNEL,
    )
    assert "pending" in said(answer)
    slack.drain()
    cards = [m for m in slack.sim.messages(CHANNEL) if "Approve" in json.dumps(m.get("blocks", []))]
    assert len(cards) == 1 and "Greenfield & Sons" in json.dumps(cards[0]["blocks"]).replace(
        "&amp;", "&"
    )
    dms = [c for c in slack.sim.calls_to("conversations.open") if CUSTOMER in str(c.args)]
    assert dms  # the person who brought the numbers in is told directly
    with ctx.db.read() as s:
        public_id = s.exec(select(PortOut)).one().public_id
    slack.driver.block_action(Action.PORTOUT_APPROVE, public_id, CUSTOMER, CHANNEL, cards[0]["ts"])
    with ctx.db.read() as s:
        decided = s.exec(select(PortOut)).one()
    assert decided.status is PortOutStatus.AUTHORIZED and decided.rule == "customer"
    slack.drain()
    card = slack.sim.message(CHANNEL, cards[0]["ts"])
    assert "Approve" not in json.dumps(card.get("blocks", []))  # updated in place
    assert slack.sim.thread(CHANNEL, cards[0]["ts"])  # and what happened, in its thread


def test_numbers_are_listed_for_the_account_and_registered_by_agents_only(slack, ctx):
    nums = _ported_in(slack, ctx, 2)
    listed = slack.driver.command("/port", "numbers", user_id=CUSTOMER, channel_id=CHANNEL)
    text = json.dumps(listed.json["blocks"])
    assert nums[0][-4:] in text and nums[1][-4:] in text
    more = numbers(1)
    refused = slack.driver.command(
        "/port", f"numbers add {more[0]}", user_id=CUSTOMER, channel_id=CHANNEL
    )
    assert "porting team" in said(refused)
    added = slack.driver.command(
        "/port",
        f"numbers add {more[0]} --channel <#{CHANNEL}|acme-telecom>",
        user_id=AGENT,
        channel_id=AGENTS_CHANNEL,
    )
    assert "Added to" in said(added)
    assert more[0][-4:] in json.dumps(
        slack.driver.command("/port", "numbers", user_id=CUSTOMER, channel_id=CHANNEL).json
    )


def test_lock_and_unlock_tell_the_channel(slack, ctx):
    _ported_in(slack, ctx, 1)
    locked = slack.driver.command("/port", "portout lock", user_id=CUSTOMER, channel_id=CHANNEL)
    assert "Locked every number" in said(locked)
    unlocked = slack.driver.command("/port", "portout unlock", user_id=CUSTOMER, channel_id=CHANNEL)
    assert "The lock ends" in said(unlocked)
    slack.drain()
    told = " ".join(m.get("text", "") for m in slack.sim.messages(CHANNEL))
    assert "locked every number" in told and "asked to unlock" in told


def test_a_customers_request_shows_them_alone_what_the_new_carrier_needs(slack, ctx):
    nums = _ported_in(slack, ctx, 1)
    slack.driver.command("/port", "portout request", user_id=CUSTOMER, channel_id=CHANNEL)
    modal = _modal(slack, CUSTOMER)
    answer = slack.driver.view_submission(
        modal,
        {Block.PORTOUT_NUMBERS: nums[0], Block.PORTOUT_CARRIER: "Greenfield Wireless"},
        CUSTOMER,
    )
    assert answer.view_error is None
    shown = json.dumps(_modal(slack, CUSTOMER))
    with ctx.db.read() as s:
        from storage.models import PortOutWindow

        window = s.exec(select(PortOutWindow)).one()
    pin = window.pin.reveal()
    assert pin in shown and "77 Massachusetts Ave" in shown
    slack.drain()
    assert pin not in json.dumps(
        [m for ch in (CHANNEL, AGENTS_CHANNEL) for m in slack.sim.messages(ch)]
    )
    agents = " ".join(m.get("text", "") for m in slack.sim.messages(AGENTS_CHANNEL))
    assert "asked to move" in agents


def test_the_app_home_shows_open_windows_with_revoke(slack, ctx, clock):
    nums = _ported_in(slack, ctx, 1)
    po.open_window(
        ctx,
        team_id=slack.sim.team_id,
        account=CHANNEL,
        channel_id=CHANNEL,
        actor=svc.Actor.customer(CUSTOMER),
        numbers=nums,
        starts_at=None,
        ends_at=clock.now + timedelta(days=1),
    )
    slack.driver.event(app_home_opened_event(CUSTOMER))
    home = json.dumps(slack.sim.home(CUSTOMER))
    assert Action.PORTOUT_REVOKE in home and nums[0][-4:] in home


def test_a_wrong_pin_never_reaches_slack_or_the_log(slack, ctx, caplog):
    nums = _ported_in(slack, ctx, 1)
    po.set_pin(
        ctx, team_id=slack.sim.team_id, account=CHANNEL, pin=PIN, actor=svc.Actor.customer(CUSTOMER)
    )
    caplog.set_level("DEBUG")
    answer = slack.driver.command(
        "/port",
        f"portout incoming {nums[0]} --carrier Greenfield --pin 99887766",
        user_id=AGENT,
        channel_id=AGENTS_CHANNEL,
    )
    assert "rejected" in said(answer)
    slack.drain()
    everything = _every_call(slack) + caplog.text
    assert "99887766" not in everything and PIN not in everything
