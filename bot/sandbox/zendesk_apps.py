"""The simulated account's private app: its key pair, its public key, and signed-URL tokens.

A Zendesk app with ``signedUrls`` gets a POST with a form field ``token``: a JWT that Zendesk
signs RS256 with the app's private key. The simulator makes one RSA key pair (when first
needed: making it takes tens of milliseconds), serves the public half without authentication at
``GET /api/v2/apps/{app_id}/public_key.pem`` as Zendesk does, and signs tokens with the private
half (:meth:`SimApps.sidebar_token`). ``sim.public_key_fetches()`` counts the key's downloads.

The claims are the ones working integrations check (``iss``, ``aud``, ``exp``, ``iat``) plus
``context``; Zendesk publishes no claim table, so the user (``sub``, a user URL) is our guess.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.sandbox.zendesk_webhooks import SimWebhooks

APP_ID = 9001  # the simulated private app (ZENDESK_APP_ID)
INSTALLATION_ID = 700001  # its installation in the simulated account
AGENT_ID = 1002  # the agent a token speaks for, unless told otherwise
TOKEN_LIFETIME = 300.0  # seconds a signed-URL token lives (ours; Zendesk's is short too)
PUBLIC_KEY_PATH = "/api/v2/apps/{app_id}/public_key.pem"


class SimApps(SimWebhooks):
    """One private app (``app_id``, ``APP_ID`` unless changed) and its key pair."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.app_id = APP_ID
        self._app_key: rsa.RSAPrivateKey | None = None

    @property
    def app_private_key(self) -> rsa.RSAPrivateKey:
        """The app's private key (made on first use); tests sign odd tokens with it."""
        with self._lock:
            if self._app_key is None:
                self._app_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return self._app_key

    @property
    def app_public_key_pem(self) -> str:
        """The public key as ``public_key.pem`` serves it (``ZENDESK_APP_PUBLIC_KEY``)."""
        public = self.app_private_key.public_key()
        pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode("ascii")

    def public_key_fetches(self) -> int:
        """How many times the app's public key was asked for (failed answers included)."""
        path = PUBLIC_KEY_PATH.format(app_id=self.app_id)
        return sum(1 for c in self.calls("GET") if c.path == path)

    def sidebar_token(
        self,
        *,
        installation_id: int = INSTALLATION_ID,
        user_id: int | None = AGENT_ID,
        iat: float | None = None,
        exp: float | None = None,
        host: str | None = None,
        audience: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
        **claims: Any,
    ) -> str:
        """A signed-URL token as Zendesk signs it for the app's ticket sidebar.

        ``host`` is the account's (``acme.zendesk.com``; default this simulator's
        ``127.0.0.1:PORT``); it is the issuer and the audience's host. ``iat`` defaults to now
        and ``exp`` to ``TOKEN_LIFETIME`` after it; ``audience`` replaces the installation's
        URL, ``key`` the app's private key (a wrong key), and ``claims`` add or replace claims
        (``None`` removes one)."""
        host = host or urlsplit(self.url).netloc
        issued = self.clock() if iat is None else iat
        payload: dict[str, Any] = {
            "iss": host,
            "aud": audience or f"https://{host}/api/v2/apps/installations/{installation_id}.json",
            "iat": int(issued),
            "exp": int(issued + TOKEN_LIFETIME if exp is None else exp),
            "context": {"product": "support", "location": "ticket_sidebar"},
        }
        if user_id is not None:
            payload["sub"] = f"https://{host}/api/v2/users/{user_id}.json"
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, key or self.app_private_key, algorithm="RS256")
