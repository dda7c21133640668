"""The Zendesk simulator through real HTTP on 127.0.0.1: the Support API subset portbot uses,
idempotency keys, injected faults, auth, and the signed webhooks of agent actions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from bot.sandbox.zendesk_sim import ZendeskSimulator, webhook_signature

EMAIL, TOKEN = "bot@acme.test", "api-token-123"
STATUS_FIELD, FOC_FIELD = 360001, 360002


# ---------------------------------------------------------------------- fixtures
@pytest.fixture
def sim() -> Iterator[ZendeskSimulator]:
    with ZendeskSimulator(email=EMAIL, token=TOKEN, ticket_fields=[STATUS_FIELD, FOC_FIELD]) as s:
        yield s


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.auth = (f"{EMAIL}/token", TOKEN)
        session.trust_env = False  # loopback only, never through a proxy
        yield session


class Receiver:
    """A loopback endpoint that records the webhooks posted to it."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append((dict(self.headers.items()), raw))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.arrived.set()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/zendesk/webhook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def new_ticket(sim: ZendeskSimulator, http: requests.Session, **extra: Any) -> dict:
    ticket = {
        "subject": "Port 2 numbers",
        "comment": {"body": "Port request PR-1"},
        "requester": {"name": "Ada Customer", "email": "ada@customer.test"},
        "external_id": "PR-1",
        "tags": ["portbot", "port_in"],
        **extra,
    }
    answer = http.post(f"{sim.url}/api/v2/tickets.json", json={"ticket": ticket})
    assert answer.status_code == 201, answer.text
    return answer.json()["ticket"]


# ---------------------------------------------------------------------- tickets
def test_create_show_and_list_by_external_id(sim: ZendeskSimulator, http: requests.Session) -> None:
    made = new_ticket(sim, http, custom_fields=[{"id": STATUS_FIELD, "value": "submitted"}])
    assert made["status"] == "new" and made["description"] == "Port request PR-1"
    assert made["url"] == f"{sim.url}/api/v2/tickets/{made['id']}.json"
    assert made["custom_fields"] == [
        {"id": STATUS_FIELD, "value": "submitted"},
        {"id": FOC_FIELD, "value": None},
    ]
    requester = sim.user(made["requester_id"])
    assert requester and requester["email"] == "ada@customer.test"
    assert requester["role"] == "end-user"
    (first,) = sim.comments(made["id"])
    assert first["public"] is True and first["author_id"] == made["requester_id"]

    shown = http.get(f"{sim.url}/api/v2/tickets/{made['id']}.json").json()["ticket"]
    assert shown == sim.ticket(made["id"])

    second = new_ticket(sim, http)  # Zendesk does not enforce unique external ids
    listed = http.get(f"{sim.url}/api/v2/tickets.json", params={"external_id": "PR-1"}).json()
    assert [t["id"] for t in listed["tickets"]] == [made["id"], second["id"]]
    assert listed["count"] == 2 and listed["next_page"] is None
    assert listed["previous_page"] is None

    cursor = {"external_id": "PR-1", "page[size]": 1}
    page = http.get(f"{sim.url}/api/v2/tickets.json", params=cursor).json()
    assert [t["id"] for t in page["tickets"]] == [made["id"]] and page["meta"]["has_more"]
    rest = http.get(page["links"]["next"]).json()
    assert [t["id"] for t in rest["tickets"]] == [second["id"]]
    assert rest["meta"]["has_more"] is False
    empty = http.get(f"{sim.url}/api/v2/tickets.json", params={"external_id": "nope"}).json()
    assert empty["tickets"] == [] and empty["count"] == 0


def test_a_create_needs_a_first_comment(sim: ZendeskSimulator, http: requests.Session) -> None:
    answer = http.post(f"{sim.url}/api/v2/tickets.json", json={"ticket": {"subject": "x"}})
    assert answer.status_code == 422 and answer.json()["error"] == "RecordInvalid"
    assert sim.tickets() == []


def test_updates_apply_only_the_fields_sent(sim: ZendeskSimulator, http: requests.Session) -> None:
    made = new_ticket(sim, http, custom_fields=[{"id": STATUS_FIELD, "value": "submitted"}])
    url = f"{sim.url}/api/v2/tickets/{made['id']}.json"

    change = {
        "status": "open",
        "additional_tags": ["Port_Status_Accepted"],
        "remove_tags": ["port_in"],
        "custom_fields": [{"id": FOC_FIELD, "value": "2024-06-03"}, {"id": 999, "value": "x"}],
        "comment": {"body": "Accepted by the carrier", "public": False},
    }
    answer = http.put(url, json={"ticket": change})
    assert answer.status_code == 200 and "audit" in answer.json()
    ticket = sim.ticket(made["id"])
    assert ticket is not None
    assert ticket["status"] == "open" and ticket["subject"] == "Port 2 numbers"
    assert ticket["tags"] == ["portbot", "port_status_accepted"]
    assert ticket["custom_fields"] == [  # merged by id; undeclared ids are dropped
        {"id": STATUS_FIELD, "value": "submitted"},
        {"id": FOC_FIELD, "value": "2024-06-03"},
    ]
    note = sim.comments(made["id"])[-1]
    assert note["public"] is False and note["author_id"] == sim.api_user["id"]
    assert sim.calls("PUT")[-1].body == {"ticket": change}

    http.put(url, json={"ticket": {"tags": ["only"], "subject": "Renamed"}})
    ticket = sim.ticket(made["id"])
    assert ticket and ticket["tags"] == ["only"] and ticket["subject"] == "Renamed"

    wrong = http.put(url, json={"ticket": {"status": "bogus"}})
    assert wrong.status_code == 422
    half = {"status": "solved", "comment": {"body": "x", "author_id": 999}}
    assert http.put(url, json={"ticket": half}).status_code == 422
    assert (sim.ticket(made["id"]) or {})["status"] == "open"  # all or nothing
    broken = http.put(url, data=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.json()["error"] == "InvalidJSON"
    http.put(url, json={"ticket": {"status": "closed"}})
    closed = http.put(url, json={"ticket": {"comment": {"body": "late"}}})
    assert closed.status_code == 422 and len(sim.comments(made["id"])) == 2


def test_unknown_tickets_are_404(sim: ZendeskSimulator, http: requests.Session) -> None:
    expected = {"error": "RecordNotFound", "description": "Not found"}
    for answer in (
        http.get(f"{sim.url}/api/v2/tickets/42.json"),
        http.put(f"{sim.url}/api/v2/tickets/42.json", json={"ticket": {"status": "open"}}),
        http.get(f"{sim.url}/api/v2/tickets/42/comments.json"),
    ):
        assert answer.status_code == 404 and answer.json() == expected
    assert http.get(f"{sim.url}/api/v2/nothing.json").status_code == 404


def test_uploads_become_attachments_of_a_comment(
    sim: ZendeskSimulator, http: requests.Session
) -> None:
    made = new_ticket(sim, http)
    pdf = b"%PDF-1.7 letter of authorization"
    answer = http.post(
        f"{sim.url}/api/v2/uploads.json",
        params={"filename": "LOA.pdf"},
        data=pdf,
        headers={"Content-Type": "application/pdf"},
    )
    assert answer.status_code == 201
    upload = answer.json()["upload"]
    assert upload["attachment"]["file_name"] == "LOA.pdf"
    assert upload["attachment"]["size"] == len(pdf)
    (stored,) = sim.uploads
    assert stored.token == upload["token"] and stored.content == pdf
    assert stored.content_type == "application/pdf"
    assert sim.calls("POST", "/api/v2/uploads")[0].size == len(pdf)

    comment = {"body": "LOA attached", "public": False, "uploads": [upload["token"]]}
    http.put(f"{sim.url}/api/v2/tickets/{made['id']}.json", json={"ticket": {"comment": comment}})
    comments = http.get(f"{sim.url}/api/v2/tickets/{made['id']}/comments.json").json()
    assert comments["count"] == 2
    (attachment,) = comments["comments"][-1]["attachments"]
    assert attachment["file_name"] == "LOA.pdf"
    assert http.post(f"{sim.url}/api/v2/uploads.json", data=pdf).status_code == 400


def test_users(sim: ZendeskSimulator, http: requests.Session) -> None:
    url = f"{sim.url}/api/v2/users"
    person = {"user": {"name": "Ada", "email": "Ada@Customer.test"}}
    created = http.post(f"{url}/create_or_update.json", json=person)
    again = http.post(f"{url}/create_or_update.json", json=person)
    assert (created.status_code, again.status_code) == (201, 200)
    uid = created.json()["user"]["id"]
    assert again.json()["user"]["id"] == uid

    for params in ({"query": "email:ada@customer.test"}, {"email": "ada@customer.test"}):
        found = http.get(f"{url}/search.json", params=params).json()
        assert [u["id"] for u in found["users"]] == [uid] and found["count"] == 1
    assert http.get(f"{url}/{uid}.json").json()["user"]["name"] == "Ada"
    assert http.get(f"{url}/999.json").status_code == 404
    me = http.get(f"{url}/me.json").json()["user"]
    assert me["email"] == EMAIL and me["role"] == "admin"
    bad = http.post(f"{url}/create_or_update.json", json={"user": {"name": "No mail"}})
    assert bad.status_code == 422


def test_searches_are_recorded(sim: ZendeskSimulator, http: requests.Session) -> None:
    made = new_ticket(sim, http)
    new_ticket(sim, http, external_id="PR-2", subject="Other")
    query = {"query": "type:ticket external_id:PR-1"}
    found = http.get(f"{sim.url}/api/v2/search.json", params=query).json()
    assert [r["id"] for r in found["results"]] == [made["id"]]
    assert found["results"][0]["result_type"] == "ticket"
    (search,) = sim.searches()
    assert search.query == query
    sim.reset_calls()
    assert sim.calls() == [] and len(sim.tickets()) == 2


# ---------------------------------------------------------------------- idempotency
def test_an_idempotency_key_replays_the_first_create(http: requests.Session) -> None:
    now = [1_700_000_000.0]
    with ZendeskSimulator(email=EMAIL, token=TOKEN, clock=lambda: now[0]) as sim:
        url = f"{sim.url}/api/v2/tickets.json"
        body = {"ticket": {"subject": "S", "comment": {"body": "B"}, "external_id": "PR-9"}}
        key = {"Idempotency-Key": "pr-9-create"}

        first = http.post(url, json=body, headers=key)
        replay = http.post(url, json=body, headers=key)
        assert first.headers["x-idempotency-lookup"] == "miss"
        assert replay.headers["x-idempotency-lookup"] == "hit"
        assert replay.status_code == 201 and replay.json() == first.json()
        assert len(sim.tickets()) == 1

        other = {"ticket": {**body["ticket"], "subject": "Changed"}}
        clash = http.post(url, json=other, headers=key)
        assert clash.status_code == 400 and clash.json()["error"] == "IdempotentRequestError"

        now[0] += sim.idempotency_window + 1  # the key has expired: a new ticket
        late = http.post(url, json=body, headers=key)
        assert late.headers["x-idempotency-lookup"] == "miss"
        assert late.json()["ticket"]["id"] != first.json()["ticket"]["id"]
        assert "x-idempotency-lookup" not in http.post(url, json=body).headers
        assert len(sim.tickets()) == 3


# ---------------------------------------------------------------------- faults
def test_failures_are_counted_per_route(sim: ZendeskSimulator, http: requests.Session) -> None:
    sim.fail("POST /api/v2/tickets.json", status=500, times=2)
    body = {"ticket": {"subject": "S", "comment": {"body": "B"}}}
    codes = [http.post(f"{sim.url}/api/v2/tickets.json", json=body).status_code for _ in range(3)]
    assert codes == [500, 500, 201] and len(sim.tickets()) == 1
    assert http.get(f"{sim.url}/api/v2/users/me.json").status_code == 200

    sim.fail("GET /api/v2/tickets/*", status=503, times=None)
    assert http.get(f"{sim.url}/api/v2/tickets/1.json").status_code == 503
    assert http.get(f"{sim.url}/api/v2/tickets/1.json").status_code == 503
    sim.clear_faults()
    assert http.get(f"{sim.url}/api/v2/tickets/1.json").status_code == 200
    assert [c.status for c in sim.calls("POST")] == [500, 500, 201]
    assert sim.calls("POST")[0].error == "InternalServerError"
    assert sim.calls("POST")[0].body == body  # faulted calls keep what was sent


def test_rate_limits_answer_429_with_retry_after(
    sim: ZendeskSimulator, http: requests.Session
) -> None:
    sim.rate_limit(retry_after=30, times=2)
    first = http.get(f"{sim.url}/api/v2/users/me.json")
    assert first.status_code == 429 and first.headers["Retry-After"] == "30"
    assert http.get(f"{sim.url}/api/v2/users/me.json").status_code == 429
    assert http.get(f"{sim.url}/api/v2/users/me.json").status_code == 200


def test_a_hang_after_the_write_times_the_client_out(
    sim: ZendeskSimulator, http: requests.Session
) -> None:
    sim.hang_after_write("POST /api/v2/tickets.json", seconds=0.4)
    body = {"ticket": {"subject": "S", "comment": {"body": "B"}, "external_id": "PR-7"}}
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.post(f"{sim.url}/api/v2/tickets.json", json=body, timeout=0.1)
    (ticket,) = sim.tickets()  # created although the client never heard back
    assert ticket["external_id"] == "PR-7"
    assert sim.calls("POST")[0].status == 201
    assert http.post(f"{sim.url}/api/v2/tickets.json", json=body, timeout=2).status_code == 201


def test_down_recover_and_latency(sim: ZendeskSimulator, http: requests.Session) -> None:
    sim.down()
    assert http.get(f"{sim.url}/api/v2/users/me.json").status_code == 503
    assert http.post(f"{sim.url}/api/v2/uploads.json?filename=a", data=b"x").status_code == 503
    sim.recover()
    assert http.get(f"{sim.url}/api/v2/users/me.json").status_code == 200
    assert sim.uploads == []

    sim.latency(0.15)
    started = time.monotonic()
    http.get(f"{sim.url}/api/v2/users/me.json")
    assert time.monotonic() - started >= 0.15
    sim.latency(0)


def test_credentials_are_checked(sim: ZendeskSimulator) -> None:
    me = f"{sim.url}/api/v2/users/me.json"
    nobody = requests.get(me)
    wrong = requests.get(me, auth=(f"{EMAIL}/token", "wrong"))
    right = requests.get(me, auth=(f"{EMAIL}/token", TOKEN))
    assert (nobody.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert wrong.json()["error"] == "Unauthorized"
    assert "authorization" not in sim.calls()[0].headers
    with ZendeskSimulator() as open_sim:
        assert requests.get(f"{open_sim.url}/api/v2/users/me.json").status_code == 200


# ---------------------------------------------------------------------- agents and webhooks
def verify(headers: dict[str, str], body: bytes, secret: str) -> bool:
    stamp = headers["X-Zendesk-Webhook-Signature-Timestamp"]
    digest = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
    return hmac.compare_digest(
        base64.b64encode(digest).decode(), headers["X-Zendesk-Webhook-Signature"]
    )


def test_agent_actions_post_signed_webhooks(
    sim: ZendeskSimulator, http: requests.Session, receiver: Receiver
) -> None:
    made = new_ticket(sim, http)
    sim.webhook(receiver.url, "whsec-1")

    comment = sim.agent_comment(made["id"], "FOC is Friday", author="Dana Agent")
    assert comment["public"] is True and sim.comments(made["id"])[-1]["id"] == comment["id"]
    sim.set_field(made["id"], FOC_FIELD, "2024-06-07", author="Dana Agent")
    sim.set_status(made["id"], "pending")
    assert len(receiver.posts) == 3

    headers, raw = receiver.posts[0]
    assert verify(headers, raw, "whsec-1") and not verify(headers, raw, "other")
    assert headers["X-Zendesk-Webhook-Id"] and headers["X-Zendesk-Webhook-Invocation-Id"]
    assert headers["X-Zendesk-Webhook-Signature-Timestamp"].endswith("Z")
    body = json.loads(raw)
    dana = {"id": comment["author_id"], "name": "Dana Agent"}
    dana.update(email="dana.agent@agents.portbot.test", role="agent")
    assert body == {
        "event": "comment_created",
        "ticket_id": made["id"],
        "external_id": "PR-1",
        "status": "new",
        "tags": ["portbot", "port_in"],
        "fields": {str(STATUS_FIELD): None, str(FOC_FIELD): None},
        "updated_at": body["updated_at"],
        "actor": dana,
        "comment": {
            "id": comment["id"],
            "body": "FOC is Friday",
            "public": True,
            "author": dana,
            "attachments": "",
        },
    }
    field_change = json.loads(receiver.posts[1][1])
    assert field_change["event"] == "ticket_updated" and field_change["comment"] is None
    assert field_change["fields"][str(FOC_FIELD)] == "2024-06-07"
    status_change = json.loads(receiver.posts[2][1])
    assert status_change["status"] == "pending" and status_change["actor"]["name"] == "Agent Name"
    assert (
        webhook_signature("whsec-1", headers["X-Zendesk-Webhook-Signature-Timestamp"], raw)
        == (headers["X-Zendesk-Webhook-Signature"])
    )
    assert [a.status for d in sim.webhooks for a in d.attempts] == [200, 200, 200]


def test_webhooks_can_be_held_and_sent_again(
    sim: ZendeskSimulator, http: requests.Session, receiver: Receiver
) -> None:
    made = new_ticket(sim, http)
    sim.webhook(receiver.url, "whsec-2")
    sim.deliver_webhooks = False
    sim.agent_comment(made["id"], "Private note", public=False)
    (held,) = sim.pending_webhooks()
    assert held.payload["comment"]["public"] is False and receiver.posts == []

    (attempt,) = sim.flush_webhooks()
    assert attempt.status == 200 and sim.pending_webhooks() == []
    sim.redeliver(0)  # a duplicate delivery: same body and invocation id
    stale = sim.redeliver(0, timestamp="2020-01-01T00:00:00Z")
    assert stale.timestamp == "2020-01-01T00:00:00Z"
    sim.redeliver(0, secret="forged")
    (h1, b1), (h2, b2), (h3, _), (h4, b4) = receiver.posts
    invocation = "X-Zendesk-Webhook-Invocation-Id"
    assert b1 == b2 == b4 and h1[invocation] == h2[invocation]
    assert h3["X-Zendesk-Webhook-Signature-Timestamp"] == "2020-01-01T00:00:00Z"
    assert verify(h2, b2, "whsec-2") and not verify(h4, b4, "whsec-2")
    assert len(held.attempts) == 4

    receiver.status = 500
    assert sim.redeliver(0).status == 500


def test_api_changes_can_echo_back(
    sim: ZendeskSimulator, http: requests.Session, receiver: Receiver
) -> None:
    made = new_ticket(sim, http)
    sim.webhook(receiver.url, "whsec-3")
    url = f"{sim.url}/api/v2/tickets/{made['id']}.json"
    http.put(url, json={"ticket": {"comment": {"body": "from portbot"}}})
    assert sim.webhooks == []  # by default only agent changes are reported

    sim.webhook(receiver.url, "whsec-3", api_updates=True)
    http.put(url, json={"ticket": {"comment": {"body": "from portbot"}}})
    assert receiver.arrived.wait(2)
    body = json.loads(receiver.posts[0][1])
    assert body["event"] == "comment_created" and body["actor"]["id"] == sim.api_user["id"]


def test_webhooks_only_go_to_loopback(sim: ZendeskSimulator) -> None:
    with pytest.raises(ValueError, match="loopback"):
        sim.webhook("https://hooks.example.com/zendesk", "s")
    sim.webhook(None)


def test_wait_for_background_calls(sim: ZendeskSimulator, http: requests.Session) -> None:
    me = f"{sim.url}/api/v2/users/me.json"
    threading.Timer(0.05, http.get, args=(me,)).start()
    (call,) = sim.wait_for("/api/v2/users/me", "GET", timeout=2)
    assert call.status == 200
    with pytest.raises(TimeoutError):
        sim.wait_for("/api/v2/search", timeout=0.05)
