"""The simulated Slack workspace: what ``SlackSimulator`` knows and how tests set it up.

``SimState`` holds the workspace (users, channels, DMs, messages, ephemerals, views and modal
stacks, files, triggers, ``response_url`` hooks), the recorded calls and the configured faults,
behind one re-entrant lock. Its public methods are the test-facing half of ``SlackSimulator``:
workspace setup (``add_user``, ``new_trigger``...), fault injection (``fail``, ``delay``) and
inspection (``calls``, ``messages``, ``view_stack``...). The HTTP front end lives in
``slack_http``, the Web API methods in ``slack_views`` and ``slack_methods``.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

_TS_BASE = 1_700_000_000
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


class SimState:
    """The workspace state, its setup, fault configuration and inspection (see module doc)."""

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
        self._view_updated: dict[str, float] = {}  # view id -> last views.update
        self._arrivals: dict[str, threading.Event] = {}  # for the /_sim/wait endpoint
        self._seq = 0
        self._calls: list[Call] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._delays: dict[str, _Fault] = {}
        self._held: dict[str, int] = {}  # calls of a method a delay has held so far
        self._users: dict[str, Args] = {}
        self._channels: dict[str, Args] = {}
        self._groups: dict[str, list[str]] = {}
        self._files: dict[str, tuple[Args, bytes]] = {}
        self._uploads: dict[str, Args] = {}  # upload URL token -> a file waiting for its bytes
        self._ims: dict[str, str] = {}  # user id -> the app's DM channel with them
        self._msgs: dict[str, dict[str, Args]] = {}  # channel -> ts -> message
        self._ephemerals: list[Args] = []
        self._triggers: dict[str, _Trigger] = {}
        self._views: dict[str, Args] = {}
        self._stacks: dict[str | None, list[str]] = {}  # user -> open modals, root first
        self._homes: dict[str, str] = {}  # user -> App Home view id
        self._hooks: dict[str, _Hook] = {}
        self._server: ThreadingHTTPServer | None = None
        self.socket_mode: Callable[[], str] | None = None  # issues Socket Mode URLs (slack_socket)
        self._caller = threading.local()  # ``token``: the bearer token of the call being answered

    # ------------------------------------------------------------------ addresses
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
        self,
        id: str,
        name: str,
        email: str | None,
        tz: str = "America/New_York",
        is_admin: bool = False,
    ) -> Args:
        """Add a workspace member; ``users.info`` returns this dict (Slack's user object).
        ``email=None``: the profile has no ``email``, as Slack answers an app without the
        ``users:read.email`` scope (or for a member whose address it does not show)."""
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        profile = {"real_name": name, "display_name": name, "team": self.team_id}
        if email is not None:
            profile["email"] = email
        user: Args = {"id": id, "team_id": self.team_id, "name": name, "real_name": name}
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
        bot_member: bool = True,
    ) -> Args:
        """Add a conversation; ``members``, when given, limit who may get ephemerals there.
        ``bot_member=False``: the app was not invited (posting there is ``not_in_channel``)."""
        channel = {"id": id, "name": name, "is_channel": not (is_private or is_im), "is_im": is_im}
        channel.update(is_group=is_private and not is_im, is_private=is_private or is_im)
        channel.update(is_archived=False, is_member=bot_member, created=int(time.time()))
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

    def delay(
        self, method: str, seconds: float, times: int | None = None, *, then: int | None = None
    ) -> None:
        """Hold answers to ``method`` for ``seconds`` (always, or for the next ``times`` calls);
        with ``then`` (an HTTP status) a held call then fails with it instead of taking effect,
        as when its caller died meanwhile."""
        with self._lock:
            self._delays[method] = _Fault(times, status=then or 0, seconds=seconds)

    def held(self, method: str) -> int:
        """How many calls of ``method`` a :meth:`delay` has held so far (counted as each
        starts waiting)."""
        with self._lock:
            return self._held.get(method, 0)

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

    def _arrived(self, key: str) -> None:
        """An answer came (``hook:<token>``, ``view:<id>``): wake whoever waits for it."""
        self._arrivals.setdefault(key, threading.Event()).set()

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

    # ------------------------------------------------------------------ message store
    def _store_message(self, channel: str, args: Args, thread_ts: str | None) -> Args:
        self._seq += 1
        micro = self._seq * 100
        ts = f"{_TS_BASE + micro // 1_000_000}.{micro % 1_000_000:06d}"
        msg: Args = {"type": "message", "ts": ts, "user": self.bot_user_id, "bot_id": self.bot_id}
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


def _copy(value: Any) -> Any:
    """A deep copy, so callers never share the simulator's state."""
    return json.loads(json.dumps(value)) if value is not None else None
