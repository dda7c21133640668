"""Answer Slack first, work after: the requests whose work would crowd the 3-second ack.

Most listeners are quick and answer in their ack. Two kinds are not, and are answered at once
by the web tier instead, before Bolt runs:

* ``/port status``, ``/port list`` and ``/port find`` read the database and build a card. The
  ack is empty; the card follows on the command's ``response_url`` (an ephemeral reply either
  way).
* Step 2 of ``/port new`` with a long paste (more than :data:`DEFER_LINES` lines): the ack
  swaps the modal for a "checking…" view; the check runs, and ``views.update`` then shows the
  next step, or the same step as typed with each problem under its box.

The work is a :class:`Job`: the raw, already verified request. A runner executes it with the
same Bolt app and listeners as the direct path, then forwards what the listener acked to where
Slack now expects it (:func:`forward`). :class:`ProcessRunner` (what ``portbot serve`` uses)
runs jobs in separate processes at a lower CPU priority, so the event loop that acks never
waits for the interpreter lock of a busy listener; :class:`ThreadRunner` runs them on threads
in this process (tests, the demo). A runner that is full says so, and the request is served
directly instead: overload slows answers down, it does not drop them.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any, Protocol

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot import trace
from bot.slack.blocks import intake as intake_views
from bot.slack.errors import new_ref, unexpected_text
from bot.slack.forms import VERIFIED, parse_form
from bot.slack.ids import COMMAND, VALUE, Block, View

log = logging.getLogger(__name__)

DEFER_LINES = 100  # pastes longer than this are checked after the ack
CRASH_TRIES = 2  # a job whose child process dies is run again once
DEFERRED_VERBS = frozenset({"status", "list", "find"})
PENDING_LIMIT = 256  # jobs queued per runner before requests are served directly again


@dataclass(frozen=True)
class Job:
    """A verified Slack request to run after its ack."""

    kind: str  # "command" or "view"
    body: str
    headers: dict[str, str]
    # The request it came with (bot.trace): what the job logs and queues names it.
    request_id: str | None = field(default_factory=trace.current)

    def response_url(self) -> str:
        """Where a command's answer goes after the ack."""
        return parse_form(self.body)["response_url"][0]

    def view(self) -> dict[str, Any]:
        """The submitted view, as Slack stored it."""
        return json.loads(parse_form(self.body)["payload"][0])["view"]


@dataclass(frozen=True)
class Plan:
    job: Job
    answer: bytes  # the immediate HTTP answer's body
    content_type: str


def plan(body: str, parsed: dict[str, Any], headers: dict[str, str]) -> Plan | None:
    """Whether this request is answered at once and worked on after (None: run it directly).
    ``parsed`` is the verified body as Bolt reads it (``bot.slack.forms.parse_body``)."""
    if "command" in parsed:
        command = parsed.get("command")
        words = str(parsed.get("text") or "").split()
        verb = words[0].lower() if words else ""
        if command == COMMAND and verb in DEFERRED_VERBS and parsed.get("response_url"):
            return Plan(Job("command", body, headers), b"", "text/plain")
        return None
    return _plan_view(body, parsed, headers)


def _plan_view(body: str, payload: dict[str, Any], headers: dict[str, str]) -> Plan | None:
    view = payload.get("view")
    if payload.get("type") != "view_submission" or not isinstance(view, dict):
        return None
    if view.get("callback_id") != View.NEW_NUMBERS:
        return None
    state = view.get("state")
    values = (state.get("values") if isinstance(state, dict) else None) or {}
    lines = 0
    for block in (Block.LANDLINES, Block.WIRELESS):
        typed = (values.get(block) or {}).get(VALUE) if isinstance(values, dict) else None
        text = typed.get("value") if isinstance(typed, dict) else None
        if isinstance(text, str):
            lines += sum(1 for line in text.splitlines() if line.strip())
    if lines <= DEFER_LINES:
        return None
    checking = dict(_checking_view(lines))
    if metadata := view.get("private_metadata"):
        checking["private_metadata"] = metadata
    answer = {"response_action": "update", "view": checking}
    return Plan(Job("view", body, headers), json.dumps(answer).encode(), "application/json")


@functools.lru_cache(maxsize=256)
def _checking_view(lines: int) -> dict[str, Any]:
    """The "checking…" view as JSON, built once per line count (the ack's hot path)."""
    return intake_views.checking_view(lines).to_dict()


class Front:
    """The web tier's side: which requests to answer at once, and where their work goes.

    It sees only requests whose signature the web tier has checked (``bot.web``); the signing
    secret is kept for callers that still pass it."""

    def __init__(self, runner: Runner, signing_secret: str | None = None) -> None:
        self.runner = runner

    def take(self, body: str, parsed: dict[str, Any], headers: dict[str, str]) -> Plan | None:
        """A plan for a verified request to answer now, or None to dispatch it directly."""
        if not self.runner.has_room():
            return None
        return plan(body, parsed, headers)


# ---------------------------------------------------------------------- running a job
def run(app: App, job: Job) -> None:
    """Dispatch the job through Bolt and deliver the listener's answer."""
    with trace.bound(job.request_id):
        _run(app, job)


def _run(app: App, job: Job) -> None:
    headers: dict[str, str | Sequence[str]] = dict(job.headers)
    request = BoltRequest(body=job.body, headers=headers, query={}, context={VERIFIED: True})
    response = app.dispatch(request)
    try:
        forward(job, response, app.client)
    except SlackApiError as exc:  # the modal was closed meanwhile, a 429 outlasted the retry…
        log.warning("deferred %s answer not delivered: %s", job.kind, exc.response.get("error"))


def forward(job: Job, response: BoltResponse, client: WebClient) -> None:
    """Send what the listener put in its ack to where Slack expects it after the ack."""
    if response.status != 200:
        log.warning("deferred %s answered HTTP %s", job.kind, response.status)
        return
    answer = _answer(response)
    if job.kind == "command":
        if answer:
            answer.setdefault("response_type", "ephemeral")
            WebhookClient(job.response_url(), timeout=10).send_dict(answer)
        return
    view = job.view()
    action = answer.get("response_action")
    if action in ("update", "push") and answer.get("view"):
        client.views_update(view_id=view["id"], view=answer["view"])
    elif action == "errors":
        client.views_update(
            view_id=view["id"], view=intake_views.refilled_view(view, answer.get("errors") or {})
        )
    else:  # the listener closed the modal; a view cannot be closed by the API
        done = intake_views.notice_view("Done", ":white_check_mark: Done. You can close this.")
        client.views_update(view_id=view["id"], view=done)


def _answer(response: BoltResponse) -> dict[str, Any]:
    """An ack's body as JSON; Bolt sends an ack with text alone as ``text/plain``."""
    if not response.body:
        return {}
    kind = (response.headers.get("content-type") or [""])[0]
    if kind.startswith("application/json"):
        return json.loads(response.body)
    return {"text": response.body}


# ---------------------------------------------------------------------- runners
class Runner(Protocol):
    def has_room(self) -> bool: ...

    def submit(self, job: Job) -> bool:
        """Queue the job; False when the runner is full (serve the request directly)."""
        ...

    def close(self) -> None: ...


class _Counted:
    """The pending-jobs count shared by both runners."""

    def __init__(self, limit: int) -> None:
        self.limit, self.pending = limit, 0
        self._lock = threading.Lock()

    def has_room(self) -> bool:
        return self.pending < self.limit

    def _take(self) -> bool:
        with self._lock:
            if self.pending >= self.limit:
                return False
            self.pending += 1
            return True

    def _done(self, future: Future[Any]) -> None:
        with self._lock:
            self.pending -= 1
        if (error := future.exception()) is not None:
            log.error("deferred Slack job failed", exc_info=error)


class ThreadRunner(_Counted):
    """Jobs on threads of this process, through the served Bolt app."""

    def __init__(self, app: App, *, threads: int = 4, limit: int = PENDING_LIMIT) -> None:
        super().__init__(limit)
        self.app = app
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="portbot-deferred")

    def submit(self, job: Job) -> bool:
        if not self._take():
            return False
        self._pool.submit(run, self.app, job).add_done_callback(self._done)
        return True

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class ProcessRunner(_Counted):
    """Jobs in ``processes`` child processes, each with its own Bolt app and database pool.

    Children run at a lower CPU priority (``nice``, and Linux's idle scheduling class): when the
    machine is busy, the event loop that acks Slack comes first.

    A child that dies breaks the whole pool, and every job in it fails with
    ``BrokenProcessPool``. Each of those jobs is run once more in a fresh pool (the work is safe
    to repeat: a read, or a check that saves the same typed values). A job whose second try
    also dies gets an apology with a reference where the person waits: on the
    ``response_url``, or on the modal with their text kept. Nobody is left waiting on
    "checking…" for good.
    """

    def __init__(
        self,
        app_factory: Callable[[], App],
        *,
        apology_client: WebClient,
        processes: int = 2,
        limit: int = PENDING_LIMIT,
        nice: int = 19,
    ) -> None:
        """``app_factory`` builds a child's Bolt app; it is pickled into each child process
        (a module-level function or a ``functools.partial`` of one). ``apology_client`` speaks
        to Slack for a job lost twice."""
        super().__init__(limit)
        self.app_factory, self.processes, self.nice = app_factory, processes, nice
        self.apology_client = apology_client
        self._pool_lock = threading.Lock()
        self._closing = False
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.processes,
            mp_context=get_context("spawn"),
            initializer=_child_start,
            initargs=(self.app_factory, self.nice),
        )

    def submit(self, job: Job) -> bool:
        if not self._take():
            return False
        self._send(job, tries=1)
        return True

    def _send(self, job: Job, *, tries: int) -> None:
        with self._pool_lock:
            try:
                future = self._pool.submit(_child_run, job)
            except BrokenProcessPool:
                log.error("deferred Slack work: a child process died; starting the pool again")
                self._pool = self._start()
                future = self._pool.submit(_child_run, job)
        future.add_done_callback(lambda f: self._finished(job, tries, f))

    def _finished(self, job: Job, tries: int, future: Future[Any]) -> None:
        error = None if future.cancelled() else future.exception()
        if isinstance(error, BrokenProcessPool) and not self._closing:
            if tries < CRASH_TRIES:
                log.error("deferred Slack %s: its child process died; trying it again", job.kind)
                try:
                    self._send(job, tries=tries + 1)  # still counted as pending
                    return
                except Exception:
                    log.exception("deferred Slack %s could not be sent again", job.kind)
            apologize(job, self.apology_client)
        self._done(future)

    def warm_up(self) -> None:
        """Start every child now rather than on the first jobs (each builds a Bolt app)."""
        for f in [self._pool.submit(os.getpid) for _ in range(self.processes * 2)]:
            f.result(timeout=120)

    def close(self) -> None:
        self._closing = True
        self._pool.shutdown(wait=True, cancel_futures=True)


def apologize(job: Job, client: WebClient) -> None:
    """Tell the person that their answer is not coming, with a reference for the porting team;
    the log has the same reference."""
    ref = new_ref()
    log.error("deferred Slack %s lost twice to a dying child process (reference %s)", job.kind, ref)
    text = unexpected_text(ref)
    try:
        if job.kind == "command":
            answer = {"response_type": "ephemeral", "text": text}
            WebhookClient(job.response_url(), timeout=10).send_dict(answer)
            return
        view = job.view()
        errors = {Block.LANDLINES: text}
        client.views_update(view_id=view["id"], view=intake_views.refilled_view(view, errors))
    except Exception:  # Slack unreachable, the modal closed: the log keeps the reference
        log.exception("the apology for reference %s was not delivered", ref)


_child_app: App | None = None


def _child_start(app_factory: Callable[[], App], nice: int) -> None:
    global _child_app  # one app per child process, built once
    if nice:
        os.nice(nice)
        _idle_class()
    logging.basicConfig(level=logging.INFO)
    _child_app = app_factory()


def _idle_class() -> None:
    """On Linux, also the SCHED_IDLE class: the kernel then puts a waking web process on a core
    that runs only idle-class work and lets it preempt at once, where ``nice`` alone only
    shrinks the children's share. (Idle-class work still runs when the cores are busy, slowly.)
    """
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError:
            log.info("SCHED_IDLE is not allowed here; the children keep nice 19 only")


def _child_run(job: Job) -> None:
    assert _child_app is not None, "the child process was not started"
    run(_child_app, job)
