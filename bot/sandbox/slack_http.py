"""The simulator's HTTP front end: serving, routing, auth, fault gates and call recording.

``SimHttp.start`` binds a stdlib ``ThreadingHTTPServer`` on ``127.0.0.1:0``. Requests are routed
to the Web API (``/api/<method>``, dispatched to the ``api_<method>`` handlers of
``SlackSimulator``), to ``response_url`` posts (``/actions/<team>/<token>``), to file uploads
(``/upload/v1/<token>``, from ``files.getUploadURLExternal``) and to file downloads
(``/files-pri/...``), answered in Slack's wire format.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from bot.sandbox.loopback import LoopbackServer, SimHandler
from bot.sandbox.slack_state import (
    _MESSAGE_KEYS,
    RESPONSE_URL_USES,
    Args,
    Call,
    ResponsePost,
    SimState,
    _Fault,
    _Refusal,
)

_JSON_ARGS = ("view", "blocks", "attachments", "metadata")  # JSON strings in form bodies


class SimHttp(LoopbackServer, SimState):
    """Serving and request handling; ``api_*`` handlers come from the other mixins."""

    handler = SimHandler
    thread_name = "slack-sim"

    # ------------------------------------------------------------------ HTTP
    def _serve(self, req: SimHandler) -> None:
        parts = urlsplit(req.path)
        path = parts.path.strip("/").split("/")
        size = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(size) if size else b""
        if path[0] == "api" and len(path) == 2:
            self._api(req, path[1], dict(parse_qsl(parts.query, keep_blank_values=True)), body)
        elif path[0] == "actions" and len(path) == 3 and req.command == "POST":
            self._response_url(req, path[2], body)
        elif path == ["_sim", "wait"] and req.command == "GET":
            self._wait(req, dict(parse_qsl(parts.query)))
        elif path[:2] == ["upload", "v1"] and len(path) == 3 and req.command == "POST":
            self._upload(req, path[2], body)
        elif path[0] == "files-pri" and len(path) >= 3 and req.command == "GET":
            self._download(req, path[1].rsplit("-", 1)[-1])
        else:
            _send(req, 404, b"not found", "text/plain")

    def _gate(self, method: str, args: Args) -> _Fault | None:
        """Apply a configured delay, then take (and record) a configured fault, if any."""
        with self._lock:
            hold = self._delays.get(method)
            if hold and hold.times is not None:
                hold.times -= 1
                if hold.times <= 0:
                    del self._delays[method]
        if hold:
            with self._lock:
                self._held[method] = self._held.get(method, 0) + 1
            time.sleep(hold.seconds)
            if hold.status:
                self._record(method, args, hold.status, "fatal_error")
                return hold
        with self._lock:
            if not (queue := self._faults.get(method)):
                return None
            fault = queue[0]
            fault.times = (fault.times or 1) - 1
            if fault.times <= 0:
                queue.pop(0)
        error = fault.error or ("ratelimited" if fault.status == 429 else "fatal_error")
        self._record(method, args, fault.status, error)
        return fault

    def _api(self, req: SimHandler, method: str, args: Args, body: bytes) -> None:
        """A Web API call: JSON or form body (JSON-string args decoded), Bearer token."""
        ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            sent = json.loads(body) if ctype == "application/json" and body else None
            if isinstance(sent, dict):
                sent.pop("token", None)  # Slack takes no token inside a JSON body
                args.update(sent)
            elif body:
                args.update(parse_qsl(body.decode(), keep_blank_values=True))
            for key in _JSON_ARGS:
                if isinstance(args.get(key), str) and args[key][:1] in ("[", "{"):
                    args[key] = json.loads(args[key])
        except (ValueError, UnicodeDecodeError):
            _send_json(req, 200, self._finish(method, args, _error("invalid_form_data")))
            return
        token = (req.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        token = token or str(args.pop("token", "") or "")
        args.pop("token", None)
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if not re.fullmatch(r"[a-zA-Z]+(\.[a-zA-Z]+)+", method) or handler is None:
            _send_json(req, 200, self._finish(method, args, _error("unknown_method")))
            return
        if (fault := self._gate(method, args)) is not None:
            _send_fault(req, fault)
            return
        if not token or token not in self.tokens:
            result = _error("invalid_auth" if token else "not_authed")
        else:
            with self._lock:
                try:
                    result = {"ok": True, **handler(args)}
                except _Refusal as refusal:
                    result = _error(refusal.error, refusal.messages)
        _send_json(req, 200, self._finish(method, args, result))

    def _finish(self, method: str, args: Args, result: Args) -> Args:
        self._record(method, args, 200, result.get("error"))
        return result

    def _record(self, method: str, args: Args, status: int, error: str | None) -> None:
        with self._changed:
            self._calls.append(Call(method, args, time.time(), status, error))
            self._changed.notify_all()

    def _response_url(self, req: SimHandler, token: str, raw: bytes) -> None:
        """A post to a ``response_url``: record it, then act on it as Slack does."""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            _send(req, 400, b"invalid_payload", "text/plain")
            return
        if (fault := self._gate("response_url", body)) is not None:
            _send_fault(req, fault)
            return
        with self._lock:
            hook = self._hooks.get(token)
            if hook is None or len(hook.posts) >= RESPONSE_URL_USES:
                self._record("response_url", body, 404, "used_url")
                _send_json(req, 404, _error("used_url"))
                return
            url = f"{self.root}actions/{self.team_id}/{token}"
            hook.posts.append(ResponsePost(url, body, time.time()))
            self._arrived(f"hook:{token}")
            chan, ts = hook.channel or "", hook.message_ts or ""
            original = self._msgs.get(chan, {}).get(ts)
            if original and body.get("delete_original"):
                del self._msgs[chan][ts]
            elif original and body.get("replace_original"):
                original.update({k: body[k] for k in _MESSAGE_KEYS if k in body})
            elif chan and body.get("response_type") == "in_channel":
                self._store_message(chan, body, body.get("thread_ts"))
            elif chan:
                self._ephemerals.append({**body, "channel": chan, "user": hook.user_id})
            self._record("response_url", body, 200, None)
        _send_json(req, 200, {"ok": True})

    def _wait(self, req: SimHandler, query: dict[str, str]) -> None:
        """Not Slack: lets a load generator in another process wait for the app's answer.

        ``?response_url=<token>``: until something was posted to that hook; ``?view_id=V``:
        until ``views.update`` changed view V. Answers when the answer arrived (``at``,
        ``time.time()``) and what it was (``body``: the first post, or the view's
        ``callback_id``), or HTTP 408 after ``timeout`` seconds (default 10)."""
        key = f"hook:{query['response_url']}" if "response_url" in query else ""
        key = key or f"view:{query.get('view_id', '')}"
        with self._lock:
            arrived = self._arrivals.setdefault(key, threading.Event())
        if not arrived.wait(float(query.get("timeout") or 10)):
            _send_json(req, 408, _error("timeout"))
            return
        with self._lock:
            if key.startswith("hook:"):
                post = self._hooks[key[5:]].posts[0]
                at, body = post.at, json.dumps(post.body)
            else:
                view_id = key[5:]
                at, body = self._view_updated[view_id], self._views[view_id]["callback_id"]
        _send_json(req, 200, {"ok": True, "at": at, "body": body})

    def _upload(self, req: SimHandler, token: str, body: bytes) -> None:
        """The bytes of a file, POSTed to the URL ``files.getUploadURLExternal`` gave (no token
        needed: the URL is the secret). Slack answers ``OK - <length>``; a URL used before or
        never given is 404, bytes of another length than announced 400."""
        if (fault := self._gate("files.upload", {"token": token})) is not None:
            _send_fault(req, fault)
            return
        with self._lock:
            upload = self._uploads.get(token)
            if upload is None or upload["data"] is not None:
                self._record("files.upload", {"token": token}, 404, "not_found")
                _send(req, 404, b"not found", "text/plain")
                return
            if len(body) != upload["length"]:
                self._record("files.upload", {"file": upload["id"]}, 400, "length_mismatch")
                _send(req, 400, b"length mismatch", "text/plain")
                return
            upload["data"] = body
            self._record("files.upload", {"file": upload["id"], "size": len(body)}, 200, None)
        _send(req, 200, f"OK - {len(body)}".encode(), "text/plain")

    def _download(self, req: SimHandler, fid: str) -> None:
        """``url_private``: the file's bytes, for a request with a valid bot token only."""
        token = (req.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if (fault := self._gate("files.download", {"file": fid})) is not None:
            _send_fault(req, fault)
            return
        with self._lock:
            stored = self._files.get(fid)
        if token not in self.tokens:
            self._record("files.download", {"file": fid}, 401, "not_authed")
            _send(req, 401, b"<html>Sign in to Slack</html>", "text/html")
        elif stored is None:
            self._record("files.download", {"file": fid}, 404, "file_not_found")
            _send(req, 404, b"not found", "text/plain")
        else:
            self._record("files.download", {"file": fid}, 200, None)
            _send(req, 200, stored[1], stored[0]["mimetype"])


# ---------------------------------------------------------------------- plumbing


def _send(
    req: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str, headers: Args | None = None
) -> None:
    req.send_response(status)
    req.send_header("Content-Type", ctype)
    req.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        req.send_header(name, str(value))
    req.end_headers()
    req.wfile.write(body)


def _send_json(
    req: BaseHTTPRequestHandler, status: int, body: Args, headers: Args | None = None
) -> None:
    _send(req, status, json.dumps(body).encode(), "application/json; charset=utf-8", headers)


def _send_fault(req: BaseHTTPRequestHandler, fault: _Fault) -> None:
    if fault.status == 429:
        _send_json(req, 429, _error("ratelimited"), {"Retry-After": fault.retry_after})
    else:
        _send_json(req, fault.status, _error(fault.error or "fatal_error"))


def _error(error: str, messages: list[str] | None = None) -> Args:
    if messages:
        return {"ok": False, "error": error, "response_metadata": {"messages": messages}}
    return {"ok": False, "error": error}
