"""Who sees which buttons, times in each reader's own zone, and the ticket link for agents.

The card in the customer's channel carries the customer's actions only; the porting team acts
from its copy in the agents channel, its own ``/port status`` and Details answers, or the verbs.
The builders are checked directly; the rest over signed HTTP against the simulated Slack."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot import services as svc
from bot.slack.blocks import cards
from bot.slack.blocks.text import mrkdwn, slack_date
from bot.slack.ids import Action
from bot.slack.listeners.actions import NOT_FOR_CUSTOMERS
from bot.wording.rich import Clock, at, html, plain, rich
from storage.models import ZendeskLink
from tests.services.helpers import draft, mark_loa_signed, numbers
from tests.slack.conftest import AGENT, AGENTS_CHANNEL, CHANNEL, CUSTOMER

A = Action
TEAM_ONLY = {A.SUBMIT, A.FOC, A.REJECT, A.COMPLETE, A.NOTE, A.CONFIRM_CANCEL}
ASKS_FIRST = {A.CANCEL, A.SUBMIT, A.REJECT, A.COMPLETE, A.CONFIRM_CANCEL}
SITE = "https://acme.zendesk.com"
TZ = "America/New_York"
CUSTOMER_ACTOR = svc.Actor.customer(CUSTOMER, "casey")
AGENT_ACTOR = svc.Actor.agent(AGENT, "avery")


def _buttons(blocks: list) -> list[dict]:
    out: list[dict] = []
    for b in blocks:
        b = b if isinstance(b, dict) else b.to_dict()
        if b["type"] == "actions":
            out += b["elements"]
    return out


def _ids(blocks: list) -> list[str]:
    return [e["action_id"] for e in _buttons(blocks)]


def _open(ctx, team: str = "T0TEST", channel: str = CHANNEL, *, signed: bool = True) -> str:
    snap = svc.open_request(
        ctx, draft(numbers(2)), actor=CUSTOMER_ACTOR, team_id=team, channel_id=channel
    )
    if signed:
        mark_loa_signed(ctx, snap.sid, actor=svc.Actor.customer(CUSTOMER))
    return snap.sid


def _every_state(ctx) -> list[svc.Snapshot]:
    """A request in each state that has buttons."""
    unsigned = svc.find(ctx, _open(ctx, signed=False), svc.Viewer(AGENT, is_agent=True))
    bare = svc.open_request(
        ctx, draft(numbers(1), bill=None, bill_later=True), actor=CUSTOMER_ACTOR
    )
    review = svc.find(ctx, _open(ctx), svc.Viewer(AGENT, is_agent=True))
    sub = svc.submit_to_carrier(ctx, _open(ctx), actor=AGENT_ACTOR)
    foc = svc.set_foc(
        ctx,
        svc.submit_to_carrier(ctx, _open(ctx), actor=AGENT_ACTOR).sid,
        date(2026, 12, 2),
        actor=AGENT_ACTOR,
    )
    fix = svc.reject(ctx, _open(ctx), ["wrong_pin"], actor=AGENT_ACTOR)
    pending = svc.request_cancel(
        ctx, svc.submit_to_carrier(ctx, _open(ctx), actor=AGENT_ACTOR).sid, actor=CUSTOMER_ACTOR
    )
    snaps = [unsigned, bare, review, sub, foc, fix, pending]
    assert len({s.status for s in snaps}) == len(snaps)
    return snaps


# --- the builders -------------------------------------------------------------------------------


def test_no_state_puts_a_team_action_on_the_customers_card(ctx):
    for snap in _every_state(ctx):
        customer = _ids(cards.request_card(snap))
        team = _ids(cards.request_card(snap, for_agents=True))
        assert customer and not TEAM_ONLY & set(customer), (snap.status, customer)
        assert set(customer) <= {A.STATUS, A.RESUME, A.RESEND_LOA, A.CANCEL}
        assert TEAM_ONLY & set(team) and A.RESUME not in team, (snap.status, team)
        status = cards.status_blocks(snap, is_agent=True)
        assert set(_ids(status)) == set(team) - {A.STATUS}  # already reading the details
        assert _ids(cards.status_blocks(snap, is_agent=False)) == []


def test_consequential_buttons_ask_first_and_the_others_do_not(ctx):
    seen: set[str] = set()
    for snap in _every_state(ctx):
        for view in (cards.request_card(snap), cards.request_card(snap, for_agents=True)):
            for button in _buttons(view):
                seen.add(button["action_id"])
                asks = button.get("confirm")
                if button["action_id"] in ASKS_FIRST:
                    assert asks and asks["confirm"]["text"] and asks["deny"]["text"], button
                    assert asks["title"]["type"] == asks["text"]["type"] == "plain_text"
                    assert len(asks["title"]["text"]) <= 100 and len(asks["text"]["text"]) <= 300
                else:
                    assert asks is None, button
    assert seen >= ASKS_FIRST  # every one of them was shown somewhere


def test_the_submit_dialog_names_the_carrier_and_the_count(ctx):
    review = svc.find(ctx, _open(ctx), svc.Viewer(AGENT, is_agent=True))
    (submit,) = [
        b
        for b in _buttons(cards.request_card(review, for_agents=True))
        if b["action_id"] == A.SUBMIT
    ]
    assert submit["confirm"]["title"]["text"] == "Submit to Old Phone Co?"
    assert submit["confirm"]["text"]["text"].startswith("2 numbers go to Old Phone Co")


def test_help_tells_the_team_where_its_buttons_are():
    team = str([b.to_dict() for b in cards.help_blocks(is_agent=True)])
    customer = str([b.to_dict() for b in cards.help_blocks(is_agent=False)])
    assert "yours are on the team's copy in the agents channel" in team
    assert "agents channel" not in customer
    assert "The buttons on each request's card do the same things." in customer


def test_instants_are_slack_date_tokens_with_a_utc_fallback():
    moment = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)
    ts = int(moment.timestamp())
    assert slack_date(moment) == (
        f"<!date^{ts}^{{date_short_pretty}} at {{time}}|Wed Dec 2, 2026 at 2:30 PM UTC>"
    )
    assert slack_date(moment, Clock.TIME) == f"<!date^{ts}^{{time}}|2:30 PM UTC>"
    words = rich("Signed ", at(moment, TZ), ".")
    assert mrkdwn(words) == f"Signed {slack_date(moment)}."
    # Other channels show the account's time zone, and say which.
    assert plain(words) == "Signed Wed Dec 2, 2026 at 9:30 AM EST."
    assert html(words) == (
        'Signed <time datetime="2026-12-02T14:30:00+00:00">Wed Dec 2, 2026 at 9:30 AM EST</time>.'
    )
    with pytest.raises(ValueError):
        slack_date(datetime(2026, 12, 2, 14, 30))
    with pytest.raises(ValueError):
        at(datetime(2026, 12, 2, 14, 30), TZ)


def test_the_timeline_shows_each_reader_their_own_time(ctx):
    snap = svc.find(ctx, _open(ctx), svc.Viewer(AGENT, is_agent=True))
    body = str([b.to_dict() for b in cards.status_blocks(snap, is_agent=False, tz=TZ)])
    opened_at = snap.events[0].at
    assert slack_date(opened_at) in body
    assert "EST" not in body  # no time is pinned to the account's zone (New York)


# --- over HTTP ----------------------------------------------------------------------------------


def _card(slack) -> dict:
    (card,) = [m for m in slack.sim.messages(CHANNEL) if m.get("blocks")]
    return card


def _team_copy(slack) -> dict:
    (copy,) = [m for m in slack.sim.messages(AGENTS_CHANNEL) if m.get("blocks")]
    return copy


def test_the_customers_card_and_the_teams_copy_carry_their_own_buttons(slack, ctx):
    sid = _open(ctx, slack.sim.team_id)
    slack.drain()
    card, copy = _card(slack), _team_copy(slack)
    assert _ids(card["blocks"]) == [A.STATUS, A.CANCEL]
    assert _ids(copy["blocks"]) == [A.STATUS, A.SUBMIT, A.REJECT, A.NOTE, A.CANCEL]
    permalink = slack.sim.calls_to("chat.getPermalink")[-1]
    assert permalink.args["message_ts"] == card["ts"]
    assert f"archives/{CHANNEL}/p{card['ts'].replace('.', '')}|Open the card> in <#{CHANNEL}>" in (
        str(copy["blocks"])
    )
    assert copy["text"].startswith(f"Port request {sid} from <@{CUSTOMER}>: ")

    # The team submits from its copy; both messages follow, in place.
    slack.driver.block_action(
        A.SUBMIT, sid, AGENT, channel_id=AGENTS_CHANNEL, message_ts=copy["ts"]
    )
    assert "Submitted" in slack.sim.responses[-1].body["text"]
    slack.drain()
    copy = slack.sim.message(AGENTS_CHANNEL, copy["ts"])
    assert _ids(copy["blocks"]) == [A.STATUS, A.FOC, A.COMPLETE, A.REJECT, A.NOTE, A.CANCEL]
    assert "Submitted to carrier" in str(copy["blocks"])
    assert _ids(slack.sim.message(CHANNEL, card["ts"])["blocks"]) == [A.STATUS, A.CANCEL]
    assert len(slack.sim.messages(AGENTS_CHANNEL)) == 1  # updated, not posted again


def test_a_request_from_a_dm_has_its_card_in_the_agents_channel_with_the_teams_buttons(slack, ctx):
    _open(ctx, slack.sim.team_id, channel="D0CASEY")
    slack.drain()
    card = _team_copy(slack)
    assert A.SUBMIT in _ids(card["blocks"])


@pytest.mark.parametrize("action", sorted(TEAM_ONLY))
def test_a_customer_pressing_a_team_button_on_an_old_card_is_refused(slack, ctx, action):
    sid = _open(ctx, slack.sim.team_id)
    svc.submit_to_carrier(ctx, sid, actor=AGENT_ACTOR)
    if action is A.CONFIRM_CANCEL:
        svc.request_cancel(ctx, sid, actor=CUSTOMER_ACTOR)
    before = svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True), events=100)
    # An old card still had the button: Slack sends the click as it was.
    answer = slack.driver.block_action(action, sid, CUSTOMER, channel_id=CHANNEL)
    assert answer.status == 200
    # Only the person who pressed it is told: an ephemeral answer or message.
    told = [r.body["text"] for r in slack.sim.responses if r.body["response_type"] == "ephemeral"]
    told += [m["text"] for m in slack.sim.ephemerals(CHANNEL, CUSTOMER)]
    assert set(told) == {NOT_FOR_CUSTOMERS}, told  # (a response_url answer is both)
    assert NOT_FOR_CUSTOMERS.startswith("Only the porting team can do that.")
    assert slack.sim.view_stack(CUSTOMER) == []  # no form opened either
    after = svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True), events=100)
    assert after.status is before.status and len(after.events) == len(before.events)


def _with_ticket(ctx, sid: str, ticket_id: int = 77) -> str:
    ctx.zendesk_site = SITE
    snap = svc.find(ctx, sid, svc.Viewer(AGENT, is_agent=True))
    with ctx.db.write() as s:
        s.add(ZendeskLink(request_id=snap.request.id, ticket_id=ticket_id, created_at=ctx.now()))
    return f"{SITE}/agent/tickets/{ticket_id}"


def test_agents_see_the_ticket_link_and_customers_do_not(slack, ctx):
    sid = _open(ctx, slack.sim.team_id)
    url = _with_ticket(ctx, sid)
    slack.drain()
    assert f"<{url}|Open in Zendesk>" in str(_team_copy(slack)["blocks"])
    assert url not in str(_card(slack)["blocks"])

    agent = slack.driver.command("/port", f"status {sid}", user_id=AGENT, channel_id=CHANNEL)
    customer = slack.driver.command("/port", f"status {sid}", user_id=CUSTOMER, channel_id=CHANNEL)
    assert f"<{url}|Zendesk ticket>" in str(agent.json["blocks"])
    assert A.SUBMIT in _ids(agent.json["blocks"])
    assert url not in str(customer.json) and _ids(customer.json["blocks"]) == []


def test_details_answers_as_port_status_does_for_each_reader(slack, ctx):
    sid = _open(ctx, slack.sim.team_id)
    url = _with_ticket(ctx, sid)
    start = datetime(2026, 12, 2, 14, tzinfo=UTC)
    svc.set_foc(
        ctx,
        svc.submit_to_carrier(ctx, sid, actor=AGENT_ACTOR).sid,
        date(2026, 12, 2),
        actor=AGENT_ACTOR,
        window_start=start,
        window_end=start + timedelta(hours=2),
    )
    slack.drain()
    card = _card(slack)
    for user in (CUSTOMER, AGENT):
        slack.driver.block_action(A.STATUS, sid, user, channel_id=CHANNEL, message_ts=card["ts"])
        details = slack.sim.responses[-1].body
        assert details["response_type"] == "ephemeral"
        command = slack.driver.command("/port", f"status {sid}", user_id=user, channel_id=CHANNEL)
        assert details["blocks"] == command.json["blocks"]
        body = str(details["blocks"])
        # Times as Slack date tokens: the window and the timeline in the reader's own zone.
        assert f"<!date^{int(start.timestamp())}^{{time}}|2:00 PM UTC>" in body
        assert "^{date_short_pretty} at {time}|" in body
        assert (url in body) is (user == AGENT)
