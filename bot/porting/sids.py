"""Request identifiers: ``PR`` + 32 lowercase hex characters (128 random bits).

People may type any unique prefix of at least eight hex characters after the ``PR``.
"""

from __future__ import annotations

import re
import secrets

from bot.porting.errors import InvalidInput

REQUEST = "PR"
PORT_OUT = "PO"
WINDOW = "PW"
HEX_LENGTH = 32
MIN_PREFIX = 8

_FULL = re.compile(r"^(PR|PO|PW)[0-9a-f]{32}$")
_QUERY = re.compile(r"^(PR|PO|PW)([0-9A-Fa-f]*)$")


def new_sid(kind: str = REQUEST) -> str:
    """A fresh, unguessable identifier of the given kind."""
    return kind + secrets.token_hex(HEX_LENGTH // 2)


def is_sid(text: str, kind: str = REQUEST) -> bool:
    return bool(_FULL.match(text)) and text.startswith(kind)


def parse_query(text: str, kind: str = REQUEST) -> str:
    """Normalize what someone typed into a lookup prefix (``PR`` + lowercase hex).

    Surrounding spaces, backticks, quotes and a leading ``#`` are ignored; ``pr`` is accepted.
    Raises :class:`InvalidInput` with a helpful message otherwise.
    """
    cleaned = text.strip().strip("`'\"<>*_").lstrip("#").strip()
    if cleaned[:2].upper() == kind:
        cleaned = kind + cleaned[2:]
    match = _QUERY.match(cleaned)
    if not match or match.group(1) != kind:
        raise InvalidInput(
            f"“{_short(text)}” is not a request ID. IDs look like {kind}1a2b3c4d… "
            f"({kind} followed by letters a–f and digits)."
        )
    digits = match.group(2).lower()
    if len(digits) < MIN_PREFIX:
        raise InvalidInput(
            f"“{_short(text)}” is too short to find a request: give at least "
            f"{MIN_PREFIX} characters after {kind}."
        )
    if len(digits) > HEX_LENGTH:
        raise InvalidInput(f"“{_short(text)}” is longer than a request ID.")
    return kind + digits


def _short(text: str, limit: int = 40) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
