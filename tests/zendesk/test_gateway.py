"""The zenpy gateway against the Zendesk simulator over real HTTP on 127.0.0.1: minimal
payloads, idempotent creates, one request per call, no sleeping on 429, and errors sorted
into RateLimited / Unavailable / Rejected."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from bot.sandbox.zendesk_sim import ZendeskSimulator
from bot.zendesk import errors as errors_module
from bot.zendesk import gateway as gateway_module
from bot.zendesk.gateway import (
    DEFAULT_RETRY_AFTER,
    Gateway,
    RateLimited,
    Rejected,
    Unavailable,
    ZendeskUser,
    ZenpyGateway,
)

EMAIL, TOKEN = "portbot@acme.test", "api-token-xyz"
STATUS_FIELD, FOC_FIELD = 360001, 360002
SID = "PR0123456789abcdef"


@pytest.fixture
def sim() -> Iterator[ZendeskSimulator]:
    with ZendeskSimulator(email=EMAIL, token=TOKEN, ticket_fields=[STATUS_FIELD, FOC_FIELD]) as s:
        yield s


@pytest.fixture
def gw(sim: ZendeskSimulator) -> Iterator[ZenpyGateway]:
    gateway = ZenpyGateway("acme", EMAIL, TOKEN, url=sim.url, timeout=2)
    yield gateway
    gateway.close()


def fields(external_id: str = SID, **extra: object) -> dict:
    return {
        "subject": "Port-in request: 2 numbers",
        "comment": {"body": "Structured description", "public": False},
        "requester": {"name": "Ada Customer", "email": "ada@customer.test"},
        "external_id": external_id,
        "tags": ["portbot", "port_in", "port_status_submitted"],
        "custom_fields": [{"id": STATUS_FIELD, "value": "submitted"}],
        **extra,
    }


# ---------------------------------------------------------------------- happy paths
def test_it_is_a_gateway(gw: ZenpyGateway) -> None:
    assert isinstance(gw, Gateway)


def test_create_sends_the_fields_and_an_idempotency_key(
    sim: ZendeskSimulator, gw: ZenpyGateway
) -> None:
    ticket_id = gw.create_ticket(fields(), idempotency_key="create-" + SID)
    (call,) = sim.calls()  # one request, to the simulator although the subdomain is "acme"
    assert (call.method, call.path) == ("POST", "/api/v2/tickets.json")
    assert call.body == {"ticket": fields()}
    assert call.headers["idempotency-key"] == "create-" + SID
    ticket = sim.ticket(ticket_id)
    assert ticket and ticket["external_id"] == SID and ticket["status"] == "new"

    again = gw.create_ticket(fields(), idempotency_key="create-" + SID)
    assert again == ticket_id and len(sim.tickets()) == 1  # Zendesk replayed the first create


def test_find_ticket_by_external_id(sim: ZendeskSimulator, gw: ZenpyGateway) -> None:
    assert gw.find_ticket(SID) is None
    ticket_id = gw.create_ticket(fields(), idempotency_key="k1")
    sim.reset_calls()
    assert gw.find_ticket(SID) == ticket_id
    (call,) = sim.calls()
    assert call.query["external_id"] == SID and sim.searches() == []


def test_find_ticket_picks_the_oldest_across_pages(
    sim: ZendeskSimulator, gw: ZenpyGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    newer = gw.create_ticket(fields(), idempotency_key="k1")
    gw.create_ticket(fields(), idempotency_key="k2")
    older = sim.add_ticket(fields(), created_at=time.time() - 86_400)["id"]
    monkeypatch.setattr(gateway_module, "_PAGE_SIZE", 2)
    sim.reset_calls()
    assert older > newer and gw.find_ticket(SID) == older
    first, second = sim.calls("GET")  # the next-page link was followed to the simulator
    assert first.query["page[size]"] == "2" and second.query["page[after]"] == "2"


def test_query_values_are_encoded(sim: ZendeskSimulator, gw: ZenpyGateway) -> None:
    odd = "PR 1&x=2#y"
    ticket_id = gw.create_ticket(fields(odd), idempotency_key="k-odd")
    assert gw.find_ticket(odd) == ticket_id
    gw.upload("LOA & bill #2.pdf", b"%PDF-1.7", "application/pdf")
    assert sim.uploads[0].filename == "LOA & bill #2.pdf"


def test_updates_send_only_the_given_fields(sim: ZendeskSimulator, gw: ZenpyGateway) -> None:
    ticket_id = gw.create_ticket(fields(), idempotency_key="k1")
    change = {
        "status": "pending",
        "additional_tags": ["port_status_accepted"],
        "remove_tags": ["port_status_submitted"],
        "custom_fields": [{"id": FOC_FIELD, "value": "2024-06-03"}],
        "comment": {"body": "Accepted; FOC 3 June", "public": True},
    }
    sim.reset_calls()
    gw.update_ticket(ticket_id, change)
    (call,) = sim.calls()
    assert (call.method, call.path) == ("PUT", f"/api/v2/tickets/{ticket_id}.json")
    assert call.body == {"ticket": change}  # no echo of the fetched or created object
    ticket = sim.ticket(ticket_id)
    assert ticket and ticket["status"] == "pending"
    assert ticket["tags"] == ["portbot", "port_in", "port_status_accepted"]
    assert ticket["custom_fields"] == [
        {"id": STATUS_FIELD, "value": "submitted"},
        {"id": FOC_FIELD, "value": "2024-06-03"},
    ]
    gw.update_ticket(ticket_id, {})
    assert len(sim.calls()) == 1  # nothing to send, no request


def test_an_upload_token_attaches_to_a_comment(sim: ZendeskSimulator, gw: ZenpyGateway) -> None:
    ticket_id = gw.create_ticket(fields(), idempotency_key="k1")
    pdf = b"%PDF-1.7 signed letter of authorization"
    token = gw.upload("LOA.pdf", pdf, "application/pdf")
    gw.update_ticket(ticket_id, {"comment": {"body": "LOA", "public": False, "uploads": [token]}})
    (attachment,) = sim.comments(ticket_id)[-1]["attachments"]
    assert attachment["file_name"] == "LOA.pdf" and attachment["content_type"] == "application/pdf"
    assert sim.uploads[0].content == pdf


def test_reads_see_changes_at_once(sim: ZendeskSimulator, gw: ZenpyGateway) -> None:
    ticket_id = gw.create_ticket(fields(), idempotency_key="k1")
    assert gw.ticket(ticket_id)["status"] == "new"
    sim.set_status(ticket_id, "solved")  # an agent, meanwhile
    assert gw.ticket(ticket_id)["status"] == "solved"  # no cache in between
    assert len(sim.calls("GET")) == 2


def test_users_are_found_by_exact_address_or_external_id_and_made_once(
    sim: ZendeskSimulator, gw: ZenpyGateway
) -> None:
    assert gw.find_user(email="ada@customer.test") is None
    made = gw.create_user("Ada Customer", email="ada@customer.test")
    assert made.role == "end-user"
    assert gw.find_user(email="ADA@customer.test") == made  # Zendesk keeps addresses lower-case
    sim.add_user("ada customer.test fan", "fan@other.test")  # the search matches words too
    assert gw.find_user(email="ada@customer.test") == made
    again = gw.create_user("Someone Else", email="ada@customer.test")  # create-or-update
    assert again.id == made.id
    calls = sim.calls("POST", "/api/v2/users/create_or_update")
    assert calls[0].body == {
        "user": {"name": "Ada Customer", "role": "end-user", "email": "ada@customer.test"}
    }
    searched = sim.calls("GET", "/api/v2/users/search")[0]
    assert searched.query == {"query": "email:ada@customer.test"}

    slack_only = gw.create_user("Bo", external_id="slack:T1:U0BO")
    assert gw.find_user(external_id="slack:T1:U0BO") == slack_only != made
    user = sim.user(slack_only.id)
    assert user and user["email"] is None and user["external_id"] == "slack:T1:U0BO"
    agent = sim.agent("Dana Agent")
    assert gw.find_user(email=agent["email"]) == ZendeskUser(agent["id"], "agent")


# ---------------------------------------------------------------------- failures
def test_a_429_raises_at_once_without_sleeping(sim: ZendeskSimulator, gw: ZenpyGateway) -> None:
    sim.rate_limit(retry_after=30, times=None)
    for attempt in (
        lambda: gw.create_ticket(fields(), idempotency_key="k1"),
        lambda: gw.find_ticket(SID),
        lambda: gw.create_user("Ada", email="ada@customer.test"),
        lambda: gw.find_user(email="ada@customer.test"),
        lambda: gw.upload("LOA.pdf", b"x", "application/pdf"),
    ):
        sim.reset_calls()
        started = time.monotonic()
        with pytest.raises(RateLimited) as caught:
            attempt()
        assert time.monotonic() - started < 1.0  # zenpy would sleep 30 s here
        assert caught.value.retry_after == 30
        assert len(sim.calls()) == 1  # one gateway call, one HTTP request
    assert sim.tickets() == []


def test_server_errors_are_unavailable_and_not_retried(
    sim: ZendeskSimulator, gw: ZenpyGateway
) -> None:
    for status in (500, 503):
        sim.reset_calls()
        sim.fail("*", status=status, times=None)
        with pytest.raises(Unavailable) as caught:
            gw.create_ticket(fields(), idempotency_key="k1")
        assert caught.value.status == status
        assert len(sim.calls()) == 1  # no urllib3 or zenpy retries
        sim.clear_faults()
    sim.down()
    with pytest.raises(Unavailable):
        gw.ticket(1)
    sim.recover()


def test_a_timeout_after_the_write_is_unavailable(sim: ZendeskSimulator) -> None:
    sim.hang_after_write("POST /api/v2/tickets.json", seconds=0.6)
    gw = ZenpyGateway("acme", EMAIL, TOKEN, url=sim.url, timeout=0.15)
    try:
        with pytest.raises(Unavailable, match="in time"):
            gw.create_ticket(fields(), idempotency_key="k1")
        (ticket,) = sim.tickets()  # Zendesk made it although we never heard back
        assert gw.find_ticket(SID) == ticket["id"]  # so look it up before creating again
        assert gw.create_ticket(fields(), idempotency_key="k1") == ticket["id"]
    finally:
        gw.close()


def test_connection_refused_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gw = ZenpyGateway(None, EMAIL, TOKEN, url=f"http://127.0.0.1:{port}", timeout=1)
    with pytest.raises(Unavailable, match="cannot reach"):
        gw.find_ticket(SID)


def test_bad_credentials_are_rejected(sim: ZendeskSimulator) -> None:
    gw = ZenpyGateway("acme", EMAIL, "wrong-token", url=sim.url)
    with pytest.raises(Rejected) as caught:
        gw.find_ticket(SID)
    assert caught.value.status == 401


def test_refusals_name_fields_but_not_values(sim: ZendeskSimulator, gw: ZenpyGateway) -> None:
    with pytest.raises(Rejected) as missing:
        gw.ticket(404)
    assert missing.value.status == 404 and "RecordNotFound" in missing.value.detail

    secret_ish = "ada.private@customer.test"
    with pytest.raises(Rejected) as invalid:
        gw.update_ticket(999, {"comment": {"body": secret_ish}})
    assert invalid.value.status == 404
    ticket_id = gw.create_ticket(fields(), idempotency_key="k1")
    with pytest.raises(Rejected) as invalid:
        gw.update_ticket(ticket_id, {"status": secret_ish})
    assert invalid.value.status == 422
    assert "fields: status" in str(invalid.value) and secret_ish not in str(invalid.value)


def test_request_bodies_never_reach_the_logs(
    sim: ZendeskSimulator, gw: ZenpyGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    marker_email, marker_text = "marker.customer@example.test", "MARKER-COMMENT-7731"
    body = fields(requester={"name": "Marker", "email": marker_email})
    body["comment"] = {"body": marker_text}
    ticket_id = gw.create_ticket(body, idempotency_key="k1")
    gw.update_ticket(ticket_id, {"comment": {"body": marker_text}})
    gw.find_user(email=marker_email)  # the address rides in the query string
    gw.create_user("Marker", email=marker_email)
    assert caplog.records  # logging was on (urllib3 logs each request line)
    assert marker_email not in caplog.text and marker_text not in caplog.text
    assert "marker.customer" not in caplog.text  # not even URL-encoded in a query string


def test_subdomain_or_url_is_required(sim: ZendeskSimulator) -> None:
    with pytest.raises(ValueError, match="subdomain or URL"):
        ZenpyGateway(None, EMAIL, TOKEN)
    assert ZenpyGateway(None, EMAIL, TOKEN, url=sim.url + "/").find_ticket(SID) is None


def test_retry_after_values() -> None:
    retry_after = errors_module.retry_after
    assert retry_after("12") == 12 and retry_after("1.5") == 1.5
    assert retry_after(None) == retry_after("soon") == DEFAULT_RETRY_AFTER
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    assert 80 <= retry_after(later) <= 90
