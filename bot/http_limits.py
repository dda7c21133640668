"""Bounded request bodies: every route that reads a body reads at most a fixed size.

:func:`read_body` refuses a declared ``Content-Length`` over the limit before reading a byte,
and otherwise reads the body as it streams in (chunked bodies included), giving up as soon as
the count passes the limit. Nothing past the limit is held in memory: the server stops reading
the socket while nobody consumes it, and the connection is closed after the 413.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request

KIB = 1024
MIB = 1024 * KIB
SLACK_BODY_LIMIT = 1 * MIB  # Slack's largest requests (a modal with a long paste) are ~100 kB
ZENDESK_BODY_LIMIT = 1 * MIB  # our trigger's JSON, with a comment's text
LOA_FORM_LIMIT = 16 * KIB  # a name and a tick box
PORTOUT_BODY_LIMIT = 256 * KIB  # Bandwidth's validation XML: 1,000 numbers are about 50 kB
SIDEBAR_FORM_LIMIT = 16 * KIB  # Zendesk's signed-URL form: one JWT of about 1 kB


class BodyTooLarge(Exception):
    """The request body is (or says it is) larger than the route accepts: answer 413."""


class BodyIncomplete(Exception):
    """The client went away, or declared a length it did not send: answer 400."""


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, at most ``limit`` bytes; :class:`BodyTooLarge` past it."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge
            chunks.append(chunk)
    except ClientDisconnect:
        raise BodyIncomplete from None
    return b"".join(chunks)


WHY = "portbot.why"  # the scope key the access log reads (``bot.web.AccessLog``)


def explain(request: Request, why: str) -> None:
    """Why the request was refused, said once, on its access log line (never a body)."""
    request.scope[WHY] = why
