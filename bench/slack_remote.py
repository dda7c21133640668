"""The Slack simulator in a process of its own, as Slack is: its work (answering the app's Web
API calls and ``response_url`` posts) then never competes with the server under test for the
server process's interpreter lock. The bench talks to it through a ``multiprocessing``
manager proxy; the app and the clients talk to it over HTTP, as before.
"""

from __future__ import annotations

from multiprocessing import get_context
from multiprocessing.managers import BaseManager
from typing import Any

from bench.slack_common import keep_to
from bot.sandbox.slack_sim import Call, SlackSimulator


class _Simulator(SlackSimulator):
    def info(self) -> dict[str, str]:
        return {
            "root": self.root,
            "url": self.url,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
        }


def _started() -> _Simulator:
    return _Simulator().start()


class _Manager(BaseManager):
    pass


_Manager.register(
    "Simulator",
    _started,
    exposed=(
        "info",
        "add_user",
        "add_channel",
        "new_trigger",
        "new_response_url",
        "calls_to",
        "wait_for",
        "stop",
    ),
)


class RemoteSimulator:
    """The parts of ``SlackSimulator`` the bench uses, served from a child process (on
    ``cpus`` only, when given)."""

    def __init__(self, cpus: frozenset[int] | None = None) -> None:
        self._manager = _Manager(ctx=get_context("spawn"))
        self._manager.start(keep_to, (cpus,))
        self._sim: Any = self._manager.Simulator()  # type: ignore[attr-defined]
        info = self._sim.info()
        self.root, self.url = info["root"], info["url"]
        self.team_id, self.team_domain = info["team_id"], info["team_domain"]
        self.app_id, self.bot_id = info["app_id"], info["bot_id"]

    def add_user(self, *args: Any, **kwargs: Any) -> None:
        self._sim.add_user(*args, **kwargs)

    def add_channel(self, *args: Any, **kwargs: Any) -> None:
        self._sim.add_channel(*args, **kwargs)

    def new_trigger(self, user_id: str | None = None) -> str:
        return self._sim.new_trigger(user_id)

    def new_response_url(self, *args: Any) -> str:
        return self._sim.new_response_url(*args)

    def calls_to(self, method: str) -> list[Call]:
        return self._sim.calls_to(method)

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        return self._sim.wait_for(method, count, timeout)

    def stop(self) -> None:
        self._sim.stop()
        self._manager.shutdown()
