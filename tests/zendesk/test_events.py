"""``POST /zendesk/webhook`` with Zendesk's own ticket events (a webhook subscribed to events,
no trigger, no Liquid): signed over real HTTP to the served app, built from the simulated
Zendesk's tickets and comments in the documented shape.

Sources for the payload shape (checked 2026-12):
- https://developer.zendesk.com/api-reference/webhooks/event-types/webhook-event-types/
  (the frame: type, account_id, id, time, zendesk_event_version, subject, detail, event)
- https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/
  (the ``detail`` properties: actor_id, external_id as a string, status, tags, …; the ``event``
  of comment_added, custom_field_changed and status_changed)
- https://developer.zendesk.com/documentation/webhooks/verifying/ (the signature)
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlmodel import select

from bot import services as svc
from bot.sandbox.serving import ServedApp
from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.sandbox.zendesk_state import iso
from bot.web import create_app
from bot.zendesk import events, webhook
from bot.zendesk.gateway import ZenpyGateway
from bot.zendesk.inbound import Inbound
from storage.models import OutboxMessage, TimelineEvent
from tests.services.helpers import draft, numbers
from tests.slack.conftest import CHANNEL
from tests.zendesk.conftest import EMAIL as EMAIL_BOTH
from tests.zendesk.conftest import SECRET, Both
from tests.zendesk.test_inbound import EMAIL, FOC_FIELD, TOKEN, Setup

OTHER_FIELD = 360002
TEXT = 'He said "port it Friday" \\ C:\\bills\\nov\nsecond line\ttab — ünïcode ✓ 📞'


# --- the documented shape, from the simulated account ------------------------------------


def event_body(
    sim: ZendeskSimulator,
    ticket_id: int,
    kind: str,
    change: dict[str, Any],
    *,
    actor_id: int | None = None,
    event_id: str | None = None,
) -> bytes:
    """One event as Zendesk sends it for ``ticket_id`` as the simulator has it now."""
    ticket = sim.ticket(ticket_id)
    assert ticket is not None
    detail = {
        "actor_id": str(actor_id or ticket["submitter_id"]),
        "assignee_id": str(ticket.get("assignee_id") or ""),
        "brand_id": "360000001",
        "created_at": ticket["created_at"],
        "custom_status": "360000010",
        "description": "",
        "external_id": ticket["external_id"],  # a string, or null
        "form_id": "",
        "group_id": str(ticket.get("group_id") or ""),
        "id": str(ticket_id),
        "is_public": True,
        "organization_id": None,
        "priority": "NORMAL",
        "requester_id": str(ticket["requester_id"]),
        "status": str(ticket["status"]).upper(),
        "subject": ticket["subject"],
        "submitter_id": str(ticket["submitter_id"]),
        "tags": list(ticket["tags"]),
        "type": None,
        "updated_at": ticket["updated_at"],
        "via": {"channel": "web_service"},
    }
    body = {
        "type": f"zen:event-type:ticket.{kind}",
        "account_id": 9000001,
        "id": event_id or str(uuid.uuid4()),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S.123456789Z", time.gmtime()),
        "zendesk_event_version": "2022-11-06",
        "subject": f"zen:ticket:{ticket_id}",
        "detail": detail,
        "event": change,
    }
    return json.dumps(body).encode()


def comment_added(sim: ZendeskSimulator, ticket_id: int, comment: dict, **kw: Any) -> bytes:
    author = sim.user(comment["author_id"])
    assert author is not None
    change = {
        "comment": {
            "id": str(comment["id"]),
            "body": comment["body"],
            "is_public": comment["public"],
            "author": {
                "id": str(author["id"]),
                "is_staff": author["role"] in ("agent", "admin"),
                "name": author["name"],
            },
        }
    }
    kw.setdefault("actor_id", author["id"])
    return event_body(sim, ticket_id, "comment_added", change, **kw)


def field_changed(sim: ZendeskSimulator, ticket_id: int, field: int, value: object) -> bytes:
    change = {
        "current": value,
        "previous": None,
        "custom_field": {"id": str(field), "title": "Port date", "type": "date"},
    }
    return event_body(sim, ticket_id, "custom_field_changed", change)


def post(
    url: str,
    body: bytes,
    *,
    secret: str = SECRET,
    stamp: str | None = None,
    invocation: str | None = None,
) -> tuple[int, dict]:
    """POST ``body`` signed as Zendesk signs it; the status and the JSON answer."""
    stamp = stamp or iso(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature": webhook.sign(secret, body, stamp),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "X-Zendesk-Webhook-Invocation-Id": invocation or str(uuid.uuid4().int)[:10],
    }
    request = urllib.request.Request(f"{url}/zendesk/webhook", body, headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"{}")


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def zd(ctx, clock) -> Iterator[Setup]:
    """The served app and a simulated Zendesk whose webhook is subscribed to events: no trigger
    posts anything; the tests post the events."""
    with ZendeskSimulator(email=EMAIL, token=TOKEN, ticket_fields=[FOC_FIELD, OTHER_FIELD]) as sim:
        gateway = ZenpyGateway(None, EMAIL, TOKEN, url=sim.url, timeout=2)
        inbound = Inbound(
            ctx, SECRET, api_email=EMAIL, foc_field=FOC_FIELD, own_user=gateway.own_user_id
        )
        with ServedApp(create_app(ctx, None, zendesk=inbound)) as served:
            yield Setup(ctx, sim, served.url)
        gateway.close()


@pytest.fixture
def events_only(both: Both) -> Both:
    both.zendesk.webhook(None)  # the app's webhook takes events; no trigger sends bodies
    return both


def _served_url(both: Both) -> str:
    return both.driver.app_url.removesuffix("/slack/events")


def _open_in_slack(ctx, both: Both) -> tuple[str, int]:
    customer = svc.Actor.customer("U0CUSTOMER", "casey")
    sid = svc.open_request(
        ctx, draft(numbers(2)), actor=customer, team_id=both.slack.team_id, channel_id=CHANNEL
    ).sid
    both.drain()
    return sid, both.ticket()


def _zendesk_comments(ctx) -> list[TimelineEvent]:
    with ctx.db.read() as s:
        rows = s.exec(select(TimelineEvent).where(TimelineEvent.action == "comment"))
        return [e for e in rows if (e.data or {}).get("source") == "zendesk"]


# --- comment_added ---------------------------------------------------------------------------


def test_a_public_agent_comment_reaches_the_slack_thread_once_with_its_exact_text(ctx, events_only):
    both = events_only
    _sid, ticket = _open_in_slack(ctx, both)
    url = _served_url(both)
    comment = both.zendesk.agent_comment(ticket, TEXT, public=True, author="Dana Porting")
    body = comment_added(both.zendesk, ticket, comment)
    assert post(url, body, invocation="8000000001") == (
        200,
        {"ok": True, "result": "comment added"},
    )
    (added,) = _zendesk_comments(ctx)
    assert added.detail == TEXT and added.actor_name == "Dana Porting"
    both.drain()
    thread = both.slack.thread(CHANNEL, both.card_ts())
    assert thread[-1]["text"] == f"Dana Porting: {TEXT}"
    posted = len(thread)

    # Zendesk retries the invocation (signed again, later); the same event reaches a second
    # subscribed webhook (another invocation): applied once either way.
    retry = post(url, body, invocation="8000000001")
    again = post(url, body, invocation="8000000002")
    expected = (200, {"ok": True, "ignored": "this delivery was already applied"})
    assert retry == expected and again == expected
    both.drain()
    assert len(_zendesk_comments(ctx)) == 1
    assert len(both.slack.thread(CHANNEL, both.card_ts())) == posted
    # The comment is not sent back to the ticket either.
    assert [c["body"] for c in both.comments()].count(TEXT) == 1


def test_portbots_own_comments_do_not_echo_and_its_user_is_asked_once(ctx, events_only):
    both = events_only
    _sid, ticket = _open_in_slack(ctx, both)
    url = _served_url(both)
    thread_before = len(both.slack.thread(CHANNEL, both.card_ts()))
    # A public comment portbot writes as its API user (an agent's reply in the thread, a
    # customer update): the event names the API user as author and actor.
    gateway = ZenpyGateway(None, EMAIL_BOTH, TOKEN, url=both.zendesk.url, timeout=2)
    gateway.update_ticket(ticket, {"comment": {"body": "Your port date is set.", "public": True}})
    gateway.close()
    written = both.comments()[-1]
    echo = comment_added(both.zendesk, ticket, written)
    assert both.zendesk.user(written["author_id"])["email"] == EMAIL_BOTH  # the API user
    assert post(url, echo) == (200, {"ok": True, "ignored": "portbot's own comment"})
    # A Slack reply portbot copied to the ticket: written through the API, whoever is named
    # its author, so the update's actor is portbot.
    both.reply("Is Friday still fine?")
    both.drain()
    copied = both.comments()[-1]
    assert "Is Friday still fine?" in copied["body"]
    api_user = both.zendesk.users()[0]
    status, answer = post(url, comment_added(both.zendesk, ticket, copied, actor_id=api_user["id"]))
    assert status == 200 and answer["ok"] is True and answer["ignored"]
    agent = both.zendesk.agent_comment(ticket, "Friday works.", author="Dana Porting")
    assert post(url, comment_added(both.zendesk, ticket, agent))[0] == 200
    echo_again = comment_added(both.zendesk, ticket, written)  # another event about it
    assert post(url, echo_again) == (200, {"ok": True, "ignored": "portbot's own comment"})
    assert len(both.zendesk.calls(method="GET", path_prefix="/api/v2/users/me")) == 1
    assert [c.detail for c in _zendesk_comments(ctx)] == ["Friday works."]
    both.drain()
    thread = both.slack.thread(CHANNEL, both.card_ts())
    posted = [m["text"] for m in thread[thread_before:]]
    assert posted[-1] == "Dana Porting: Friday works."
    assert not [t for t in posted if "Your port date is set." in t]
    assert len([t for t in posted if "Is Friday still fine?" in t]) <= 1  # the reply itself


def test_until_zendesk_says_who_portbot_is_a_comment_gets_503_then_goes_through(ctx, events_only):
    both = events_only
    _sid, ticket = _open_in_slack(ctx, both)
    url = _served_url(both)
    comment = both.zendesk.agent_comment(ticket, "Port confirmed.", author="Dana Porting")
    body = comment_added(both.zendesk, ticket, comment)
    both.zendesk.fail("GET /api/v2/users/me*", 503, times=None)
    status, answer = post(url, body, invocation="8000000011")
    assert status == 503 and "retry later" in answer["error"]
    assert _zendesk_comments(ctx) == []
    both.zendesk.clear_faults()
    assert post(url, body, invocation="8000000011") == (
        200,
        {"ok": True, "result": "comment added"},
    )
    assert [c.detail for c in _zendesk_comments(ctx)] == ["Port confirmed."]


def test_an_internal_note_stays_in_zendesk(zd):
    sid, ticket = zd.open()
    note = zd.sim.agent_comment(ticket, "check the CSR first", public=False)
    body = comment_added(zd.sim, ticket, note)
    assert post(zd.url, body) == (200, {"ok": True, "ignored": "internal note"})
    assert zd.comments_in_request(sid) == []


def test_a_customer_comment_is_the_customers(zd):
    sid, ticket = zd.open()
    customer = zd.sim.add_user("Rep Person", "rep@customer.example")  # writes by e-mail
    comment = {"id": 424242, "body": "Bill attached by e-mail.", "public": True}
    change = {
        "comment": {
            "id": str(comment["id"]),
            "body": comment["body"],
            "is_public": True,
            "author": {"id": str(customer["id"]), "is_staff": False, "name": customer["name"]},
        }
    }
    body = event_body(zd.sim, ticket, "comment_added", change, actor_id=customer["id"])
    assert post(zd.url, body)[1] == {"ok": True, "result": "comment added"}
    (added,) = zd.comments_in_request(sid)
    assert added.actor_role.value == "customer"
    assert added.actor_id == f"zendesk:{customer['id']}"


# --- custom_field_changed and status_changed -------------------------------------------------


def _foc(zd: Setup, sid: str) -> date | None:
    return svc.find(zd.ctx, sid, svc.Viewer(user_id="U0AGENT", is_agent=True)).request.foc_date


def test_the_foc_field_sets_the_port_date_and_other_fields_are_answered_and_ignored(zd, caplog):
    caplog.set_level(logging.INFO, logger="bot.zendesk.inbound")
    sid, ticket = zd.open(submitted=True)
    zd.sim.set_field(ticket, FOC_FIELD, "2026-12-01")
    got = post(zd.url, field_changed(zd.sim, ticket, FOC_FIELD, "2026-12-01"))
    assert got == (200, {"ok": True, "result": "foc set", "foc_date": "2026-12-01"})
    assert _foc(zd, sid) == date(2026, 12, 1)
    # Some of Zendesk's examples wrap the value: {"value": …}
    wrapped = field_changed(zd.sim, ticket, FOC_FIELD, {"value": "2026-12-03"})
    assert post(zd.url, wrapped)[1]["result"] == "foc set"
    assert _foc(zd, sid) == date(2026, 12, 3)
    other = post(zd.url, field_changed(zd.sim, ticket, OTHER_FIELD, "blue"))
    assert other == (200, {"ok": True, "ignored": "no field portbot follows changed"})
    assert _foc(zd, sid) == date(2026, 12, 3)
    assert any(
        "custom_field_changed" in r.getMessage() and "no field portbot follows" in r.getMessage()
        for r in caplog.records
    )


def test_a_refused_port_date_gets_an_internal_note_saying_why(zd):
    sid, ticket = zd.open()  # not submitted: no port date yet
    got = post(zd.url, field_changed(zd.sim, ticket, FOC_FIELD, "2026-12-01"))
    assert got[0] == 200 and got[1]["ok"] is True and got[1]["result"] == "refused"
    zd.outbox.drain()
    (note,) = [c for c in zd.sim.comments(ticket) if "did not apply" in c["body"]]
    assert note["public"] is False and sid in note["body"]


def test_a_status_change_is_answered_logged_and_changes_nothing(zd, caplog):
    caplog.set_level(logging.INFO, logger="bot.zendesk.inbound")
    sid, ticket = zd.open()
    with zd.ctx.db.read() as s:
        queued = len(list(s.exec(select(OutboxMessage))))
    before = svc.find(zd.ctx, sid, svc.Viewer(user_id="U0AGENT", is_agent=True)).request.status
    zd.sim.set_status(ticket, "solved")
    change = {"current": "SOLVED", "previous": "OPEN"}
    status, answer = post(zd.url, event_body(zd.sim, ticket, "status_changed", change))
    assert status == 200 and answer["ok"] is True
    assert (
        answer["ignored"] == "the ticket's status went from open to solved; portbot keeps its own"
    )
    after = svc.find(zd.ctx, sid, svc.Viewer(user_id="U0AGENT", is_agent=True)).request.status
    assert after == before
    with zd.ctx.db.read() as s:
        assert len(list(s.exec(select(OutboxMessage)))) == queued
    (line,) = [r for r in caplog.records if "status_changed" in r.getMessage()]
    assert f"ticket {ticket}" in line.getMessage() and "open to solved" in line.getMessage()


# --- what portbot has no use for: 2xx and a log line, never 4xx ---------------------------------


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("ticket.priority_changed", {"current": "HIGH", "previous": "NORMAL"}),
        ("ticket.tags_changed", {"tags_added": ["vip"], "tags_removed": []}),
        ("ticket.comment_made_private", {"comment": {"id": "1"}}),
    ],
)
def test_other_ticket_events_are_answered_2xx_and_logged(zd, caplog, kind, change):
    caplog.set_level(logging.INFO, logger="bot.zendesk.inbound")
    sid, ticket = zd.open()
    body = event_body(zd.sim, ticket, kind.removeprefix("ticket."), change)
    short = kind.removeprefix("ticket.")
    assert post(zd.url, body) == (
        200,
        {"ok": True, "ignored": f"portbot does not use ticket.{short} events"},
    )
    assert any(f"ticket {ticket} ignored" in r.getMessage() for r in caplog.records)
    assert zd.comments_in_request(sid) == []


def test_events_about_users_or_organizations_are_answered_2xx(zd):
    body = {
        "type": "zen:event-type:user.active_changed",
        "account_id": 9000001,
        "id": "2b24ef10-19d4-4740-93cf-8f98ec4776c0",
        "time": "2099-07-04T05:33:18Z",
        "zendesk_event_version": "2022-06-20",
        "subject": "zen:user:6596848315901",
        "detail": {"id": "6596848315901", "role": "end-user"},
        "event": {"current": False, "previous": True},
    }
    got = post(zd.url, json.dumps(body).encode())
    assert got == (200, {"ok": True, "ignored": "portbot does not use user.active_changed events"})


def test_a_ticket_portbot_does_not_know_is_answered_2xx_and_logged(zd, caplog):
    caplog.set_level(logging.INFO, logger="bot.zendesk.inbound")
    sid, known = zd.open()
    comment = zd.sim.agent_comment(known, "About another ticket", author="Dana")
    body = json.loads(comment_added(zd.sim, known, comment))
    body["subject"] = "zen:ticket:987654"  # a ticket portbot never made: no id in detail
    body["detail"].pop("id")
    body["detail"]["external_id"] = None
    got = post(zd.url, json.dumps(body).encode())
    assert got == (200, {"ok": True, "ignored": "no port request for this ticket"})
    assert any("ticket 987654 ignored" in r.getMessage() for r in caplog.records)
    assert zd.comments_in_request(sid) == []


# --- malformed or unsigned (the 1 MiB limit is the route's: tests/web/test_limits.py) ------


def test_a_signed_body_that_is_not_well_formed_is_400(zd):
    _sid, ticket = zd.open()
    note = zd.sim.agent_comment(ticket, "x", public=True)
    good = json.loads(comment_added(zd.sim, ticket, note))
    status, answer = post(zd.url, b'{"type": "zen:event-type:ticket.comment_added", "id": ')
    assert status == 400 and "not JSON" in answer["error"]
    no_comment = dict(good, event={})
    assert post(zd.url, json.dumps(no_comment).encode()) == (
        400,
        {"error": '"event.comment" is missing'},
    )
    no_ticket = dict(good, subject=None, detail={})
    status, answer = post(zd.url, json.dumps(no_ticket).encode())
    assert status == 400 and "needs its ticket" in answer["error"]
    bad_id = dict(good, event={"comment": dict(good["event"]["comment"], id="12abc")})
    status, answer = post(zd.url, json.dumps(bad_id).encode())
    assert status == 400 and "event.comment.id" in answer["error"]
    no_field = field_changed(zd.sim, ticket, FOC_FIELD, "2026-12-01").replace(
        b'"custom_field"', b'"something_else"'
    )
    assert post(zd.url, no_field) == (400, {"error": '"event.custom_field.id" is missing'})


def test_the_signature_is_checked_before_anything_is_read(zd):
    sid, ticket = zd.open()
    note = zd.sim.agent_comment(ticket, "forged", public=True)
    body = comment_added(zd.sim, ticket, note)
    assert post(zd.url, body, secret="not-the-secret")[0] == 401
    assert post(zd.url, b"{not json", secret="not-the-secret")[0] == 401  # 401, not 400
    assert post(zd.url, body, stamp="2020-01-01T00:00:00Z")[0] == 401
    assert zd.comments_in_request(sid) == []


# --- the reader alone, on Zendesk's own example --------------------------------------------


def test_zendesks_documented_comment_example_reads_as_a_comment():
    example = {
        "account_id": 22129848,
        "detail": {
            "actor_id": "8447388090494",
            "assignee_id": "8447388090494",
            "brand_id": "8447346621310",
            "created_at": "2025-01-08T10:12:07Z",
            "custom_status": "8447388090494",
            "description": "ticket_description",
            "external_id": None,
            "form_id": "8646151517822",
            "group_id": "8447320466430",
            "id": "5158",
            "is_public": True,
            "organization_id": "8447346622462",
            "priority": "LOW",
            "requester_id": "8447388090494",
            "status": "OPEN",
            "subject": "ticket_subject",
            "submitter_id": "8447388090494",
            "tags": ["tag-a", "tag-b"],
            "type": "TASK",
            "updated_at": "2025-01-08T10:12:07Z",
            "via": {"channel": "web_service"},
        },
        "event": {
            "comment": {
                "author": {"id": "8447388090494", "is_staff": False, "name": "Jane Doe"},
                "body": "Thanks for your help!",
                "id": "8457388090494",
                "is_public": True,
            }
        },
        "id": "cbe4028c-7239-495d-b020-f22348516046",
        "subject": "zen:ticket:5158",
        "time": "2025-01-08T10:12:07.672717030Z",
        "type": "zen:event-type:ticket.comment_added",
        "zendesk_event_version": "2022-11-06",
    }
    got = events.read(webhook.load(json.dumps(example).encode()))
    assert isinstance(got, events.TicketEvent)
    assert got.event_id == "cbe4028c-7239-495d-b020-f22348516046"
    assert got.time is not None and got.time.isoformat() == "2025-01-08T10:12:07.672717+00:00"
    event = got.ticket
    assert event.kind is webhook.EventKind.COMMENT_CREATED and event.ticket_id == 5158
    assert event.external_id is None and event.status == "open"
    assert event.tags == ("tag-a", "tag-b") and event.actor_id == 8447388090494
    comment = event.comment
    assert comment is not None and comment.id == 8457388090494 and comment.public is True
    assert comment.body == "Thanks for your help!"
    assert comment.author.name == "Jane Doe" and comment.author.role == "end-user"


def test_each_webhook_signs_with_its_own_secret_and_both_are_accepted(ctx, clock):
    inbound = Inbound(ctx, "trigger-secret, events-secret", api_email=EMAIL)
    with ServedApp(create_app(ctx, None, zendesk=inbound)) as served:
        event = {"type": "zen:event-type:ticket.priority_changed", "subject": "zen:ticket:9"}
        body = json.dumps(event)
        for secret in ("trigger-secret", "events-secret"):
            assert post(served.url, body.encode(), secret=secret)[0] == 200
        assert post(served.url, body.encode(), secret="someone-else")[0] == 401
        assert post(served.url, body.encode(), secret="trigger-secret, events-secret")[0] == 401
