"""Slack's Socket Mode on loopback: a real websocket endpoint for the Web API simulator.

``SlackSocket(sim).start()`` serves websockets (the ``websockets`` package's threaded server) on
``127.0.0.1:<ephemeral>`` and attaches itself to a started ``SlackSimulator``: the simulator's
``apps.connections.open`` then answers the app-level token (``xapp-…``, added to ``sim.tokens``)
with ``ws://127.0.0.1:<port>/link/?ticket=…&app_id=…``. As with Slack, the endpoint sends
``hello`` when a connection opens, pushes envelopes (``slash_commands``, ``interactive``,
``events_api``) and expects each acknowledged by ``envelope_id`` within three seconds. It records
the acks (response payload, time to ack, connection), sends ``disconnect`` and takes the
reconnection, and redelivers envelopes with ``retry_attempt`` > 0.

Payloads are the HTTP driver's: ``sock.driver`` is a ``SlackDriver`` whose requests travel as
envelopes instead of signed HTTP posts, so ``sock.driver.command("/port", "new", ...)`` delivers
exactly what ``SlackDriver`` would post, and ``view_submission`` applies the app's ack to the
simulator as Slack does. Answers are ``SocketResponse``s: a ``DriverResponse`` (status 200,
``text`` the ack's ``payload`` as JSON or ``""``, ``elapsed`` the time to the ack) plus the
envelope's id, type, retry attempt and the connection that acked it.

Deliberate differences from Slack:

* Each envelope goes to the newest open connection (Slack picks any of up to ten).
* Nothing is redelivered on its own: an envelope left unacknowledged stays so until a test
  calls ``redeliver``, which sends the same payload in a new envelope (new ``envelope_id``).
* A ticket opens one connection; a reused or unknown ticket gets HTTP 401 (``refused``).
* ``disconnect`` does not close the socket: the app is expected to do it (Slack closes it
  after a grace period).
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from bot.sandbox.slack_driver import SLACK_ACK_SECONDS, DriverResponse, SlackDriver
from bot.sandbox.slack_sim import SlackSimulator

__all__ = ["Ack", "Envelope", "SlackSocket", "SocketDriver", "SocketResponse"]

Args = dict[str, Any]
KINDS = ("slash_commands", "interactive", "events_api")
# Interactions whose ack may carry an answer (Slack's ``accepts_response_payload``).
_ANSWERABLE = {"view_submission", "block_suggestion", "shortcut", "message_action"}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Envelope:
    """One envelope sent to the app, as the app received it (``wire``)."""

    envelope_id: str
    type: str
    payload: Args
    retry_attempt: int
    retry_reason: str
    accepts_response_payload: bool
    connection: int  # which connection carried it (1, 2... in order of opening)
    at: float  # time.perf_counter() when it was sent

    @property
    def wire(self) -> Args:
        """The JSON sent; retry fields ride on ``events_api`` envelopes and on redeliveries."""
        wire: Args = {"envelope_id": self.envelope_id, "type": self.type, "payload": self.payload}
        wire["accepts_response_payload"] = self.accepts_response_payload
        if self.type == "events_api" or self.retry_attempt:
            wire.update(retry_attempt=self.retry_attempt, retry_reason=self.retry_reason)
        return wire


@dataclass(frozen=True)
class Ack:
    """The app's acknowledgement of an envelope: ``payload`` is its answer, if any."""

    envelope_id: str
    payload: Args | None
    elapsed: float  # seconds from sending the envelope to receiving the ack
    connection: int

    @property
    def in_time(self) -> bool:
        """Whether Slack would have taken it (three seconds)."""
        return self.elapsed < SLACK_ACK_SECONDS


@dataclass(frozen=True)
class SocketResponse(DriverResponse):
    """A ``DriverResponse`` for an envelope; ``text`` is the ack's payload as JSON, or ``""``."""

    envelope_id: str = ""
    kind: str = ""
    retry_attempt: int = 0
    connection: int = 0


class SlackSocket:
    """Socket Mode for a ``SlackSimulator``: ``with SlackSocket(sim) as sock: ...``.

    ``timeout`` bounds every wait (acks, connections) so a silent app fails a test, never
    hangs it.
    """

    def __init__(
        self,
        sim: SlackSimulator,
        app_token: str = "xapp-1-A0PORTBOT-1-simulated",  # noqa: S107 - fake, for the simulator
        *,
        timeout: float = 10.0,
    ) -> None:
        if not app_token.startswith("xapp-"):
            raise ValueError("Socket Mode is opened with an app-level token (xapp-…)")
        self.sim, self.app_token, self.timeout = sim, app_token, timeout
        self.driver = SocketDriver(self)
        self.refused: list[str] = []  # paths of refused handshakes (bad or reused tickets)
        self.stray: list[str] = []  # messages from the app that acknowledge nothing we sent
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._tickets: set[str] = set()
        self._open: dict[int, ServerConnection] = {}  # connection number -> open connection
        self._opened = 0  # connections that got their hello
        self._envelopes: dict[str, Envelope] = {}
        self._acks: dict[str, Ack] = {}
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Self:
        """Serve on ``127.0.0.1:0`` in a thread and attach to the (started) simulator."""
        self._server = serve(
            self._serve,
            "127.0.0.1",
            0,
            process_request=self._check_ticket,
            compression=None,  # slack_sdk's built-in client does not negotiate it
            close_timeout=2,
            logger=log,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="slack-socket", daemon=True
        )
        self._thread.start()
        self.sim.tokens.add(self.app_token)
        self.sim.socket_mode = self.new_url
        return self

    def stop(self) -> None:
        """Detach from the simulator, close every connection (1001) and release the port."""
        if self._server is None:
            return
        if self.sim.socket_mode == self.new_url:
            self.sim.socket_mode = None
        self._server.shutdown()  # closes open connections, waits for their threads
        if self._thread is not None:
            self._thread.join(timeout=self.timeout)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:PORT/link/``: where tickets are valid."""
        if self._server is None:
            raise RuntimeError("SlackSocket is not started")
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link/"

    def new_url(self) -> str:
        """A URL with a fresh single-use ticket: what ``apps.connections.open`` answers."""
        ticket = secrets.token_hex(12)
        with self._lock:
            self._tickets.add(ticket)
        return f"{self.url}?ticket={ticket}&app_id={self.sim.app_id}"

    # ------------------------------------------------------------------ connections
    @property
    def connections(self) -> int:
        """How many connections have opened (and got ``hello``) so far."""
        with self._lock:
            return self._opened

    @property
    def open_connections(self) -> list[int]:
        """The numbers of the connections open now, oldest first."""
        with self._lock:
            return sorted(self._open)

    def wait_connected(self, count: int = 1, timeout: float | None = None) -> int:
        """Block until ``count`` connections have opened in all; the newest one's number."""
        self._until(lambda: self._opened >= count, timeout, f"{count} connection(s)")
        return self._opened

    def wait_closed(self, number: int, timeout: float | None = None) -> None:
        """Block until connection ``number`` has closed (the app's side or ours)."""
        self._until(lambda: number not in self._open, timeout, f"connection {number} to close")

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the app to reconnect (``refresh_requested``, ``warning``, ``link_disabled``)."""
        number, conn = self._newest()
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "sim"}}
        conn.send(json.dumps(message))
        log.debug("sent disconnect (%s) on connection %d", reason, number)

    def drop(self) -> None:
        """Close every open connection at once, without a ``disconnect`` first (code 1011)."""
        with self._lock:
            conns = list(self._open.values())
        for conn in conns:
            conn.close(1011, "simulated failure")

    # ------------------------------------------------------------------ envelopes
    def send(
        self,
        kind: str,
        payload: Args,
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        accepts_response_payload: bool | None = None,
    ) -> Envelope:
        """Send ``payload`` in a new envelope on the newest connection; don't wait for the ack."""
        if kind not in KINDS:
            raise ValueError(f"envelope type {kind!r} is not one of {KINDS}")
        if accepts_response_payload is None:
            answerable = kind == "slash_commands" or payload.get("type") in _ANSWERABLE
            accepts_response_payload = kind != "events_api" and answerable
        number, conn = self._newest()
        envelope = Envelope(
            str(uuid.uuid4()),
            kind,
            payload,
            retry_attempt,
            retry_reason,
            accepts_response_payload,
            number,
            time.perf_counter(),
        )
        with self._lock:
            self._envelopes[envelope.envelope_id] = envelope
        conn.send(json.dumps(envelope.wire))
        return envelope

    def wait_ack(self, envelope_id: str, timeout: float | None = None) -> Ack:
        """Block until the app acknowledges the envelope (``TimeoutError`` otherwise)."""
        self._until(lambda: envelope_id in self._acks, timeout, f"the ack of {envelope_id}")
        with self._lock:
            return self._acks[envelope_id]

    def deliver(
        self, kind: str, payload: Args, *, retry_attempt: int = 0, retry_reason: str = ""
    ) -> SocketResponse:
        """Send an envelope and wait for its ack: Slack's side of one delivery."""
        envelope = self.send(kind, payload, retry_attempt=retry_attempt, retry_reason=retry_reason)
        ack = self.wait_ack(envelope.envelope_id)
        return SocketResponse(
            status=200,
            text=json.dumps(ack.payload) if ack.payload is not None else "",
            headers={},
            elapsed=ack.elapsed,
            sent=payload,
            deadline=self.driver.ack_seconds,
            envelope_id=envelope.envelope_id,
            kind=kind,
            retry_attempt=retry_attempt,
            connection=ack.connection,
        )

    def redeliver(
        self, previous: SocketResponse | Envelope | str, retry_reason: str = "timeout"
    ) -> SocketResponse:
        """Send an envelope's payload again, ``retry_attempt`` one higher, and wait for the ack."""
        envelope_id = previous if isinstance(previous, str) else previous.envelope_id
        with self._lock:
            first = self._envelopes[envelope_id]
        return self.deliver(
            first.type,
            first.payload,
            retry_attempt=first.retry_attempt + 1,
            retry_reason=retry_reason,
        )

    @property
    def envelopes(self) -> list[Envelope]:
        """Every envelope sent, in order."""
        with self._lock:
            return list(self._envelopes.values())

    @property
    def acks(self) -> dict[str, Ack]:
        """``envelope_id`` -> the app's ack, for every envelope acknowledged so far."""
        with self._lock:
            return dict(self._acks)

    @property
    def unacked(self) -> list[Envelope]:
        """Envelopes the app has not acknowledged (yet)."""
        with self._lock:
            return [e for e in self._envelopes.values() if e.envelope_id not in self._acks]

    # ------------------------------------------------------------------ the server side
    def _check_ticket(self, conn: ServerConnection, request: Request) -> Response | None:
        ticket = (parse_qs(urlsplit(request.path).query).get("ticket") or [""])[0]
        with self._lock:
            valid = ticket in self._tickets
            self._tickets.discard(ticket)
            if not valid:
                self.refused.append(request.path)
        return None if valid else conn.respond(HTTPStatus.UNAUTHORIZED, "invalid ticket\n")

    def _serve(self, conn: ServerConnection) -> None:
        """One connection: ``hello``, then acks until either side closes it."""
        with self._changed:
            number = self._opened + 1
            hello: Args = {"type": "hello", "num_connections": len(self._open) + 1}
            hello["debug_info"] = {"host": "sim", "build_number": 1}
            hello["debug_info"]["approximate_connection_time"] = 3600
            hello["connection_info"] = {"app_id": self.sim.app_id}
            try:
                conn.send(json.dumps(hello))
            except ConnectionClosed:
                return
            self._opened, self._open[number] = number, conn
            self._changed.notify_all()
        try:
            for message in conn:
                self._received(number, message)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self._open.pop(number, None)
                self._changed.notify_all()

    def _received(self, number: int, message: str | bytes) -> None:
        at = time.perf_counter()
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        envelope_id = body.get("envelope_id") if isinstance(body, dict) else None
        with self._changed:
            envelope = self._envelopes.get(str(envelope_id))
            if envelope is None or envelope.envelope_id in self._acks:
                self.stray.append(text)
                return
            payload = body.get("payload") if isinstance(body, dict) else None
            self._acks[envelope.envelope_id] = Ack(
                envelope.envelope_id, payload, at - envelope.at, number
            )
            self._changed.notify_all()

    def _newest(self) -> tuple[int, ServerConnection]:
        with self._lock:
            if not self._open:
                raise RuntimeError("no Socket Mode connection is open")
            number = max(self._open)
            return number, self._open[number]

    def _until(self, done: Callable[[], bool], timeout: float | None, what: str) -> None:
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        with self._changed:
            while not done():
                if (left := deadline - time.monotonic()) <= 0:
                    raise TimeoutError(f"Socket Mode: no {what} within {limit}s")
                self._changed.wait(left)


class SocketDriver(SlackDriver):
    """``SlackDriver`` over Socket Mode: same payloads, delivered as envelopes, never signed.

    ``bad_signature``/``timestamp_offset`` do not apply (the socket is authenticated once);
    ``event(..., retry_num=1, retry_reason="timeout")`` becomes ``retry_attempt``/``retry_reason``.
    """

    def __init__(self, socket: SlackSocket) -> None:
        # The URL only satisfies SlackDriver's loopback check: nothing is posted to it.
        super().__init__("http://127.0.0.1/", "unused-over-socket-mode", socket.sim)
        self.socket = socket
        self.timeout = socket.timeout

    def post(
        self,
        body: str,
        content_type: str,
        sent: Args | None = None,
        headers: dict[str, str] | None = None,
        *,
        bad_signature: bool = False,
        timestamp_offset: int = 0,
    ) -> SocketResponse:
        """Deliver ``sent`` (the payload ``SlackDriver`` built) in an envelope; wait for the ack."""
        if bad_signature or timestamp_offset:
            raise ValueError("Socket Mode requests are not signed")
        payload = dict(sent or {})
        if "command" in payload:
            kind = "slash_commands"
        elif payload.get("type") == "event_callback":
            kind = "events_api"
        elif payload.get("type") == "url_verification":
            raise ValueError("Socket Mode has no url_verification")
        else:
            kind = "interactive"
        retry = {k.lower(): v for k, v in (headers or {}).items()}
        return self.socket.deliver(
            kind,
            payload,
            retry_attempt=int(retry.get("x-slack-retry-num", 0)),
            retry_reason=retry.get("x-slack-retry-reason", ""),
        )
