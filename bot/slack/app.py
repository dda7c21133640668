"""Build the Bolt app: no module-global state; everything it needs is passed in."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

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
        before_authorize=_CheckedOnce(secret, base_logger=logger, verify=verify_requests),
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
    """Bolt's signature check, skipped for requests the web tier has already checked (or, with
    ``verify=False``, where the web tier checks every request); then the body's shape
    (:func:`well_formed`), before Bolt's own middleware reads it."""

    def __init__(self, signing_secret: str, *, base_logger: logging.Logger, verify: bool) -> None:
        super().__init__(signing_secret, base_logger=base_logger)
        self._verify = verify

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        def shaped() -> BoltResponse:
            if well_formed(req.body):
                return next()
            slack_log.info("a signed Slack body of a shape Slack never sends; answered 400")
            return BoltResponse(status=400, body="")

        if not self._verify or req.context.get(VERIFIED) is True:
            return shaped()
        return super().process(req=req, resp=resp, next=shaped)


def well_formed(body: dict[str, Any]) -> bool:
    """Whether a (signed) body has the shapes Bolt reads on its own before any listener runs:
    a ``view`` that is an object, a block action's ``actions`` as a list of objects, an
    event's ``event`` as an object. Bolt fails on anything else with a 500, which Slack would
    retry; such a body never comes from Slack."""
    kind = body.get("type")
    actions = body.get("actions")
    bad_view = "view" in body and not isinstance(body["view"], dict)
    bad_actions = (
        kind == "block_actions"
        and actions is not None
        and not (isinstance(actions, list) and all(isinstance(a, dict) for a in actions))
    )
    bad_event = kind == "event_callback" and "event" in body and not isinstance(body["event"], dict)
    return not (bad_view or bad_actions or bad_event)
