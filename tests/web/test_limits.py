"""Bounded bodies, signatures checked on the raw bytes first, malformed input refused with a
4xx and one log line, and the metrics token (issue 14, items 1, 3 and 7)."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest

from bot.http_limits import LOA_FORM_LIMIT, MIB
from bot.loa.web import PAGE_HEADERS
from bot.slack.forms import VERIFIED
from tests.web.conftest import (
    METRICS_TOKEN,
    raw_post,
    request,
    slack_headers,
    zendesk_headers,
)

ROUTES = [
    ("/slack/events", MIB),
    ("/zendesk/webhook", MIB),
    ("/loa/some-token", LOA_FORM_LIMIT),
]


@pytest.mark.parametrize(("path", "limit"), ROUTES)
def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(site, path, limit):
    """50 MB declared, 1 kB sent: the answer comes without waiting for the rest."""
    answer = raw_post(site, path, [b"x" * 1024], content_length=50 * MIB)
    assert answer.status == 413
    assert answer.headers.get("connection") == "close"  # the rest is never read


@pytest.mark.parametrize(("path", "limit"), ROUTES)
def test_a_chunked_body_is_cut_off_at_the_limit(site, path, limit):
    """Chunks past the limit, and no last chunk: the server answers once the count passes."""
    chunk = b"a" * 8192
    answer = raw_post(site, path, [chunk] * (limit // len(chunk) + 2), chunked=True)
    assert answer.status == 413
    if path.startswith("/loa/"):
        assert all(answer.headers.get(k.lower()) == v for k, v in PAGE_HEADERS.items())


def test_a_body_at_the_limit_is_read(site):
    body = b"x" * MIB  # signed rubbish of exactly the limit: read, verified, refused as 400
    assert request(site, "POST", "/slack/events", body, slack_headers(body)).status == 400


def test_unsigned_bytes_that_are_not_utf8_get_401(site):
    body = b"payload=\xff\xfe\xfa"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert request(site, "POST", "/slack/events", body, headers).status == 401
    wrong = slack_headers(body, secret="not-the-secret")
    assert request(site, "POST", "/slack/events", body, wrong).status == 401


def _payload(value: object) -> bytes:
    return urlencode({"payload": json.dumps(value)}).encode()


MALFORMED_SLACK = {
    "payload is not JSON": b"payload=notjson",
    "payload is a list": b"payload=%5B%5D",
    "not UTF-8, signed": b"payload=\xff\xfe",
    "empty": b"",
    "no user": _payload({"type": "block_actions", "actions": [{"action_id": "x"}]}),
    "empty actions": _payload({"type": "block_actions", "user": {"id": "U1"}, "actions": []}),
    "view without user": _payload({"type": "view_submission", "view": {"id": "V1"}}),
    "deep JSON": _payload(json.loads("[" * 50 + "]" * 50)) + b"&x=" + b"[" * 100_000,
    "deeper payload": b"payload=" + b"%5B" * 200_000,
}


@pytest.mark.parametrize("body", MALFORMED_SLACK.values(), ids=MALFORMED_SLACK.keys())
def test_signed_malformed_slack_bodies_get_400_and_one_log_line(site, body, caplog):
    caplog.set_level(logging.INFO)
    answer = request(site, "POST", "/slack/events", body, slack_headers(body))
    assert answer.status == 400
    ours = [r for r in caplog.records if getattr(r, "route", None) == "/slack/events"]
    assert [r.status for r in ours] == [400]  # type: ignore[attr-defined]
    assert not any(r.exc_info for r in caplog.records)


MALFORMED_ZENDESK = {
    "deep nesting": b'{"event": "ticket_updated", "ticket_id": 1, "fields": '
    + b"[" * 100_000
    + b"]" * 100_000
    + b"}",
    "30-digit ticket id": b'{"event": "comment_created", "ticket_id": "1' + b"0" * 29 + b'"}',
    "30-digit number": b'{"event": "ticket_updated", "ticket_id": 1' + b"0" * 29 + b"}",
    "huge number": b'{"event": "ticket_updated", "ticket_id": ' + b"9" * 5000 + b"}",
    "unicode digits": '{"event": "ticket_updated", "ticket_id": "²"}'.encode(),
    "a list": b"[]",
}


@pytest.mark.parametrize("body", MALFORMED_ZENDESK.values(), ids=MALFORMED_ZENDESK.keys())
def test_signed_malformed_zendesk_bodies_get_400(site, body):
    answer = request(site, "POST", "/zendesk/webhook", body, zendesk_headers(body))
    assert answer.status == 400, answer.body


def test_an_loa_form_with_too_many_fields_gets_400_with_the_page_headers(site):
    body = "&".join(f"f{i}=v" for i in range(30)).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = request(site, "POST", "/loa/some-token", body, headers)
    assert answer.status == 400
    assert all(answer.headers.get(k.lower()) == v for k, v in PAGE_HEADERS.items())


def test_metrics_want_the_bearer_token_when_one_is_set(site):
    assert request(site, "GET", "/metrics").status == 401
    wrong = {"Authorization": "Bearer not-it"}
    assert request(site, "GET", "/metrics", headers=wrong).status == 401
    basic = {"Authorization": f"Basic {METRICS_TOKEN}"}
    assert request(site, "GET", "/metrics", headers=basic).status == 401
    right = request(site, "GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert right.status == 200 and b"portbot_requests" in right.body


def test_metrics_are_open_without_a_token(ctx):
    from bot.sandbox.serving import ServedApp
    from bot.web import create_app

    with ServedApp(create_app(ctx, None)) as served:
        from tests.web.conftest import Site

        assert request(Site(served.url), "GET", "/metrics").status == 200


def test_bolt_checks_only_what_the_web_tier_has_not(site, ctx):
    """Requests marked as checked skip Bolt's own signature check; others still get it."""
    from slack_sdk import WebClient

    from bot.sandbox.slack_sim import SlackSimulator
    from bot.server import build_runtime
    from tests.slack.conftest import settings_for

    with SlackSimulator() as sim:
        client = WebClient(token="xoxb-test", base_url=sim.url)
        runtime = build_runtime(
            settings_for(sim), client=client, process_before_response=True, ctx=ctx
        )
        assert runtime.bolt is not None
        body = urlencode({"command": "/nothing", "user_id": "U1", "text": ""})
        unmarked = BoltRequest(body=body, headers={})
        marked = BoltRequest(body=body, headers={}, context={VERIFIED: True})
        assert runtime.bolt.dispatch(unmarked).status == 401
        assert runtime.bolt.dispatch(marked).status == 404  # checked; no listener for it
