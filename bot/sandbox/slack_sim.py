"""A Slack Web API simulator on loopback, for tests and ``portbot demo``.

``SlackSimulator`` is a real HTTP server (stdlib, daemon thread) bound to ``127.0.0.1`` on an
ephemeral port. It answers the Web API methods portbot uses in Slack's wire format, so the real
``slack_sdk.WebClient(base_url=sim.url)`` and Bolt talk to it unchanged. It keeps the workspace
state (users, channels, messages, views, files), records every call, enforces the Slack rules our
code could otherwise break silently (single-use 3-second triggers, Block Kit limits, view
hashes) and injects faults (429 with ``Retry-After``, 5xx, error codes, delays).

Deliberate differences from Slack are listed in ``SlackSimulator``'s docstring.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

_TS_BASE = 1_700_000_000
_JSON_ARGS = ("view", "blocks", "attachments", "metadata")  # JSON strings in form bodies
_MESSAGE_KEYS = ("text", "blocks", "attachments", "metadata")
RESPONSE_URL_USES = 5  # Slack lets an app post to one response_url five times
Args = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One request the simulator answered; ``status``/``error`` say how it ended."""

    method: str
    args: Args
    at: float
    status: int = 200
    error: str | None = None


@dataclass(frozen=True)
class ResponsePost:
    """One JSON body an app POSTed to a ``response_url``."""

    url: str
    body: Args
    at: float


class _Refusal(Exception):
    """Slack's ``{"ok": false, "error": ...}``, raised inside a method handler."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error, self.messages = error, messages or []


@dataclass
class _Fault:
    times: int | None  # None: every call
    status: int = 200
    error: str | None = None
    retry_after: int = 1
    seconds: float = 0.0


@dataclass
class _Trigger:
    issued: float
    user_id: str | None
    used: bool = False


@dataclass
class _Hook:
    channel: str | None
    message_ts: str | None
    user_id: str | None
    posts: list[ResponsePost] = field(default_factory=list)


class SlackSimulator:
    """Slack's Web API on ``127.0.0.1:<ephemeral>``; ``sim.url`` is the ``base_url``.

    Deliberate differences from Slack:

    * Posting to a channel or user it has never heard of creates it, unless ``strict=True``
      (then ``channel_not_found`` / ``user_not_found``, as in a real workspace).
    * Ids are sequential (``V000000001``, ``F000000002``) and message timestamps count up from
      ``1700000000.000100``, so runs are reproducible.
    * ``auth.test``'s ``url`` and permalinks point at the simulator. ``url_private`` without a
      valid token gets HTTP 401 (Slack sends an HTML sign-in page with 200 instead).
    * An injected 5xx answers JSON ``{"ok": false, "error": "fatal_error"}``.
    * A ``response_url`` takes five posts, then 404 ``used_url``; it never expires (Slack: 30 min).
    * ``views.push`` needs a modal already open for the trigger's user.
    * A ``thread_ts`` naming no message still files the reply under that ``thread_ts``.
    """

    def __init__(
        self,
        team_id: str = "T0PORTBOT",
        bot_user_id: str = "U0BOT",
        *,
        bot_id: str = "B0PORTBOT",
        app_id: str = "A0PORTBOT",
        team_domain: str = "portbot-sim",
        tokens: Iterable[str] = ("xoxb-test",),
        strict: bool = False,
        trigger_ttl: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.team_id, self.bot_user_id, self.bot_id = team_id, bot_user_id, bot_id
        self.app_id, self.team_domain = app_id, team_domain
        self.tokens: set[str] = set(tokens)
        self.strict, self.trigger_ttl, self.clock = strict, trigger_ttl, clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._seq = 0
        self._calls: list[Call] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._delays: dict[str, _Fault] = {}
        self._users: dict[str, Args] = {}
        self._channels: dict[str, Args] = {}
        self._groups: dict[str, list[str]] = {}
        self._files: dict[str, tuple[Args, bytes]] = {}
        self._ims: dict[str, str] = {}  # user id -> the app's DM channel with them
        self._msgs: dict[str, dict[str, Args]] = {}  # channel -> ts -> message
        self._ephemerals: list[Args] = []
        self._triggers: dict[str, _Trigger] = {}
        self._views: dict[str, Args] = {}
        self._stacks: dict[str | None, list[str]] = {}  # user -> open modals, root first
        self._homes: dict[str, str] = {}  # user -> App Home view id
        self._hooks: dict[str, _Hook] = {}
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> SlackSimulator:
        """Bind ``127.0.0.1:0`` (loopback only) and serve in a daemon thread."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.sim = self  # type: ignore[attr-defined]
        serve = self._server.serve_forever
        threading.Thread(target=serve, args=(0.05,), name="slack-sim", daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SlackSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root(self) -> str:
        """``http://127.0.0.1:PORT/``, the workspace URL ``auth.test`` reports."""
        if self._server is None:
            raise RuntimeError("SlackSimulator is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def url(self) -> str:
        """The Web API base URL: ``WebClient(base_url=sim.url)``, or ``SLACK_API_URL``."""
        return self.root + "api/"

    # ------------------------------------------------------------------ workspace setup
    def _next(self, prefix: str) -> str:
        with self._lock:
            self._seq += 1
            return f"{prefix}{self._seq:09d}"

    def add_user(
        self, id: str, name: str, email: str, tz: str = "America/New_York", is_admin: bool = False
    ) -> Args:
        """Add a workspace member; ``users.info`` returns this dict (Slack's user object)."""
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        profile = {"email": email, "real_name": name, "display_name": name, "team": self.team_id}
        user = {"id": id, "team_id": self.team_id, "name": name, "real_name": name}
        user.update(deleted=False, is_bot=False, is_admin=is_admin, is_owner=False, profile=profile)
        user.update(tz=tz, tz_label=tz, tz_offset=int(offset.total_seconds()) if offset else 0)
        with self._lock:
            self._users[id] = user
        return user

    def add_channel(
        self,
        id: str,
        name: str,
        is_private: bool = False,
        is_im: bool = False,
        members: Iterable[str] = (),
    ) -> Args:
        """Add a conversation; ``members``, when given, limit who may get ephemerals there."""
        channel = {"id": id, "name": name, "is_channel": not (is_private or is_im), "is_im": is_im}
        channel.update(is_group=is_private and not is_im, is_private=is_private or is_im)
        channel.update(is_archived=False, is_member=True, created=int(time.time()))
        with self._lock:
            self._channels[id] = {**channel, "members": list(members)}
        return channel

    def add_usergroup(self, id: str, users: Iterable[str]) -> None:
        """Add a user group (``S…``) and its members, for ``usergroups.users.list``."""
        with self._lock:
            self._groups[id] = list(users)

    def add_file(
        self, name: str, content: bytes, mimetype: str, filetype: str, *, user: str | None = None
    ) -> Args:
        """Store an uploaded file; returns the dict ``files.info`` and ``file_input`` carry.

        ``url_private`` serves ``content`` only to requests with a bot token, as Slack does.
        """
        fid, now, owner = self._next("F"), int(time.time()), user or self.bot_user_id
        base = f"{self.root}files-pri/{self.team_id}-{fid}"
        info = {"id": fid, "created": now, "timestamp": now, "name": name, "title": name}
        info.update(mimetype=mimetype, filetype=filetype, pretty_type=filetype.upper())
        info.update(user=owner, mode="hosted", is_external=False, size=len(content))
        info.update(url_private=f"{base}/{name}", url_private_download=f"{base}/download/{name}")
        info.update(permalink=f"{self.root}files/{owner}/{fid}/{name}")
        with self._lock:
            self._files[fid] = (info, content)
        return dict(info)

    def new_trigger(self, user_id: str | None = None) -> str:
        """A ``trigger_id`` like the one in each interaction: one use, ``trigger_ttl`` seconds."""
        tid = f"{int(time.time())}.{self._next('')}.{secrets.token_hex(16)}"
        with self._lock:
            self._triggers[tid] = _Trigger(self.clock(), user_id)
        return tid

    def new_response_url(
        self, channel: str | None = None, message_ts: str | None = None, user_id: str | None = None
    ) -> str:
        """A ``response_url`` on the simulator, bound to the interaction's channel/message/user.

        Posts are recorded (``sim.responses``) and applied like Slack: ``replace_original`` /
        ``delete_original`` change the bound message, ``response_type: in_channel`` posts to the
        channel, anything else becomes an ephemeral message for the user.
        """
        token = secrets.token_hex(12)
        with self._lock:
            self._hooks[token] = _Hook(channel, message_ts, user_id)
        return f"{self.root}actions/{self.team_id}/{token}"

    # ------------------------------------------------------------------ faults
    def fail(
        self,
        method: str,
        times: int = 1,
        status: int | None = None,
        retry_after: int = 1,
        error: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail.

        Default: HTTP 429 with ``Retry-After`` and ``ratelimited`` (Slack's rate-limit answer).
        ``error`` alone: HTTP 200 ``{"ok": false, "error": error}``. ``status=500``: a server
        error. ``method`` may also be ``"response_url"`` or ``"files.download"``.
        """
        status = status if status is not None else (200 if error else 429)
        with self._lock:
            self._faults.setdefault(method, []).append(_Fault(times, status, error, retry_after))

    def delay(self, method: str, seconds: float, times: int | None = None) -> None:
        """Hold answers to ``method`` for ``seconds`` (always, or for the next ``times`` calls)."""
        with self._lock:
            self._delays[method] = _Fault(times, seconds=seconds)

    # ------------------------------------------------------------------ inspection
    @property
    def calls(self) -> list[Call]:
        """Every call so far, in order, failed ones included."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The calls of one method."""
        return [c for c in self.calls if c.method == method]

    def clear_calls(self) -> None:
        """Forget recorded calls; the workspace state stays."""
        with self._lock:
            self._calls.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``method`` was called ``count`` times (work done after ``ack()``)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(seen := [c for c in self._calls if c.method == method]) < count:
                if (left := deadline - time.monotonic()) <= 0:
                    raise TimeoutError(f"{method}: {len(seen)} of {count} calls in {timeout}s")
                self._changed.wait(left)
            return seen

    def user(self, user_id: str) -> Args | None:
        """A user added with ``add_user``."""
        with self._lock:
            return _copy(self._users.get(user_id))

    def channel(self, channel_id: str) -> Args | None:
        """A conversation (added, auto-created or a DM) as ``conversations.info`` shows it."""
        with self._lock:
            found = self._channels.get(self._ims.get(channel_id, channel_id))
            return _copy({k: v for k, v in found.items() if k != "members"} if found else None)

    def messages(self, channel: str) -> list[Args]:
        """A channel's top-level messages (and broadcast replies), oldest first.

        ``channel`` may be a user id: the app's DM with that user.
        """
        with self._lock:
            msgs = self._msgs.get(self._ims.get(channel, channel), {}).values()
            top = [
                m for m in msgs if m.get("thread_ts") in (None, m["ts"]) or "reply_broadcast" in m
            ]
            return _copy(top)

    def thread(self, channel: str, ts: str) -> list[Args]:
        """A thread as ``conversations.replies`` shows it: the parent, then the replies."""
        with self._lock:
            msgs = self._msgs.get(self._ims.get(channel, channel), {}).values()
            return _copy([m for m in msgs if ts in (m["ts"], m.get("thread_ts"))])

    def message(self, channel: str, ts: str) -> Args | None:
        """One stored message, top-level or reply."""
        with self._lock:
            return _copy(self._msgs.get(self._ims.get(channel, channel), {}).get(ts))

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[Args]:
        """Ephemeral messages (``chat.postEphemeral``, ephemeral ``response_url`` posts)."""
        with self._lock:
            found = [e for e in self._ephemerals if channel in (None, e["channel"])]
            return _copy([e for e in found if user in (None, e["user"])])

    @property
    def responses(self) -> list[ResponsePost]:
        """Everything posted to ``response_url``s, in order."""
        with self._lock:
            return sorted((p for h in self._hooks.values() for p in h.posts), key=lambda p: p.at)

    def current_view(self, view_id: str) -> Args | None:
        """The latest version of a view, open or closed."""
        with self._lock:
            return _copy(self._views.get(view_id))

    def home(self, user_id: str) -> Args | None:
        """The App Home view published for a user."""
        with self._lock:
            return _copy(self._views.get(self._homes.get(user_id, "")))

    def is_open(self, view_id: str) -> bool:
        """Whether a modal is still on a user's screen."""
        with self._lock:
            return any(view_id in stack for stack in self._stacks.values())

    def view_stack(self, user_id: str | None) -> list[str]:
        """Ids of the modals a user has open, root first."""
        with self._lock:
            return list(self._stacks.get(user_id, []))

    # ------------------------------------------------------------------ modal lifecycle
    def close_view(self, view_id: str, clear: bool = False) -> None:
        """The user closed a modal: it and those pushed above it go (``clear``: the whole stack)."""
        with self._lock:
            for user, stack in list(self._stacks.items()):
                if view_id in stack:
                    del stack[0 if clear else stack.index(view_id) :]
                    if not stack:
                        del self._stacks[user]

    def apply_view_response(self, view_id: str, body: Args | None) -> str | None:
        """Do what Slack does with an app's answer to a ``view_submission``.

        An empty answer closes the submitted view; ``errors`` keeps it open with messages under
        the named input blocks; ``update``, ``push`` and ``clear`` change the stack. Returns the
        problem Slack would show the user instead (invalid view, unknown ``block_id``) or None.
        """
        body = body or {}
        action = body.get("response_action")
        with self._lock:
            user = next((u for u, s in self._stacks.items() if view_id in s), "")
            if user == "":
                return "the view is not open"
            view = self._views[view_id]
            try:
                if action in (None, "clear"):
                    self.close_view(view_id, clear=action == "clear")
                elif action == "errors":
                    inputs = {b.get("block_id") for b in view["blocks"] if b.get("type") == "input"}
                    if bad := sorted(set(body.get("errors") or {}) - inputs):
                        return f"errors name blocks that are not inputs of this view: {bad}"
                elif action == "update":
                    self._replace(view, self._checked(body.get("view"), "modal"))
                elif action == "push":
                    self._push(user, self._checked(body.get("view"), "modal"))
                else:
                    return f"unknown response_action {action!r}"
            except _Refusal as refusal:
                return f"{refusal.error}: {refusal.messages}"
        return None

    # ------------------------------------------------------------------ HTTP
    def _serve(self, req: _Handler) -> None:
        parts = urlsplit(req.path)
        path = parts.path.strip("/").split("/")
        size = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(size) if size else b""
        if path[0] == "api" and len(path) == 2:
            self._api(req, path[1], dict(parse_qsl(parts.query, keep_blank_values=True)), body)
        elif path[0] == "actions" and len(path) == 3 and req.command == "POST":
            self._response_url(req, path[2], body)
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
            time.sleep(hold.seconds)
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

    def _api(self, req: _Handler, method: str, args: Args, body: bytes) -> None:
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

    def _response_url(self, req: _Handler, token: str, raw: bytes) -> None:
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

    def _download(self, req: _Handler, fid: str) -> None:
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

    # ------------------------------------------------------------------ method helpers
    def _channel(self, args: Args, key: str = "channel") -> str:
        """The channel a method targets; a user id means the app's DM with that user."""
        channel = str(args.get(key) or "")
        if channel[:1] in ("U", "W"):
            if self.strict and channel not in self._users:
                raise _Refusal("channel_not_found")
            if channel not in self._ims:
                self._ims[channel] = self._next("D")
                self.add_channel(self._ims[channel], channel, is_im=True, members=[channel])
                self._channels[self._ims[channel]]["user"] = channel
            return self._ims[channel]
        if not channel or (self.strict and channel not in self._channels):
            raise _Refusal("channel_not_found")
        if channel not in self._channels:
            self.add_channel(channel, channel.lower())
        return channel

    def _store_message(self, channel: str, args: Args, thread_ts: str | None) -> Args:
        self._seq += 1
        micro = self._seq * 100
        ts = f"{_TS_BASE + micro // 1_000_000}.{micro % 1_000_000:06d}"
        msg = {"type": "message", "ts": ts, "user": self.bot_user_id, "bot_id": self.bot_id}
        msg.update(app_id=self.app_id, team=self.team_id, text=args.get("text") or "")
        msg.update({k: args[k] for k in _MESSAGE_KEYS[1:] if args.get(k)})
        if thread_ts:
            msg["thread_ts"] = thread_ts
            if str(args.get("reply_broadcast")).lower() in ("1", "true"):
                msg["reply_broadcast"] = True
        if parent := self._msgs.get(channel, {}).get(thread_ts or ""):
            parent.update(thread_ts=thread_ts, latest_reply=ts)
            parent.update(reply_count=parent.get("reply_count", 0) + 1)
            parent["reply_users"] = sorted({*parent.get("reply_users", []), self.bot_user_id})
        self._msgs.setdefault(channel, {})[ts] = msg
        return msg

    def _checked(self, spec: Any, kind: str, pointer: str = "/view") -> Args:
        if problems := check_view(spec, kind, pointer):
            raise _Refusal("invalid_arguments", problems)
        return spec

    def _exchange(self, args: Args) -> str | None:
        """Spend a trigger: unknown, already used and too old are refused as Slack does."""
        tid = args.get("trigger_id") or args.get("interactivity_pointer")
        if not tid:
            raise _Refusal("invalid_arguments", ["[ERROR] missing required field: trigger_id"])
        if (trigger := self._triggers.get(tid)) is None:
            raise _Refusal("invalid_trigger_id")
        if trigger.used:
            raise _Refusal("exchanged_trigger_id")
        if self.clock() - trigger.issued > self.trigger_ttl:
            raise _Refusal("expired_trigger_id")
        trigger.used = True
        return trigger.user_id

    def _new_view(self, spec: Args, previous: str | None = None, root: str | None = None) -> Args:
        ext = spec.get("external_id") or ""
        if ext and any(v["external_id"] == ext for v in self._views.values()):
            raise _Refusal("duplicate_external_id")
        vid = self._next("V")
        view = {"id": vid, "team_id": self.team_id, "app_id": self.app_id, "bot_id": self.bot_id}
        view.update(app_installed_team_id=self.team_id, external_id=ext)
        view.update(previous_view_id=previous, root_view_id=root or vid)
        self._views[vid] = view
        self._replace(view, spec)
        return view

    def _replace(self, view: Args, spec: Args) -> None:
        """New content under the same id; Slack gives every version a new ``hash``."""
        blocks = json.loads(json.dumps(spec.get("blocks") or []))
        for block in blocks:  # Slack invents the ids an app leaves out
            block.setdefault("block_id", secrets.token_urlsafe(4))
            if isinstance(block.get("element"), dict):
                block["element"].setdefault("action_id", secrets.token_urlsafe(4))
        keys = ("type", "title", "submit", "close", "private_metadata", "callback_id")
        view.update({k: spec.get(k) for k in keys}, blocks=blocks, state={"values": {}})
        view["private_metadata"] = view["private_metadata"] or ""
        view["callback_id"] = view["callback_id"] or ""
        view["clear_on_close"] = bool(spec.get("clear_on_close"))
        view["notify_on_close"] = bool(spec.get("notify_on_close"))
        view["external_id"] = spec.get("external_id") or view["external_id"]
        view["hash"] = f"{int(time.time())}.{secrets.token_hex(4)}"

    def _push(self, user: str | None, spec: Args) -> Args:
        if not (stack := self._stacks.get(user)):
            raise _Refusal("invalid_arguments", ["[ERROR] no modal is open to push onto"])
        if len(stack) >= 3:
            raise _Refusal("push_limit_reached")
        view = self._new_view(spec, stack[-1], stack[0])
        stack.append(view["id"])
        return view

    def _find_view(self, args: Args) -> Args:
        vid, ext = args.get("view_id"), args.get("external_id")
        if not (vid or ext):
            raise _Refusal("invalid_arguments", ["[ERROR] view_id or external_id is required"])
        found = [
            v for v in self._views.values() if v["id"] == vid or (ext and v["external_id"] == ext)
        ]
        live = [v for v in found if self.is_open(v["id"]) or v["id"] in self._homes.values()]
        if not live:
            raise _Refusal("not_found")
        return live[0]

    # ------------------------------------------------------------------ Web API methods
    def api_auth_test(self, args: Args) -> Args:
        """``auth.test``: who the token belongs to (Bolt calls it at start-up)."""
        who = {"url": self.root, "team": self.team_domain, "user": "portbot"}
        return {**who, "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id}

    def api_views_open(self, args: Args) -> Args:
        """``views.open``: spend the trigger, check the modal, start the user's stack."""
        user = self._exchange(args)
        view = self._new_view(self._checked(args.get("view"), "modal"))
        self._stacks[user] = [view["id"]]
        return {"view": _copy(view)}

    def api_views_push(self, args: Args) -> Args:
        """``views.push``: a new modal on top of the open ones (at most three deep)."""
        user = self._exchange(args)
        return {"view": _copy(self._push(user, self._checked(args.get("view"), "modal")))}

    def api_views_update(self, args: Args) -> Args:
        """``views.update`` by ``view_id`` or ``external_id``; a stale ``hash`` is refused."""
        view = self._find_view(args)
        if args.get("hash") and args["hash"] != view["hash"]:
            raise _Refusal("hash_conflict")
        self._replace(view, self._checked(args.get("view"), view["type"]))
        return {"view": _copy(view)}

    def api_views_publish(self, args: Args) -> Args:
        """``views.publish``: a user's App Home (same view id across publishes)."""
        user = str(args.get("user_id") or "")
        if not user or (self.strict and user not in self._users):
            raise _Refusal("user_not_found")
        spec = self._checked(args.get("view"), "home")
        if current := self._views.get(self._homes.get(user, "")):
            if args.get("hash") and args["hash"] != current["hash"]:
                raise _Refusal("hash_conflict")
            self._replace(current, spec)
        else:
            current = self._new_view(spec)
            self._homes[user] = current["id"]
        return {"view": _copy(current)}

    def api_chat_postMessage(self, args: Args) -> Args:
        """``chat.postMessage``: to a channel, a user's DM (user id) or a thread (``thread_ts``)."""
        channel = self._channel(args)
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            raise _Refusal("no_text")
        if problems := check_blocks(args.get("blocks") or [], "/blocks", 50):
            raise _Refusal("invalid_blocks", problems)
        msg = self._store_message(channel, args, args.get("thread_ts"))
        return {"channel": channel, "ts": msg["ts"], "message": _copy(msg)}

    def api_chat_update(self, args: Args) -> Args:
        """``chat.update``: new text/blocks for a message found by channel and ts."""
        channel = self._channel(args)
        if (msg := self._msgs.get(channel, {}).get(str(args.get("ts")))) is None:
            raise _Refusal("message_not_found")
        if problems := check_blocks(args.get("blocks") or [], "/blocks", 50):
            raise _Refusal("invalid_blocks", problems)
        msg.update({k: args[k] for k in _MESSAGE_KEYS if k in args})
        msg["edited"] = {"user": self.bot_user_id, "ts": f"{time.time():.6f}"}
        return {"channel": channel, "ts": msg["ts"], "text": msg["text"], "message": _copy(msg)}

    def api_chat_postEphemeral(self, args: Args) -> Args:
        """``chat.postEphemeral``: only members of the channel can be shown one."""
        channel, user = self._channel(args), str(args.get("user") or "")
        members = self._channels[channel]["members"]
        if not user or (members and user not in members):
            raise _Refusal("user_not_in_channel")
        ts = f"{int(time.time())}.{self._next('')[-6:]}"
        self._ephemerals.append({**args, "channel": channel, "user": user, "ts": ts})
        return {"message_ts": ts}

    def api_chat_getPermalink(self, args: Args) -> Args:
        """``chat.getPermalink``: a link to a stored message (replies carry the thread)."""
        channel = self._channel(args)
        if (msg := self._msgs.get(channel, {}).get(str(args.get("message_ts")))) is None:
            raise _Refusal("message_not_found")
        link = f"{self.root}archives/{channel}/p{msg['ts'].replace('.', '')}"
        if msg.get("thread_ts") not in (None, msg["ts"]):
            link += f"?thread_ts={msg['thread_ts']}&cid={channel}"
        return {"channel": channel, "permalink": link}

    def api_conversations_info(self, args: Args) -> Args:
        """``conversations.info``: a channel added with ``add_channel`` or opened as a DM."""
        if (channel := self._channels.get(str(args.get("channel")))) is None:
            raise _Refusal("channel_not_found")
        return {"channel": {k: v for k, v in channel.items() if k != "members"}}

    def api_conversations_open(self, args: Args) -> Args:
        """``conversations.open`` with one user: the app's DM channel (``D…``) with them."""
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if len(users) != 1:
            raise _Refusal("not_enough_users" if users else "invalid_arguments")
        if self.strict and users[0] not in self._users:
            raise _Refusal("user_not_found")
        already = users[0] in self._ims
        cid = self._channel({"channel": users[0]})
        full = str(args.get("return_im")).lower() in ("1", "true")
        channel = self.api_conversations_info({"channel": cid})["channel"] if full else {"id": cid}
        return {"channel": channel, "already_open": already, "no_op": already}

    def api_users_info(self, args: Args) -> Args:
        """``users.info`` for a user added with ``add_user``."""
        if (user := self._users.get(str(args.get("user")))) is None:
            raise _Refusal("user_not_found")
        return {"user": _copy(user)}

    def api_users_lookupByEmail(self, args: Args) -> Args:
        """``users.lookupByEmail`` (case-insensitive); a miss is ``users_not_found``."""
        email = str(args.get("email") or "").lower()
        for user in self._users.values():
            if user["profile"]["email"].lower() == email:
                return {"user": _copy(user)}
        raise _Refusal("users_not_found")

    def api_files_info(self, args: Args) -> Args:
        """``files.info`` for a file added with ``add_file``."""
        if (stored := self._files.get(str(args.get("file")))) is None:
            raise _Refusal("file_not_found")
        return {"file": _copy(stored[0]), "comments": [], "response_metadata": {"next_cursor": ""}}

    def api_usergroups_users_list(self, args: Args) -> Args:
        """``usergroups.users.list``: the member ids of a user group."""
        if (users := self._groups.get(str(args.get("usergroup")))) is None:
            raise _Refusal("no_such_subteam")
        return {"users": list(users)}


# ---------------------------------------------------------------------- Block Kit limits
_TEXT_LIMITS: dict[str, dict[str, int]] = {  # by block/element type; "*" applies everywhere
    "*": {"block_id": 255, "action_id": 255, "placeholder": 150, "hint": 2000},
    "section": {"text": 3000},
    "header": {"text": 150},
    "input": {"label": 2000},
    "button": {"text": 75, "value": 2000, "url": 3000},
    "option": {"text": 75, "value": 150},
    "field": {"text": 2000},
}
_COUNT_LIMITS = {"actions": 25, "context": 10, "section": 10, "checkboxes": 10}
_COUNT_LIMITS.update(radio_buttons=10, overflow=5)


def check_view(spec: Any, kind: str, pointer: str = "/view") -> list[str]:
    """Slack's complaints about a view, worded like its ``response_metadata.messages``.

    Modal: title required; title/submit/close at most 24 characters; input blocks need a submit
    button. Every view: at most 100 blocks, ``private_metadata`` 3000 and ``callback_id`` /
    ``external_id`` 255 characters, and the block limits of ``check_blocks``.
    """
    if not isinstance(spec, dict) or spec.get("type") != kind:
        return [f"[ERROR] must be a {kind} view [json-pointer:{pointer}/type]"]
    out: list[str] = []
    if kind == "modal":
        if not isinstance(spec.get("title"), dict):
            out.append(f"[ERROR] missing required field: title [json-pointer:{pointer}]")
        for key in ("title", "submit", "close"):
            _too_long(spec.get(key), 24, f"{pointer}/{key}", out)
        blocks = spec.get("blocks") if isinstance(spec.get("blocks"), list) else []
        if not spec.get("submit") and any(_kind(b) == "input" for b in blocks):
            out.append(f"[ERROR] submit is required when inputs are used [json-pointer:{pointer}]")
    for key, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        _too_long(spec.get(key), limit, f"{pointer}/{key}", out)
    return out + check_blocks(spec.get("blocks") or [], f"{pointer}/blocks", 100)


def check_blocks(blocks: Any, pointer: str, max_blocks: int) -> list[str]:
    """Block Kit limits: 50 blocks in a message, 100 in a view; unique ``block_id``s; text
    lengths (section 3000, header 150, button 75, option 75...); item counts (10 checkboxes,
    25 actions, 100 options...)."""
    if not isinstance(blocks, list):
        return [f"[ERROR] must be an array [json-pointer:{pointer}]"]
    out: list[str] = []
    _too_many(blocks, max_blocks, pointer, out)
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        at = f"{pointer}/{i}"
        if not _kind(block):
            out.append(f"[ERROR] missing required field: type [json-pointer:{at}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:  # Slack makes up ids for blocks that have none
            if block_id in seen:
                out.append(f"[ERROR] duplicate block_id [json-pointer:{at}/block_id]")
            seen.add(block_id)
        if block["type"] == "input" and not isinstance(block.get("element"), dict):
            out.append(f"[ERROR] missing required field: element [json-pointer:{at}]")
        _walk(block, block["type"], at, out)
    return out


def _walk(node: Args, kind: str, at: str, out: list[str]) -> None:
    for key, limit in {**_TEXT_LIMITS["*"], **_TEXT_LIMITS.get(kind, {})}.items():
        _too_long(node.get(key), limit, f"{at}/{key}", out)
    for key in ("element", "accessory"):
        if isinstance(node.get(key), dict):
            _walk(node[key], str(node[key].get("type")), f"{at}/{key}", out)
    for key in ("fields", "options", "elements"):
        if isinstance(items := node.get(key), list):
            _too_many(items, _COUNT_LIMITS.get(kind, 100), f"{at}/{key}", out)
            for j, item in enumerate(i for i in items if isinstance(i, dict)):
                child = {"fields": "field", "options": "option"}.get(key) or str(item.get("type"))
                _walk(item, child, f"{at}/{key}/{j}", out)


def _too_long(value: Any, limit: int, at: str, out: list[str]) -> None:
    if isinstance(value, dict):  # a text object
        value, at = value.get("text"), f"{at}/text"
    if isinstance(value, str) and len(value) > limit:
        out.append(f"[ERROR] must be less than {limit + 1} characters [json-pointer:{at}]")


def _too_many(items: Any, limit: int, at: str, out: list[str]) -> None:
    if isinstance(items, list) and len(items) > limit:
        out.append(f"[ERROR] no more than {limit} items allowed [json-pointer:{at}]")


def _kind(block: Any) -> str | None:
    return block.get("type") if isinstance(block, dict) else None


# ---------------------------------------------------------------------- plumbing
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.sim._serve(self)  # type: ignore[attr-defined]

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


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


def _copy(value: Any) -> Any:
    """A deep copy, so callers never share the simulator's state."""
    return json.loads(json.dumps(value)) if value is not None else None
