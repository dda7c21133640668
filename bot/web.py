"""One ASGI app for every HTTP path of the operator contract.

Bolt's ``App.dispatch`` is synchronous; running it on the event loop would stall every other
request while one listener works. It runs in a bounded thread pool instead, so the loop only
moves bytes and the 3-second ack budget is spent on our code, not on waiting in line.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio
import sqlalchemy as sa
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.request.internals import build_context
from sqlmodel import Session, col, func, select
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import trace
from bot.delivery.outbox import DELIVERIES
from bot.http_limits import (
    SLACK_BODY_LIMIT,
    WHY,
    ZENDESK_BODY_LIMIT,
    BodyIncomplete,
    BodyTooLarge,
    explain,
    read_body,
)
from bot.services.base import Context
from bot.slack import forms
from bot.slack.app import signing_secret
from bot.slack.deferral import Front, run
from bot.slack.forms import VERIFIED
from bot.zendesk.inbound import Inbound
from storage import repositories as repo
from storage.models import OutboxMessage, Reminder
from storage.values import OutboxStatus, ReminderStatus

log = logging.getLogger(__name__)


class _StateCollector(Collector):
    """Gauges read from the database at scrape time (they are the same on every replica)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def collect(self) -> Any:
        requests = GaugeMetricFamily(
            "portbot_requests", "Port requests by status", labels=["status"]
        )
        outbox = GaugeMetricFamily(
            "portbot_outbox_messages", "Outbox rows by status", labels=["status"]
        )
        waiting = GaugeMetricFamily(
            "portbot_outbox_pending", "Outbox rows waiting, by destination", labels=["destination"]
        )
        oldest = GaugeMetricFamily(
            "portbot_outbox_oldest_pending_seconds",
            "Age of the oldest due outbox row still waiting, by destination",
            labels=["destination"],
        )
        reminders = GaugeMetricFamily(
            "portbot_reminders_overdue_seconds",
            "How long the most overdue scheduled reminder has been due (0: none is; customer "
            "reminders wait for contact hours, so this grows overnight)",
        )
        try:
            with self.ctx.db.read() as s:
                for status, count in repo.count_by_status(s).items():
                    requests.add_metric([status.value], count)
                rows = s.exec(
                    select(col(OutboxMessage.status), func.count()).group_by(
                        col(OutboxMessage.status)
                    )
                ).all()
                for state, n in rows:
                    outbox.add_metric([OutboxStatus(state).value], n)
                lag = lags(s, self.ctx.now())
            for destination, (count, age) in sorted(lag.outbox.items()):
                waiting.add_metric([destination], count)
                oldest.add_metric([destination], age)
            reminders.add_metric([], lag.reminders)
        except sa.exc.SQLAlchemyError:
            log.warning("metrics: database unavailable")
        yield requests
        yield outbox
        yield waiting
        yield oldest
        yield reminders


@dataclass(frozen=True)
class Lags:
    """How far behind delivery is: per destination, rows waiting and the oldest due one's age
    in seconds; and the most overdue scheduled reminder's lateness in seconds."""

    outbox: dict[str, tuple[int, float]]
    reminders: float


def lags(s: Session, now: datetime) -> Lags:
    rows = s.exec(
        select(
            col(OutboxMessage.topic),
            func.count(),
            func.min(col(OutboxMessage.next_attempt_at)),
        )
        .where(col(OutboxMessage.status) == OutboxStatus.PENDING)
        .group_by(col(OutboxMessage.topic))
    ).all()
    outbox: dict[str, tuple[int, float]] = {}
    for topic, count, first in rows:
        destination = str(topic).split(".", 1)[0]
        age = max(0.0, (now - as_utc(first)).total_seconds()) if first is not None else 0.0
        before = outbox.get(destination, (0, 0.0))
        outbox[destination] = (before[0] + count, max(before[1], age))
    due = s.exec(
        select(func.min(col(Reminder.due_at))).where(
            col(Reminder.status) == ReminderStatus.SCHEDULED
        )
    ).one()
    late = max(0.0, (now - as_utc(due)).total_seconds()) if due is not None else 0.0
    return Lags(outbox, late)


def as_utc(moment: datetime) -> datetime:
    """Aggregates come back without a zone on SQLite; stored instants are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Metrics:
    def __init__(self, ctx: Context) -> None:
        self.registry = CollectorRegistry()
        self.slack_requests = Counter(
            "portbot_slack_requests", "Slack requests handled", ["status"], registry=self.registry
        )
        self.slack_seconds = Histogram(
            "portbot_slack_dispatch_seconds",
            "Time from a Slack request to its response",
            buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2, 3),
            registry=self.registry,
        )
        self.registry.register(_StateCollector(ctx))
        self.registry.register(DELIVERIES)


def create_app(
    ctx: Context,
    bolt: App | None,
    *,
    threads: int = 32,
    front: Front | None = None,
    zendesk: Inbound | None = None,
    loa: Sequence[BaseRoute] | None = None,
    portout: Sequence[BaseRoute] | None = None,
    sidebar: Sequence[BaseRoute] | None = None,
    metrics_token: str | None = None,
) -> Starlette:
    """``front``: answer the slow kinds of Slack request at once and run their work after
    (``bot.slack.deferral``); without it every request is dispatched before answering.
    ``loa``: the LOA signing page's routes (``bot.loa.web.loa_routes``). ``portout``: Bandwidth's
    port-out validation webhook (``bot.bandwidth.route.validation_routes``). ``sidebar``: the
    Zendesk ticket sidebar (``bot.sidebar.web.sidebar_routes``). ``metrics_token``:
    ``PORTBOT_METRICS_TOKEN``; when set, ``/metrics`` wants ``Authorization: Bearer <it>``.

    Every body is read up to a limit (``bot.http_limits``) and refused with 413 past it; a
    Slack request's signature is checked on its raw bytes before anything decodes it, and its
    body is parsed once, for the deferral front and Bolt alike."""
    metrics = Metrics(ctx)
    limiter = anyio.CapacityLimiter(threads)

    slack_secret = signing_secret(bolt).encode() if bolt is not None else b""

    async def slack_events(request: Request) -> Response:
        if bolt is None:
            return JSONResponse({"error": "Slack is not configured"}, status_code=503)
        started = time.perf_counter()
        try:
            raw = await read_body(request, SLACK_BODY_LIMIT)
        except BodyTooLarge:
            return _refused(request, 413, "body over the limit", metrics)
        except BodyIncomplete:
            return _refused(request, 400, "body incomplete", metrics)
        headers = dict(request.headers)
        if not forms.signature_ok(slack_secret, raw, headers, now=time.time()):
            return _refused(request, 401, "bad or stale signature", metrics)
        try:
            body, parsed = forms.parse_body(raw, headers.get("content-type", ""))
        except forms.BadBody as exc:
            return _refused(request, 400, str(exc), metrics)
        if front is not None and (planned := front.take(body, parsed, headers)) is not None:
            submit = front.runner.submit

            async def after_the_answer() -> None:  # runs once the answer's bytes are sent
                if not submit(planned.job):
                    # Full since the check above: dispatch here rather than lose the work.
                    await anyio.to_thread.run_sync(run, bolt, planned.job, limiter=limiter)

            metrics.slack_requests.labels("200").inc()
            metrics.slack_seconds.observe(time.perf_counter() - started)
            return Response(
                planned.answer,
                media_type=planned.content_type,
                background=BackgroundTask(after_the_answer),
            )
        bolt_request = _checked_request(body, parsed, headers, dict(request.query_params))
        try:
            response = await anyio.to_thread.run_sync(bolt.dispatch, bolt_request, limiter=limiter)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
            # Bolt's own matchers read Slack's shapes without checks: a signed body that is
            # not one of them fails there, before any listener of ours runs.
            return _refused(request, 400, f"Bolt could not read it ({exc!r:.80})", metrics)
        metrics.slack_requests.labels(str(response.status)).inc()
        metrics.slack_seconds.observe(time.perf_counter() - started)
        return Response(
            content=response.body,
            status_code=response.status,
            headers=response.first_headers_without_set_cookie(),
        )

    async def zendesk_webhook(request: Request) -> Response:
        if zendesk is None:
            return JSONResponse({"error": "Zendesk webhooks are not configured"}, status_code=503)
        try:
            body = await read_body(request, ZENDESK_BODY_LIMIT)
        except BodyTooLarge:
            return _refused(request, 413, "body over the limit")
        except BodyIncomplete:
            return _refused(request, 400, "body incomplete")
        status, answer = await anyio.to_thread.run_sync(
            zendesk.handle, body, dict(request.headers), limiter=limiter
        )
        if status >= 400:
            explain(request, str(answer.get("error", "")))
        return JSONResponse(answer, status_code=status)

    routes = [
        Route("/slack/events", slack_events, methods=["POST"]),
        Route("/zendesk/webhook", zendesk_webhook, methods=["POST"]),
        *_health_routes(ctx, metrics, metrics_token),
        *(loa or ()),
        *(portout or ()),
        *(sidebar or ()),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(AccessLog, routes=routes)])
    app.state.metrics = metrics
    return app


def health_app(ctx: Context, *, metrics_token: str | None = None) -> Starlette:
    """What ``portbot worker --health-port`` serves: ``/healthz`` (the database, and how far
    behind the outbox is) and ``/metrics``, and nothing else."""
    metrics = Metrics(ctx)
    routes = _health_routes(ctx, metrics, metrics_token, lag=True)
    app = Starlette(routes=routes, middleware=[Middleware(AccessLog, routes=routes)])
    app.state.metrics = metrics
    return app


def _health_routes(
    ctx: Context, metrics: Metrics, metrics_token: str | None, *, lag: bool = False
) -> list[BaseRoute]:
    """``/healthz``: 200 while the database answers (503 otherwise); with ``lag``, also the
    outbox's backlog and the oldest waiting row's age by destination. ``/metrics``: the
    Prometheus text, behind ``metrics_token`` when one is set."""

    def probe() -> dict[str, Any]:
        with ctx.db.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        answer: dict[str, Any] = {"status": "ok", "database": "ok"}
        if lag:
            with ctx.db.read() as s:
                found = lags(s, ctx.now())
            answer["outbox"] = {
                d: {"pending": n, "oldest_seconds": round(age, 1)}
                for d, (n, age) in sorted(found.outbox.items())
            }
            answer["reminders_overdue_seconds"] = round(found.reminders, 1)
        return answer

    async def healthz(request: Request) -> Response:
        try:
            answer = await anyio.to_thread.run_sync(probe)
        except sa.exc.SQLAlchemyError:
            return JSONResponse(
                {"status": "unavailable", "database": "unreachable"}, status_code=503
            )
        return JSONResponse(answer)

    async def metrics_endpoint(request: Request) -> Response:
        if metrics_token and not _bearer_ok(request, metrics_token):
            return JSONResponse(
                {"error": "a bearer token is required"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        payload = await anyio.to_thread.run_sync(generate_latest, metrics.registry)
        return Response(payload, media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]


class AccessLog:
    """One log line per HTTP request, written when its last byte is sent: method, route,
    status and milliseconds, and why it was refused (``bot.http_limits.explain``). The request
    gets an id (``bot.trace``) for every line written while it is served and for what it
    queues; the answer carries it as ``X-Request-Id``. The route is the pattern
    (``/loa/{token}``), never a path that holds a token. Health checks and scrapes that
    succeed log at DEBUG: they come every few seconds and say nothing new."""

    QUIET = frozenset({"/healthz", "/metrics"})

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        self.app, self.routes = app, routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = trace.new_id()
        started = time.perf_counter()
        status, done = 500, False

        async def sending(message: Message) -> None:
            nonlocal status, done
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)
            last = message["type"] == "http.response.body" and not message.get("more_body")
            if last and not done:
                done = True
                self._line(scope, status, started)

        with trace.bound(request_id):
            try:
                await self.app(scope, receive, sending)
            finally:
                if not done:  # the app failed or the client left before the answer ended
                    done = True
                    self._line(scope, status, started)

    def _line(self, scope: Scope, status: int, started: float) -> None:
        route = self._route(scope)
        ms = round((time.perf_counter() - started) * 1000, 1)
        why = scope.get(WHY)
        level = logging.DEBUG if route in self.QUIET and status < 400 else logging.INFO
        log.log(
            level,
            "%s %s %s %.1f ms%s",
            scope["method"],
            route,
            status,
            ms,
            f": {why}" if why else "",
            extra={
                "method": scope["method"],
                "route": route,
                "status": status,
                "ms": ms,
                "request_id": trace.current(),
            },
        )

    def _route(self, scope: Scope) -> str:
        for route in self.routes:
            if isinstance(route, Route) and route.matches(scope)[0] is not Match.NONE:
                return route.path
        return "(no such route)"  # an unknown path is not repeated: it may be anything


def _refused(
    request: Request, status: int, why: str, metrics: Metrics | None = None
) -> JSONResponse:
    """A request refused before any work: the reason goes on its one access line (no body,
    no traceback)."""
    explain(request, why)
    if metrics is not None:
        metrics.slack_requests.labels(str(status)).inc()
    answers = {400: "bad request", 401: "invalid request", 413: "request body too large"}
    # Past the limit the rest of the body is not wanted: close rather than read it to the end.
    close = {"Connection": "close"} if status == 413 else None
    return JSONResponse(
        {"error": answers.get(status, "refused")}, status_code=status, headers=close
    )


def _checked_request(
    body: str, parsed: dict[str, Any], headers: dict[str, str], query: dict[str, str]
) -> BoltRequest:
    """A BoltRequest for a body already verified and parsed: Bolt skips its own signature
    check (the context's mark) and does not parse the body again."""
    bolt_headers: dict[str, str | Sequence[str]] = dict(headers)
    request = BoltRequest(body="", query=query, headers=bolt_headers, context={VERIFIED: True})
    request.raw_body, request.body = body, parsed
    request.context = build_context(BoltContext({VERIFIED: True}), parsed)
    return request


def _bearer_ok(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
