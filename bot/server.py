"""Assemble the running service: context, Slack app, outbox delivery, HTTP server."""

from __future__ import annotations

import functools
import gc
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient

from bot import logs
from bot.bandwidth.decide import decider
from bot.bandwidth.route import validation_routes
from bot.config import ConfigError, Settings, require_slack
from bot.context import build_context
from bot.delivery.outbox import Handler, Outbox
from bot.delivery.reminders import Sweeper
from bot.delivery.scheduler import ReminderScheduler, start_ticking
from bot.loa.delivery import loa_handlers, loa_store
from bot.loa.web import loa_routes
from bot.services.base import Context
from bot.services.effects import Topic
from bot.sidebar.assets import static_routes
from bot.sidebar.web import Sidebar, sidebar_routes
from bot.slack import delivery as slack_delivery
from bot.slack.agents import AgentDirectory
from bot.slack.app import build_app, web_client
from bot.slack.deferral import Front, ProcessRunner, ThreadRunner
from bot.slack.deps import SlackDeps
from bot.slack.files import SlackFiles
from bot.slack.people import SlackPeople
from bot.slack.port_out_delivery import AccountNoticeDelivery, PortOutDelivery
from bot.slack.reminder_delivery import ReminderDelivery
from bot.slack.transfer_delivery import TransferDelivery
from bot.slack.workspace import WorkspaceUrl
from bot.zendesk import delivery as zendesk_delivery
from bot.zendesk.gateway import ZenpyGateway
from bot.zendesk.inbound import Inbound
from bot.zendesk.mapping import TicketOptions
from bot.zendesk.port_outs import PortOutRequestTicketDelivery, PortOutTicketDelivery
from bot.zendesk.transfers import TransferTicketDelivery

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from starlette.routing import BaseRoute

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What one process runs: the service context, the outbox and its handlers (one per
    topic, all made by :func:`outbox_handlers`), the Slack app, and the reminder sweeper."""

    settings: Settings
    ctx: Context
    outbox: Outbox
    sweeper: Sweeper
    client: WebClient | None = None
    bolt: App | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    ticker: ReminderScheduler | None = None

    def start_background(self) -> None:
        """Deliver the outbox (``serve`` and ``worker`` both do this): a thread per destination,
        so a slow Zendesk never holds up Slack messages, nor the other way round."""
        for lane in self.outbox.lanes():
            worker = threading.Thread(
                target=lane.run_forever,
                args=(self.stop,),
                name=f"portbot-outbox-{lane.worker_id.rsplit('/', 1)[-1]}",
                daemon=True,
            )
            worker.start()
            self.threads.append(worker)

    def start_reminders(self, *, interval: float | None = None) -> ReminderScheduler:
        """Tick this process's reminder sweep until the runtime closes."""
        every = interval if interval is not None else self.settings.portbot_reminder_interval
        self.ticker, watcher = start_ticking(self.sweeper, interval=float(every), stop=self.stop)
        self.threads.append(watcher)
        return self.ticker

    def close(self) -> None:
        self.stop.set()
        self.outbox.wake.set()
        for t in self.threads:
            t.join(timeout=5)
        self.ctx.db.dispose()


def zendesk_gateway(settings: Settings) -> ZenpyGateway:
    assert settings.zendesk_email is not None and settings.zendesk_api_token is not None
    return ZenpyGateway(
        settings.zendesk_subdomain,
        settings.zendesk_email,
        settings.zendesk_api_token.get_secret_value(),
        url=settings.zendesk_url,
    )


def zendesk_inbound(settings: Settings, ctx: Context) -> Inbound | None:
    """The webhook receiver, when ``ZENDESK_WEBHOOK_SECRET`` is set."""
    if settings.zendesk_webhook_secret is None:
        return None

    def own_user() -> int:  # who portbot is in Zendesk: asked once, when an event needs it
        gateway = zendesk_gateway(settings)
        try:
            return gateway.own_user_id()
        finally:
            gateway.close()

    return Inbound(
        ctx,
        settings.zendesk_webhook_secret.get_secret_value(),
        api_email=settings.zendesk_email,
        foc_field=settings.zendesk_field_foc_date,
        own_user=own_user if settings.zendesk_enabled else None,
    )


def outbox_handlers(
    settings: Settings, ctx: Context, client: WebClient | None
) -> dict[str, Handler]:
    """The one table from outbox topic to the handler that delivers it. A destination that is
    not configured has no handler, and its topics are never queued (``ctx.effect_topics``,
    ``ctx.loa_topic``) or wait for a process that has one."""
    handlers: dict[str, Handler] = {}  # keyed by Topic
    agents_channel = settings.portbot_agents_channel
    if client is not None:
        handlers[Topic.SLACK_REQUEST_EVENT] = slack_delivery.SlackDelivery(
            ctx, client, agents_channel=agents_channel
        )
        handlers[Topic.SLACK_REMINDER] = ReminderDelivery(
            ctx, client, agents_channel=agents_channel
        )
        handlers[Topic.SLACK_PORT_OUT_EVENT] = PortOutDelivery(
            ctx, client, agents_channel=agents_channel
        )
        handlers[Topic.SLACK_ACCOUNT_NOTICE] = AccountNoticeDelivery(
            ctx, client, agents_channel=agents_channel
        )
        handlers[Topic.SLACK_TRANSFER_EVENT] = TransferDelivery(
            ctx, client, agents_channel=agents_channel
        )
        if agents_channel:
            handlers[Topic.SLACK_ALERT] = slack_delivery.AlertDelivery(
                client, agents_channel=agents_channel
            )
    if settings.zendesk_enabled:
        gateway = zendesk_gateway(settings)
        handlers[Topic.ZENDESK_REQUEST_EVENT] = zendesk_delivery.ZendeskDelivery(
            ctx,
            gateway,
            TicketOptions.from_settings(settings),
            files=SlackFiles(client) if client is not None else None,
            documents=loa_store(settings, ctx),
            directory=SlackPeople(client) if client is not None else None,
        )
        handlers[Topic.ZENDESK_NOTE] = zendesk_delivery.NoteDelivery(ctx, gateway)
        options = TicketOptions.from_settings(settings)
        placed = {"group_id": options.group_id, "assignee_id": options.assignee_id}
        handlers[Topic.ZENDESK_PORT_OUT_EVENT] = PortOutTicketDelivery(
            ctx, gateway, options, **placed
        )
        handlers[Topic.ZENDESK_PORT_OUT_REQUEST] = PortOutRequestTicketDelivery(
            ctx, gateway, options, **placed
        )
        handlers[Topic.ZENDESK_TRANSFER_EVENT] = TransferTicketDelivery(
            ctx, gateway, options, **placed
        )
    if ctx.loa_topic:
        dms = slack_delivery.DirectMessages(client) if client is not None else None
        handlers[Topic.LOA_SEND] = loa_handlers(settings, ctx, dms)[Topic.LOA_SEND]
    return handlers


def build_runtime(
    settings: Settings,
    *,
    client: WebClient | None = None,
    process_before_response: bool = False,
    verify_requests: bool = True,
    ctx: Context | None = None,
) -> Runtime:
    """Everything a ``serve``, ``worker`` or deferral child needs, built once, in one place."""
    require_slack(settings)
    ctx = ctx or build_context(settings)
    worker_id = f"{socket.gethostname()}:{os.getpid()}"
    client = client or web_client(settings)
    handlers = outbox_handlers(settings, ctx, client)
    alerts = Topic.SLACK_ALERT if Topic.SLACK_ALERT in handlers else None
    give_up = timedelta(hours=settings.portbot_delivery_give_up_hours)
    outbox = Outbox(ctx, handlers, worker_id=worker_id, alert_topic=alerts, give_up=give_up)
    sweeper = Sweeper(ctx, worker_id=worker_id, wake=outbox.wake.set)
    agents = AgentDirectory(settings.agents.users, settings.agents.groups)
    deps = SlackDeps(
        ctx,
        agents,
        agents_channel=settings.portbot_agents_channel,
        wake=outbox.wake.set,
        documents=loa_store(settings, ctx),
    )
    try:  # Bolt asks Slack who the token belongs to (auth.test) before anything else
        bolt = build_app(
            settings,
            deps,
            client=client,
            process_before_response=process_before_response,
            verify_requests=verify_requests,
        )
    except BoltError as exc:
        raise ConfigError(f"SLACK_BOT_TOKEN: Slack did not accept it at start ({exc})") from None
    except OSError as exc:
        where = settings.slack_api_url or "https://slack.com/api"
        reason = getattr(exc, "reason", None) or exc
        raise ConfigError(f"Slack: cannot reach {where} at start ({reason})") from None
    if agents.groups:
        threading.Thread(target=agents.refresh, args=(client,), daemon=True).start()
    return Runtime(
        settings=settings, ctx=ctx, outbox=outbox, sweeper=sweeper, client=client, bolt=bolt
    )


def child_app(settings: Settings) -> App:
    """The Bolt app of a deferral child process (``bot.slack.deferral.ProcessRunner`` calls
    this in each child, through a picklable ``functools.partial``)."""
    logs.configure(settings.portbot_log_format)
    runtime = build_runtime(settings, process_before_response=True, verify_requests=False)
    assert runtime.bolt is not None
    settle_heap()  # a child's full collections would delay the answers it works on
    return runtime.bolt


def process_runner(settings: Settings, client: WebClient | None, processes: int) -> ProcessRunner:
    """Deferred Slack work in ``processes`` children, each with the app :func:`child_app`
    builds from ``settings``."""
    return ProcessRunner(
        functools.partial(child_app, settings),
        apology_client=client or web_client(settings),
        processes=processes,
    )


def settle_heap() -> None:
    """Collect once, then freeze what start-up built (modules, the runtime, the Bolt app).

    A full collection of the interpreter's cyclic garbage collector walks every tracked object
    and holds the interpreter lock while it does: with the ~170,000 objects a serving process
    starts with, that stalled the event loop that acks Slack for 170-240 ms on our 2-core
    machine, a few times a minute under load. Frozen objects are left out of every collection
    from then on, so a full one walks only what was made since (10-16 ms measured).
    """
    gc.collect()
    gc.freeze()


def serve(settings: Settings, *, host: str, port: int) -> None:
    import uvicorn

    from bot.web import create_app

    runtime = build_runtime(settings)
    runtime.start_background()
    runtime.start_reminders()
    front = None
    if settings.slack_app_token is None and runtime.bolt is not None:
        front = _front(settings, runtime)
    socket_mode = None
    try:
        if settings.slack_app_token is not None and runtime.bolt is not None:
            # events arrive over the socket; HTTP still serves health and metrics
            socket_mode = socket_mode_handler(settings, runtime)
        app = create_app(
            runtime.ctx,
            runtime.bolt,
            front=front,
            zendesk=zendesk_inbound(settings, runtime.ctx),
            loa=loa_routes(runtime.ctx, loa_store(settings, runtime.ctx), settings),
            portout=portout_routes(settings, runtime),
            sidebar=[
                *sidebar_routes(
                    Sidebar.from_settings(settings, workspace=slack_workspace(settings, runtime)),
                    runtime.ctx,
                    wake=runtime.outbox.wake.set,
                ),
                *static_routes(),  # the page's script, style and the ZAF SDK
            ],
            metrics_token=(
                token.get_secret_value() if (token := settings.portbot_metrics_token) else None
            ),
        )
        settle_heap()
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="info",
            log_config=None,  # uvicorn's lines go through bot.logs, in its format
            access_log=False,  # bot.web.AccessLog writes one line per request, without tokens
            # X-Forwarded-For decides the signer's recorded IP: trusted only when told so.
            proxy_headers=settings.portbot_trust_proxy,
        )
    finally:
        if socket_mode is not None:
            socket_mode.close()
        if front is not None:
            front.runner.close()
        runtime.close()


def portout_routes(settings: Settings, runtime: Runtime) -> list[BaseRoute]:
    """``POST /portout/validation``: 503 until both Bandwidth credentials are set."""
    password = settings.portbot_portout_validation_password
    return validation_routes(
        decider(runtime.ctx, wake=runtime.outbox.wake.set),
        user=settings.portbot_portout_validation_user,
        password=password.get_secret_value() if password else None,
    )


def slack_workspace(settings: Settings, runtime: Runtime) -> Callable[[], str | None]:
    """The Slack workspace's address for the sidebar's thread links; None without Slack."""
    if runtime.client is None or settings.slack_bot_token is None:
        return lambda: None
    return WorkspaceUrl(runtime.client)


def socket_mode_handler(settings: Settings, runtime: Runtime) -> SocketModeHandler:
    """Connect to Slack in Socket Mode (``SLACK_APP_TOKEN``) and return the connected handler;
    ``close()`` it when done. Bolt's handler uses the bot's Web API client, so ``SLACK_API_URL``
    applies to ``apps.connections.open`` too. A token that is not an app-level one, or that
    Slack refuses, is a ``ConfigError``; a websocket that fails to open is retried by the client.
    """
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    assert runtime.bolt is not None and settings.slack_app_token is not None
    token = settings.slack_app_token.get_secret_value()
    if not token.startswith("xapp-"):
        raise ConfigError(
            "SLACK_APP_TOKEN: needs the app-level token (xapp-…, Basic Information → App-Level "
            "Tokens, scope connections:write), not a bot or user token"
        )
    handler = SocketModeHandler(runtime.bolt, token)
    try:
        handler.connect()
    except SlackApiError as exc:
        handler.close()
        error = exc.response.get("error") or f"HTTP {exc.response.status_code}"
        raise ConfigError(f"SLACK_APP_TOKEN: Slack did not open Socket Mode ({error})") from None
    if handler.client.is_connected():
        log.info("Slack Socket Mode connected")
    else:
        log.warning("Slack Socket Mode: the websocket did not open; the client keeps trying")
    return handler


def _front(settings: Settings, runtime: Runtime) -> Front:
    """Slow Slack requests are answered at once and worked on after, in child processes
    (``PORTBOT_SLACK_PROCESSES``, default one per core) or, with 0, on threads here."""
    assert runtime.bolt is not None and settings.slack_signing_secret is not None
    runner: ProcessRunner | ThreadRunner
    if settings.slack_processes:
        runner = process_runner(settings, runtime.client, settings.slack_processes)
        threading.Thread(target=runner.warm_up, name="portbot-warm-up", daemon=True).start()
    else:
        runner = ThreadRunner(runtime.bolt)
    return Front(runner, settings.slack_signing_secret.get_secret_value())


def worker(
    settings: Settings, *, health_port: int | None = None, health_host: str = "127.0.0.1"
) -> None:
    """Deliveries only: for deployments that scale web and workers apart. With
    ``health_port``, ``/healthz`` and ``/metrics`` are served there (``bot.web.health_app``)."""
    import uvicorn

    from bot.web import health_app

    runtime = build_runtime(settings)
    log.info("worker %s delivering the outbox and sweeping reminders", runtime.outbox.worker_id)
    runtime.start_background()
    runtime.start_reminders()
    health = None
    if health_port is not None:
        token = settings.portbot_metrics_token
        app = health_app(runtime.ctx, metrics_token=token.get_secret_value() if token else None)
        config = uvicorn.Config(
            app,
            host=health_host,
            port=health_port,
            log_level="warning",
            log_config=None,
            access_log=False,
        )
        health = uvicorn.Server(config)
        thread = threading.Thread(target=health.run, name="portbot-health", daemon=True)
        thread.start()
        runtime.threads.append(thread)
        log.info("worker health at http://%s:%s/healthz and /metrics", health_host, health_port)
    try:
        runtime.stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if health is not None:
            health.should_exit = True
        runtime.close()
