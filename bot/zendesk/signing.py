"""Zendesk's webhook signature: check it before anything reads the body.

Pure: no HTTP, no clock reads (``now`` is passed in).

Zendesk signs each request with the webhook's signing secret:
``X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(secret, timestamp + body))`` where the
timestamp is the ``X-Zendesk-Webhook-Signature-Timestamp`` header (ISO 8601, e.g.
``2026-11-22T10:00:00Z``). :func:`verify` refuses a missing or wrong signature and a timestamp
more than five minutes away from ``now`` in either direction (a replayed request). Source:
https://developer.zendesk.com/documentation/webhooks/verifying/
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

__all__ = ["MAX_AGE", "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "BadSignature", "sign", "verify"]

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
MAX_AGE = timedelta(minutes=5)


class BadSignature(ValueError):
    """The request is not provably from Zendesk, or is too old or too new to accept."""


def sign(secret: str, body: bytes, timestamp: str) -> str:
    """The signature Zendesk sends for ``body`` at ``timestamp`` (used by tests and the
    simulator)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(
    secret: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    *,
    now: datetime,
    max_age: timedelta = MAX_AGE,
) -> None:
    """Return quietly for a genuine, fresh request; raise :class:`BadSignature` otherwise."""
    if not secret:
        raise BadSignature("no webhook signing secret is configured")
    if not signature:
        raise BadSignature(f"the {SIGNATURE_HEADER} header is missing")
    if not timestamp:
        raise BadSignature(f"the {TIMESTAMP_HEADER} header is missing")
    sent_at = _timestamp(timestamp)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if abs(now - sent_at) > max_age:
        raise BadSignature(f"the signature timestamp {timestamp[:40]!r} is too far from now")
    try:
        given = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BadSignature("the signature is not base64") from None
    expected = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    if not hmac.compare_digest(given, expected):
        raise BadSignature("the signature does not match")


def _timestamp(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadSignature(f"the signature timestamp {value[:40]!r} is not ISO 8601") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
