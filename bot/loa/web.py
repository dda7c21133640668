"""The LOA signing page: ``GET|POST /loa/{token}`` and ``GET /loa/{token}/pdf``.

The page works without JavaScript: a summary of the letter, the letter itself in a frame, and a
form (full name, "I am authorized" box). Every state of a link has its own page: expired, used
and replaced links answer 410, unknown ones 404; a wrong name answers 400 with the form as it
was typed. Nothing here logs a token; responses are never cached and send no referrer, so the
link does not leak to other sites.

The signer's IP address is the socket peer, or the last ``X-Forwarded-For`` hop (the one our
proxy added) when ``PORTBOT_TRUST_PROXY`` says the app runs behind one.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bot import trace
from bot.config import Settings
from bot.documents.checks import safe_download_headers
from bot.http_limits import LOA_FORM_LIMIT, BodyIncomplete, BodyTooLarge, explain, read_body
from bot.loa import pages
from bot.loa.templates import template_for
from bot.porting.errors import DomainError
from bot.services.base import Context
from bot.services.loa import (
    LinkState,
    LinkView,
    NameMismatch,
    SigningRefused,
    inspect_link,
    link_document,
    sign_loa,
)
from storage.documents import DocumentStore

log = logging.getLogger(__name__)

MAX_FORM = LOA_FORM_LIMIT  # bytes, read as they stream in (chunked included)
MAX_FIELDS = 20  # the form has two
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; img-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
}
PDF_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "sandbox",
}


def client_ip(request: Request, *, trust_proxy: bool) -> str:
    """The signer's address: the peer, or the proxy's last ``X-Forwarded-For`` hop."""
    if trust_proxy:
        hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",")]
        hops = [h for h in hops if h]
        if hops:
            try:
                return str(ipaddress.ip_address(hops[-1]))
            except ValueError:
                pass
    return request.client.host if request.client else ""


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)


def state_response(view: LinkView, *, token: str, settings: Settings, ctx: Context) -> Response:
    """The page for a link that cannot be signed with (any state but VALID)."""
    tz = ctx.calendar.tz
    if view.state is LinkState.EXPIRED:
        days = settings.portbot_loa_ttl_days
        return _html(
            pages.state_page(
                "This signing link has expired",
                f"Signing links work for {days} days, and this one has run out.",
                "Ask the person who requested the port to send a new one: they can do it from "
                "the request in Slack, or the porting team can.",
            ),
            410,
        )
    if view.state is LinkState.USED:
        signed = []
        if view.signed_name and view.signed_at:
            signed.append(
                f"It was signed by {view.signed_name} on {pages.when(view.signed_at, tz)}."
            )
        link = None
        if view.expires_at is not None and ctx.now() < view.expires_at:
            link = (f"{token}/pdf?download=1", "Download the signed letter (PDF)")
        return _html(
            pages.state_page(
                "This letter is already signed",
                *signed,
                "Each link signs once, so there is nothing more to do here.",
                link=link,
            ),
            410,
        )
    if view.state is LinkState.REPLACED:
        return _html(
            pages.state_page(
                "This link has been replaced",
                "A newer signing link was sent, or the request's details changed and the letter "
                "needs a new signature. Please use the most recent link you received.",
                "If you have none, ask the person who requested the port to send the letter again.",
            ),
            410,
        )
    if view.state is LinkState.CLOSED:
        return _html(pages.closed_page(), 410)
    return _html(
        pages.state_page(
            "We don't recognise this link",
            "Please check that you copied the whole link from the e-mail or Slack message: "
            "it ends in a long code.",
            "If it still doesn't work, ask the person who requested the port to send the letter "
            "again.",
        ),
        404,
    )


def loa_routes(ctx: Context, store: DocumentStore, settings: Settings) -> list[Route]:
    """The signing page's routes, for ``bot.web.create_app(..., loa=...)``."""
    trust_proxy = settings.portbot_trust_proxy
    tz = ctx.calendar.tz

    async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))

    def sign_form(view: LinkView, token: str, **form: Any) -> str:
        assert view.content is not None and view.expires_at is not None
        return pages.sign_page(
            view.content,
            token=token,
            address=template_for(view.content.country).address_lines(view.content),
            requester_name=view.requester_name,
            expires_at=view.expires_at,
            tz=tz,
            **form,
        )

    def failed(exc: Exception) -> Response:
        ref = trace.current() or trace.new_id()  # the request's id: its log lines carry it
        log.error("LOA signing page failed (ref %s): %s", ref, type(exc).__name__, exc_info=exc)
        return _html(pages.error_page(ref), 500)

    async def show(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            view = await call(inspect_link, ctx, token)
        except Exception as exc:
            return failed(exc)
        if view.state is not LinkState.VALID:
            return state_response(view, token=token, settings=settings, ctx=ctx)
        return _html(sign_form(view, token))

    async def sign(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            body = await read_body(request, MAX_FORM)
            form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=MAX_FIELDS)
        except BodyTooLarge:
            explain(request, "body over the limit")
            too_large = _html(pages.state_page("That form was too large", "Please try again."), 413)
            too_large.headers["Connection"] = "close"  # the rest of the body is not wanted
            return too_large
        except (BodyIncomplete, ValueError):  # cut short, or more fields than the form has
            explain(request, "not the signing form")
            return _html(pages.state_page("That form was not ours", "Please try again."), 400)
        typed = " ".join((form.get("name") or [""])[0].split())[:200]
        authorized = (form.get("authorized") or [""])[0] in ("yes", "on", "true", "1")
        error = ""
        if not typed:
            error = "Type your full name to sign the letter."
        elif not authorized:
            error = "Tick the box to confirm that you are authorized to sign for this account."
        try:
            if not error:
                snap = await call(
                    sign_loa,
                    ctx,
                    token,
                    typed_name=typed,
                    ip=client_ip(request, trust_proxy=trust_proxy),
                    user_agent=request.headers.get("user-agent", "")[:512],
                    store=store,
                )
                req = snap.request
                return _html(
                    pages.thanks_page(
                        token=token,
                        name=typed,
                        holder=req.company_name or req.rep_name,
                        carrier=req.losing_carrier,
                        requester_name=req.requester_name,
                        signed_at=req.signed_at or ctx.now(),
                        tz=tz,
                    )
                )
        except NameMismatch as exc:
            error = exc.message
        except SigningRefused as exc:
            view = await call(inspect_link, ctx, token)
            if view.state is LinkState.VALID:  # refused at the last moment (a race): say why
                view = LinkView(exc.state, signed_name=view.signed_name, signed_at=view.signed_at)
            return state_response(view, token=token, settings=settings, ctx=ctx)
        except DomainError as exc:
            error = exc.message
        except Exception as exc:
            return failed(exc)
        try:
            view = await call(inspect_link, ctx, token)
        except Exception as exc:
            return failed(exc)
        if view.state is not LinkState.VALID:
            return state_response(view, token=token, settings=settings, ctx=ctx)
        page = sign_form(view, token, typed=typed, authorized=authorized, error=error)
        return _html(page, 400)

    async def pdf(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            found = await call(link_document, ctx, token, store=store)
        except Exception as exc:
            return failed(exc)
        if found is None:
            view = await call(inspect_link, ctx, token)
            if view.state is LinkState.VALID:
                view = LinkView(LinkState.UNKNOWN)
            return state_response(view, token=token, settings=settings, ctx=ctx)
        data, filename, _signed = found
        headers = dict(PDF_HEADERS)
        download = safe_download_headers("application/pdf", filename)
        disposition = download["Content-Disposition"]
        if request.query_params.get("download") != "1":
            disposition = disposition.replace("attachment", "inline", 1)
        headers["Content-Disposition"] = disposition
        return Response(data, media_type="application/pdf", headers=headers)

    return [
        Route("/loa/{token}", show, methods=["GET"]),
        Route("/loa/{token}", sign, methods=["POST"]),
        Route("/loa/{token}/pdf", pdf, methods=["GET"]),
    ]
