"""The id of the HTTP request being served, carried to everything it causes.

Every request gets a short id when it arrives (``bot.web``'s access log): it is on the one line
logged for the request, on every line logged while serving it, in the reference an unexpected
error shows the person, and on each outbox row the request queues, so a delivery's log lines
name the request that caused it, even in another process, minutes later. A leaf: any layer may
use it, and it imports nothing of ours.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("portbot_request_id", default=None)


def new_id() -> str:
    """A fresh id: ten hex digits, upper case, short enough to read out over the phone."""
    return secrets.token_hex(5).upper()


def current() -> str | None:
    """The id of the request this code serves, if it serves one."""
    return _current.get()


@contextmanager
def bound(request_id: str | None) -> Iterator[str | None]:
    """Serve ``request_id`` (None: no request) until the block ends."""
    token = _current.set(request_id)
    try:
        yield request_id
    finally:
        _current.reset(token)
