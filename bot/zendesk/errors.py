"""Zendesk's answers as exceptions: what went wrong, and whether trying again can help.

:func:`translated` turns what requests and zenpy raise during one gateway call into a
:class:`ZendeskError` subclass; the messages carry Zendesk's error code, description and the
names of the fields it complained about, never values.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from zenpy.lib.exception import APIException, RatelimitBudgetExceeded, ZenpyException

__all__ = [
    "DEFAULT_RETRY_AFTER",
    "RateLimited",
    "Rejected",
    "Unavailable",
    "ZendeskError",
    "retry_after",
    "translated",
]

DEFAULT_RETRY_AFTER = 60.0  # seconds, when a 429 names no usable Retry-After
_RETRYABLE_4XX = (408, 409)  # request timeout; Zendesk's conflict on concurrent writes


class ZendeskError(Exception):
    """A Zendesk call did not succeed; the subclasses say whether trying again can help."""


class RateLimited(ZendeskError):
    """HTTP 429: try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: float, message: str = "") -> None:
        super().__init__(message or f"Zendesk rate limit: retry in {retry_after:g}s")
        self.retry_after = retry_after


class Unavailable(ZendeskError):
    """Zendesk could not be reached, timed out or failed (5xx): try again later.

    After a timeout the request may have been applied; a create must be followed by a lookup
    by ``external_id`` before it is sent again.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Rejected(ZendeskError):
    """Zendesk refused the request (4xx other than 429): sending it again will not help."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"Zendesk refused the request (HTTP {status}): {detail}")
        self.status, self.detail = status, detail


def retry_after(value: str | None) -> float:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    if not value:
        return DEFAULT_RETRY_AFTER
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER


@contextmanager
def translated(action: str) -> Iterator[None]:
    """Turn what requests and zenpy raise into :class:`ZendeskError` subclasses."""
    try:
        yield
    except ZendeskError:
        raise
    except requests.Timeout as exc:
        raise Unavailable(f"{action}: Zendesk did not answer in time") from exc
    except APIException as exc:
        raise _refusal(action, exc.response) from None
    except requests.HTTPError as exc:
        raise _refusal(action, exc.response) from None
    except (
        requests.exceptions.InvalidURL,
        requests.exceptions.InvalidSchema,
        requests.exceptions.MissingSchema,
    ) as exc:
        raise ZendeskError(f"{action}: the Zendesk URL is not usable") from exc
    except requests.RequestException as exc:
        raise Unavailable(f"{action}: cannot reach Zendesk ({type(exc).__name__})") from exc
    except RatelimitBudgetExceeded:
        raise RateLimited(DEFAULT_RETRY_AFTER) from None
    except ZenpyException as exc:  # zenpy could not make sense of the answer
        raise ZendeskError(f"{action}: unexpected answer ({type(exc).__name__})") from None


def _refusal(action: str, response: requests.Response | None) -> ZendeskError:
    status = response.status_code if response is not None else 0
    detail = f"{action}: {_describe(response)}"
    if status == 429 and response is not None:
        return RateLimited(retry_after(response.headers.get("Retry-After")))
    if status >= 500 or status in _RETRYABLE_4XX:
        return Unavailable(f"{detail} (HTTP {status})", status)
    if 400 <= status < 500:
        return Rejected(status, detail)
    return ZendeskError(f"{detail} (HTTP {status})")


def _describe(response: requests.Response | None) -> str:
    """Zendesk's error code and description plus the names of fields it named; no values."""
    try:
        data = response.json() if response is not None else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return "no details"
    error = data.get("error")
    if isinstance(error, dict):  # some endpoints nest {"title", "message"}
        error = error.get("title")
    parts = [str(p) for p in (error, data.get("description")) if p]
    if isinstance(data.get("details"), dict) and data["details"]:
        parts.append("fields: " + ", ".join(sorted(map(str, data["details"]))))
    return "; ".join(parts)[:300] or "no details"
