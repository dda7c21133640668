"""``POST /portout/validation``: Bandwidth's Port-out Validation webhook over HTTP.

In this order: 503 when no credentials are configured; HTTP Basic credentials, compared in
constant time, before a byte of the body is read (401); the body, at most
:data:`~bot.http_limits.PORTOUT_BODY_LIMIT` (413); the XML (400, with a JSON reason). Then the
injected decider gets the request and its dedupe key (a retried delivery carries the same body,
so the same key): the event loop awaits its ``submit`` future (``bot.bandwidth.decide``), or
runs a plain function in a worker thread; the answer goes back as XML. If
``decide`` fails, the answer is Bandwidth's 7599, with which the port goes ahead, and the
error is logged (never the body).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Protocol, runtime_checkable

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.bandwidth.validation import (
    BadValidationRequest,
    InvalidValidationRequest,
    ValidationAnswer,
    ValidationRequest,
    answer_xml,
    failure_answer,
    invalid_answer,
    parse_request,
)
from bot.http_limits import PORTOUT_BODY_LIMIT, BodyIncomplete, BodyTooLarge, explain, read_body

log = logging.getLogger(__name__)

PATH = "/portout/validation"
REALM = 'Basic realm="portbot port-out validation"'
XML_TYPE = "application/xml; charset=utf-8"
NOT_CONFIGURED = "port-out validation is not configured"

Decide = Callable[[ValidationRequest, str], ValidationAnswer]


@runtime_checkable
class Submits(Protocol):
    """A decider that takes the delivery and answers later, on a future."""

    def submit(self, request: ValidationRequest, key: str) -> Future[ValidationAnswer]: ...


def dedupe_key(body: bytes) -> str:
    """The idempotency key of a delivery: the same body, the same key."""
    return "bandwidth:" + hashlib.sha256(body).hexdigest()


def credentials_ok(header: str | None, user: bytes, password: bytes) -> bool:
    """Whether an ``Authorization`` header carries exactly these Basic credentials; both
    parts are compared in constant time, and both are always compared."""
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(token.strip().encode("ascii"), validate=True)
    except ValueError:  # not base64, or not ASCII
        return False
    given_user, colon, given_password = decoded.partition(b":")
    if not colon:
        return False
    user_ok = hmac.compare_digest(given_user, user)
    password_ok = hmac.compare_digest(given_password, password)
    return user_ok and password_ok


def validation_routes(
    decide: Decide | Submits, *, user: str | None, password: str | None
) -> list[BaseRoute]:
    """The webhook's route. ``decide`` records the port-out and answers: ``submit(request,
    dedupe_key)`` returning a future, or a synchronous ``decide(request, dedupe_key)`` (it may use
    the database; it runs in a worker thread); ``user`` and ``password`` are what Bandwidth was
    given (``PORTBOT_PORTOUT_VALIDATION_USER`` / ``_PASSWORD``): without both, 503."""
    expected = (user.encode(), password.encode()) if user and password else None

    async def validate(request: Request) -> Response:
        if expected is None:
            explain(request, NOT_CONFIGURED)
            return JSONResponse({"error": NOT_CONFIGURED}, status_code=503)
        if not credentials_ok(request.headers.get("authorization"), *expected):
            explain(request, "missing or wrong credentials")
            return JSONResponse(
                {"error": "Basic credentials are required"},
                status_code=401,
                # The body was not read, and will not be.
                headers={"WWW-Authenticate": REALM, "Connection": "close"},
            )
        try:
            body = await read_body(request, PORTOUT_BODY_LIMIT)
        except BodyTooLarge:
            explain(request, "body over the limit")
            return JSONResponse(
                {"error": "request body too large"},
                status_code=413,
                headers={"Connection": "close"},
            )
        except BodyIncomplete:
            explain(request, "body incomplete")
            return JSONResponse({"error": "request body incomplete"}, status_code=400)
        try:
            parsed = parse_request(body)
        except InvalidValidationRequest as exc:  # answered: a 400 would count as approval
            explain(request, f"refused values: {exc}; answered 7598")
            return Response(answer_xml(invalid_answer(str(exc))), media_type=XML_TYPE)
        except BadValidationRequest as exc:
            why = f"not a port-out validation request: {exc}"
            explain(request, why)
            return JSONResponse({"error": why}, status_code=400)
        key = dedupe_key(body)
        try:
            if isinstance(decide, Submits):
                answer = await asyncio.wrap_future(decide.submit(parsed, key))
            else:
                answer = await anyio.to_thread.run_sync(decide, parsed, key)
            payload = answer_xml(answer)
        except Exception:
            log.exception(
                "port-out validation failed (%s); answered 7599, the port goes ahead", key
            )
            explain(request, "deciding failed: answered 7599")
            payload = answer_xml(failure_answer(parsed.pon))
        return Response(payload, media_type=XML_TYPE)

    return [Route(PATH, validate, methods=["POST"])]
