"""Port-outs on Zendesk, over real HTTP with the simulator: one ticket per port-out with a note
per decision, a ticket per customer request, and tickets that are incoming port-outs (the
signed ``port_out_request`` webhook). No PIN and no account number ever reaches Zendesk, an
answer or a log line."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from bot.delivery.outbox import Outbox
from bot.porting.numbers import format_display
from bot.sandbox.serving import ServedApp
from bot.sandbox.zendesk_sim import ZendeskSimulator, webhook_signature
from bot.sandbox.zendesk_state import iso
from bot.services import port_outs as po
from bot.services.effects import Topic
from bot.web import create_app
from bot.zendesk.delivery import NoteDelivery
from bot.zendesk.gateway import ZenpyGateway
from bot.zendesk.inbound import Inbound
from bot.zendesk.mapping import TicketOptions
from bot.zendesk.port_outs import PortOutRequestTicketDelivery, PortOutTicketDelivery
from storage.models import PortOut, PortOutAccount, ZendeskLink
from storage.values import PortOutStatus
from tests.services.helpers import AGENT, CUSTOMER, numbers

EMAIL, TOKEN, SECRET = "porting@acme.example", "zd-token", "hook-secret"
TEAM, CHANNEL = "T1", "C0ACME"
PIN = "90817364"  # the account's port-out PIN, quoted by the receiving carrier
CARRIER = "Greenfield Wireless"
HOSTILE = "<script>alert(1)</script> *Evil* _Tel_ <@U0BOSS> &amp; `x`\n\nIgnore the above " * 8


class Setup:
    def __init__(self, ctx, sim: ZendeskSimulator, url: str) -> None:
        gateway = ZenpyGateway(None, EMAIL, TOKEN, url=sim.url, timeout=0.5)
        options = TicketOptions(timezone="America/New_York")
        self.ctx, self.sim, self.url = ctx, sim, url
        self.outbox = Outbox(
            ctx,
            {
                Topic.ZENDESK_PORT_OUT_EVENT: PortOutTicketDelivery(
                    ctx, gateway, options, group_id=360_000_111
                ),
                Topic.ZENDESK_PORT_OUT_REQUEST: PortOutRequestTicketDelivery(ctx, gateway, options),
                Topic.ZENDESK_NOTE: NoteDelivery(ctx, gateway),
            },
            worker_id="test",
        )
        self.account = ""  # the account's code for carriers: what they quote as account number

    def hold(self, count: int = 2, *, pin: str | None = PIN) -> list[str]:
        nums = numbers(count)
        po.add_numbers(self.ctx, team_id=TEAM, account=CHANNEL, numbers=nums, actor=AGENT)
        if pin and not self.account:  # the account's PIN, set once
            po.set_pin(self.ctx, team_id=TEAM, account=CHANNEL, pin=pin, actor=CUSTOMER)
        with self.ctx.db.read() as s:
            row = s.exec(select(PortOutAccount).where(PortOutAccount.account == CHANNEL)).first()
        self.account = row.code if row else ""
        return nums

    def receive(self, nums: list[str], **kw) -> po.Received:
        incoming = po.Incoming(
            numbers=nums,
            carrier=kw.pop("carrier", CARRIER),
            pin=kw.pop("pin", PIN),
            account_number=kw.pop("account_number", self.account or None),
            **kw,
        )
        return po.receive(self.ctx, incoming, actor=AGENT, source="agent")

    def sent(self) -> str:
        """Every body portbot sent to Zendesk, as one string."""
        return " ".join(json.dumps(c.body) for c in self.sim.calls())

    def port_outs(self) -> list[PortOut]:
        with self.ctx.db.read() as s:
            return list(s.exec(select(PortOut).order_by(col(PortOut.id))))

    def link_of(self, port_out: PortOut) -> int | None:
        with self.ctx.db.read() as s:
            link = s.exec(select(ZendeskLink).where(ZendeskLink.port_out_id == port_out.id)).first()
        return link.ticket_id if link else None

    def post(self, payload: dict | bytes, *, secret: str = SECRET) -> tuple[int, dict]:
        """POST a signed webhook body, as Zendesk would; the status and the JSON answer."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        stamp = iso(time.time())
        headers = {
            "Content-Type": "application/json",
            "X-Zendesk-Webhook-Signature": webhook_signature(secret, stamp, body),
            "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        }
        request = urllib.request.Request(f"{self.url}/zendesk/webhook", body, headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture
def zd(ctx, clock) -> Iterator[Setup]:
    inbound = Inbound(ctx, SECRET, api_email=EMAIL)
    with (
        ZendeskSimulator(email=EMAIL, token=TOKEN) as sim,
        ServedApp(create_app(ctx, None, zendesk=inbound)) as served,
    ):
        sim.webhook(f"{served.url}/zendesk/webhook", SECRET)
        yield Setup(ctx, sim, served.url)


def _fields(zd: Setup, nums: list[str], **kw: str) -> dict[str, str]:
    fields = {
        "numbers": "\n".join(format_display(n) for n in nums),
        "carrier": CARRIER,
        "spid": "567G",
        "pon": "GW-PON-7781",
        "pin": PIN,
        "foc_date": "2026-12-01",
        "account_number": zd.account,
        "zip": "02139",
        "subscriber_name": "Acme Widgets LLC",
    }
    return fields | kw


# ------------------------------------------------------------------------ a port-out's ticket
def test_a_port_out_gets_one_ticket_then_one_update_per_decision(zd):
    nums = zd.hold(2)
    (pending,) = zd.receive(nums, spid="567G", pon="GW-PON-7781").port_outs
    assert pending.status is PortOutStatus.PENDING  # the right PIN, no window: the holder asks
    zd.outbox.drain()
    (ticket,) = zd.sim.tickets()
    assert ticket["external_id"] == pending.public_id
    assert ticket["subject"] == f"Port-out: 2 numbers to {CARRIER}"
    assert set(ticket["tags"]) == {"portbot", "port_out", "port_out_status_pending"}
    assert ticket["requester_id"] == zd.sim.api_user["id"]  # the porting team's API user
    assert ticket["group_id"] == 360_000_111
    (note,) = zd.sim.comments(ticket["id"])
    assert note["public"] is False
    for words in (*map(format_display, nums), CARRIER, "567G", "GW-PON-7781", "asked the customer"):
        assert words in note["body"]
    (create,) = zd.sim.calls(method="POST")
    assert create.headers["idempotency-key"] == f"portbot-{pending.public_id}"
    assert zd.sim.calls(method="PUT") == []  # the arrival is the ticket itself

    po.answer(zd.ctx, pending.public_id, approve=True, actor=CUSTOMER, accounts=[CHANNEL])
    zd.outbox.drain()
    (update,) = zd.sim.calls(method="PUT")
    assert set(update.body["ticket"]) == {"comment", "additional_tags", "remove_tags"}
    assert "Casey Customer (customer)" in update.body["ticket"]["comment"]["body"]
    tags = set(zd.sim.ticket(ticket["id"])["tags"])
    assert "port_out_status_authorized" in tags and "port_out_status_pending" not in tags

    po.mark_ported(zd.ctx, pending.public_id, actor=AGENT)
    zd.outbox.drain()
    assert len(zd.sim.tickets()) == 1 and len(zd.sim.calls(method="PUT")) == 2
    last = zd.sim.comments(ticket["id"])[-1]
    assert (
        "marked ported on " in last["body"] and ", by Avery Agent (porting team)." in last["body"]
    )
    tags = set(zd.sim.ticket(ticket["id"])["tags"])
    assert "port_out_status_ported" in tags and "port_out_status_authorized" not in tags
    assert "Account number: given (not shown)" in note["body"]
    assert "Port-out PIN: given (not shown)" in note["body"]
    sent = zd.sent()
    assert len(zd.account) == 10 and PIN not in sent and zd.account not in sent


def test_notes_are_rendered_from_the_port_out_as_it_is_when_delivered(zd):
    (arrived,) = zd.receive(zd.hold(1)).port_outs
    po.answer(zd.ctx, arrived.public_id, approve=True, actor=CUSTOMER, accounts=[CHANNEL])
    po.mark_ported(zd.ctx, arrived.public_id, actor=AGENT)
    zd.outbox.drain()  # Zendesk hears of it all at once
    (ticket,) = zd.sim.tickets()
    first, authorized, ported = (c["body"] for c in zd.sim.comments(ticket["id"]))
    assert "Status: ported" in first and "Authorized on " in first
    assert "it is now ported" in authorized and "Next step" not in authorized
    assert "Done: the numbers have left" in ported
    tags = [t for t in zd.sim.ticket(ticket["id"])["tags"] if t.startswith("port_out_status_")]
    assert tags == ["port_out_status_ported"]


def test_a_decision_by_rule_names_the_rule(zd, clock):
    nums = zd.hold(1, pin=None)
    po.open_window(
        zd.ctx,
        team_id=TEAM,
        account=CHANNEL,
        channel_id=CHANNEL,
        actor=CUSTOMER,
        numbers=nums,
        starts_at=None,
        ends_at=clock.now + timedelta(days=3),
    )
    (inside,) = zd.receive(nums).port_outs
    (other,) = zd.receive(zd.hold(1, pin=None)).port_outs  # no window: pending
    assert inside.status is PortOutStatus.AUTHORIZED and other.status is PortOutStatus.PENDING
    zd.outbox.drain()
    clock.set(other.deadline_at + timedelta(minutes=1))
    assert po.apply_default(zd.ctx, other.id)
    zd.outbox.drain()
    notes = {t["external_id"]: zd.sim.comments(t["id"]) for t in zd.sim.tickets()}
    (first,) = notes[inside.public_id]  # the window's decision at arrival is in the first note
    assert ", by an open port-out window that covers the numbers." in first["body"]
    _, deadline = notes[other.public_id]  # pending at first, then the deadline's default
    assert " authorized on " in deadline["body"]
    assert ", by the default at the deadline, as nobody answered." in deadline["body"]
    assert len(notes) == 2 and len(zd.sim.calls(method="PUT")) == 1


def test_a_retried_delivery_creates_no_second_ticket(zd, clock):
    (arrived,) = zd.receive(zd.hold(2)).port_outs
    zd.sim.hang_after_write("POST /api/v2/tickets*", seconds=1.5)
    zd.outbox.drain()  # Zendesk made the ticket; the answer never came
    assert len(zd.sim.tickets()) == 1 and zd.link_of(arrived) is None
    clock.set(clock.now + timedelta(minutes=30))
    zd.outbox.drain()
    (ticket,) = zd.sim.tickets()
    assert zd.link_of(arrived) == ticket["id"]
    assert len(zd.sim.calls(method="POST")) == 1  # found by external_id, not created again


def test_a_customer_request_gets_a_ticket_without_the_one_time_pin(zd):
    nums = zd.hold(3, pin=None)
    asked = po.request_port_out(
        zd.ctx,
        team_id=TEAM,
        account=CHANNEL,
        channel_id=CHANNEL,
        actor=CUSTOMER,
        numbers=nums,
        carrier=CARRIER,
        wished_date=date(2026, 11, 30),
    )
    zd.outbox.drain()
    (ticket,) = zd.sim.tickets()
    assert ticket["external_id"] == asked.window.public_id
    assert set(ticket["tags"]) == {"portbot", "port_out", "port_out_requested"}
    assert ticket["subject"] == f"Port-out asked for: 3 numbers to {CARRIER}"
    body = zd.sim.comments(ticket["id"])[0]["body"]
    for words in (*map(format_display, nums), CARRIER, "Mon Nov 30, 2026", "U0CUSTOMER"):
        assert words in body
    assert "Window open until:" in body
    assert asked.pin not in zd.sent() and asked.account_code not in zd.sent()

    # The carrier's request that quotes the PIN is authorized at once and gets its own ticket.
    (authorized,) = zd.receive(nums, pin=asked.pin, account_number=None).port_outs
    assert authorized.status is PortOutStatus.AUTHORIZED
    zd.outbox.drain()
    assert len(zd.sim.tickets()) == 2 and asked.pin not in zd.sent()


def test_hostile_carrier_names_are_one_clipped_line(zd):
    (arrived,) = zd.receive(zd.hold(1), carrier=HOSTILE, subscriber_name=HOSTILE).port_outs
    zd.outbox.drain()
    (ticket,) = zd.sim.tickets()
    assert len(ticket["subject"]) <= len("Port-out: 1 number to ") + 60
    assert "\n" not in ticket["subject"] and ticket["subject"].endswith("…")
    body = zd.sim.comments(ticket["id"])[0]["body"]
    line = next(x for x in body.splitlines() if x.startswith("Receiving carrier:"))
    assert "<script>alert(1)</script> *Evil* _Tel_ <@U0BOSS> &amp; `x` Ignore" in line
    assert not any(x.startswith("Ignore the above") for x in body.splitlines())
    assert arrived.public_id in body


# ----------------------------------------------------------------- tickets that are port-outs
def test_a_port_out_request_ticket_is_recorded_once_and_noted_on_that_ticket(zd, caplog):
    caplog.set_level(logging.DEBUG)
    nums = zd.hold(2)
    stranger = numbers(1)[0]
    ticket = zd.sim.port_out_ticket(_fields(zd, [*nums, stranger]), author="Dana")
    assert zd.sim.webhooks[-1].attempts[-1].status == 200
    zd.sim.redeliver()  # Zendesk retries the same invocation
    assert zd.sim.webhooks[-1].attempts[-1].status == 200
    status, answer = zd.post(zd.sim.webhooks[-1].body)  # the trigger fires again, freshly signed
    assert status == 200 and answer["result"] == "already recorded"

    made = zd.port_outs()
    assert len(made) == 2  # ours (pending) and the stranger's (refused): one per account
    ours = next(p for p in made if p.account == CHANNEL)
    theirs = next(p for p in made if p.account == "")
    assert (ours.source, ours.source_ref, ours.status) == ("zendesk", str(ticket["id"]), "pending")
    assert ours.spid == "567G" and ours.foc_date == date(2026, 12, 1)
    assert theirs.status is PortOutStatus.REJECTED
    assert zd.link_of(ours) == ticket["id"]
    assert answer["port_outs"] == [{"id": p.public_id, "status": p.status.value} for p in made]

    zd.outbox.drain()
    tickets = {t["id"]: t for t in zd.sim.tickets()}
    assert len(tickets) == 2  # the incoming ticket, and one of its own for the stranger's
    assert set(tickets[ticket["id"]]["tags"]) >= {"portbot", "port_out", "port_out_status_pending"}
    summary = zd.sim.comments(ticket["id"])[-1]
    assert summary["public"] is False and "Came from: this ticket" in summary["body"]
    (own,) = [t for t in tickets.values() if t["id"] != ticket["id"]]
    assert own["external_id"] == theirs.public_id and zd.link_of(theirs) == own["id"]
    assert f"a Zendesk ticket (#{ticket['id']})" in zd.sim.comments(own["id"])[0]["body"]

    before = len(zd.sim.webhooks)
    zd.sim.edit_port_out(ticket["id"], {"carrier": "Someone Else"})  # tagged portbot now
    assert len(zd.sim.webhooks) == before
    po.answer(zd.ctx, ours.public_id, approve=False, actor=CUSTOMER, accounts=[CHANNEL])
    zd.outbox.drain()
    last = zd.sim.comments(ticket["id"])[-1]["body"]
    assert " refused on " in last and ", by Casey Customer (customer)." in last
    assert "port_out_status_rejected" in zd.sim.ticket(ticket["id"])["tags"]

    everything = zd.sent() + json.dumps(answer) + caplog.text
    assert len(zd.account) == 10 and PIN not in everything and zd.account not in everything


def test_bad_signatures_get_401_and_record_nothing(zd):
    nums = zd.hold(1)
    zd.sim.webhook(None)  # the ticket is made, the trigger held back
    ticket = zd.sim.port_out_ticket(_fields(zd, nums))
    body = json.dumps({"event": "port_out_request", "ticket_id": str(ticket["id"]), "numbers": "x"})
    assert zd.post(body.encode(), secret="wrong")[0] == 401
    assert zd.port_outs() == []


def test_stale_deliveries_get_401(zd):
    nums = zd.hold(1)
    zd.sim.deliver_webhooks = False
    zd.sim.port_out_ticket(_fields(zd, nums))
    attempt = zd.sim.redeliver(timestamp="2020-01-01T00:00:00Z")
    assert attempt.status == 401 and zd.port_outs() == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"event": "port_out_request", "ticket_id": "12"}',  # no numbers
        b'{"event": "port_out_request", "numbers": "+16172531000"}',  # no ticket
        b'{"event": "port_out_request", "ticket_id": "12", "numbers": ["+16172531000"]}',
        b'{"event": "port_out_request", "ticket_id": "12", "numbers": "1", "pin": {"v": 1}}',
        b'{"event": "port_out_request", "ticket_id": "12", "numbers": "1", "author": "me"}',
    ],
)
def test_malformed_bodies_get_400_and_record_nothing(zd, body):
    status, answer = zd.post(body)
    assert status == 400 and answer["error"]
    assert zd.port_outs() == []


def test_an_unreadable_ticket_gets_a_note_then_is_recorded_once_fixed(zd):
    nums = zd.hold(1)
    ticket = zd.sim.port_out_ticket(_fields(zd, nums, numbers="call me maybe", foc_date=""))
    assert zd.sim.webhooks[-1].attempts[-1].status == 200
    zd.sim.redeliver()
    zd.outbox.drain()
    assert zd.port_outs() == []
    notes = [c for c in zd.sim.comments(ticket["id"]) if "did not record" in c["body"]]
    assert len(notes) == 1 and notes[0]["public"] is False  # once, however often it came
    zd.sim.edit_port_out(ticket["id"], {"foc_date": "next Tuesday"})
    zd.outbox.drain()
    assert "is not a date (YYYY-MM-DD)" in zd.sim.comments(ticket["id"])[-1]["body"]
    zd.sim.edit_port_out(ticket["id"], {"numbers": format_display(nums[0]), "foc_date": ""})
    (recorded,) = zd.port_outs()
    assert recorded.numbers == nums and zd.link_of(recorded) == ticket["id"]


def test_the_ticket_of_another_port_out_is_not_taken_for_a_new_one(zd):
    nums = zd.hold(1)
    (arrived,) = zd.receive(zd.hold(1)).port_outs
    zd.outbox.drain()
    (own,) = zd.sim.tickets()
    body = {"event": "port_out_request", "ticket_id": str(own["id"]), "numbers": nums[0]}
    status, answer = zd.post(body)
    assert status == 200 and answer["result"] == "refused"
    assert arrived.public_id in answer["reason"]
    assert [p.id for p in zd.port_outs()] == [arrived.id]


def test_hostile_carrier_names_from_a_ticket_are_fine(zd):
    nums = zd.hold(1)
    ticket = zd.sim.port_out_ticket(_fields(zd, nums, carrier=HOSTILE[:900], pon="<b>&</b>"))
    assert zd.sim.webhooks[-1].attempts[-1].status == 200
    (recorded,) = zd.port_outs()
    assert recorded.receiving_carrier.startswith("<script>alert(1)</script> *Evil*")
    zd.outbox.drain()
    body = zd.sim.comments(ticket["id"])[-1]["body"]
    assert "PON: <b>&</b>" in body
    line = next(x for x in body.splitlines() if x.startswith("Receiving carrier:"))
    assert "<script>alert(1)</script> *Evil*" in line
    assert len(line) <= len("Receiving carrier: ") + 120
    assert not any(x.startswith("Ignore the above") for x in body.splitlines())
