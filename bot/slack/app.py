"""Build the Bolt app: no module-global state; everything it needs is passed in."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware.request_verification import RequestVerification
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.config import Settings
from bot.slack.deps import SlackDeps
from bot.slack.errors import log as slack_log
from bot.slack.errors import new_ref
from bot.slack.forms import VERIFIED
from bot.slack.listeners import (
    actions,
    commands,
    events,
    find,
    port_out_actions,
    quotes,
    transfers,
    views,
)

DEFAULT_API_URL = "https://slack.com/api/"


def web_client(settings: Settings) -> WebClient:
    """The bot's Web API client. Rate-limited calls made after the ack (card updates, modals
    opened from buttons) wait out ``Retry-After`` once; the outbox handles longer waits."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    base = (settings.slack_api_url + "/") if settings.slack_api_url else DEFAULT_API_URL
    client = WebClient(token=token, base_url=base, timeout=10)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    return client


def build_app(
    settings: Settings,
    deps: SlackDeps,
    *,
    client: WebClient | None = None,
    process_before_response: bool = False,
    verify_requests: bool = True,
) -> App:
    """The Bolt app. ``verify_requests=False`` only where the web tier already checked the
    signature (the processes that run deferred work, see ``bot.slack.deferral``). Otherwise
    Bolt checks every request except those the web tier marks as checked (``bot.web``), so a
    request is verified once, on its raw bytes, before anything parses it."""
    if settings.slack_signing_secret is None and settings.slack_app_token is None:
        raise ValueError("SLACK_SIGNING_SECRET is required to receive requests from Slack")
    # In Socket Mode nothing should arrive over HTTP: a secret nobody knows refuses it all.
    secret = (
        settings.slack_signing_secret.get_secret_value()
        if settings.slack_signing_secret
        else secrets.token_urlsafe(32)
    )
    logger = logging.getLogger("bot.slack.bolt")
    app = App(
        client=client or web_client(settings),
        signing_secret=secret,
        process_before_response=process_before_response,
        request_verification_enabled=False,
        before_authorize=_CheckedOnce(secret, base_logger=logger) if verify_requests else None,
        logger=logger,
    )
    commands.register(app, deps)
    views.register(app, deps)
    actions.register(app, deps)
    events.register(app, deps)
    port_out_actions.register(app, deps)
    find.register(app, deps)
    transfers.register(app, deps)
    quotes.register(app, deps)

    @app.error
    def last_resort(error: Exception) -> None:
        # Listeners handle their own errors (bot.slack.errors.guarded); this catches the rest.
        slack_log.error("unhandled Slack error (ref %s)", new_ref(), exc_info=error)

    return app


def signing_secret(app: App) -> str:
    """The secret ``app`` checks Slack's signatures with (the web tier checks with it first).
    Bolt keeps it without a public accessor."""
    return app._signing_secret


class _CheckedOnce(RequestVerification):
    """Bolt's signature check, skipped for requests the web tier has already checked."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        if req.context.get(VERIFIED) is True:
            return next()
        return super().process(req=req, resp=resp, next=next)
