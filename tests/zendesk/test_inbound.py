"""``POST /zendesk/webhook`` end to end: the simulator's agent acts, signs, and posts to the
served app over HTTP; the request changes once, and no change echoes back."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date

import pytest
from sqlmodel import select

from bot import services as svc
from bot import trace
from bot.delivery.outbox import DELIVERIES, Outbox
from bot.logs import RequestStamp
from bot.sandbox.serving import ServedApp
from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.sandbox.zendesk_state import iso
from bot.services.effects import Topic
from bot.web import create_app
from bot.zendesk import webhook
from bot.zendesk.delivery import NoteDelivery, ZendeskDelivery
from bot.zendesk.gateway import ZenpyGateway
from bot.zendesk.inbound import Inbound
from bot.zendesk.mapping import TicketOptions
from storage.models import OutboxMessage, TimelineEvent
from tests.services.helpers import draft, mark_loa_signed, numbers

EMAIL, TOKEN, SECRET, FOC_FIELD = "porting@acme.example", "zd-token", "hook-secret", 360001
CUSTOMER, AGENT = svc.Actor.customer("U0CUSTOMER", "casey"), svc.Actor.agent("U0AGENT", "avery")


class Setup:
    def __init__(self, ctx, sim: ZendeskSimulator, url: str) -> None:
        gateway = ZenpyGateway(None, EMAIL, TOKEN, url=sim.url, timeout=2)
        options = TicketOptions(field_foc_date=FOC_FIELD)
        self.ctx, self.sim, self.url = ctx, sim, url
        self.outbox = Outbox(
            ctx,
            {
                Topic.ZENDESK_REQUEST_EVENT: ZendeskDelivery(ctx, gateway, options),
                Topic.ZENDESK_NOTE: NoteDelivery(ctx, gateway),
            },
        )

    def open(self, *, submitted: bool = False) -> tuple[str, int]:
        sid = svc.open_request(self.ctx, draft(numbers(2)), actor=CUSTOMER, team_id="T1").sid
        if submitted:
            mark_loa_signed(self.ctx, sid, actor=CUSTOMER)
            svc.submit_to_carrier(self.ctx, sid, actor=AGENT)
        self.outbox.drain()
        (ticket,) = [t for t in self.sim.tickets() if t["external_id"] == sid]
        return sid, ticket["id"]

    def comments_in_request(self, sid: str) -> list[TimelineEvent]:
        with self.ctx.db.read() as s:
            return [
                e
                for e in s.exec(select(TimelineEvent).where(TimelineEvent.action == "comment"))
                if (e.data or {}).get("source") == "zendesk"
            ]


@pytest.fixture
def zd(ctx, clock) -> Iterator[Setup]:
    inbound = Inbound(ctx, SECRET, api_email=EMAIL, foc_field=FOC_FIELD)
    with (
        ZendeskSimulator(email=EMAIL, token=TOKEN, ticket_fields=[FOC_FIELD]) as sim,
        ServedApp(create_app(ctx, None, zendesk=inbound)) as served,
    ):
        sim.webhook(f"{served.url}/zendesk/webhook", SECRET)
        yield Setup(ctx, sim, served.url)


def _last_attempt_status(sim: ZendeskSimulator) -> int | None:
    return sim.webhooks[-1].attempts[-1].status


def test_a_public_agent_comment_becomes_a_request_comment_once(zd):
    sid, ticket = zd.open()
    zd.sim.agent_comment(ticket, "The carrier wants a new bill.", public=True, author="Dana")
    assert _last_attempt_status(zd.sim) == 200
    (comment,) = zd.comments_in_request(sid)
    assert comment.detail == "The carrier wants a new bill." and comment.actor_name == "Dana"
    zd.sim.redeliver()  # Zendesk retries a delivery
    assert _last_attempt_status(zd.sim) == 200
    assert len(zd.comments_in_request(sid)) == 1
    before = len(zd.sim.calls(method="PUT"))
    zd.outbox.drain()  # the comment is not sent back to the ticket
    assert len(zd.sim.calls(method="PUT")) == before


def test_internal_notes_stay_in_zendesk(zd):
    sid, ticket = zd.open()
    zd.sim.agent_comment(ticket, "internal: check the CSR", public=False)
    assert zd.comments_in_request(sid) == []


def test_bad_and_stale_signatures_get_401(zd):
    _, ticket = zd.open()
    zd.sim.agent_comment(ticket, "hello", public=True)
    zd.sim.redeliver(secret="wrong")
    assert _last_attempt_status(zd.sim) == 401
    zd.sim.redeliver(timestamp="2020-01-01T00:00:00Z")
    assert _last_attempt_status(zd.sim) == 401


def test_the_foc_field_sets_the_port_date_under_the_lifecycle_rules(zd):
    sid, ticket = zd.open(submitted=True)
    zd.sim.set_field(ticket, FOC_FIELD, "2026-12-01")
    assert _last_attempt_status(zd.sim) == 200
    req = svc.find(zd.ctx, sid, svc.Viewer(user_id="U0AGENT", is_agent=True)).request
    assert req.foc_date == date(2026, 12, 1) and req.status.value == "foc_confirmed"


def test_a_refused_field_change_gets_an_internal_note_saying_why(zd):
    sid, ticket = zd.open()  # not submitted yet: no FOC possible
    zd.sim.set_field(ticket, FOC_FIELD, "2026-12-01")
    assert _last_attempt_status(zd.sim) == 200
    zd.sim.redeliver()
    zd.outbox.drain()
    notes = [c for c in zd.sim.comments(ticket) if "did not apply" in c["body"]]
    assert len(notes) == 1 and notes[0]["public"] is False and sid in notes[0]["body"]


def test_unsigned_posts_are_refused_and_nothing_changes(zd):
    sid, ticket = zd.open()
    body = json.dumps({"event": "comment_created", "ticket_id": ticket}).encode()
    request = urllib.request.Request(f"{zd.url}/zendesk/webhook", body, method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 401
    time.sleep(0.05)
    assert zd.comments_in_request(sid) == []


def _post(zd, body: bytes, stamp: str, invocation: str) -> int:
    """POST ``body`` signed at ``stamp`` (what the signature covers) under ``invocation``."""
    headers = {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature": webhook.sign(SECRET, body, stamp),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "X-Zendesk-Webhook-Invocation-Id": invocation,
    }
    request = urllib.request.Request(f"{zd.url}/zendesk/webhook", body, headers, method="POST")
    with urllib.request.urlopen(request, timeout=5) as answer:
        return answer.status


def _foc(zd, sid: str) -> date | None:
    return svc.find(zd.ctx, sid, svc.Viewer(user_id="U0AGENT", is_agent=True)).request.foc_date


def test_a_captured_delivery_resent_under_a_new_invocation_id_is_not_applied_again(zd):
    sid, ticket = zd.open(submitted=True)
    zd.sim.set_field(ticket, FOC_FIELD, "2026-12-01")
    captured = zd.sim.webhooks[-1]
    stamp = captured.attempts[-1].timestamp
    zd.sim.set_field(ticket, FOC_FIELD, "2026-12-03")  # the agent changes their mind
    assert _foc(zd, sid) == date(2026, 12, 3)
    # The invocation id is not signed: the same signed bytes under another id are the same
    # delivery, and change nothing.
    assert _post(zd, captured.body, stamp, "9999999999") == 200
    assert _foc(zd, sid) == date(2026, 12, 3)
    zd.outbox.drain()
    assert not [c for c in zd.sim.comments(ticket) if "did not apply" in c["body"]]


def test_an_older_field_change_never_reverts_a_newer_one(zd):
    sid, ticket = zd.open(submitted=True)
    zd.sim.deliver_webhooks = False
    zd.sim.set_field(ticket, FOC_FIELD, "2026-12-01")  # held back (a slow or captured delivery)
    zd.sim.deliver_webhooks = True
    zd.sim.set_field(ticket, FOC_FIELD, "2026-12-03")
    assert _foc(zd, sid) == date(2026, 12, 3)
    a_minute_earlier = iso(time.time() - 60)
    zd.sim.redeliver(-2, timestamp=a_minute_earlier)  # arrives late, signed when it was made
    assert _last_attempt_status(zd.sim) == 200
    assert _foc(zd, sid) == date(2026, 12, 3)
    zd.sim.redeliver(-2, timestamp=a_minute_earlier)  # and again: still one note
    zd.outbox.drain()
    (note,) = [c for c in zd.sim.comments(ticket) if "did not apply" in c["body"]]
    assert note["public"] is False and "before the port date was last changed" in note["body"]
    assert "Dec 3, 2026 stays" in note["body"]


def test_portbots_own_comments_are_ignored_whatever_the_case_of_zendesk_email(ctx, clock):
    inbound = Inbound(ctx, SECRET, api_email=" PortBot@Acme.example ", foc_field=FOC_FIELD)
    with (
        ZendeskSimulator(email=EMAIL, token=TOKEN, ticket_fields=[FOC_FIELD]) as sim,
        ServedApp(create_app(ctx, None, zendesk=inbound)) as served,
    ):
        zd = Setup(ctx, sim, served.url)
        sid, ticket = zd.open()
        comment = {"id": 77, "body": "Your port date is set.", "public": True}
        comment["author"] = {"id": 5, "name": "Portbot API", "email": "portbot@acme.example"}
        body = json.dumps(
            {
                "event": "comment_created",
                "ticket_id": ticket,
                "external_id": sid,
                "comment": comment,
            }
        ).encode()
        assert _post(zd, body, iso(time.time()), "8000000001") == 200
        assert zd.comments_in_request(sid) == []


def test_what_a_webhook_queues_names_the_request_and_its_delivery_logs_it(zd, caplog):
    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(RequestStamp())  # as bot.logs.configure's handler does
    _sid, ticket = zd.open()
    with zd.ctx.db.read() as s:
        queued_before = {r.id for r in s.exec(select(OutboxMessage))}
    assert queued_before
    zd.sim.agent_comment(ticket, "The carrier wants a new bill.", public=True, author="Dana")
    (access,) = [r for r in caplog.records if getattr(r, "route", None) == "/zendesk/webhook"]
    request_id = access.request_id  # type: ignore[attr-defined]
    assert request_id
    with zd.ctx.db.read() as s:
        rows = list(s.exec(select(OutboxMessage)))
    caused = [r for r in rows if r.id not in queued_before]
    assert caused and {r.trace_id for r in caused} == {request_id}
    assert {r.trace_id for r in rows if r.id in queued_before} == {None}  # no request then

    seen: dict[int | None, str | None] = {}

    def handler(row: OutboxMessage) -> None:
        logging.getLogger("tests.delivery").info("delivering %s", row.id)
        seen[row.id] = trace.current()

    before = DELIVERIES.labels("slack", "delivered")._value.get()
    caplog.clear()
    Outbox(zd.ctx, {topic: handler for topic in {r.topic for r in caused}}).drain()
    assert {seen[r.id] for r in caused} == {request_id}
    assert {seen[i] for i in queued_before if i in seen} <= {None}  # older rows: no request
    lines = {r.getMessage(): r.request_id for r in caplog.records if r.name == "tests.delivery"}
    assert {lines[f"delivering {r.id}"] for r in caused} == {request_id}
    delivered = DELIVERIES.labels("slack", "delivered")._value.get() - before
    topics = {r.id: r.topic for r in rows}
    assert delivered == sum(topics[i].startswith("slack.") for i in seen)
