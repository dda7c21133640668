"""A card that Slack will not take in its channel goes to the agents channel, with why."""

from __future__ import annotations

from sqlmodel import select

from bot import services as svc
from bot.services.effects import Topic
from storage.models import OutboxMessage
from storage.values import OutboxStatus
from tests.slack.conftest import AGENT, AGENTS_CHANNEL, CUSTOMER
from tests.slack.test_channels_and_retries import NO_BOT, _open_in


def _outbox(ctx) -> list[OutboxMessage]:
    """The card's deliveries."""
    with ctx.db.read() as s:
        stmt = select(OutboxMessage).where(OutboxMessage.topic == Topic.SLACK_REQUEST_EVENT)
        return list(s.exec(stmt))


def test_a_card_that_cannot_go_to_its_channel_goes_to_the_agents_with_the_reason(slack, ctx):
    slack.sim.add_channel(NO_BOT, "elsewhere", members=[CUSTOMER], bot_member=False)
    sid = _open_in(slack, ctx, NO_BOT)
    slack.drain()
    assert slack.sim.messages(NO_BOT) == []
    (card,) = [m for m in slack.sim.messages(AGENTS_CHANNEL) if sid[:10] in m.get("text", "")]
    (why,) = [m for m in slack.sim.thread(AGENTS_CHANNEL, card["ts"]) if "belongs" in m["text"]]
    assert f"<#{NO_BOT}>" in why["text"] and "`not_in_channel`" in why["text"]
    assert "/invite @portbot" in why["text"]
    rows = _outbox(ctx)
    assert {r.status for r in rows} == {OutboxStatus.DELIVERED}
    assert max(r.attempts for r in rows) == 1  # no retries toward a dead letter
    # Later changes update that card and its thread, where it now is.
    svc.add_note(ctx, sid, "checked", actor=svc.Actor.agent(AGENT, "avery"), public=True)
    slack.drain()
    assert slack.sim.thread(AGENTS_CHANNEL, card["ts"])[-1]["text"].endswith("checked")


def test_a_channel_slack_cannot_find_is_handled_the_same_way(slack, ctx):
    sid = _open_in(slack, ctx, "C0GONE")
    slack.sim.fail("chat.postMessage", error="channel_not_found")
    slack.drain()
    (card,) = [m for m in slack.sim.messages(AGENTS_CHANNEL) if sid[:10] in m.get("text", "")]
    (why,) = [m for m in slack.sim.thread(AGENTS_CHANNEL, card["ts"]) if "belongs" in m["text"]]
    assert "`channel_not_found`" in why["text"]
    assert {r.status for r in _outbox(ctx)} == {OutboxStatus.DELIVERED}
