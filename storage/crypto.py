"""Encryption at rest for PINs, SSN digits and account numbers.

``PORTBOT_SECRET_KEY`` holds one or more comma-separated secrets. Each is stretched with
HKDF-SHA256 into a Fernet key (AES-128-CBC + HMAC-SHA256, authenticated). The first key encrypts;
all keys decrypt, so a key is rotated by putting the new one first and keeping the old one for
as long as rows written with it remain (every rewrite of a row re-encrypts it with the new key;
:meth:`Keyring.rotate` re-encrypts a value explicitly).
"""

from __future__ import annotations

import base64
import threading

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIN_SECRET_LENGTH = 16
_HKDF_INFO = b"portbot at-rest encryption v1"


class SecretKeyError(ValueError):
    """A secret key is missing or unusable."""


class DecryptionError(RuntimeError):
    """Stored ciphertext cannot be opened with any configured key."""


def _derive(secret: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret.encode("utf-8")
    )
    return base64.urlsafe_b64encode(raw)


class Keyring:
    """Encrypts with the first key and decrypts with any of them."""

    def __init__(self, secrets: list[str]) -> None:
        cleaned = [s.strip() for s in secrets if s.strip()]
        if not cleaned:
            raise SecretKeyError("no secret key given")
        for s in cleaned:
            if len(s) < MIN_SECRET_LENGTH:
                raise SecretKeyError(
                    f"each key must be at least {MIN_SECRET_LENGTH} characters long"
                )
        self._fernet = MultiFernet([Fernet(_derive(s)) for s in cleaned])

    @classmethod
    def from_setting(cls, value: str) -> Keyring:
        return cls(value.split(","))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError) as exc:
            raise DecryptionError(
                "a stored secret cannot be decrypted: "
                "is PORTBOT_SECRET_KEY the key it was written with?"
            ) from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` with the first key."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")


_lock = threading.Lock()
_active: Keyring | None = None


def configure(keyring: Keyring) -> None:
    """Install the keyring that encrypted columns use in this process."""
    global _active
    with _lock:
        _active = keyring


def active() -> Keyring:
    if _active is None:
        raise SecretKeyError(
            "encryption is not configured: set PORTBOT_SECRET_KEY (storage.crypto.configure)"
        )
    return _active


def generate_secret() -> str:
    """A fresh random secret suitable for ``PORTBOT_SECRET_KEY``."""
    return Fernet.generate_key().decode("ascii")
