"""Every route of the web app served at once over loopback, and raw HTTP to probe it with."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from slack_sdk import WebClient

from bot import config
from bot.loa.web import loa_routes
from bot.sandbox.serving import ServedApp
from bot.server import build_runtime
from bot.slack.deferral import Front, ThreadRunner
from bot.web import create_app
from bot.zendesk import webhook
from bot.zendesk.inbound import Inbound
from storage.documents import DocumentStore
from tests.slack.conftest import SIGNING_SECRET, new_sim, settings_for

ZENDESK_SECRET = "hook-secret"
METRICS_TOKEN = "metrics-token-for-tests"


@dataclass
class Site:
    url: str

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 80


@pytest.fixture
def site(ctx, tmp_path) -> Iterator[Site]:
    """``/slack/events`` (with the deferral front), ``/zendesk/webhook``, ``/loa/*``,
    ``/healthz`` and ``/metrics`` (behind :data:`METRICS_TOKEN`)."""
    sim = new_sim()
    client = WebClient(token="xoxb-test", base_url=sim.url)
    runtime = build_runtime(settings_for(sim), client=client, process_before_response=True, ctx=ctx)
    assert runtime.bolt is not None
    front = Front(ThreadRunner(runtime.bolt))
    store = DocumentStore(ctx.db, tmp_path / "files")
    app = create_app(
        ctx,
        runtime.bolt,
        front=front,
        zendesk=Inbound(ctx, ZENDESK_SECRET),
        loa=loa_routes(ctx, store, config.load({})),
        metrics_token=METRICS_TOKEN,
    )
    try:
        with ServedApp(app) as served:
            yield Site(served.url)
    finally:
        front.runner.close()
        sim.stop()


def slack_headers(body: bytes, *, secret: str = SIGNING_SECRET) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


def zendesk_headers(body: bytes) -> dict[str, str]:
    ts = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "Content-Type": "application/json",
        webhook.TIMESTAMP_HEADER: ts,
        webhook.SIGNATURE_HEADER: webhook.sign(ZENDESK_SECRET, body, ts),
    }


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def request(
    site: Site,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=timeout)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        r = conn.getresponse()
        return Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


def raw_post(
    site: Site,
    path: str,
    parts: Iterable[bytes],
    *,
    headers: dict[str, str] | None = None,
    chunked: bool = False,
    content_length: int | None = None,
    timeout: float = 5,
) -> Answer:
    """POST ``parts`` one by one and never finish the body (no last chunk, fewer bytes than
    declared): only a server that answers before the body ends answers at all."""
    sock = socket.create_connection(("127.0.0.1", site.port), timeout=timeout)
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    if content_length is not None:
        lines.append(f"Content-Length: {content_length}")
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            for part in parts:
                sock.sendall(f"{len(part):x}\r\n".encode() + part + b"\r\n" if chunked else part)
        except OSError:  # the server answered and closed: read what it said
            pass
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read() if response.length is not None else b""
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        sock.close()
