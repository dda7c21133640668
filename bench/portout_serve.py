"""``bench.portout``'s processes: the server as ``portbot serve`` runs it (its own process,
uvicorn in its main thread, the app from ``create_app`` with the validation route), and the
clients (another process) that send Bandwidth's requests in a closed loop.
"""

from __future__ import annotations

import base64
import http.client
import itertools
import os
import socket
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

from bench.slack_common import SECRET_KEY, keep_to

USER, PASSWORD = "bandwidth-bench", "bench-validation-password"
PATH = "/portout/validation"


def settings_env(db_url: str) -> dict[str, str]:
    """What the server is configured with: Slack on (so port-out events queue their Slack
    rows, as in production; nobody delivers them here), Zendesk off, Bandwidth's credentials."""
    return {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench-signing-secret",
        "PORTBOT_SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": db_url,
        "PORTBOT_PORTOUT_VALIDATION_USER": USER,
        "PORTBOT_PORTOUT_VALIDATION_PASSWORD": PASSWORD,
    }


# ---------------------------------------------------------------------- the server
def _serve(db_url: str, log_path: str, ready: Any) -> None:
    """The child: ``portbot serve``'s steps for this route, then uvicorn on a loopback port."""
    import uvicorn

    from bot import config, logs
    from bot.bandwidth.decide import decider
    from bot.bandwidth.route import validation_routes
    from bot.context import build_context
    from bot.server import settle_heap
    from bot.web import create_app

    os.dup2(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), 2)
    settings = config.load(settings_env(db_url))
    logs.configure(settings.portbot_log_format)
    ctx = build_context(settings)
    password = settings.portbot_portout_validation_password
    assert password is not None
    routes = validation_routes(
        decider(ctx),
        user=settings.portbot_portout_validation_user,
        password=password.get_secret_value(),
    )
    app = create_app(ctx, None, portout=routes)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    settle_heap()  # as portbot serve does
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="info", log_config=None, access_log=False)
    )
    ready.send(sock.getsockname()[1])
    server.run(sockets=[sock])


@dataclass
class Server:
    process: Any
    url: str
    log_path: str

    def cpu(self) -> dict[str, float] | None:
        """The server process's CPU seconds so far (Linux), or None: ``all``, and ``loop``,
        the main thread's (uvicorn's event loop: HTTP, the route, the access line); the rest
        is the worker threads' (deciding)."""
        pid = self.process.pid
        try:
            total, loop = _ticks(f"/proc/{pid}/stat"), _ticks(f"/proc/{pid}/task/{pid}/stat")
        except OSError:
            return None
        tick = os.sysconf("SC_CLK_TCK")
        return {"all": total / tick, "loop": loop / tick}

    def stop(self) -> None:
        self.process.terminate()  # uvicorn shuts down on SIGTERM
        self.process.join(timeout=15)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _ticks(path: str) -> int:
    """User and system clock ticks from a ``/proc/.../stat`` file."""
    with open(path) as f:
        fields = f.read().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])


def start_server(db_url: str, log_path: str) -> Server:
    spawn = get_context("spawn")
    mine, theirs = spawn.Pipe()
    process = spawn.Process(
        target=_serve, args=(db_url, log_path, theirs), name="portbot-serve", daemon=True
    )
    process.start()
    if not mine.poll(120):
        process.terminate()
        raise RuntimeError(f"the server did not start; see {log_path}")
    url = f"http://127.0.0.1:{mine.recv()}"
    deadline = time.monotonic() + 30
    while True:  # until uvicorn listens
        try:
            socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), 1).close()
            break
        except OSError:
            if time.monotonic() > deadline or not process.is_alive():
                raise RuntimeError(f"the server did not listen; see {log_path}") from None
            time.sleep(0.05)
    return Server(process, url, log_path)


# ---------------------------------------------------------------------- the clients
AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
HEADERS = {"Authorization": AUTH, "Content-Type": "application/xml; charset=utf-8"}

# (seconds, HTTP status or -1, Portable or None, error codes, a note when it failed)
Outcome = tuple[float, int, bool | None, frozenset[int], str]


def send(url: str, body: bytes, timeout: float = 30.0) -> Outcome:
    """POST on a new connection; time from connecting until the whole answer is in."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    started = time.perf_counter()
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("POST", PATH, body, HEADERS)
        answer = conn.getresponse()
        raw = answer.read()
        seconds = time.perf_counter() - started
    except OSError as exc:
        return time.perf_counter() - started, -1, None, frozenset(), repr(exc)
    finally:
        conn.close()
    if answer.status != 200:
        return seconds, answer.status, None, frozenset(), raw[:200].decode("utf-8", "replace")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError:
        return seconds, answer.status, None, frozenset(), "not XML"
    portable = root.findtext("Portable") == "true"
    codes = frozenset(int(c.text or 0) for c in root.iter("Code"))
    return seconds, answer.status, portable, codes, ""


def fire(url: str, bodies: list[bytes], clients: int) -> dict[str, Any]:
    """Send every body with ``clients`` threads in a closed loop; outcomes in send order."""
    results: list[Outcome | None] = [None] * len(bodies)
    order = itertools.count()
    lock = threading.Lock()
    gate = threading.Barrier(clients + 1)

    def client() -> None:
        gate.wait()
        while True:
            with lock:
                i = next(order)
            if i >= len(bodies):
                return
            results[i] = send(url, bodies[i])

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    cpu = time.process_time()
    gate.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return {
        "results": results,
        "seconds": time.perf_counter() - started,
        "client_cpu": time.process_time() - cpu,
    }


class Clients:
    """The clients' process (on ``cpus`` only, when given)."""

    def __init__(self, url: str, cpus: frozenset[int] | None) -> None:
        self.url = url
        spawn = get_context("spawn")
        self.pool = ProcessPoolExecutor(1, spawn, initializer=keep_to, initargs=(cpus,))

    def run(self, bodies: list[bytes], clients: int, server: Server) -> dict[str, Any]:
        before = server.cpu()
        out = self.pool.submit(fire, self.url, bodies, clients).result()
        after = server.cpu()
        out["server_cpu"] = None
        if before is not None and after is not None:
            out["server_cpu"] = {k: after[k] - before[k] for k in after}
        return out

    def close(self) -> None:
        self.pool.shutdown()
