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
import os
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
    SECRET_KEY,
    SIGNING_SECRET,
    USER_AGENT,
    VERIFICATION_TOKEN,
    Prepared,
    Request,
    Result,
    keep_to,
)
from bench.slack_remote import RemoteSimulator
from bot import config
from bot.porting.intake import Agreement
from bot.porting.numbers import parse_numbers
from bot.sandbox.serving import ServedApp
from bot.server import Runtime, build_runtime, process_runner, settle_heap
from bot.services import intake_flow
from bot.services.base import Context
from bot.services.reminders import reconcile
from bot.slack.blocks import intake as intake_views
from bot.slack.deferral import Front, ThreadRunner
from bot.slack.ids import INTAKE_BLOCKS, VALUE
from bot.slack.listeners.views import STEP_FIELDS
from bot.web import create_app
from storage.db import Database


# ---------------------------------------------------------------------- the served app
@dataclass
class Server:
    sim: RemoteSimulator
    runtime: Runtime
    served: ServedApp
    ctx: Context
    settings: config.Settings
    client: WebClient
    front: Front | None = None

    @property
    def events_url(self) -> str:
        return f"{self.served.url}/slack/events"

    def stop(self) -> None:
        self.served.stop()
        if self.front is not None:
            self.front.runner.close()
        self.runtime.stop.set()
        self.runtime.outbox.wake.set()
        for t in self.runtime.threads:
            t.join(timeout=5)
        self.sim.stop()


def start_server(
    db: Database,
    *,
    process_before_response: bool,
    outbox: bool,
    front: str = "processes",
    slack_cpus: frozenset[int] | None = None,
) -> Server:
    """The app as ``portbot serve`` runs it. ``front``: where slow requests' work goes after
    the immediate answer: ``processes`` (as served), ``threads``, or ``none`` (no deferral).
    ``slack_cpus``: where the Slack simulator runs (``bench.slack_common.slack_cpus``)."""
    sim = RemoteSimulator(slack_cpus)
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
            "PORTBOT_SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": db.url.render_as_string(hide_password=False),
        }
    )
    ctx = Context(reconcile=reconcile, db=db, calendar=settings.calendar, default_region="US")
    client = WebClient(token=BOT_TOKEN, base_url=sim.url)
    runtime = build_runtime(
        settings, client=client, process_before_response=process_before_response, ctx=ctx
    )
    if outbox:
        runtime.start_background()
    assert runtime.bolt is not None
    made: Front | None = None
    if front == "processes":
        runner = process_runner(settings, client, os.cpu_count() or 1)
        runner.warm_up()
        made = Front(runner, SIGNING_SECRET)
    elif front == "threads":
        made = Front(ThreadRunner(runtime.bolt), SIGNING_SECRET)
    app = create_app(ctx, runtime.bolt, front=made)
    settle_heap()  # as portbot serve does
    served = ServedApp(app).start()
    return Server(sim, runtime, served, ctx, settings, client, made)


# ---------------------------------------------------------------------- Slack's requests
SLACK_TEXT_LIMIT = 3_000  # characters a plain_text_input takes


def sign(body: str, content_type: str = "application/x-www-form-urlencoded") -> Prepared:
    """Headers as Slack sends them: ``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    stamp = str(int(time.time()))
    base = f"v0:{stamp}:{body}".encode()
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    headers = {"Content-Type": content_type, "User-Agent": USER_AGENT}
    headers.update({"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature})
    return body.encode(), headers


def command_body(sim: RemoteSimulator, text: str, user_id: str, user_name: str) -> str:
    """A slash command's form body, as ``SlackDriver.command`` builds it."""
    return command(sim, text, user_id, user_name)[0]


def command(sim: RemoteSimulator, text: str, user_id: str, user_name: str) -> tuple[str, str]:
    """A slash command's form body, and the ``/_sim/wait`` query for its ``response_url``."""
    payload = {"token": VERIFICATION_TOKEN, "team_id": sim.team_id}
    payload.update(team_domain=sim.team_domain, channel_id=CHANNEL, channel_name="acme-telecom")
    payload.update(user_id=user_id, user_name=user_name, command="/port", text=text)
    payload.update(api_app_id=sim.app_id, is_enterprise_install="false")
    payload["response_url"] = sim.new_response_url(CHANNEL, None, user_id)
    payload["trigger_id"] = sim.new_trigger(user_id)
    token = payload["response_url"].rstrip("/").rsplit("/", 1)[-1]
    return urlencode(payload), f"{sim.root}?response_url={token}"


def split_paste(paste: str) -> tuple[str, str]:
    """A paste of numbers as it fits step 2: Slack caps a text input at 3,000 characters,
    so 500 numbers go as 10 digits a line, half in the landline box, half in the mobile one."""
    digits = [line.replace("-", "") for line in paste.splitlines()]
    half = (len(digits) + 1) // 2
    return "\n".join(digits[:half]), "\n".join(digits[half:])


def submission_body(
    sim: RemoteSimulator, client: WebClient, session_id: str, user_id: str, paste: str
) -> tuple[str, str]:
    """Step 2 of ``/port new`` submitted: the view as Slack stores it (opened in the simulator
    with ``views.open``), with ``state.values``; and the ``/_sim/wait`` query for the view."""
    landlines, wireless = split_paste(paste)
    if max(len(landlines), len(wireless)) > SLACK_TEXT_LIMIT:
        raise ValueError("the paste does not fit Slack's text inputs")
    typed = {
        "landlines": landlines,
        "wireless": wireless or None,
        "losing_carrier": "Old Phone Co",
        "account_number": "88001234567",
        "btn": landlines.split("\n", 1)[0],
        "pin": "4321" if wireless else None,
    }
    values = {
        INTAKE_BLOCKS[f].value: {VALUE: {"type": "plain_text_input", "value": typed[f.value]}}
        for f in STEP_FIELDS[2]
    }
    opened = client.views_open(
        trigger_id=sim.new_trigger(user_id), view=intake_views.numbers_step(session_id)
    )
    view = {**opened["view"], "state": {"values": values}}
    user = {"id": user_id, "username": user_id.lower(), "name": user_id.lower()}
    payload = {"type": "view_submission", "team": {"id": sim.team_id, "domain": sim.team_domain}}
    payload.update(user={**user, "team_id": sim.team_id}, api_app_id=sim.app_id)
    payload.update(token=VERIFICATION_TOKEN, trigger_id=sim.new_trigger(user_id))
    payload.update(is_enterprise_install=False, enterprise=None, view=view, response_urls=[])
    return urlencode({"payload": json.dumps(payload)}), f"{sim.root}?view_id={view['id']}"


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


def submissions(
    server: Server, count: int, pastes: list[str], rng: random.Random
) -> list[tuple[str, str]]:
    """``count`` step-2 bodies (and wait queries), each with its own intake session."""
    agreements = frozenset(a.value for a in Agreement)
    out: list[tuple[str, str]] = []
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
        paste = rng.choice(pastes)
        out.append(submission_body(server.sim, server.client, session_id, user_id, paste))
    return out


# ---------------------------------------------------------------------- the clients
def send(
    url: str, body: bytes, headers: dict[str, str], wait: str = "", timeout: float = 30.0
) -> Result:
    """POST on a new connection (as Slack does); time from connecting to the full answer.

    With ``wait`` (a ``/_sim/wait`` query), then wait at the simulator for the answer that
    comes after the ack, so each client sees its answer before sending again, as a person
    does. The simulator's URL is the ``response_url``'s origin, or ``SIM_URL`` in the query."""
    parts = urlsplit(url)
    wall, started = time.time(), time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=timeout)
    try:
        conn.request("POST", parts.path, body, headers)
        answer = conn.getresponse()
        raw = answer.read()
        acked = time.perf_counter() - started
        status, text = answer.status, raw.decode("utf-8", "replace")
    except OSError as exc:
        return Result(wall, time.perf_counter() - started, -1, repr(exc))
    finally:
        conn.close()
    if not wait or status != 200:
        return Result(wall, acked, status, text)
    sim, _, query = wait.partition("?")
    sim_parts = urlsplit(sim)
    conn = http.client.HTTPConnection(sim_parts.hostname or "", sim_parts.port or 80, timeout=60)
    try:
        conn.request("GET", f"/_sim/wait?{query}&timeout=30")
        got = conn.getresponse()
        found = json.loads(got.read() or b"{}")
    except (OSError, ValueError) as exc:
        return Result(wall, acked, status, text, None, f"no answer: {exc!r}")
    finally:
        conn.close()
    if got.status != 200:
        return Result(wall, acked, status, text, None, f"no answer: HTTP {got.status}")
    return Result(wall, acked, status, text, found["at"] - wall, found["body"])


def fire(url: str, requests: list[Request], clients: int) -> dict[str, Any]:
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
    """Runs ``fire`` in a child process (on ``cpus`` only, when given) or in this one, timing
    the server's CPU as well."""

    def __init__(
        self, url: str, clients: int, *, same_process: bool, cpus: frozenset[int] | None = None
    ) -> None:
        self.url, self.clients = url, clients
        self.pool = None
        if not same_process:
            spawn = get_context("spawn")
            self.pool = ProcessPoolExecutor(1, spawn, initializer=keep_to, initargs=(cpus,))

    def run(self, requests: list[Request], clients: int | None = None) -> dict[str, Any]:
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
