"""Zendesk's signed URL, checked: the JWT Zendesk posts when it opens the ticket sidebar.

With ``signedUrls`` on, Zendesk loads the sidebar with a POST whose form field ``token`` is a
JWT signed RS256 with the app's private key. :func:`verify` accepts it only when

* the header says RS256 and the signature checks out with the app's public key (an HS256 token
  "signed" with the public key as its secret, or ``alg: none``, is refused before any claim is
  read);
* ``iss`` is the account's host (``acme.zendesk.com``);
* ``aud`` is ``https://<that host>/api/v2/apps/installations/<id>.json``, exactly: the
  installation id is read from it;
* ``exp`` has not passed and ``iat`` (and ``nbf``, if sent) is not in the future, each with
  ``LEEWAY`` seconds for clocks that disagree. ``now`` is passed in.

The public key is ``ZENDESK_APP_PUBLIC_KEY``, else fetched once from the account
(:class:`PublicKey`) and kept for the life of the process; a failed fetch is tried again on the
next request. A refusal (:class:`Refused`) carries the words the agent reads, which say no more
than "expired", "not for this account" or "bad signature", and a reason for the log line, which
never holds the token or a value taken from it.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from bot.config import Settings
from bot.http_limits import KIB

log = logging.getLogger(__name__)

LEEWAY = 60  # seconds either way for exp, iat and nbf
KEY_TIMEOUT = 5.0  # seconds to fetch the app's public key
KEY_MAX_BYTES = 16 * KIB  # a 4096-bit key's PEM is under 1 kB
KEY_PATH = "/api/v2/apps/{app_id}/public_key.pem"
_ID = r"([1-9][0-9]{0,18})"


class Refusal(Enum):
    """Why a sidebar was refused, in the words the agent reads (heading, what to do)."""

    NO_TOKEN = (
        "Open this from a ticket",
        "portbot shows here only when Zendesk opens it from a ticket. Open a ticket to see it.",
    )
    EXPIRED = (
        "Sign-in expired",
        "This page's sign-in has expired. Reload the ticket to open it again. If this keeps "
        "happening, ask your admin to check the clock of portbot's server.",
    )
    NOT_FOR_US = (
        "Not for this account",
        "This page was opened for another Zendesk account. Ask your admin to check the "
        "account portbot is set up for.",
    )
    BAD_SIGNATURE = (
        "Bad signature",
        "portbot could not confirm that Zendesk opened this page. Reload the ticket. If this "
        "keeps happening, ask your admin to check the app's public key in portbot's settings.",
    )

    @property
    def heading(self) -> str:
        return self.value[0]

    @property
    def advice(self) -> str:
        return self.value[1]


class Refused(Exception):
    """A token that does not open the sidebar: ``refusal`` for the page, ``why`` for the log."""

    def __init__(self, refusal: Refusal, why: str) -> None:
        super().__init__(why)
        self.refusal, self.why = refusal, why


class KeyUnavailable(Exception):
    """No public key is configured, or fetching it failed (answer 503; the next request tries
    again)."""


@dataclass(frozen=True)
class Account:
    """The Zendesk account the sidebar serves.

    ``host`` is the issuer of its tokens and the host of their audience (``acme.zendesk.com``:
    ``ZENDESK_SUBDOMAIN``, else the host of ``ZENDESK_URL``); ``origin`` is the page allowed to
    frame the sidebar; ``api`` is where its API answers (``ZENDESK_URL``, else the host)."""

    host: str
    origin: str
    api: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Account | None:
        if settings.zendesk_subdomain:
            host = f"{settings.zendesk_subdomain}.zendesk.com"
            origin = f"https://{host}"
        elif settings.zendesk_url:
            parts = urlsplit(settings.zendesk_url)
            host = parts.netloc.rpartition("@")[2].lower()
            origin = f"{parts.scheme}://{host}"
        else:
            return None
        return cls(host=host, origin=origin, api=settings.zendesk_url or origin)


@dataclass(frozen=True)
class Installation:
    """Who a verified token speaks for: the app's installation, and the agent if it says."""

    installation_id: int
    user_id: int | None = None


def load_public_key(pem: str | bytes) -> RSAPublicKey:
    """An RSA public key from PEM; :class:`ValueError` for anything else."""
    data = pem.encode("utf-8") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"not a public key ({exc})") from None
    if not isinstance(key, RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


class PublicKey:
    """The app's public key: ``pem`` when configured, else fetched from ``url`` once.

    A successful fetch is kept for the life of the process; a failed one is not, so the next
    request tries again. Fetches do not overlap: requests that arrive during one wait for it."""

    def __init__(
        self,
        *,
        pem: str | None = None,
        url: str | None = None,
        timeout: float = KEY_TIMEOUT,
        max_bytes: int = KEY_MAX_BYTES,
    ) -> None:
        self.url, self.timeout, self.max_bytes = url, timeout, max_bytes
        self._key = load_public_key(pem) if pem else None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, account: Account | None) -> PublicKey:
        url = None
        if settings.zendesk_app_id is not None and account is not None:
            url = account.api + KEY_PATH.format(app_id=settings.zendesk_app_id)
        return cls(pem=settings.zendesk_app_public_key, url=url)

    @property
    def configured(self) -> bool:
        return self._key is not None or self.url is not None

    def get(self) -> RSAPublicKey:
        """The key; :class:`KeyUnavailable` when none is configured or it cannot be fetched."""
        if self._key is not None:
            return self._key
        if self.url is None:
            raise KeyUnavailable("neither ZENDESK_APP_PUBLIC_KEY nor ZENDESK_APP_ID is set")
        with self._lock:
            if self._key is None:
                self._key = self._fetch(self.url)
            return self._key

    def _fetch(self, url: str) -> RSAPublicKey:
        try:
            with requests.get(url, timeout=self.timeout, stream=True) as answer:
                if answer.status_code != 200:
                    raise ValueError(f"HTTP {answer.status_code}")
                data = answer.raw.read(self.max_bytes + 1, decode_content=True)
            if len(data) > self.max_bytes:
                raise ValueError(f"more than {self.max_bytes} bytes")
            key = load_public_key(data)
        except (requests.RequestException, OSError, ValueError) as exc:
            log.warning("the Zendesk app's public key could not be fetched from %s: %s", url, exc)
            raise KeyUnavailable(f"the app's public key could not be fetched ({exc})") from None
        log.info("fetched the Zendesk app's public key from %s", url)
        return key


def verify(token: str, key: RSAPublicKey, account: Account, *, now: float) -> Installation:
    """The installation a signed-URL token was issued for; :class:`Refused` otherwise."""
    if not token:
        raise Refused(Refusal.NO_TOKEN, "no token in the form")
    claims = _signed_claims(token, key)
    if claims.get("iss") != account.host:
        raise Refused(Refusal.NOT_FOR_US, f"token's iss is not {account.host}")
    aud = claims.get("aud")
    audience = rf"https://{re.escape(account.host)}/api/v2/apps/installations/{_ID}\.json"
    found = re.fullmatch(audience, aud) if isinstance(aud, str) else None
    if found is None:
        raise Refused(Refusal.NOT_FOR_US, "token's aud is not an installation of this account")
    exp, iat, nbf = (_instant(claims, name) for name in ("exp", "iat", "nbf"))
    if exp is None or iat is None:
        raise Refused(Refusal.BAD_SIGNATURE, "token without exp or iat")
    if now > exp + LEEWAY:
        raise Refused(Refusal.EXPIRED, "token expired")
    if iat > now + LEEWAY or (nbf is not None and nbf > now + LEEWAY):
        raise Refused(Refusal.EXPIRED, "token issued in the future (are the clocks right?)")
    return Installation(int(found.group(1)), _user_id(claims.get("sub"), account))


def _signed_claims(token: str, key: RSAPublicKey) -> dict[str, Any]:
    """The claims of a token signed RS256 with ``key``; nothing is read from it before that."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != "RS256":
            raise Refused(Refusal.BAD_SIGNATURE, "token not signed RS256")
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            options={
                "verify_exp": False,  # checked by verify() against the ``now`` it is given
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": False,  # its shape is checked there, and the id read from it
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError:
        raise Refused(Refusal.BAD_SIGNATURE, "token's signature does not match the key") from None
    except jwt.InvalidTokenError:
        raise Refused(Refusal.BAD_SIGNATURE, "token unreadable or wrongly signed") from None
    if not isinstance(claims, dict):
        raise Refused(Refusal.BAD_SIGNATURE, "token's claims are not an object")
    return claims


def _instant(claims: dict[str, Any], name: str) -> int | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(Refusal.BAD_SIGNATURE, f"token's {name} is not a time")
    return int(value)


def _user_id(sub: object, account: Account) -> int | None:
    """The agent, when ``sub`` names one (a user's API URL on this account, or a bare id)."""
    if isinstance(sub, int) and not isinstance(sub, bool) and sub > 0:
        return sub
    if not isinstance(sub, str):
        return None
    user = rf"(?:https://{re.escape(account.host)}/api/v2/users/)?{_ID}(?:\.json)?"
    found = re.fullmatch(user, sub)
    return int(found.group(1)) if found else None
