"""``POST /zendesk/sidebar``: Zendesk opens the ticket sidebar here, with its signed URL.

The form is read up to ``SIDEBAR_FORM_LIMIT`` (413 past it), its ``token`` is verified
(``bot.sidebar.auth``), and the answer is the page shell carrying a sidebar token
(``bot.sidebar.tokens``) for the requests its script makes. A token that fails answers 401 with
a page saying why in the agent's words; the access log line says why in ours. Without an account
or a way to the app's public key the sidebar answers 503, and so it does while the key cannot be
fetched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Route

from bot.config import ConfigError, Settings
from bot.config.keys import local_key
from bot.http_limits import (
    SIDEBAR_FORM_LIMIT,
    BodyIncomplete,
    BodyTooLarge,
    explain,
    read_body,
)
from bot.sidebar import pages
from bot.sidebar.auth import (
    Account,
    KeyUnavailable,
    PublicKey,
    Refusal,
    Refused,
    verify,
)
from bot.sidebar.tokens import SidebarTokens

MAX_FIELDS = 20  # Zendesk posts one

NOT_SET_UP = (
    "portbot is not set up here yet",
    "An admin needs to set ZENDESK_APP_ID (or ZENDESK_APP_PUBLIC_KEY) and ZENDESK_SUBDOMAIN on "
    "portbot's server, then reload this ticket.",
)
NO_KEY = (
    "portbot could not reach Zendesk",
    "It needs the app's public key from Zendesk to open this page. Reload the ticket in a "
    "minute; if this keeps happening, ask your admin to check ZENDESK_APP_ID.",
)


@dataclass(frozen=True)
class Sidebar:
    """What the sidebar's routes need: the account, the app's public key, the sidebar tokens
    and a clock. Build it with :meth:`from_settings`; the later sidebar routes check bearer
    tokens with the same ``tokens``."""

    account: Account | None
    key: PublicKey
    tokens: SidebarTokens
    clock: Callable[[], float] = field(default=time.time)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, clock: Callable[[], float] = time.time
    ) -> Sidebar:
        account = Account.from_settings(settings)
        return cls(account, PublicKey.from_settings(settings, account), _tokens(settings), clock)

    @property
    def configured(self) -> bool:
        return self.account is not None and self.key.configured

    @property
    def headers(self) -> dict[str, str]:
        return pages.headers(self.account.origin if self.account else pages.ANY_ZENDESK)

    def page(self, body: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(body, status_code=status, headers=self.headers)


def _tokens(settings: Settings) -> SidebarTokens:
    """Signed with ``PORTBOT_SECRET_KEY``; a SQLite setup without one uses its key file."""
    if settings.portbot_secret_key is not None:
        return SidebarTokens.from_setting(settings.portbot_secret_key.get_secret_value())
    if not settings.is_sqlite:
        raise ConfigError("PORTBOT_SECRET_KEY: required with PostgreSQL (it signs sidebar pages)")
    return SidebarTokens([local_key(settings.db_url)])


def sidebar_routes(sidebar: Sidebar) -> list[BaseRoute]:
    """``POST /zendesk/sidebar``: the signed-URL check and the page shell."""

    async def open_sidebar(request: Request) -> HTMLResponse:
        if not sidebar.configured:
            explain(request, "sidebar not configured (ZENDESK_APP_ID or _PUBLIC_KEY, account)")
            return sidebar.page(pages.notice(*NOT_SET_UP), 503)
        try:
            body = await read_body(request, SIDEBAR_FORM_LIMIT)
            form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=MAX_FIELDS)
        except BodyTooLarge:
            explain(request, "body over the limit")
            too_large = sidebar.page(pages.notice("That was too large", "Reload the ticket."), 413)
            too_large.headers["Connection"] = "close"  # the rest of the body is not wanted
            return too_large
        except (BodyIncomplete, ValueError):
            explain(request, "body incomplete or not a form")
            return sidebar.page(pages.notice("That was not a sidebar", "Reload the ticket."), 400)
        token = (form.get("token") or [""])[0].strip()
        if not token:
            return _refused(request, sidebar, Refused(Refusal.NO_TOKEN, "no token in the form"))
        try:
            key = await anyio.to_thread.run_sync(sidebar.key.get)
        except KeyUnavailable as exc:
            explain(request, f"sidebar: {exc}")
            return sidebar.page(pages.notice(*NO_KEY), 503)
        assert sidebar.account is not None  # configured
        now = sidebar.clock()
        try:
            grant = verify(token, key, sidebar.account, now=now)
        except Refused as refused:
            return _refused(request, sidebar, refused)
        shell = pages.shell(sidebar.tokens.issue(grant, now=now), request.url.query)
        return sidebar.page(shell)

    return [Route("/zendesk/sidebar", open_sidebar, methods=["POST"])]


def _refused(request: Request, sidebar: Sidebar, refused: Refused) -> HTMLResponse:
    explain(request, f"sidebar: {refused.why}")
    return sidebar.page(pages.notice(refused.refusal.heading, refused.refusal.advice), 401)
