"""The simulated Zendesk account behind ``ZendeskSimulator``: what it holds and how tests set it up.

``ZendeskState`` keeps tickets, comments, users and uploads in memory behind one re-entrant lock,
together with the recorded calls and the configured faults. Its public methods are the
test-facing half of the simulator: seeding (``add_user``), fault injection (``fail``,
``rate_limit``, ``hang_after_write``, ``down``/``recover``, ``latency``) and inspection
(``calls``, ``tickets``, ``comments``, ``uploads``...). Zendesk's rules for changing tickets live
in ``zendesk_tickets``, agent actions and webhooks in ``zendesk_webhooks``, the HTTP front end in
``zendesk_http``.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

Json = dict[str, Any]
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
IDEMPOTENCY_WINDOW = 2 * 3600.0  # Zendesk keeps an Idempotency-Key for two hours
_PLAIN_FIELDS = (
    "subject",
    "type",
    "priority",
    "assignee_id",
    "group_id",
    "organization_id",
    "external_id",
    "due_at",
    "requester_id",
    "brand_id",
    "ticket_form_id",
)


@dataclass(frozen=True)
class Call:
    """One request the simulator answered, failed and faulted ones included.

    ``body`` is the parsed JSON body (``None`` for none or a raw upload, whose length is
    ``size``); ``headers`` have lower-case names and never the ``Authorization`` header.
    """

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    at: float
    headers: dict[str, str]
    size: int = 0
    error: str | None = None


@dataclass(frozen=True)
class Upload:
    """A file sent to ``POST /api/v2/uploads.json``; ``attachment`` is Zendesk's JSON for it."""

    token: str
    filename: str
    content_type: str
    content: bytes
    attachment: Json


class ApiError(Exception):
    """A Zendesk error answer: the HTTP status and its JSON body (``error``, ``description``)."""

    def __init__(
        self, status: int, error: str, description: str = "", details: Json | None = None
    ) -> None:
        super().__init__(f"{status} {error}: {description}".rstrip(": "))
        self.status = status
        self.body: Json = {"error": error}
        if description:
            self.body["description"] = description
        if details:
            self.body["details"] = details


def not_found() -> ApiError:
    return ApiError(404, "RecordNotFound", "Not found")


def invalid(field: str, message: str) -> ApiError:
    """A 422 naming the offending attribute, shaped like Zendesk's validation errors."""
    detail = {field: [{"description": message, "error": "InvalidValue"}]}
    return ApiError(422, "RecordInvalid", "Record validation errors", detail)


def iso(ts: float) -> str:
    """Seconds since the epoch as Zendesk prints times: ``2024-05-01T12:00:00Z``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _Fault:
    method: str  # an HTTP verb or "*"
    path: str  # an fnmatch pattern over the path, query left out
    times: int | None  # None: until cleared
    status: int = 500
    retry_after: float | None = None
    seconds: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and fnmatch.fnmatchcase(path, self.path)


@dataclass
class _Remembered:
    """A ticket create answered under an Idempotency-Key."""

    request: str  # the request body, canonical JSON
    response: Json
    at: float


def _route(pattern: str) -> tuple[str, str]:
    """``"POST /api/v2/tickets.json"`` -> ``("POST", "/api/v2/tickets.json")``; no verb: any."""
    method, _, path = pattern.strip().rpartition(" ")
    return (method.strip().upper() or "*"), path or "*"


class ZendeskState:
    """The account, its setup, fault configuration and inspection (see the module docstring).

    ``email``/``token``: when both are given, every request must carry Basic auth
    ``email/token:token``. ``ticket_fields``: the account's custom field ids; every ticket then
    lists each of them (``null`` until set) and ignores other ids, as Zendesk does. Without it
    any field id is accepted. ``clock`` stamps ``created_at``/``updated_at`` and ages
    Idempotency-Keys.
    """

    def __init__(
        self,
        *,
        email: str | None = None,
        token: str | None = None,
        ticket_fields: Iterable[int] = (),
        clock: Callable[[], float] = time.time,
        idempotency_window: float = IDEMPOTENCY_WINDOW,
    ) -> None:
        self.email, self.token = email, token
        self.ticket_fields = [int(f) for f in ticket_fields]
        self.clock, self.idempotency_window = clock, idempotency_window
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._ticket_ids = itertools.count(1)
        self._user_ids = itertools.count(1001)
        self._event_ids = itertools.count(10001)  # comments and audits
        self._attachment_ids = itertools.count(50001)
        self._tickets: dict[int, Json] = {}
        self._comments: dict[int, list[Json]] = {}
        self._users: dict[int, Json] = {}
        self._uploads: list[Upload] = []
        self._claimed: set[str] = set()  # upload tokens already attached to a comment
        self._remembered: dict[str, _Remembered] = {}
        self._calls: list[Call] = []
        self._faults: list[_Fault] = []
        self._hangs: list[_Fault] = []
        self._down = False
        self._latency = 0.0
        self._server: ThreadingHTTPServer | None = None
        self.api_user = self.add_user("Portbot API", email or "api@portbot.test", role="admin")

    # ------------------------------------------------------------------ addresses
    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:PORT`` (``ZENDESK_URL``); API paths start /api/v2."""
        if self._server is None:
            raise RuntimeError("ZendeskSimulator is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _store_upload(self, token: str, name: str, ctype: str, raw: bytes) -> Upload:
        """Keep an uploaded file under ``token`` (lock held), as Zendesk describes it."""
        aid, link = next(self._attachment_ids), f"{self._base()}/attachments/token/{token}/"
        attachment = {"id": aid, "url": f"{self._base()}/api/v2/attachments/{aid}.json"}
        attachment.update(file_name=name, content_type=ctype, size=len(raw), inline=False)
        attachment.update(content_url=f"{link}?name={quote(name)}", deleted=False, thumbnails=[])
        attachment.update(mapped_content_url=attachment["content_url"], width=None, height=None)
        attachment.update(malware_access_override=False, malware_scan_result="malware_not_found")
        upload = Upload(token, name, ctype, raw, attachment)
        self._uploads.append(upload)
        return upload

    def _base(self) -> str:
        return self.url if self._server is not None else "http://127.0.0.1"

    # ------------------------------------------------------------------ seeding
    def add_user(self, name: str, email: str, role: str = "end-user") -> Json:
        """Add a user (``end-user``, ``agent`` or ``admin``); returns its JSON."""
        with self._lock:
            return self._render_user(self._new_user(name, email, role))

    # ------------------------------------------------------------------ faults
    def fail(self, route: str = "*", status: int = 500, times: int | None = 1) -> None:
        """Answer the next ``times`` matching requests with ``status`` (``None``: until cleared).

        ``route`` is ``"VERB /path/glob"`` or just a path glob, e.g. ``"PUT /api/v2/tickets/*"``.
        """
        method, path = _route(route)
        with self._lock:
            self._faults.append(_Fault(method, path, times, status))

    def rate_limit(self, retry_after: float = 30, times: int | None = 1, route: str = "*") -> None:
        """Answer the next ``times`` matching requests 429 with ``Retry-After: retry_after``."""
        method, path = _route(route)
        with self._lock:
            self._faults.append(_Fault(method, path, times, 429, retry_after))

    def hang_after_write(self, route: str, seconds: float, times: int | None = 1) -> None:
        """Apply the next ``times`` matching requests, then wait ``seconds`` before answering.

        A client with a shorter timeout gives up although the change was made: the ticket
        exists, and a blind retry would create a second one.
        """
        method, path = _route(route)
        with self._lock:
            self._hangs.append(_Fault(method, path, times, seconds=seconds))

    def down(self) -> None:
        """Answer every request 503 until :meth:`recover`."""
        with self._lock:
            self._down = True

    def recover(self) -> None:
        """End :meth:`down`."""
        with self._lock:
            self._down = False

    def latency(self, seconds: float) -> None:
        """Hold every answer ``seconds`` (0 to stop)."""
        with self._lock:
            self._latency = max(0.0, seconds)

    def clear_faults(self) -> None:
        """Forget configured failures, hangs, latency and down mode."""
        with self._lock:
            self._faults.clear()
            self._hangs.clear()
            self._down, self._latency = False, 0.0

    @staticmethod
    def _take(queue: list[_Fault], method: str, path: str) -> _Fault | None:
        """Use up one turn of the first configured fault matching the request (lock held)."""
        for fault in queue:
            if fault.matches(method, path):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        queue.remove(fault)
                return fault
        return None

    # ------------------------------------------------------------------ inspection
    def calls(self, method: str | None = None, path_prefix: str | None = None) -> list[Call]:
        """Recorded calls in order, optionally only one verb and/or paths starting so."""
        with self._lock:
            return [
                c
                for c in self._calls
                if method in (None, c.method) and c.path.startswith(path_prefix or "")
            ]

    def searches(self) -> list[Call]:
        """Calls to the Search API (hot paths should make none)."""
        return self.calls("GET", "/api/v2/search")

    def reset_calls(self) -> None:
        """Forget recorded calls; the account stays as it is."""
        with self._lock:
            self._calls.clear()

    def wait_for(
        self,
        path_prefix: str,
        method: str | None = None,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[Call]:
        """Block until ``count`` matching calls were recorded (work done in the background)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(seen := self.calls(method, path_prefix)) < count:
                if (left := deadline - time.monotonic()) <= 0:
                    raise TimeoutError(f"{path_prefix}: {len(seen)} of {count} calls in {timeout}s")
                self._changed.wait(left)
            return seen

    def tickets(self) -> list[Json]:
        """Every ticket, oldest first, as ``GET /api/v2/tickets/{id}.json`` shows it."""
        with self._lock:
            return [self._render_ticket(t) for t in self._tickets.values()]

    def ticket(self, ticket_id: int) -> Json | None:
        """One ticket, or ``None``."""
        with self._lock:
            found = self._tickets.get(int(ticket_id))
            return self._render_ticket(found) if found else None

    def comments(self, ticket_id: int) -> list[Json]:
        """A ticket's comments, oldest first (the first one is the description)."""
        with self._lock:
            return _copy(self._comments.get(int(ticket_id), []))

    @property
    def uploads(self) -> list[Upload]:
        """Every file uploaded, in order."""
        with self._lock:
            return list(self._uploads)

    def users(self) -> list[Json]:
        """Every user, the API user first."""
        with self._lock:
            return [self._render_user(u) for u in self._users.values()]

    def user(self, user_id: int) -> Json | None:
        """One user, or ``None``."""
        with self._lock:
            found = self._users.get(int(user_id))
            return self._render_user(found) if found else None

    # ------------------------------------------------------------------ users (lock held)
    def _new_user(self, name: str, email: str, role: str) -> Json:
        uid, now = next(self._user_ids), iso(self.clock())
        user = {"id": uid, "name": name, "email": email.strip().lower(), "role": role}
        user.update(active=True, verified=True, external_id=None, tags=[], user_fields={})
        user.update(time_zone="UTC", locale="en-US", created_at=now, updated_at=now)
        self._users[uid] = user
        return user

    def _user_by_email(self, email: str) -> Json | None:
        wanted = email.strip().lower()
        if not wanted:
            return None
        return next((u for u in self._users.values() if u["email"] == wanted), None)

    def _user_by_external_id(self, external_id: str) -> Json | None:
        return next((u for u in self._users.values() if u["external_id"] == external_id), None)

    # ------------------------------------------------------------------ rendering (lock held)
    def _render_user(self, user: Json) -> Json:
        return {**_copy(user), "url": f"{self._base()}/api/v2/users/{user['id']}.json"}

    def _render_ticket(self, ticket: Json) -> Json:
        shown = _copy(ticket)
        shown.update(url=f"{self._base()}/api/v2/tickets/{ticket['id']}.json")
        shown["fields"] = _copy(shown["custom_fields"])
        return shown


def _copy(value: Any) -> Any:
    """A deep copy through JSON, so callers never share the simulator's state."""
    return json.loads(json.dumps(value))


def new_token() -> str:
    """An upload token shaped like Zendesk's (opaque, url-safe)."""
    return secrets.token_urlsafe(18)
