"""What the loopback simulators share: a threaded HTTP server on ``127.0.0.1:0`` that hands
every request to the simulator's ``_serve``."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self


class SimHandler(BaseHTTPRequestHandler):
    """GET and POST go to ``server.sim._serve(handler)``; nothing is logged."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.sim._serve(self)  # type: ignore[attr-defined]

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class _Server(ThreadingHTTPServer):
    # The standard library listens with a backlog of 5. Under a load test (32 clients waiting
    # on the simulator, the app's own calls beside them) the queue overflowed; the kernel then
    # drops the connection attempt and the caller tries again a second later, which looked
    # like a one-second Slack call. Slack does not refuse connections like that.
    request_queue_size = 128


class LoopbackServer:
    """``start()``/``stop()`` and ``with``; subclasses name their handler and thread."""

    handler: ClassVar[type[SimHandler]] = SimHandler
    thread_name: ClassVar[str] = "sim"
    _server: ThreadingHTTPServer | None

    def start(self) -> Self:
        """Bind ``127.0.0.1:0`` (loopback only) and serve in a daemon thread."""
        self._server = _Server(("127.0.0.1", 0), self.handler)
        self._server.daemon_threads = True
        self._server.sim = self  # type: ignore[attr-defined]
        serve = self._server.serve_forever
        threading.Thread(target=serve, args=(0.05,), name=self.thread_name, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
