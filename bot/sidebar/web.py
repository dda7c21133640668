"""The sidebar's routes.

``POST /zendesk/sidebar``: Zendesk opens the ticket sidebar here, with its signed URL. The form
is read up to ``SIDEBAR_FORM_LIMIT`` (413 past it), its ``token`` is verified
(``bot.sidebar.auth``), and the answer is the page shell carrying a sidebar token
(``bot.sidebar.tokens``) for the requests its script makes. A token that fails answers 401 with
a page saying why in the agent's words; the access log line says why in ours. Without an account
or a way to the app's public key the sidebar answers 503, and so it does while the key cannot be
fetched.

``GET /zendesk/sidebar/tickets/{ticket_id}`` and ``POST …/actions/{name}``, with the sidebar
token as ``Authorization: Bearer``: the ticket's view as an HTML fragment (``bot.sidebar.view``)
and the actions on it (``bot.sidebar.actions``), answered with the refreshed fragment; 422 with
the domain's message in the form when a rule says no. A missing, altered or expired token gets
401, a ticket id that is not a positive number (or an action that does not exist) 404, each
with a short fragment. The database work runs in worker threads, never on the event loop.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import parse_qs

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Route

from bot import trace
from bot.config import ConfigError, Settings
from bot.config.keys import local_key
from bot.http_limits import (
    SIDEBAR_FORM_LIMIT,
    BodyIncomplete,
    BodyTooLarge,
    explain,
    read_body,
)
from bot.porting.errors import DomainError
from bot.services.base import Context
from bot.sidebar import actions, pages, view
from bot.sidebar.auth import (
    Account,
    Installation,
    KeyUnavailable,
    PublicKey,
    Refusal,
    Refused,
    verify,
)
from bot.sidebar.forms import FormError
from bot.sidebar.tokens import SidebarTokens

log = logging.getLogger(__name__)

MAX_FIELDS = 20  # Zendesk posts one; the largest action form has five and the page adds two
_TICKET = re.compile(r"[1-9][0-9]{0,18}")
_BEARER = re.compile(r"Bearer[ \t]+(\S+)", re.IGNORECASE)
_KEPT = frozenset({"agent_name", "request_key"})  # what the page adds to each form

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
    """What the sidebar's routes need: the account, the app's public key, the sidebar tokens,
    a clock, and the Slack workspace's address (``https://acme.slack.com/``, None while it is
    not known) for links to a card's thread. Build it with :meth:`from_settings`; the later
    sidebar routes check bearer tokens with the same ``tokens``."""

    account: Account | None
    key: PublicKey
    tokens: SidebarTokens
    clock: Callable[[], float] = field(default=time.time)
    workspace: Callable[[], str | None] = field(default=lambda: None)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.time,
        workspace: Callable[[], str | None] = lambda: None,
    ) -> Sidebar:
        account = Account.from_settings(settings)
        key = PublicKey.from_settings(settings, account)
        return cls(account, key, _tokens(settings), clock, workspace)

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


def sidebar_routes(
    sidebar: Sidebar, ctx: Context | None = None, *, wake: Callable[[], None] = lambda: None
) -> list[BaseRoute]:
    """``POST /zendesk/sidebar``: the signed-URL check and the page shell; with ``ctx``, also
    the ticket's view and its actions (``wake`` wakes the outbox after a change)."""

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

    routes: list[BaseRoute] = [Route("/zendesk/sidebar", open_sidebar, methods=["POST"])]
    if ctx is not None:
        routes += ticket_routes(sidebar, ctx, wake=wake)
    return routes


def ticket_routes(
    sidebar: Sidebar, ctx: Context, *, wake: Callable[[], None] = lambda: None
) -> list[BaseRoute]:
    """``GET /zendesk/sidebar/tickets/{ticket_id}`` and ``POST …/actions/{name}``."""

    async def show(request: Request) -> HTMLResponse:
        grant = _grant(request, sidebar)
        if isinstance(grant, HTMLResponse):
            return grant
        ticket = _ticket(request, sidebar)
        if isinstance(ticket, HTMLResponse):
            return ticket
        try:
            fragment = await anyio.to_thread.run_sync(
                partial(view.ticket_fragment, ctx, ticket, workspace=sidebar.workspace())
            )
        except Exception as exc:
            return _failed(sidebar, exc)
        return sidebar.page(fragment)

    async def act(request: Request) -> HTMLResponse:
        grant = _grant(request, sidebar)
        if isinstance(grant, HTMLResponse):
            return grant
        ticket = _ticket(request, sidebar)
        if isinstance(ticket, HTMLResponse):
            return ticket
        name = request.path_params["name"]
        if name not in actions.NAMES:
            explain(request, "sidebar: no such action")
            return sidebar.page(view.notice("No such action", "Reload the ticket."), 404)
        try:
            body = await read_body(request, SIDEBAR_FORM_LIMIT)
            form = parse_qs(
                body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS
            )
        except BodyTooLarge:
            explain(request, "body over the limit")
            too_long = FormError(name, "That was too long to send. Shorten it and try again.")
            answer = await _fragment(sidebar, ctx, ticket, too_long, 413)
            answer.headers["Connection"] = "close"  # the rest of the body is not wanted
            return answer
        except (BodyIncomplete, ValueError):
            explain(request, "sidebar: body incomplete or not a form")
            return sidebar.page(view.notice("That was not a form", "Reload the ticket."), 400)
        perform = partial(actions.perform, ctx, ticket, name, form, grant, wake=wake)
        try:
            await anyio.to_thread.run_sync(perform)
        except DomainError as exc:
            explain(request, f"sidebar: {name} refused ({type(exc).__name__})")
            typed = {k: v[0] for k, v in form.items() if v and k not in _KEPT}
            return await _fragment(sidebar, ctx, ticket, FormError(name, exc.message, typed), 422)
        except Exception as exc:
            return _failed(sidebar, exc)
        return await _fragment(sidebar, ctx, ticket)

    return [
        Route("/zendesk/sidebar/tickets/{ticket_id}", show, methods=["GET"]),
        Route("/zendesk/sidebar/tickets/{ticket_id}/actions/{name}", act, methods=["POST"]),
    ]


async def _fragment(
    sidebar: Sidebar, ctx: Context, ticket: int, error: FormError | None = None, status: int = 200
) -> HTMLResponse:
    """The ticket's fragment as it stands now, with ``error`` in its form."""
    try:
        fragment = await anyio.to_thread.run_sync(
            partial(view.ticket_fragment, ctx, ticket, error=error, workspace=sidebar.workspace())
        )
    except Exception as exc:
        return _failed(sidebar, exc)
    return sidebar.page(fragment, status)


def _grant(request: Request, sidebar: Sidebar) -> Installation | HTMLResponse:
    """Who the bearer token was issued for, or the 401 that says why not."""
    found = _BEARER.fullmatch(request.headers.get("authorization", "").strip())
    try:
        return sidebar.tokens.read(found.group(1) if found else "", now=sidebar.clock())
    except Refused as refused:
        explain(request, f"sidebar: {refused.why}")
        words = view.notice(refused.refusal.heading, refused.refusal.advice)
        return sidebar.page(words, 401)


def _ticket(request: Request, sidebar: Sidebar) -> int | HTMLResponse:
    """The ticket id of the path, or the 404 for one that is not a positive 64-bit number."""
    text = request.path_params["ticket_id"]
    if _TICKET.fullmatch(text) and int(text) < 2**63:
        return int(text)
    explain(request, "sidebar: not a ticket id")
    return sidebar.page(view.notice("No such ticket", "Open a ticket to see its request."), 404)


def _failed(sidebar: Sidebar, exc: Exception) -> HTMLResponse:
    """Something unexpected: a reference the agent can quote, the same on the log line."""
    ref = trace.current() or trace.new_id()
    log.error("sidebar failed (ref %s): %s", ref, type(exc).__name__, exc_info=exc)
    words = view.notice(
        "Something went wrong",
        f"portbot could not do that. Reload the ticket; if it keeps happening, give the porting "
        f"team's admin this reference: {ref}.",
    )
    return sidebar.page(words, 500)


def _refused(request: Request, sidebar: Sidebar, refused: Refused) -> HTMLResponse:
    explain(request, f"sidebar: {refused.why}")
    return sidebar.page(pages.notice(refused.refusal.heading, refused.refusal.advice), 401)
