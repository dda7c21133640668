"""``bench.slack``'s measurements: checking the answers, the load rounds at ``--clients``
and at the sweep's client counts, ``/port new`` alone and under load, and the one-at-a-time
breakdown in the server's process.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App, BoltRequest

from bench.slack_clients import (
    Load,
    Server,
    command,
    command_body,
    landline_sets,
    send,
    sign,
    split_paste,
    submission_body,
    submissions,
)
from bench.slack_common import (
    AGENT,
    CUSTOMER,
    PREFIX_LENGTH,
    Prepared,
    Request,
    Result,
    summary,
)
from bot import services as svc
from bot.porting.intake import Agreement
from bot.porting.numbers import parse_numbers
from bot.services import intake_flow
from bot.slack.agents import AgentDirectory
from bot.slack.app import build_app
from bot.slack.blocks import cards
from bot.slack.blocks import intake as intake_views
from bot.slack.deps import SlackDeps
from bot.slack.ids import View
from bot.slack.listeners.views import STEP_FIELDS
from storage import repositories as repo


# ---------------------------------------------------------------------- checking answers
def status_ok(result: Result, sid: str) -> str | None:
    """None when the answer (in the ack, or posted after it) is the card of ``sid``."""
    if result.status != 200:
        return f"HTTP {result.status}: {result.text[:200]}"
    if sid in result.text or sid in result.answer:
        return None
    return f"not the card of {sid}: {(result.text or result.answer)[:200]}"


def submission_ok(result: Result) -> str | None:
    """None when the person got to the contact step: in the ack, or by ``views.update``
    after a "checking" view."""
    if result.status != 200:
        return f"HTTP {result.status}: {result.text[:200]}"
    try:
        answer = json.loads(result.text)
    except ValueError:
        return f"not JSON: {result.text[:200]}"
    if answer.get("response_action") == "errors":
        return f"refused: {json.dumps(answer.get('errors'))[:200]}"
    callback = (answer.get("view") or {}).get("callback_id")
    if answer.get("response_action") != "update":
        return f"not a view update: {result.text[:200]}"
    if callback == View.LOADING:
        callback = result.answer
    return None if callback == View.NEW_CONTACT else f"not the contact step: {callback[:200]}"


@dataclass
class Phase:
    """Latencies of one kind of request, over all rounds."""

    seconds: list[float] = field(default_factory=list)
    answers: list[float] = field(default_factory=list)  # until the person saw the answer
    wall: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float | None = 0.0
    errors: int = 0
    refused: int = 0
    samples: list[str] = field(default_factory=list)
    rounds: list[dict[str, float]] = field(default_factory=list)

    def add(self, out: dict[str, Any], check: Callable[[int, Result], str | None]) -> None:
        round_seconds = []
        self.answers += [r.to_answer for r in out["results"]]
        for i, result in enumerate(out["results"]):
            problem = check(i, result)
            if problem is not None:
                self.errors += 1
                self.refused += problem.startswith("refused")
                if len(self.samples) < 5:
                    self.samples.append(problem)
            round_seconds.append(result.seconds)
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
            "answer": summary(self.answers),
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

    def status(self, count: int) -> tuple[list[Request], Check]:
        """``/port status <prefix>`` of random stored requests, sent by an agent."""
        chosen = [self.rng.choice(self.sids) for _ in range(count)]
        sim = self.server.sim
        requests = []
        for sid in chosen:
            body, wait = command(sim, f"status {sid[:PREFIX_LENGTH]}", AGENT, "avery")
            requests.append((*sign(body), self.wait(wait)))
        return requests, lambda i, result: status_ok(result, chosen[i])

    def submit(self, count: int) -> tuple[list[Request], Check]:
        """Step 2 submissions, each in its own intake session."""
        made = submissions(self.server, count, self.pastes, self.rng)
        requests = [(*sign(body), self.wait(wait)) for body, wait in made]
        return requests, lambda i, result: submission_ok(result)

    def wait(self, query: str) -> str:
        """Clients wait for answers that come after the ack only when the app defers."""
        return query if self.server.front is not None else ""


def measure(
    load: Load, made: tuple[list[Request], Check], clients: int | None = None
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
        sent = send(server.events_url, body, headers)
        wall, elapsed, code = sent.wall, sent.seconds, sent.status
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
    body, _ = submission_body(server.sim, server.client, session_id, user, paste)
    landlines, wireless = split_paste(paste)
    fields = STEP_FIELDS[2]
    typed = dict(zip(fields, (landlines, wireless, "Old Phone Co", "88001234567"), strict=False))
    typed.update({fields[4]: landlines.split("\n", 1)[0], fields[5]: "4321" if wireless else ""})
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
            "  inside it: parse_numbers": lambda: parse_numbers(landlines + "\n" + wireless),
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
