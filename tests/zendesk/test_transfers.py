"""Transfers between accounts on Zendesk, over real HTTP with the simulator: one ticket per
transfer tagged ``transfer``, a note and the status tag moved on completion or cancellation, a
note when it is late, and one ticket however often a delivery is tried."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.delivery.outbox import Outbox
from bot.porting.numbers import format_display
from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.services import port_outs as po
from bot.services import transfers as tr
from bot.services.effects import Topic
from bot.zendesk.gateway import ZenpyGateway
from bot.zendesk.mapping import TicketOptions
from bot.zendesk.transfers import TransferTicketDelivery
from storage.transfer_models import Transfer
from tests.services.helpers import AGENT, CUSTOMER, numbers

EMAIL, TOKEN = "porting@acme.example", "zd-token"
TEAM, MAIN, BRANCH = "T1", "C0MAIN", "C0BRANCH"


class Setup:
    def __init__(self, ctx, sim: ZendeskSimulator) -> None:
        gateway = ZenpyGateway(None, EMAIL, TOKEN, url=sim.url, timeout=0.5)
        handler = TransferTicketDelivery(
            ctx, gateway, TicketOptions(timezone="America/New_York"), group_id=360_000_111
        )
        self.ctx, self.sim = ctx, sim
        self.outbox = Outbox(ctx, {Topic.ZENDESK_TRANSFER_EVENT: handler}, worker_id="test")

    def ask(self, count: int = 2) -> Transfer:
        nums = numbers(count)
        po.add_numbers(self.ctx, team_id=TEAM, account=MAIN, numbers=nums, actor=AGENT)
        return tr.request_transfer(
            self.ctx, team_id=TEAM, source=MAIN, destination=BRANCH, numbers=nums, actor=CUSTOMER
        )

    def drain(self) -> int:
        return self.outbox.drain()


@pytest.fixture
def zd(ctx) -> Iterator[Setup]:
    with ZendeskSimulator(email=EMAIL, token=TOKEN) as sim:
        yield Setup(ctx, sim)


def test_a_transfer_gets_one_ticket_tagged_transfer_then_a_note_on_completion(zd):
    asked = zd.ask(2)
    zd.drain()
    (ticket,) = zd.sim.tickets()
    assert {"portbot", "transfer", "transfer_status_requested"} <= set(ticket["tags"])
    assert ticket["external_id"] == asked.public_id and ticket["group_id"] == 360_000_111
    (first,) = zd.sim.comments(ticket["id"])
    assert first["public"] is False
    assert format_display(asked.numbers[0]) in first["body"]
    assert "channel C0MAIN" in first["body"] and "channel C0BRANCH" in first["body"]
    assert f"/port complete {asked.public_id[:10]}" in first["body"]
    assert tr.find_transfer(zd.ctx, asked.public_id).ticket_id == ticket["id"]

    tr.complete_transfer(zd.ctx, asked.public_id, actor=AGENT)
    zd.drain()
    (ticket,) = zd.sim.tickets()  # still one
    tags = set(ticket["tags"])
    assert "transfer_status_completed" in tags and "transfer_status_requested" not in tags
    note = zd.sim.comments(ticket["id"])[-1]
    assert note["public"] is False and "Avery Agent" in note["body"]
    assert "call routing and SMS settings were reset" in note["body"]


def test_cancelled_and_late_transfers_are_noted_on_their_ticket(zd, clock):
    waiting, dropped = zd.ask(1), zd.ask(1)
    zd.drain()
    tr.cancel_transfer(zd.ctx, dropped.public_id, actor=AGENT, reason="duplicate")
    clock.set(waiting.due_at)
    assert tr.alert_late(zd.ctx) == [waiting.public_id]
    zd.drain()
    by_id = {t["external_id"]: t for t in zd.sim.tickets()}
    assert set(by_id) == {waiting.public_id, dropped.public_id}
    cancelled = zd.sim.comments(by_id[dropped.public_id]["id"])[-1]["body"]
    assert "Cancelled by Avery Agent: duplicate. Nothing moved" in cancelled
    assert "transfer_status_cancelled" in by_id[dropped.public_id]["tags"]
    late = zd.sim.comments(by_id[waiting.public_id]["id"])[-1]["body"]
    assert (
        "waiting too long" in late
        and "transfer_status_requested" in (by_id[waiting.public_id]["tags"])
    )


def test_a_lost_answer_does_not_make_a_second_ticket(zd):
    asked = zd.ask(1)
    zd.sim.hang_after_write("POST /api/v2/tickets.json", seconds=1.0)  # made, answer lost
    zd.drain()
    zd.sim.clear_faults()
    assert len(zd.sim.tickets()) == 1  # Zendesk made it, but portbot never heard back
    assert tr.find_transfer(zd.ctx, asked.public_id).ticket_id is None
    tr.complete_transfer(zd.ctx, asked.public_id, actor=AGENT)
    for _ in range(5):
        zd.drain()
    (ticket,) = zd.sim.tickets()
    assert ticket["external_id"] == asked.public_id
    assert "transfer_status_completed" in ticket["tags"]
    assert tr.find_transfer(zd.ctx, asked.public_id).ticket_id == ticket["id"]


def test_the_served_runtime_delivers_a_transfer_to_both_slack_and_zendesk(both, ctx):
    """The assembly's topic table (``bot.server.outbox_handlers``) has both handlers."""
    from tests.slack.conftest import AGENT as SLACK_AGENT
    from tests.slack.conftest import AGENTS_CHANNEL, CHANNEL
    from tests.slack.conftest import CUSTOMER as SLACK_CUSTOMER

    both.slack.add_channel(BRANCH, "acme-branch", members=[SLACK_CUSTOMER])
    nums = numbers(1)
    team = both.slack.team_id
    po.add_numbers(ctx, team_id=team, account=CHANNEL, numbers=nums, actor=AGENT)
    asked = tr.request_transfer(
        ctx,
        team_id=team,
        source=CHANNEL,
        destination=BRANCH,
        numbers=nums,
        actor=tr.Actor.customer(SLACK_CUSTOMER, "casey"),
    )
    answer = both.driver.command(
        "/port", f"complete {asked.public_id[:10]}", user_id=SLACK_AGENT, channel_id=AGENTS_CHANNEL
    )
    assert answer.status == 200, answer.text
    assert "completed" in (answer.json or {}).get("text", answer.text)
    both.drain()
    (ticket,) = both.zendesk.tickets()
    assert {"transfer", "transfer_status_completed"} <= set(ticket["tags"])
    told = " ".join(m["text"] for m in both.slack.messages(BRANCH))
    assert "call routing and SMS settings were reset" in told
