"""Real conversations on the ticket, through the served app and both simulators: the person who
opened the request in Slack is the ticket's requester (found by their Slack e-mail address,
once), their thread replies are public comments written by them, nothing they wrote comes back
to Slack through the webhook, and the ticket's status, priority, group and assignee follow the
request. Also what happens without an address, with an agent's address, when Slack cannot
answer and when Zendesk refuses the user."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from slack_sdk import WebClient
from sqlmodel import select

from bot import services as svc
from bot.sandbox.serving import ServedApp
from bot.sandbox.slack_driver import SlackDriver
from bot.sandbox.slack_payloads import message_event
from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.server import build_runtime, zendesk_inbound
from bot.web import create_app
from storage.models import OutboxMessage, ZendeskPerson
from storage.values import OutboxStatus
from tests.services.helpers import draft, mark_loa_signed, numbers
from tests.slack.conftest import AGENT, CHANNEL, CUSTOMER, SIGNING_SECRET, new_sim, settings_for
from tests.zendesk.conftest import EMAIL, SECRET, TOKEN, Both

GROUP, ASSIGNEE = 360011, 360099
NO_MAIL = "U0NOMAIL"
REP_EMAIL = "jordan@acme.example"  # the representative of tests.services.helpers.draft


@pytest.fixture
def talk(ctx, clock) -> Iterator[Both]:
    """``both`` with a group and an assignee configured, and a webhook that also reports the
    changes portbot makes through the API (as a trigger without an updater condition would),
    so that echoes would show."""
    slack = new_sim()
    slack.add_user(NO_MAIL, "nora", None)
    with ZendeskSimulator(email=EMAIL, token=TOKEN) as zendesk:
        settings = settings_for(
            slack,
            ZENDESK_SUBDOMAIN="acme",
            ZENDESK_EMAIL=EMAIL,
            ZENDESK_API_TOKEN=TOKEN,
            ZENDESK_URL=zendesk.url,
            ZENDESK_WEBHOOK_SECRET=SECRET,
            ZENDESK_GROUP_ID=str(GROUP),
            ZENDESK_ASSIGNEE_ID=str(ASSIGNEE),
        )
        client = WebClient(token="xoxb-test", base_url=slack.url)
        runtime = build_runtime(settings, client=client, process_before_response=True, ctx=ctx)
        app = create_app(ctx, runtime.bolt, zendesk=zendesk_inbound(settings, ctx))
        with ServedApp(app) as served:
            zendesk.webhook(f"{served.url}/zendesk/webhook", SECRET, api_updates=True)
            driver = SlackDriver(
                f"{served.url}/slack/events", SIGNING_SECRET, slack, team_id=slack.team_id
            )
            try:
                yield Both(slack, zendesk, driver, runtime)
            finally:
                runtime.stop.set()
                runtime.outbox.wake.set()
                zendesk.clear_faults()
                for thread in runtime.threads:
                    thread.join(timeout=15)
    slack.stop()


def _open(ctx, both: Both, user: str = CUSTOMER, name: str = "casey") -> str:
    sid = svc.open_request(
        ctx,
        draft(numbers(2)),
        actor=svc.Actor.customer(user, name),
        team_id=both.slack.team_id,
        channel_id=CHANNEL,
    ).sid
    both.drain()
    return sid


def _settle(both: Both) -> None:
    """Wait until every webhook Zendesk sent was answered, then deliver what it queued."""
    deadline = time.monotonic() + 10
    while any(not d.attempts for d in both.zendesk.webhooks):
        assert time.monotonic() < deadline, "webhooks still unanswered"
        time.sleep(0.02)
    assert all(d.attempts[-1].status == 200 for d in both.zendesk.webhooks)
    both.drain()


def _user_calls(both: Both) -> list[str]:
    return [c.path for c in both.zendesk.calls() if c.path.startswith("/api/v2/users")]


def _thread_texts(both: Both) -> list[str]:
    return [m.get("text", "") for m in both.slack.thread(CHANNEL, both.card_ts())[1:]]


def test_the_opener_is_the_requester_and_their_replies_are_their_own(ctx, talk):
    _open(ctx, talk)
    (ticket,) = talk.zendesk.tickets()
    casey = talk.zendesk.user(ticket["requester_id"])
    assert casey and casey["email"] == "casey@acme.example" and casey["role"] == "end-user"
    assert casey["name"] == "casey"  # as Slack knows them
    assert all(u["email"] != REP_EMAIL for u in talk.zendesk.users())  # the rep: LOA mail only
    assert "portbot_slack" in ticket["tags"]
    assert (ticket["group_id"], ticket["assignee_id"]) == (GROUP, ASSIGNEE)
    assert ticket["status"] == "pending"  # the representative signs next
    _settle(talk)
    before = _thread_texts(talk)

    talk.reply("Can we port on a Friday?")
    talk.reply("Also, the BTN changed last month.")
    talk.drain()
    *_, first, second = talk.comments()
    for comment, text in (
        (first, "Can we port on a Friday?"),
        (second, "Also, the BTN changed last month."),
    ):
        assert comment["public"] is True and comment["author_id"] == casey["id"]
        assert comment["body"] == text
    assert talk.zendesk.ticket(ticket["id"])["status"] == "open"  # the team has to answer
    # Looked up once: one search and one create, when the ticket was made.
    assert _user_calls(talk) == ["/api/v2/users/search.json", "/api/v2/users/create_or_update.json"]
    with ctx.db.read() as s:
        (kept,) = s.exec(select(ZendeskPerson)).all()
    assert (kept.slack_user_id, kept.zendesk_user_id, kept.by_email) == (
        CUSTOMER,
        casey["id"],
        True,
    )

    # Zendesk reports both comments through the webhook: neither comes back to Slack.
    _settle(talk)
    assert _thread_texts(talk) == before
    assert len(talk.comments()) == len([*_, first, second])
    # An agent's public answer still does, and is not e-mailed by portbot's doing.
    talk.zendesk.agent_comment(ticket["id"], "Fridays work. We will ask for one.", author="Dana")
    _settle(talk)
    assert _thread_texts(talk)[-1].startswith("Dana: Fridays work.")


def test_status_and_priority_follow_the_request(ctx, talk):
    sid = _open(ctx, talk)
    ticket_id = talk.ticket()
    mark_loa_signed(ctx, sid, actor=svc.Actor.customer(CUSTOMER, "casey"))
    talk.drain()
    assert talk.zendesk.ticket(ticket_id)["status"] == "open"  # in review: the team acts
    agent = svc.Actor.agent(AGENT, "avery")
    svc.submit_to_carrier(ctx, sid, actor=agent)
    talk.drain()
    ticket = talk.zendesk.ticket(ticket_id)
    assert (ticket["status"], ticket["priority"]) == ("pending", "normal")
    svc.set_foc(ctx, sid, date(2026, 11, 18), actor=agent)  # Wednesday; today is Monday
    talk.drain()
    ticket = talk.zendesk.ticket(ticket_id)
    assert (ticket["status"], ticket["priority"]) == ("pending", "high")
    assert (ticket["group_id"], ticket["assignee_id"]) == (GROUP, ASSIGNEE)
    updates = talk.zendesk.calls("PUT", f"/api/v2/tickets/{ticket_id}")
    assert updates and all(
        "group_id" not in c.body["ticket"] and "assignee_id" not in c.body["ticket"]
        for c in updates
    )
    svc.mark_ported(ctx, sid, actor=agent)
    talk.drain()
    ticket = talk.zendesk.ticket(ticket_id)
    assert (ticket["status"], ticket["priority"]) == ("solved", "normal")


def test_a_person_slack_gives_no_address_for_is_known_by_their_slack_id(ctx, talk):
    talk.slack.add_channel(CHANNEL, "acme-telecom", members=[CUSTOMER, NO_MAIL])
    _open(ctx, talk, NO_MAIL, "nora")
    (ticket,) = talk.zendesk.tickets()
    nora = talk.zendesk.user(ticket["requester_id"])
    assert nora and nora["email"] is None and nora["role"] == "end-user"
    assert nora["external_id"] == f"slack:{talk.slack.team_id}:{NO_MAIL}"
    event = message_event("Here is the PIN letter.", NO_MAIL, CHANNEL, thread_ts=talk.card_ts())
    assert talk.driver.event(event).status == 200
    talk.drain()
    comment = talk.comments()[-1]
    assert comment["public"] is True and comment["author_id"] == nora["id"]
    assert comment["body"] == "Here is the PIN letter."


def test_an_address_that_belongs_to_a_zendesk_agent_is_not_spoken_for(ctx, talk):
    agent = talk.zendesk.add_user("Casey Porting", "casey@acme.example", role="agent")
    _open(ctx, talk)
    (ticket,) = talk.zendesk.tickets()
    requester = talk.zendesk.user(ticket["requester_id"])
    assert requester and requester["id"] != agent["id"] and requester["role"] == "end-user"
    assert requester["external_id"] == f"slack:{talk.slack.team_id}:{CUSTOMER}"
    assert talk.zendesk.user(agent["id"])["name"] == "Casey Porting"  # untouched
    _settle(talk)
    before = _thread_texts(talk)
    # The agent's own public comment is theirs, not a copy: it reaches the thread.
    talk.zendesk.agent_comment(ticket["id"], "Checking with the carrier.", author="Casey Porting")
    _settle(talk)
    assert (
        _thread_texts(talk)[len(before) :]
        and "Checking with the carrier." in (_thread_texts(talk)[-1])
    )


def test_slack_that_cannot_answer_delays_the_ticket_and_decides_nothing(ctx, clock, talk):
    talk.slack.fail("users.info", times=1, status=500)
    svc.open_request(
        ctx,
        draft(numbers(2)),
        actor=svc.Actor.customer(CUSTOMER, "casey"),
        team_id=talk.slack.team_id,
        channel_id=CHANNEL,
    )
    talk.drain()
    assert talk.zendesk.tickets() == []
    with ctx.db.read() as s:
        assert s.exec(select(ZendeskPerson)).all() == []  # nothing decided about casey
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.topic.startswith("zendesk"))).all()
    assert rows and all(r.status is OutboxStatus.PENDING for r in rows)
    clock.set(clock.now + timedelta(minutes=2))
    talk.drain()
    (ticket,) = talk.zendesk.tickets()
    assert talk.zendesk.user(ticket["requester_id"])["email"] == "casey@acme.example"


def test_a_reply_is_not_lost_when_zendesk_refuses_the_user(ctx, talk):
    talk.zendesk.fail("POST /api/v2/users/create_or_update*", status=422, times=None)
    _open(ctx, talk)
    (ticket,) = talk.zendesk.tickets()
    assert ticket["requester_id"] == talk.zendesk.api_user["id"]  # Zendesk's default
    assert "portbot_slack" not in ticket["tags"]
    talk.reply("Please call me tomorrow.")
    talk.drain()
    comment = talk.comments()[-1]
    assert comment["author_id"] == talk.zendesk.api_user["id"] and comment["public"] is False
    assert comment["body"] == "casey wrote in Slack:\n\nPlease call me tomorrow."


def test_an_agents_reply_in_the_thread_is_written_by_portbot(ctx, talk):
    _open(ctx, talk)
    event = message_event("We will call at 3pm.", AGENT, CHANNEL, thread_ts=talk.card_ts())
    assert talk.driver.event(event).status == 200
    talk.drain()
    comment = talk.comments()[-1]
    assert comment["author_id"] == talk.zendesk.api_user["id"]
    assert comment["body"] == "avery wrote in Slack:\n\nWe will call at 3pm."
