"""``bench.slack``'s server and clients: the served app under test, the requests Slack would
send it (built and signed as Slack does), and the client threads (in a child process, or in
the server's) that send them in a closed loop.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import itertools
import json
import random
import secrets
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any
from urllib.parse import urlencode, urlsplit

from slack_sdk import WebClient

from bench.slack_common import (
    AGENT,
    AGENTS_CHANNEL,
    BOT_TOKEN,
    CHANNEL,
    CUSTOMER,
    SIGNING_SECRET,
    USER_AGENT,
    VERIFICATION_TOKEN,
    Prepared,
    Result,
)
from bot import config
from bot.porting.intake import Agreement
from bot.porting.numbers import parse_numbers
from bot.sandbox.serving import ServedApp
from bot.sandbox.slack_sim import SlackSimulator
from bot.server import Runtime, build_runtime
from bot.services import intake_flow
from bot.services.base import Context
from bot.slack.blocks import intake as intake_views
from bot.slack.ids import INTAKE_BLOCKS, VALUE
from bot.slack.listeners.views import STEP_FIELDS
from bot.web import create_app
from storage.db import Database


# ---------------------------------------------------------------------- the served app
@dataclass
class Server:
    sim: SlackSimulator
    runtime: Runtime
    served: ServedApp
    ctx: Context
    settings: config.Settings
    client: WebClient

    @property
    def events_url(self) -> str:
        return f"{self.served.url}/slack/events"

    def stop(self) -> None:
        self.served.stop()
        self.runtime.stop.set()
        self.runtime.outbox.wake.set()
        for t in self.runtime.threads:
            t.join(timeout=5)
        self.sim.stop()


def start_server(db: Database, *, process_before_response: bool, outbox: bool) -> Server:
    sim = SlackSimulator().start()
    sim.add_user(AGENT, "avery", "avery@porting.example")
    sim.add_user(CUSTOMER, "casey", "casey@acme.example")
    sim.add_channel(CHANNEL, "acme-telecom", members=[CUSTOMER])
    sim.add_channel(AGENTS_CHANNEL, "porting-team", members=[AGENT])
    settings = config.load(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": sim.url,
            "PORTBOT_AGENTS": AGENT,
            "PORTBOT_AGENTS_CHANNEL": AGENTS_CHANNEL,
        }
    )
    ctx = Context(db=db, calendar=settings.calendar, default_region="US")
    client = WebClient(token=BOT_TOKEN, base_url=sim.url)
    runtime = build_runtime(
        settings, client=client, process_before_response=process_before_response, ctx=ctx
    )
    if outbox:
        runtime.start_background()
    assert runtime.bolt is not None
    served = ServedApp(create_app(ctx, runtime.bolt)).start()
    return Server(sim, runtime, served, ctx, settings, client)


# ---------------------------------------------------------------------- Slack's requests
def sign(body: str, content_type: str = "application/x-www-form-urlencoded") -> Prepared:
    """Headers as Slack sends them: ``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    stamp = str(int(time.time()))
    base = f"v0:{stamp}:{body}".encode()
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    headers = {"Content-Type": content_type, "User-Agent": USER_AGENT}
    headers.update({"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature})
    return body.encode(), headers


def command_body(sim: SlackSimulator, text: str, user_id: str, user_name: str) -> str:
    """A slash command's form body, as ``SlackDriver.command`` builds it."""
    payload = {"token": VERIFICATION_TOKEN, "team_id": sim.team_id}
    payload.update(team_domain=sim.team_domain, channel_id=CHANNEL, channel_name="acme-telecom")
    payload.update(user_id=user_id, user_name=user_name, command="/port", text=text)
    payload.update(api_app_id=sim.app_id, is_enterprise_install="false")
    payload["response_url"] = sim.new_response_url(CHANNEL, None, user_id)
    payload["trigger_id"] = sim.new_trigger(user_id)
    return urlencode(payload)


def submission_body(sim: SlackSimulator, session_id: str, user_id: str, landlines: str) -> str:
    """Step 2 of ``/port new`` submitted: the view as Slack stores it, with ``state.values``."""
    typed = {
        "landlines": landlines,
        "wireless": None,
        "losing_carrier": "Old Phone Co",
        "account_number": "88001234567",
        "btn": landlines.split("\n", 1)[0],
        "pin": None,
    }
    values = {
        INTAKE_BLOCKS[f].value: {VALUE: {"type": "plain_text_input", "value": typed[f.value]}}
        for f in STEP_FIELDS[2]
    }
    view = intake_views.numbers_step(session_id).to_dict()
    view_id = f"V{secrets.token_hex(5).upper()}"
    view.update(id=view_id, team_id=sim.team_id, app_id=sim.app_id, bot_id=sim.bot_id)
    view.update(app_installed_team_id=sim.team_id, external_id="", root_view_id=view_id)
    view.update(previous_view_id=None, clear_on_close=False, notify_on_close=False)
    view.update(hash=f"{int(time.time())}.{secrets.token_hex(4)}", state={"values": values})
    user = {"id": user_id, "username": user_id.lower(), "name": user_id.lower()}
    payload = {"type": "view_submission", "team": {"id": sim.team_id, "domain": sim.team_domain}}
    payload.update(user={**user, "team_id": sim.team_id}, api_app_id=sim.app_id)
    payload.update(token=VERIFICATION_TOKEN, trigger_id=sim.new_trigger(user_id))
    payload.update(is_enterprise_install=False, enterprise=None, view=view, response_urls=[])
    return urlencode({"payload": json.dumps(payload)})


def landline_sets(count: int, size: int, rng: random.Random) -> list[str]:
    """``count`` pastes of ``size`` distinct, valid 617 landlines, one per line (617-253-1000).

    617 is not among the stored area codes, so none of them is in a request."""
    pastes: list[str] = []
    used: set[str] = set()
    for _ in range(count):
        lines: list[str] = []
        while len(lines) < size:
            nxx = rng.randint(200, 999)
            if nxx % 100 == 11 or nxx == 555:
                continue
            line = f"617-{nxx}-{rng.randint(0, 9999):04d}"
            if line not in used:
                used.add(line)
                lines.append(line)
        text = "\n".join(lines)
        parsed = parse_numbers(text)
        if len(parsed.numbers) != size or parsed.issues:
            raise RuntimeError(f"the generated paste is not {size} good numbers: {parsed.issues}")
        pastes.append(text)
    return pastes


def submissions(server: Server, count: int, pastes: list[str], rng: random.Random) -> list[str]:
    """``count`` step-2 bodies, each with its own intake session (step 1 done)."""
    agreements = frozenset(a.value for a in Agreement)
    out: list[str] = []
    for _ in range(count):
        user_id = f"U0LD{secrets.token_hex(4).upper()}"
        session_id = intake_flow.start(
            server.ctx,
            user_id=user_id,
            user_name=user_id.lower(),
            team_id=server.sim.team_id,
            channel_id=CHANNEL,
            agreements=agreements,
        )
        out.append(submission_body(server.sim, session_id, user_id, rng.choice(pastes)))
    return out


# ---------------------------------------------------------------------- the clients
def send(url: str, body: bytes, headers: dict[str, str], timeout: float = 30.0) -> Result:
    """POST on a new connection (as Slack does); time from connecting to the full answer."""
    parts = urlsplit(url)
    wall, started = time.time(), time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=timeout)
    try:
        conn.request("POST", parts.path, body, headers)
        answer = conn.getresponse()
        raw = answer.read()
        return wall, time.perf_counter() - started, answer.status, raw.decode("utf-8", "replace")
    except OSError as exc:
        return wall, time.perf_counter() - started, -1, repr(exc)
    finally:
        conn.close()


def fire(url: str, requests: list[Prepared], clients: int) -> dict[str, Any]:
    """Send every request with ``clients`` threads in a closed loop; results in send order."""
    results: list[Result | None] = [None] * len(requests)
    order = itertools.count()
    lock = threading.Lock()
    gate = threading.Barrier(clients + 1)

    def client() -> None:
        gate.wait()
        while True:
            with lock:
                i = next(order)
            if i >= len(requests):
                return
            results[i] = send(url, *requests[i])

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    cpu = time.process_time()
    gate.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return {
        "results": results,
        "seconds": time.perf_counter() - started,
        "client_cpu": time.process_time() - cpu,
    }


class Load:
    """Runs ``fire`` in a child process (or in this one), timing the server's CPU as well."""

    def __init__(self, url: str, clients: int, *, same_process: bool) -> None:
        self.url, self.clients = url, clients
        self.pool = (
            None if same_process else ProcessPoolExecutor(1, mp_context=get_context("spawn"))
        )

    def run(self, requests: list[Prepared], clients: int | None = None) -> dict[str, Any]:
        clients = clients or self.clients
        cpu = time.process_time()
        if self.pool is None:
            out = fire(self.url, requests, clients)
            out["client_cpu"] = None  # mixed with the server's
        else:
            out = self.pool.submit(fire, self.url, requests, clients).result()
        out["server_cpu"] = time.process_time() - cpu
        return out

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
