"""Run an ASGI app with uvicorn in a background thread on an ephemeral loopback port."""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn


class ServedApp:
    """``with ServedApp(app) as served: served.url`` — the app listens until the block ends."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1") -> None:
        self._server = uvicorn.Server(
            uvicorn.Config(
                app, host=host, port=0, log_level="warning", access_log=False, lifespan="off"
            )
        )
        self._thread = threading.Thread(target=self._server.run, name="portbot-http", daemon=True)
        self.url = ""

    def start(self) -> ServedApp:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the HTTP server did not start")
            time.sleep(0.01)
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> ServedApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
