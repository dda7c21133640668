"""A channel portbot was not invited to, and a retried command: over real HTTP, signed."""

from __future__ import annotations

from urllib.parse import urlencode

from bot import services as svc
from tests.services.helpers import draft, numbers
from tests.slack.conftest import AGENT, CHANNEL, CUSTOMER

NO_BOT = "C0NOBOT"


def _open_in(slack, ctx, channel: str) -> str:
    snap = svc.open_request(
        ctx,
        draft(numbers(2)),
        actor=svc.Actor.customer(CUSTOMER, "casey"),
        team_id=slack.sim.team_id,
        channel_id=channel,
    )
    return snap.sid


def test_port_new_where_portbot_is_not_a_member_says_how_to_invite_it(slack):
    slack.sim.add_channel(NO_BOT, "elsewhere", members=[CUSTOMER], bot_member=False)
    answer = slack.driver.command("/port", "new", user_id=CUSTOMER, channel_id=NO_BOT)
    assert answer.status == 200 and answer.in_time
    assert slack.sim.calls_to("views.open") == []  # no form whose card could not go here
    (said,) = [r.body for r in slack.sim.responses]
    assert said["response_type"] == "ephemeral" and "`/invite @portbot`" in said["text"]
    # Where it is a member, the form opens as before.
    answer = slack.driver.command("/port", "new", user_id=CUSTOMER, channel_id=CHANNEL)
    assert answer.status == 200 and len(slack.sim.calls_to("views.open")) == 1


def test_a_retried_port_note_records_the_note_once(slack, ctx):
    sid = _open_in(slack, ctx, CHANNEL)
    first = slack.driver.command(
        "/port", f"note {sid} called the carrier", user_id=AGENT, channel_id=CHANNEL
    )
    assert first.status == 200
    # Slack retries with the same body (same trigger_id) and says so in X-Slack-Retry-Num.
    body = urlencode(first.sent)
    for n in (1, 2):
        again = slack.driver.post(
            body,
            "application/x-www-form-urlencoded",
            first.sent,
            {"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"},
        )
        assert again.status == 200
    snap = svc.find(ctx, sid, svc.Viewer(user_id=AGENT, is_agent=True))
    notes = [e for e in snap.events if e.action == "note"]
    assert [n.detail for n in notes] == ["called the carrier"]
