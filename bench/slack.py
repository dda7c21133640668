"""Benchmark: Slack ack latency through the real HTTP endpoint, with 100,000 requests stored.

Run from the repository root with either of:

    python -m bench.slack [--requests N] [--clients N] [--rounds N] [--db sqlite|URL] [--json F]
    python bench/slack.py [same options]

The server is the production path: ``build_runtime(..., process_before_response=False)``, its
outbox worker thread started as ``portbot serve`` does, ``create_app`` served by uvicorn on
127.0.0.1, and the Slack simulator answering the app's Web API calls. Requests are signed as
Slack signs them. The clients run in a separate process (``--same-process`` puts their threads
in the server's process instead), so they do not hold the server's GIL; they do share the
machine's cores.

Phases:

1. **seed**: a fresh database (a SQLite file in a temporary folder, or a fresh schema in the
   PostgreSQL database given by ``--db``, dropped afterwards), migrated, then ``--requests``
   port requests bulk-inserted in chunks of 5,000 (1-3 numbers and 1-3 timeline events each,
   statuses spread, every account number encrypted: 1,000 ciphertexts shared round the rows).
2. **status**: ``/port status <12-character prefix>`` of random stored requests, sent by an
   agent, ``--clients`` clients in a closed loop (each sends its next request when the answer
   to the last one is in), on a new connection each time. Latency is from just before
   connecting to the full response.
3. **submit**: the intake's step 2 (``View.NEW_NUMBERS``) submitted with ``--numbers`` distinct,
   valid landlines that are in no request (``617-NXX-XXXX``, one a line: 6.5 kB for 500), by
   as many clients; each submission has its own intake session. A good answer is
   ``response_action: update`` to the contact step.
   Status and submit alternate for ``--rounds`` rounds (the totals are split over them), after
   a warm-up; then both run again at the client counts of ``--sweep``.
4. **open**: ``/port new`` one at a time; the time from sending the command to the moment the
   simulator records the ``views.open`` call (both ``time.time()``), and the ack time. Then
   the same (``--opens-under-load``) while ``--clients`` clients keep sending ``/port status``.
5. **breakdown**: one request at a time in the server's process: the listener's steps (no
   Bolt, no HTTP), then ``App.dispatch`` of the same signed request as served
   (``process_before_response=False``) and with ``process_before_response=True``.

The machine's speed is taken before and after (``bench.numbers``' raw pass over its 10,000
lines), because shared machines drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:
    # Run as a script: this folder is on sys.path and this file would shadow the "slack"
    # package that slack_sdk installs. Swap it for the repository root.
    _here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]
    sys.path.insert(0, str(_here.parent))

import argparse
import hashlib
import hmac
import http.client
import itertools
import json
import logging
import math
import os
import platform
import random
import secrets
import shutil
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from multiprocessing import get_context
from typing import Any
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient

from bench.numbers import build_lines, raw_phonenumbers
from bot import config
from bot import services as svc
from bot.porting.intake import Agreement
from bot.porting.numbers import parse_numbers
from bot.porting.sids import new_sid
from bot.sandbox.serving import ServedApp
from bot.sandbox.slack_sim import SlackSimulator
from bot.server import Runtime, build_runtime
from bot.services import intake_flow
from bot.services.base import Context
from bot.slack.agents import AgentDirectory
from bot.slack.app import build_app
from bot.slack.blocks import cards
from bot.slack.blocks import intake as intake_views
from bot.slack.deps import SlackDeps
from bot.slack.ids import INTAKE_BLOCKS, VALUE, View
from bot.slack.listeners.views import STEP_FIELDS
from bot.web import create_app
from storage import crypto
from storage import repositories as repo
from storage.db import Database, normalize_url
from storage.models import PortNumber, PortRequest, TimelineEvent
from storage.values import LineType, NumberStatus, RequestStatus, Role

SEED = 20261122
SIGNING_SECRET = "bench-signing-secret"
SECRET_KEY = "bench-secret-key-0123456789abcdef"
BOT_TOKEN = "xoxb-test"
AGENT, CUSTOMER = "U0AGENT", "U0CUSTOMER"
CHANNEL, AGENTS_CHANNEL = "C0CUSTOMER", "C0AGENTS"
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
VERIFICATION_TOKEN = "sim-verification-token"
PREFIX_LENGTH = 12  # "PR" + 10 hex characters
CHUNK = 5_000
ACK_TARGET_MS = 30.0
OPEN_TARGET_MS = 100.0
SLACK_WAITS_MS = 3_000.0  # Slack shows the user an error when the ack takes longer

# Stored numbers use these area codes; the submitted ones are all in 617, so they are in no
# request. (All are real, assigned area codes.)
# fmt: off
SEED_AREA_CODES = (
    "201", "202", "206", "212", "213", "214", "215", "303", "305", "310", "312", "313",
    "404", "408", "415", "469", "503", "512", "602", "646", "702", "713", "718", "720",
    "773", "786", "808", "817", "832", "858", "901", "917", "949", "954", "972",
)
TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")
CARRIERS = ("Old Phone Co", "Verizon", "AT&T", "Lumen", "Comcast Business", "Frontier",
            "Windstream", "RingCentral", "Consolidated", "Spectrum")
# fmt: on

S = RequestStatus
STATUS_WEIGHTS = {
    S.COMPLETED: 40,
    S.FOC_CONFIRMED: 12,
    S.SUBMITTED: 10,
    S.AWAITING_SIGNATURE: 8,
    S.CANCELLED: 8,
    S.IN_REVIEW: 6,
    S.ACTION_REQUIRED: 6,
    S.DRAFT: 4,
    S.EXPIRED: 4,
    S.CANCEL_PENDING: 2,
}
# The events after "open", as (action, from, to): at most three events in all.
LATER_EVENTS: dict[RequestStatus, list[tuple[str, RequestStatus, RequestStatus]]] = {
    S.DRAFT: [],
    S.AWAITING_SIGNATURE: [],
    S.IN_REVIEW: [("sign_loa", S.AWAITING_SIGNATURE, S.IN_REVIEW)],
    S.SUBMITTED: [
        ("sign_loa", S.AWAITING_SIGNATURE, S.IN_REVIEW),
        ("submit", S.IN_REVIEW, S.SUBMITTED),
    ],
    S.FOC_CONFIRMED: [
        ("submit", S.IN_REVIEW, S.SUBMITTED),
        ("set_foc", S.SUBMITTED, S.FOC_CONFIRMED),
    ],
    S.ACTION_REQUIRED: [
        ("submit", S.IN_REVIEW, S.SUBMITTED),
        ("reject", S.SUBMITTED, S.ACTION_REQUIRED),
    ],
    S.CANCEL_PENDING: [
        ("submit", S.IN_REVIEW, S.SUBMITTED),
        ("request_cancel", S.SUBMITTED, S.CANCEL_PENDING),
    ],
    S.COMPLETED: [
        ("set_foc", S.SUBMITTED, S.FOC_CONFIRMED),
        ("complete", S.FOC_CONFIRMED, S.COMPLETED),
    ],
    S.CANCELLED: [("confirm_cancel", S.CANCEL_PENDING, S.CANCELLED)],
    S.EXPIRED: [("expire", S.AWAITING_SIGNATURE, S.EXPIRED)],
}
NUMBER_STATUS = {
    S.DRAFT: NumberStatus.PENDING,
    S.AWAITING_SIGNATURE: NumberStatus.PENDING,
    S.IN_REVIEW: NumberStatus.PENDING,
    S.SUBMITTED: NumberStatus.SUBMITTED,
    S.FOC_CONFIRMED: NumberStatus.FOC_CONFIRMED,
    S.ACTION_REQUIRED: NumberStatus.REJECTED,
    S.CANCEL_PENDING: NumberStatus.SUBMITTED,
    S.COMPLETED: NumberStatus.PORTED,
    S.CANCELLED: NumberStatus.CANCELLED,
    S.EXPIRED: NumberStatus.CANCELLED,
}

Prepared = tuple[bytes, dict[str, str]]  # a signed body and its headers
Result = tuple[float, float, int, str]  # wall-clock send time, seconds, HTTP status, body


# ---------------------------------------------------------------------- statistics
def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of unsorted ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(seconds: list[float]) -> dict[str, float]:
    """p50/p90/p99/max/mean in milliseconds."""
    if not seconds:
        return {}
    ms = [s * 1e3 for s in seconds]
    return {
        "n": len(ms),
        "p50": pct(ms, 50),
        "p90": pct(ms, 90),
        "p99": pct(ms, 99),
        "max": max(ms),
        "mean": statistics.fmean(ms),
        "over_3s": sum(m > SLACK_WAITS_MS for m in ms),
    }


def calibrate(repeats: int = 3) -> float:
    """The machine's speed now: median ms of ``bench.numbers``' raw pass over its 10,000 lines
    (452 ms when that bench's results were taken; shared machines vary)."""
    lines = build_lines()
    raw_phonenumbers(lines)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        raw_phonenumbers(lines)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


# ---------------------------------------------------------------------- database
@contextmanager
def fresh_database(target: str) -> Iterator[tuple[Database, str]]:
    """A migrated, empty database; removed afterwards. Yields it and a printable label."""
    crypto.configure(crypto.Keyring([SECRET_KEY]))
    if target == "sqlite":
        folder = tempfile.mkdtemp(prefix="portbot-bench-")
        db = Database(f"sqlite:///{folder}/portbot.db")
        try:
            db.upgrade()
            yield db, f"SQLite {sqlite3.sqlite_version} (file, WAL)"
        finally:
            db.dispose()
            shutil.rmtree(folder, ignore_errors=True)
        return
    base = normalize_url(target)
    if base.get_backend_name() != "postgresql" or base.host not in ("127.0.0.1", "localhost"):
        raise SystemExit("--db takes 'sqlite' or a postgresql:// URL on 127.0.0.1")
    schema = "bench_" + secrets.token_hex(6)
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        version = conn.exec_driver_sql("SHOW server_version").scalar()
    db = Database(base.update_query_dict({"options": f"-csearch_path={schema}"}))
    try:
        db.upgrade()
        yield db, f"PostgreSQL {version} (127.0.0.1, schema {schema})"
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def _nanp(rng: random.Random, area_codes: tuple[str, ...]) -> str:
    nxx = rng.randint(200, 999)
    while nxx % 100 == 11 or nxx == 555:  # N11 and 555 exchanges are special
        nxx = rng.randint(200, 999)
    return f"+1{rng.choice(area_codes)}{nxx}{rng.randint(0, 9999):04d}"


@dataclass
class Seeded:
    sids: list[str]
    seconds: float
    rows: dict[str, int]


def seed(db: Database, count: int, rng: random.Random) -> Seeded:
    """Bulk-insert ``count`` requests with their numbers and timeline events, in chunks."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    keyring = crypto.active()
    ciphertexts = [keyring.encrypt(f"{rng.randint(10**9, 10**12 - 1)}") for _ in range(1000)]
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    channels = [f"C0CUST{i:05d}" for i in range(300)]
    users = [f"U0CUST{i:05d}" for i in range(3000)]
    requests_stmt = sa.insert(PortRequest.__table__).values(  # type: ignore[attr-defined]
        # Already encrypted: bind as text, so the column type does not encrypt it again.
        account_number=sa.bindparam("account_ct", type_=sa.Text())
    )
    numbers_table = PortNumber.__table__  # type: ignore[attr-defined]
    events_table = TimelineEvent.__table__  # type: ignore[attr-defined]
    used: set[str] = set()
    sids: list[str] = []
    number_id = event_id = 0
    totals = {"port_requests": 0, "port_numbers": 0, "timeline_events": 0}
    for first in range(1, count + 1, CHUNK):
        reqs: list[dict[str, Any]] = []
        nums: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for rid in range(first, min(first + CHUNK, count + 1)):
            status = rng.choices(statuses, weights)[0]
            created = now - timedelta(days=rng.uniform(0, 730))
            sid = new_sid()
            sids.append(sid)
            e164s: list[tuple[str, LineType]] = []
            for _ in range(rng.choices((1, 2, 3), (60, 30, 10))[0]):
                roll = rng.random()
                kind = LineType.TOLL_FREE if roll < 0.05 else LineType.LANDLINE
                kind = LineType.WIRELESS if 0.05 <= roll < 0.15 else kind
                e164 = _nanp(rng, TOLL_FREE if kind is LineType.TOLL_FREE else SEED_AREA_CODES)
                while e164 in used:
                    e164 = _nanp(rng, TOLL_FREE if kind is LineType.TOLL_FREE else SEED_AREA_CODES)
                used.add(e164)
                e164s.append((e164, kind))
            step = timedelta(days=rng.uniform(1, 10))
            foc = (created + 3 * step).date() if status in (S.FOC_CONFIRMED, S.COMPLETED) else None
            signed = status not in (S.DRAFT, S.AWAITING_SIGNATURE, S.EXPIRED)
            submitted = status not in (S.DRAFT, S.AWAITING_SIGNATURE, S.IN_REVIEW, S.EXPIRED)
            company = f"Company {rng.randint(1, 20_000)} LLC"
            reqs.append(
                {
                    "id": rid,
                    "sid": sid,
                    "status": status,
                    "status_before_cancel": S.SUBMITTED if status is S.CANCEL_PENDING else None,
                    "team_id": "T0PORTBOT",
                    "channel_id": rng.choice(channels),
                    "requester_id": rng.choice(users),
                    "requester_name": f"customer{rng.randint(1, 3000)}",
                    "agreed_at": created,
                    "name": company,
                    "account_type": "business" if rng.random() < 0.8 else "residential",
                    "company_name": company,
                    "losing_carrier": rng.choice(CARRIERS),
                    "account_ct": rng.choice(ciphertexts),
                    "btn": e164s[0][0],
                    "rep_name": f"Rep {rid}",
                    "rep_email": f"rep{rid}@example.com",
                    "street": f"{rng.randint(1, 999)} Main St",
                    "city": "Springfield",
                    "region": "MA",
                    "postal_code": f"{rng.randint(1000, 99999):05d}",
                    "country": "US",
                    "bill_filename": None if status is S.DRAFT else "bill.pdf",
                    "bill_content_type": None if status is S.DRAFT else "application/pdf",
                    "bill_size": None if status is S.DRAFT else rng.randint(50_000, 2_000_000),
                    "bill_issued_on": None if status is S.DRAFT else (created - step).date(),
                    "foc_date": foc,
                    "loa_sent_at": None if status is S.DRAFT else created,
                    "signed_at": created + step if signed else None,
                    "submitted_at": created + 2 * step if submitted else None,
                    "completed_at": created + 4 * step if status is S.COMPLETED else None,
                    "created_at": created,
                    "updated_at": created + 4 * step,
                }
            )
            for position, (e164, kind) in enumerate(e164s):
                number_id += 1
                nums.append(
                    {
                        "id": number_id,
                        "request_id": rid,
                        "position": position,
                        "e164": e164,
                        "line_type": kind,
                        "status": NUMBER_STATUS[status],
                        "open_e164": None if status.final else e164,
                        "foc_date": foc,
                        "ported_at": created + 4 * step if status is S.COMPLETED else None,
                    }
                )
            first_status = S.DRAFT if status is S.DRAFT else S.AWAITING_SIGNATURE
            history = [("open", first_status, first_status), *LATER_EVENTS[status]]
            for i, (action, before, after) in enumerate(history):
                event_id += 1
                customer = action == "open"
                events.append(
                    {
                        "id": event_id,
                        "request_id": rid,
                        "at": created + i * step,
                        "actor_role": Role.CUSTOMER if customer else Role.AGENT,
                        "actor_id": "U0CUST00001" if customer else AGENT,
                        "actor_name": "customer" if customer else "avery",
                        "action": action,
                        "from_status": before,
                        "to_status": after,
                        "numbers": None,
                        "detail": f"Opened with {len(e164s)} numbers." if customer else "",
                        "data": None,
                        "public": True,
                    }
                )
        with db.engine.begin() as conn:
            conn.execute(requests_stmt, reqs)
            conn.execute(sa.insert(numbers_table), nums)
            conn.execute(sa.insert(events_table), events)
        totals["port_requests"] += len(reqs)
        totals["port_numbers"] += len(nums)
        totals["timeline_events"] += len(events)
    if not db.is_sqlite:
        with db.engine.begin() as conn:
            for table in totals:  # explicit ids were inserted: move the sequences past them
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            conn.exec_driver_sql("ANALYZE")
    return Seeded(sids, time.perf_counter() - started, totals)


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


# ---------------------------------------------------------------------- checking answers
def status_ok(result: Result, sid: str) -> str | None:
    """None when the answer is the card of ``sid``; else what was wrong."""
    _, _, code, text = result
    if code != 200:
        return f"HTTP {code}: {text[:200]}"
    return None if sid in text else f"not the card of {sid}: {text[:200]}"


def submission_ok(result: Result) -> str | None:
    _, _, code, text = result
    if code != 200:
        return f"HTTP {code}: {text[:200]}"
    try:
        answer = json.loads(text)
    except ValueError:
        return f"not JSON: {text[:200]}"
    if answer.get("response_action") == "errors":
        return f"refused: {json.dumps(answer.get('errors'))[:200]}"
    callback = (answer.get("view") or {}).get("callback_id")
    if answer.get("response_action") != "update" or callback != View.NEW_CONTACT:
        return f"not the contact step: {text[:200]}"
    return None


@dataclass
class Phase:
    """Latencies of one kind of request, over all rounds."""

    seconds: list[float] = field(default_factory=list)
    wall: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float | None = 0.0
    errors: int = 0
    refused: int = 0
    samples: list[str] = field(default_factory=list)
    rounds: list[dict[str, float]] = field(default_factory=list)

    def add(self, out: dict[str, Any], check: Callable[[int, Result], str | None]) -> None:
        round_seconds = []
        for i, result in enumerate(out["results"]):
            problem = check(i, result)
            if problem is not None:
                self.errors += 1
                self.refused += problem.startswith("refused")
                if len(self.samples) < 5:
                    self.samples.append(problem)
            round_seconds.append(result[1])
        self.seconds += round_seconds
        self.wall += out["seconds"]
        self.server_cpu += out["server_cpu"]
        if out["client_cpu"] is None or self.client_cpu is None:
            self.client_cpu = None
        else:
            self.client_cpu += out["client_cpu"]
        self.rounds.append({**summary(round_seconds), "per_s": len(round_seconds) / out["seconds"]})

    def report(self) -> dict[str, Any]:
        n = len(self.seconds)
        return {
            **summary(self.seconds),
            "per_s": n / self.wall if self.wall else 0.0,
            "errors": self.errors,
            "refused": self.refused,
            "error_samples": self.samples,
            "server_cpu_ms_per_request": self.server_cpu / n * 1e3 if n else 0.0,
            "client_cpu_ms_per_request": (
                self.client_cpu / n * 1e3 if n and self.client_cpu is not None else None
            ),
            "rounds": self.rounds,
        }


# ---------------------------------------------------------------------- the phases
Check = Callable[[int, Result], str | None]
PASTES = 32  # different 500-number pastes, each submission takes one of them


class Workload:
    """Signed requests for the load phases, and how to check their answers."""

    def __init__(self, server: Server, sids: list[str], numbers: int, rng: random.Random) -> None:
        self.server, self.sids, self.rng = server, sids, rng
        self.pastes = landline_sets(PASTES, numbers, rng)

    def status(self, count: int) -> tuple[list[Prepared], Check]:
        """``/port status <prefix>`` of random stored requests, sent by an agent."""
        chosen = [self.rng.choice(self.sids) for _ in range(count)]
        sim = self.server.sim
        bodies = [
            sign(command_body(sim, f"status {sid[:PREFIX_LENGTH]}", AGENT, "avery"))
            for sid in chosen
        ]
        return bodies, lambda i, result: status_ok(result, chosen[i])

    def submit(self, count: int) -> tuple[list[Prepared], Check]:
        """Step 2 submissions, each in its own intake session."""
        made = submissions(self.server, count, self.pastes, self.rng)
        return [sign(body) for body in made], lambda i, result: submission_ok(result)


def measure(
    load: Load, made: tuple[list[Prepared], Check], clients: int | None = None
) -> dict[str, Any]:
    phase = Phase()
    bodies, check = made
    phase.add(load.run(bodies, clients), check)
    return phase.report()


def run_load(
    load: Load, work: Workload, args: argparse.Namespace
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Warm up, then alternate status and submission rounds at ``--clients``."""
    for name, made in (("status", work.status(args.warmup)), ("submit", work.submit(32))):
        warm = measure(load, made)
        if warm["errors"]:
            print(f"warm-up {name}: {warm['errors']} bad answers, e.g. {warm['error_samples']}")
    status, submit = Phase(), Phase()
    for n in range(args.rounds):
        bodies, check = work.status(args.status // args.rounds + (n < args.status % args.rounds))
        status.add(load.run(bodies), check)
        share = args.submissions // args.rounds + (n < args.submissions % args.rounds)
        bodies, check = work.submit(share)
        submit.add(load.run(bodies), check)
    return status.report(), submit.report()


def run_sweep(load: Load, work: Workload, args: argparse.Namespace) -> dict[str, Any]:
    """Fewer clients: where the latency stands below ``--clients``."""
    levels = [int(c) for c in args.sweep.split(",") if c.strip()]
    return {
        str(clients): {
            "status": measure(load, work.status(args.sweep_status), clients),
            "submit": measure(load, work.submit(args.sweep_submissions), clients),
        }
        for clients in levels
    }


def run_opens(server: Server, count: int) -> dict[str, Any]:
    """``/port new`` one at a time: ack time, and send → ``views.open`` recorded."""
    acks, opens, errors = [], [], 0
    before = len(server.sim.calls_to("views.open"))
    for i in range(count):
        body, headers = sign(command_body(server.sim, "new", CUSTOMER, "casey"))
        wall, elapsed, code, _ = send(server.events_url, body, headers)
        calls = server.sim.wait_for("views.open", count=before + i + 1, timeout=10)
        call = calls[before + i]
        if code != 200 or call.error is not None:
            errors += 1
        acks.append(elapsed)
        opens.append(call.at - wall)  # the simulator stamps calls with time.time()
        time.sleep(0.02)  # let the listener finish before the next command
    return {"ack": summary(acks), "views_open": summary(opens), "errors": errors}


def run_opens_under_load(load: Load, work: Workload, count: int) -> dict[str, Any]:
    """``run_opens`` while ``--clients`` clients keep sending ``/port status``."""
    stop = threading.Event()
    background: list[dict[str, Any]] = []

    def keep_busy() -> None:
        while not stop.is_set():
            background.append(measure(load, work.status(200)))

    busy = threading.Thread(target=keep_busy, daemon=True)
    busy.start()
    time.sleep(1.0)  # let the load build up
    try:
        opens = run_opens(work.server, count)
    finally:
        stop.set()
        busy.join()
    opens["background_status_p99"] = max(b.get("p99", 0.0) for b in background)
    return opens


def _steps(steps: dict[str, Callable[[], object]], count: int) -> dict[str, dict[str, float]]:
    """Run the steps in order ``count`` times (after one warm-up pass), timing each."""
    for fn in steps.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(count):
        for name, fn in steps.items():
            started = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - started)
    return {name: summary(t) for name, t in times.items()}


def run_breakdown(
    server: Server, work: Workload, count: int
) -> dict[str, dict[str, dict[str, float]]]:
    """One request at a time, in the server's process: the listener's steps, then Bolt's
    ``App.dispatch`` of the same signed request, as served and with process_before_response."""
    deps = SlackDeps(server.ctx, AgentDirectory([AGENT], []))
    eager = build_app(server.settings, deps, client=server.client, process_before_response=True)
    served_bolt = server.runtime.bolt
    assert served_bolt is not None
    ctx = server.ctx

    def dispatch(app: App, make: Callable[[], Prepared]) -> Callable[[], object]:
        def go() -> None:
            body, headers = make()
            answer = app.dispatch(BoltRequest(body=body.decode(), headers=headers))
            assert answer.status == 200, answer.body

        return go

    sid = work.rng.choice(work.sids)
    viewer = svc.Viewer(user_id=AGENT, is_agent=True, team_id=server.sim.team_id)
    got: dict[str, Any] = {}

    def find() -> None:
        got["snap"] = svc.find(ctx, sid[:PREFIX_LENGTH], viewer)

    def card() -> None:
        got["blocks"] = cards.status_blocks(
            got["snap"], is_agent=True, today=ctx.today(), tz=ctx.calendar.timezone
        )

    def card_json() -> None:
        blocks = [b.to_dict() for b in got["blocks"]]
        json.dumps({"text": cards.card_text(got["snap"]), "blocks": blocks})

    def status_request() -> Prepared:
        return sign(command_body(server.sim, f"status {sid[:PREFIX_LENGTH]}", AGENT, "avery"))

    status = _steps(
        {
            "svc.find (request, numbers, events)": find,
            "cards.status_blocks": card,
            "blocks to JSON": card_json,
        },
        count,
    )
    status["App.dispatch, process_before_response=False"] = _timed(
        dispatch(served_bolt, status_request), count
    )
    status["App.dispatch, process_before_response=True"] = _timed(
        dispatch(eager, status_request), count
    )

    user, paste = "U0BREAKDOWN", work.pastes[0]
    agreements = frozenset(a.value for a in Agreement)
    session_id = intake_flow.start(ctx, user_id=user, team_id="T0PORTBOT", agreements=agreements)
    body = submission_body(server.sim, session_id, user, paste)
    fields = STEP_FIELDS[2]
    typed = dict.fromkeys(fields, "")
    typed.update(
        {
            fields[0]: paste,
            fields[2]: "Old Phone Co",
            fields[3]: "88001234567",
            fields[4]: paste.split("\n", 1)[0],
        }
    )
    e164s = [n.e164 for n in parse_numbers(paste).numbers]

    def load_session() -> None:
        got["session"] = intake_flow.load(ctx, session_id, user)

    def draft() -> None:
        got["draft"] = intake_flow.draft_of(
            got["session"], **{f.value: v for f, v in typed.items()}
        )

    def check() -> None:
        result = intake_flow.check_numbers_step(ctx, got["draft"])
        assert not result.errors, result.errors

    def claims() -> None:
        with ctx.db.read() as s:
            repo.open_claims(s, e164s=e164s)

    def save() -> None:
        intake_flow.save(ctx, session_id, user, step=2, values=typed)

    def next_view() -> None:
        json.dumps(intake_views.contact_step(session_id).to_dict())

    submit = _steps(
        {
            "intake_flow.load": load_session,
            "intake_flow.draft_of": draft,
            "intake_flow.check_numbers_step": check,
            "  inside it: parse_numbers": lambda: parse_numbers(paste),
            "  inside it: repo.open_claims": claims,
            "intake_flow.save (write)": save,
            "contact step view to JSON": next_view,
        },
        count,
    )
    submit["App.dispatch, process_before_response=False"] = _timed(
        dispatch(served_bolt, lambda: sign(body)), count
    )
    submit["App.dispatch, process_before_response=True"] = _timed(
        dispatch(eager, lambda: sign(body)), count
    )
    return {"status": status, "submit": submit}


def _timed(fn: Callable[[], object], count: int) -> dict[str, float]:
    return _steps({"": fn}, count)[""]


# ---------------------------------------------------------------------- output
HEAD = f"{'':46} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}"


def _row(name: str, s: dict[str, Any], extra: str = "") -> str:
    if not s:
        return f"{name:46} (none)"
    return f"{name:46} {s['p50']:8.1f} {s['p90']:8.1f} {s['p99']:8.1f} {s['max']:8.1f}{extra}"


def _load_row(name: str, p: dict[str, Any]) -> str:
    extra = (
        f" {p['per_s']:7.1f} {p['errors']:6d} {p['over_3s']:6d}"
        f" {p['server_cpu_ms_per_request']:9.2f}"
    )
    return _row(name, p, extra)


def print_report(report: dict[str, Any]) -> None:
    cfg, seeded = report["config"], report["seed"]
    print(
        f"python {cfg['python']}, {cfg['cores']} cores, {cfg['database']}; "
        f"clients in a {cfg['client_mode']}, "
        f"process_before_response={cfg['process_before_response']}, outbox={cfg['outbox']}"
    )
    before, after = cfg["calibration_ms"]
    print(
        f"machine speed: bench.numbers raw pass {before:.0f} ms before, {after:.0f} ms after "
        "(452 ms in that bench's results)"
    )
    rows = ", ".join(f"{v:,} {k}" for k, v in seeded["rows"].items())
    print(f"seeded {rows} in {seeded['seconds']:.1f} s")
    load_head = HEAD + f" {'req/s':>7} {'errors':>6} {'>3 s':>6} {'CPU ms/req':>9}"
    print(f"\n{cfg['clients']} concurrent clients (CPU: the server process's, per request)")
    print(load_head)
    for key, label in (("status", "/port status ack"), ("submit", "step-2 submission ack")):
        p = report[key]
        print(_load_row(f"{label}, {p['n']:,} requests", p))
        for i, r in enumerate(p["rounds"], 1):
            print(_row(f"  round {i}", r, f" {r['per_s']:7.1f}"))
        for sample in p["error_samples"]:
            print(f"  e.g. {sample}")
    if report["sweep"]:
        print("\nfewer clients")
        print(load_head)
        for clients, both in report["sweep"].items():
            print(_load_row(f"/port status, {clients} clients", both["status"]))
            print(_load_row(f"step-2 submission, {clients} clients", both["submit"]))
    opens = report["open"]
    print("\n/port new, one at a time")
    print(HEAD)
    print(_row(f"ack ({opens['ack'].get('n', 0)} commands)", opens["ack"]))
    print(_row("command sent → views.open recorded", opens["views_open"]))
    if opens["errors"]:
        print(f"  {opens['errors']} commands failed")
    loaded = report["open_under_load"]
    print(f"/port new while {cfg['clients']} clients send /port status")
    print(_row(f"ack ({loaded['ack'].get('n', 0)} commands)", loaded["ack"]))
    print(_row("command sent → views.open recorded", loaded["views_open"]))
    if loaded["errors"]:
        print(f"  {loaded['errors']} commands failed")
    for kind, items in report["breakdown"].items():
        print(f"\nbreakdown, {kind}, one at a time in the server process")
        print(HEAD)
        for name, s in items.items():
            print(_row(f"  {name}", s))
    verdict = {k: "met" if v else "NOT met" for k, v in report["targets"].items()}
    print(
        f"\ntargets at {cfg['clients']} clients: /port status p99 ≤ 30 ms {verdict['status']}; "
        f"submission p99 ≤ 30 ms {verdict['submit']}; views.open p99 ≤ 100 ms "
        f"{verdict['open']} one at a time, {verdict['open_under_load']} under load"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000, help="requests in the database")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients")
    parser.add_argument("--rounds", type=int, default=2, help="status/submit rounds, alternated")
    parser.add_argument("--status", type=int, default=3_200, help="measured /port status, total")
    parser.add_argument("--submissions", type=int, default=640, help="measured submissions, total")
    parser.add_argument("--warmup", type=int, default=200, help="/port status before measuring")
    parser.add_argument("--numbers", type=int, default=500, help="numbers per submission")
    parser.add_argument("--sweep", default="1,2,4,8,16", help="client counts; '' skips it")
    parser.add_argument("--sweep-status", type=int, default=300, help="requests per level")
    parser.add_argument("--sweep-submissions", type=int, default=60, help="per level")
    parser.add_argument("--opens", type=int, default=50, help="sequential /port new")
    parser.add_argument(
        "--opens-under-load", type=int, default=30, help="the same while status runs"
    )
    parser.add_argument("--breakdown", type=int, default=100, help="repeats; 0 skips it")
    parser.add_argument("--db", default="sqlite", help="'sqlite' or postgresql://…@127.0.0.1/…")
    parser.add_argument("--same-process", action="store_true", help="clients in the server")
    parser.add_argument(
        "--process-before-response",
        action="store_true",
        help="serve with process_before_response=True (not what portbot serve does)",
    )
    parser.add_argument("--no-outbox", action="store_true", help="do not run the outbox thread")
    parser.add_argument("--json", metavar="FILE", help="also write the results here ('-': stdout)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    rng = random.Random(SEED)

    started = time.perf_counter()
    speed = [calibrate()]
    with fresh_database(args.db) as (db, label):
        print(f"seeding {args.requests:,} requests into {label} …", flush=True)
        seeded = seed(db, args.requests, rng)
        server = start_server(
            db, process_before_response=args.process_before_response, outbox=not args.no_outbox
        )
        load = Load(server.events_url, args.clients, same_process=args.same_process)
        try:
            work = Workload(server, seeded.sids, args.numbers, rng)
            print(f"{args.clients} clients …", flush=True)
            status, submit = run_load(load, work, args)
            print("fewer clients …", flush=True)
            sweep = run_sweep(load, work, args)
            print("/port new …", flush=True)
            opens = run_opens(server, args.opens)
            loaded = run_opens_under_load(load, work, args.opens_under_load)
            breakdown = {}
            if args.breakdown:
                print("breakdown …", flush=True)
                breakdown = run_breakdown(server, work, args.breakdown)
        finally:
            load.close()
            server.stop()
    speed.append(calibrate())
    report = {
        "config": {
            "date": date.today().isoformat(),
            "python": platform.python_version(),
            "cores": os.cpu_count(),
            "database": label,
            "clients": args.clients,
            "client_mode": "same process" if args.same_process else "separate process",
            "process_before_response": args.process_before_response,
            "outbox": not args.no_outbox,
            "argv": sys.argv[1:] if argv is None else argv,
            "seconds": time.perf_counter() - started,
            "calibration_ms": speed,
        },
        "seed": {"seconds": seeded.seconds, "rows": seeded.rows},
        "status": status,
        "submit": submit,
        "sweep": sweep,
        "open": opens,
        "open_under_load": loaded,
        "breakdown": breakdown,
        "targets": {
            "status": status.get("p99", math.inf) <= ACK_TARGET_MS and not status["errors"],
            "submit": submit.get("p99", math.inf) <= ACK_TARGET_MS and not submit["errors"],
            "open": opens["views_open"].get("p99", math.inf) <= OPEN_TARGET_MS,
            "open_under_load": loaded["views_open"].get("p99", math.inf) <= OPEN_TARGET_MS,
        },
    }
    print_report(report)
    print(f"(ran {report['config']['seconds']:.0f} s)")
    if args.json == "-":
        print(json.dumps(report, indent=2))
    elif args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
