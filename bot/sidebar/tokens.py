"""The sidebar token: what the sidebar page carries once Zendesk's signed URL checked out.

Zendesk sends its token only when it first loads the page, and browsers block cookies in a
cross-site frame, so the page carries a token of ours instead and sends it as a bearer token.
It is compact and URL-safe::

    v1.<installation id>.<user id or 0>.<expires, epoch seconds>.<signature>

The signature is HMAC-SHA256 over everything before it, unpadded base64url, with a key derived
from ``PORTBOT_SECRET_KEY`` by HKDF-SHA256 (as ``storage.crypto`` derives its keys, with its own
label, so the two never share a key). The first secret signs; every secret verifies, so the key
rotates as the encryption key does. Signatures are compared in constant time. Nothing in it is
secret: it only says, unforgeably, which installation the page was opened for, until when.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.sidebar.auth import Installation, Refusal, Refused

SIDEBAR_TOKEN_TTL = 8 * 3600  # seconds: a working day in one sidebar without a reload
_VERSION = "v1"
_MAX_LENGTH = 128  # a real token is under 100 characters
_HKDF_INFO = b"portbot zendesk sidebar token v1"


def _derive(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret.encode("utf-8")
    )


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


class SidebarTokens:
    """Issues and checks sidebar tokens with keys derived from ``secrets`` (the first signs)."""

    def __init__(self, secrets: Sequence[str], *, ttl: int = SIDEBAR_TOKEN_TTL) -> None:
        cleaned = [s.strip() for s in secrets if s.strip()]
        if not cleaned:
            raise ValueError("no secret to sign sidebar tokens with")
        self._keys = [_derive(s) for s in cleaned]
        self.ttl = ttl

    @classmethod
    def from_setting(cls, value: str) -> SidebarTokens:
        """From ``PORTBOT_SECRET_KEY`` as written (comma-separated secrets)."""
        return cls(value.split(","))

    def issue(self, grant: Installation, *, now: float) -> str:
        """A token for ``grant`` that works until ``now`` + ``ttl``."""
        body = f"{_VERSION}.{grant.installation_id}.{grant.user_id or 0}.{int(now) + self.ttl}"
        signature = _b64(hmac.new(self._keys[0], body.encode("ascii"), hashlib.sha256).digest())
        return f"{body}.{signature.decode('ascii')}"

    def read(self, token: str, *, now: float) -> Installation:
        """Who ``token`` was issued for; :class:`Refused` if altered, forged or expired."""
        if not token or len(token) > _MAX_LENGTH or not token.isascii():
            raise Refused(Refusal.BAD_SIGNATURE, "sidebar token missing or malformed")
        body, _, given = token.rpartition(".")
        message, signature = body.encode("ascii"), given.encode("ascii")
        if not any(
            hmac.compare_digest(_b64(hmac.new(k, message, hashlib.sha256).digest()), signature)
            for k in self._keys
        ):
            raise Refused(Refusal.BAD_SIGNATURE, "sidebar token altered or signed with another key")
        version, *numbers = body.split(".")
        if version != _VERSION or len(numbers) != 3 or not all(n.isdigit() for n in numbers):
            raise Refused(Refusal.BAD_SIGNATURE, "sidebar token of an unknown shape")
        installation, user, expires = (int(n) for n in numbers)
        if now >= expires:
            raise Refused(Refusal.EXPIRED, "sidebar token expired")
        return Installation(installation, user or None)

    def check(self, token: str, *, now: float) -> int:
        """The installation id ``token`` was issued for; :class:`Refused` otherwise."""
        return self.read(token, now=now).installation_id
