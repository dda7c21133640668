"""The Zendesk simulator's HTTP front end: serving, gates, auth, routing and call recording.

``SimHttp.start`` binds a stdlib ``ThreadingHTTPServer`` on ``127.0.0.1:0``. Each request waits
out the configured latency, then meets the gates (down mode, configured failures and 429s),
Basic auth and its Support API handler; the answer is recorded as a ``Call``, held for a
configured hang (the change already made) and sent in Zendesk's JSON wire format.
"""

from __future__ import annotations

import base64
import hmac
import io
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from bot.sandbox.loopback import LoopbackServer, SimHandler
from bot.sandbox.zendesk_apps import SimApps
from bot.sandbox.zendesk_state import (
    ApiError,
    Call,
    Json,
    _copy,
    _Remembered,
    iso,
    new_token,
    not_found,
)
from bot.sandbox.zendesk_webhooks import WebhookDelivery

_ROUTES = [
    (verb, re.compile(path + r"(?:\.json)?"), name)
    for verb, path, name in (
        ("POST", r"/api/v2/tickets", "create_ticket"),
        ("GET", r"/api/v2/tickets", "list_tickets"),
        ("GET", r"/api/v2/tickets/(\d+)", "show_ticket"),
        ("PUT", r"/api/v2/tickets/(\d+)", "update_ticket"),
        ("GET", r"/api/v2/tickets/(\d+)/comments", "list_comments"),
        ("POST", r"/api/v2/uploads", "upload"),
        ("POST", r"/api/v2/users/create_or_update", "upsert_user"),
        ("GET", r"/api/v2/users/search", "search_users"),
        ("GET", r"/api/v2/users/me", "me"),
        ("GET", r"/api/v2/users/(\d+)", "show_user"),
        ("GET", r"/api/v2/search", "search"),
        ("GET", r"/api/v2/apps/(\d+)/public_key\.pem", "app_public_key"),
    )
]
_OPEN_ROUTES = frozenset({"app_public_key"})  # served without authentication, as by Zendesk
_TICKET_TERMS: dict[str, Callable[[Json, str], bool]] = {
    "external_id": lambda t, v: t["external_id"] == v,
    "status": lambda t, v: t["status"] == v,
    "tags": lambda t, v: v.lower() in t["tags"],
    "tag": lambda t, v: v.lower() in t["tags"],
    "subject": lambda t, v: v.lower() in t["subject"].lower(),
}


@dataclass
class _Request:
    method: str
    path: str
    query: dict[str, str]
    raw: bytes
    headers: dict[str, str]  # lower-case names, Authorization left out
    auth: str
    body: Any = None  # the parsed JSON body
    bad_json: bool = False


@dataclass
class _Answer:
    status: int
    body: Json
    headers: dict[str, str] = field(default_factory=dict)
    deliveries: list[WebhookDelivery] = field(default_factory=list)
    text: str | None = None  # a plain-text answer (the app's public key) instead of JSON


class _Handler(SimHandler):
    wbufsize = -1  # headers and body leave in one write (no Nagle / delayed-ACK stalls)
    do_PUT = do_DELETE = SimHandler.do_GET


class SimHttp(LoopbackServer, SimApps):
    """Serving and the Support API handlers (``_api_*``)."""

    handler = _Handler
    thread_name = "zendesk-sim"

    # ------------------------------------------------------------------ one request
    def _serve(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        size = int(handler.headers.get("Content-Length") or 0)
        req = _Request(
            handler.command,
            parts.path,
            dict(parse_qsl(parts.query, keep_blank_values=True)),
            handler.rfile.read(size) if size else b"",
            {k.lower(): v for k, v in handler.headers.items() if k.lower() != "authorization"},
            handler.headers.get("Authorization") or "",
        )
        if req.raw and not req.path.startswith("/api/v2/uploads"):  # uploads are files
            try:
                req.body = json.loads(req.raw)
            except ValueError:
                req.bad_json = True
        with self._lock:
            latency = self._latency
        if latency:
            time.sleep(latency)
        with self._lock:
            answer = self._gate(req)
            hang = None
            if answer is None:
                answer = self._handle(req)
                hang = self._take(self._hangs, req.method, req.path)
            self._record(req, answer)
        if hang is not None:
            time.sleep(hang.seconds)
        try:
            _write(handler, answer)
        except OSError:  # the client gave up (a timeout); the change stands
            handler.close_connection = True
            handler.wfile = io.BytesIO()  # so the server's own flush has nowhere to fail
        if self.deliver_webhooks:
            for delivery in answer.deliveries:
                threading.Thread(target=self._post_webhook, args=(delivery,), daemon=True).start()

    def _gate(self, req: _Request) -> _Answer | None:
        """Down mode or a configured failure, if one applies (lock held)."""
        if self._down:
            return _Answer(503, {"error": "ServiceUnavailable", "description": "Simulated outage"})
        fault = self._take(self._faults, req.method, req.path)
        if fault is None:
            return None
        if fault.status == 429:
            wait = f"{fault.retry_after:g}"
            text = f"Simulated rate limit; retry after {wait} seconds"
            body = {"error": "TooManyRequests", "description": text}
            return _Answer(429, body, {"Retry-After": wait})
        error = "InternalServerError" if fault.status >= 500 else "SimulatedError"
        return _Answer(fault.status, {"error": error, "description": "Simulated failure"})

    def _handle(self, req: _Request) -> _Answer:
        """Route, authenticate, decode and run the handler (lock held)."""
        route = _match(req.method, req.path)
        if route is None:
            return _Answer(404, {"error": "InvalidEndpoint", "description": "Not found"})
        if self.email is not None and self.token is not None and route[0] not in _OPEN_ROUTES:
            secret = f"{self.email}/token:{self.token}".encode()
            expected = "Basic " + base64.b64encode(secret).decode()
            if not hmac.compare_digest(req.auth.encode(), expected.encode()):
                text = "Missing or wrong API credentials"
                return _Answer(401, {"error": "Unauthorized", "description": text})
        name, args = route
        try:
            if req.bad_json:
                raise ApiError(400, "InvalidJSON", "The body is not valid JSON")
            return getattr(self, "_api_" + name)(req, *args)
        except ApiError as refusal:
            return _Answer(refusal.status, refusal.body)

    def _record(self, req: _Request, answer: _Answer) -> None:
        error = answer.body.get("error") if answer.status >= 400 else None
        call = Call(
            req.method,
            req.path,
            req.query,
            req.body,
            answer.status,
            time.time(),
            req.headers,
            len(req.raw),
            str(error) if error else None,
        )
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    # ------------------------------------------------------------------ tickets
    def _actor(self) -> Json:
        return self._users[self.api_user["id"]]

    def _audit(self, ticket: Json) -> Json:
        audit = {"id": next(self._event_ids), "ticket_id": ticket["id"], "events": []}
        audit.update(author_id=self.api_user["id"], created_at=ticket["updated_at"])
        return {**audit, "via": {"channel": "api"}}

    def _api_create_ticket(self, req: _Request) -> _Answer:
        spec = _object(req.body, "ticket")
        key, now = req.headers.get("idempotency-key"), self.clock()
        canonical = json.dumps(req.body, sort_keys=True)
        if key:
            expired = now - self.idempotency_window
            for old in [k for k, v in self._remembered.items() if v.at < expired]:
                del self._remembered[old]
            if (seen := self._remembered.get(key)) is not None:
                if seen.request != canonical:
                    text = "This Idempotency-Key was already used with other request parameters"
                    raise ApiError(400, "IdempotentRequestError", text)
                return _Answer(201, _copy(seen.response), {"x-idempotency-lookup": "hit"})
        ticket = self._create_ticket(spec, self._actor())
        body = {"ticket": self._render_ticket(ticket), "audit": self._audit(ticket)}
        headers = {"Location": body["ticket"]["url"]}
        if key:
            self._remembered[key] = _Remembered(canonical, _copy(body), now)
            headers["x-idempotency-lookup"] = "miss"
        return _Answer(201, body, headers)

    def _api_list_tickets(self, req: _Request) -> _Answer:
        wanted = req.query.get("external_id")
        found = [t for t in self._tickets.values() if wanted in (None, t["external_id"])]
        return _Answer(200, self._listing(req, "tickets", [self._render_ticket(t) for t in found]))

    def _api_show_ticket(self, req: _Request, tid: str) -> _Answer:
        if (ticket := self._tickets.get(int(tid))) is None:
            raise not_found()
        return _Answer(200, {"ticket": self._render_ticket(ticket)})

    def _api_update_ticket(self, req: _Request, tid: str) -> _Answer:
        spec = _object(req.body, "ticket")
        ticket, comment = self._update_ticket(int(tid), spec, self._actor())
        body = {"ticket": self._render_ticket(ticket), "audit": self._audit(ticket)}
        delivery = self._emit(ticket, comment, self._actor(), by_agent=False)
        return _Answer(200, body, deliveries=[delivery] if delivery else [])

    def _api_list_comments(self, req: _Request, tid: str) -> _Answer:
        if int(tid) not in self._tickets:
            raise not_found()
        return _Answer(200, self._listing(req, "comments", _copy(self._comments[int(tid)])))

    def _api_upload(self, req: _Request) -> _Answer:
        name = req.query.get("filename", "").strip()
        if not name:
            raise ApiError(400, "InvalidParameter", "filename is required")
        token = req.query.get("token") or new_token()
        if "token" in req.query and all(u.token != token for u in self._uploads):
            raise not_found()
        ctype = req.headers.get("content-type") or "application/octet-stream"
        attachment = self._store_upload(token, name, ctype, req.raw).attachment
        upload: Json = {
            "token": token,
            "expires_at": iso(self.clock() + 3600),
            "attachment": attachment,
        }
        upload["attachments"] = [u.attachment for u in self._uploads if u.token == token]
        return _Answer(201, {"upload": _copy(upload)})

    # ------------------------------------------------------------------ users and search
    def _api_upsert_user(self, req: _Request) -> _Answer:
        user, created = self._upsert_user(_object(req.body, "user"))
        return _Answer(201 if created else 200, {"user": self._render_user(user)})

    def _api_search_users(self, req: _Request) -> _Answer:
        text = (req.query.get("query") or req.query.get("email") or "").strip().lower()
        text = text.removeprefix("email:").strip('"')
        wanted = req.query.get("external_id")
        found = [
            self._render_user(u)
            for u in self._users.values()
            if (wanted is not None and u["external_id"] == wanted)
            or (text and (u["email"] == text or text in u["name"].lower()))
        ]
        return _Answer(200, _offset_page("users", found))

    def _api_me(self, req: _Request) -> _Answer:
        return _Answer(200, {"user": self._render_user(self._actor())})

    def _api_show_user(self, req: _Request, uid: str) -> _Answer:
        if (user := self._users.get(int(uid))) is None:
            raise not_found()
        return _Answer(200, {"user": self._render_user(user)})

    def _api_search(self, req: _Request) -> _Answer:
        """A small subset of the search syntax: ``type:``, ``key:value`` terms and words."""
        kind, terms, words = None, [], []
        for part in req.query.get("query", "").split():
            key, colon, value = part.partition(":")
            if colon and key == "type":
                kind = value
            elif colon:
                terms.append((key, value.strip('"')))
            else:
                words.append(part.lower())
        results = []
        if kind in (None, "ticket"):
            for t in self._tickets.values():
                text = f"{t['subject']} {t['description']}".lower()
                if all(_TICKET_TERMS.get(k, lambda *_: False)(t, v) for k, v in terms) and all(
                    w in text for w in words
                ):
                    results.append({**self._render_ticket(t), "result_type": "ticket"})
        if kind in (None, "user") and not terms and words:
            for u in self._users.values():
                if all(w in f"{u['name']} {u['email']}".lower() for w in words):
                    results.append({**self._render_user(u), "result_type": "user"})
        return _Answer(200, {**_offset_page("results", results), "facets": None})

    # ------------------------------------------------------------------ apps
    def _api_app_public_key(self, req: _Request, app_id: str) -> _Answer:
        if int(app_id) != self.app_id:
            raise not_found()
        return _Answer(200, {}, text=self.app_public_key_pem)

    # ------------------------------------------------------------------ pagination
    def _listing(self, req: _Request, key: str, items: list[Json]) -> Json:
        """Cursor pagination when ``page[size]`` is asked for, else offset pagination."""
        base = {k: v for k, v in req.query.items() if not k.startswith("page")}
        link = f"{self._base()}{req.path}?"
        if "page[size]" in req.query:
            size = max(1, min(100, _number(req.query["page[size]"])))
            start = _number(req.query.get("page[after]") or "0")
            stop = start + size
            more = stop < len(items)
            after = str(min(stop, len(items)))
            nxt = link + urlencode({**base, "page[size]": size, "page[after]": after})
            meta = {"has_more": more, "after_cursor": after, "before_cursor": str(start)}
            links = {"next": nxt if more else None, "prev": None}
            return {key: items[start:stop], "meta": meta, "links": links}
        per_page = max(1, min(100, _number(req.query.get("per_page") or "100")))
        page = max(1, _number(req.query.get("page") or "1"))
        chunk = items[(page - 1) * per_page : page * per_page]
        nxt = urlencode({**base, "page": page + 1, "per_page": per_page})
        prev = urlencode({**base, "page": page - 1, "per_page": per_page})
        return {
            key: chunk,
            "next_page": link + nxt if page * per_page < len(items) else None,
            "previous_page": link + prev if page > 1 else None,
            "count": len(items),
        }


def _write(handler: BaseHTTPRequestHandler, answer: _Answer) -> None:
    data = json.dumps(answer.body).encode() if answer.text is None else answer.text.encode()
    kind = "application/json" if answer.text is None else "text/plain"
    handler.send_response(answer.status)
    handler.send_header("Content-Type", f"{kind}; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    for name, value in answer.headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)
    handler.wfile.flush()


def _match(method: str, path: str) -> tuple[str, tuple[str, ...]] | None:
    """The handler name and path arguments for a request, if a route matches."""
    for verb, pattern, name in _ROUTES:
        if verb == method and (found := pattern.fullmatch(path)):
            return name, found.groups()
    return None


def _object(body: Any, key: str) -> Json:
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        raise ApiError(400, "InvalidParameter", f'expected a JSON object under "{key}"')
    return body[key]


def _offset_page(key: str, items: list[Json]) -> Json:
    return {key: items, "next_page": None, "previous_page": None, "count": len(items)}


def _number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ApiError(400, "InvalidParameter", f"{text!r} is not a number") from None
