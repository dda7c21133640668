"""Shared by the ``bench.slack`` modules: the bench's constants (secrets, Slack ids,
targets), the request/answer types, and the statistics.

``python -m bench.slack`` runs the bench; see ``bench/slack.py`` for what it measures.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from dataclasses import dataclass

from bench.numbers import build_lines, raw_phonenumbers

SEED = 20261122
SIGNING_SECRET = "bench-signing-secret"
SECRET_KEY = "bench-secret-key-0123456789abcdef"
BOT_TOKEN = "xoxb-test"
AGENT, CUSTOMER = "U0AGENT", "U0CUSTOMER"
CHANNEL, AGENTS_CHANNEL = "C0CUSTOMER", "C0AGENTS"
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
VERIFICATION_TOKEN = "sim-verification-token"
PREFIX_LENGTH = 12  # "PR" + 10 hex characters
ACK_TARGET_MS = 30.0
OPEN_TARGET_MS = 100.0
SLACK_WAITS_MS = 3_000.0  # Slack shows the user an error when the ack takes longer

Prepared = tuple[bytes, dict[str, str]]  # a signed body and its headers
# A request to send and, when the answer comes after the ack, the simulator's wait query for it
# (``response_url=<token>`` or ``view_id=<id>``; see ``SlackSimulator``'s ``/_sim/wait``).
Request = tuple[bytes, dict[str, str], str]


@dataclass(frozen=True)
class Result:
    wall: float  # time.time() when sent
    seconds: float  # until the ack (the HTTP answer) was in
    status: int
    text: str  # the ack's body
    answer_seconds: float | None = None  # until the answer after the ack reached Slack
    answer: str = ""  # what that answer was (the post's JSON, or the new view's callback_id)

    @property
    def to_answer(self) -> float:
        """Seconds until the person saw the answer: the ack, or what came after it."""
        return self.seconds if self.answer_seconds is None else self.answer_seconds


# ---------------------------------------------------------------------- where Slack runs
def slack_cpus(spec: str) -> frozenset[int] | None:
    """The CPUs that the stand-ins for Slack (the clients and the simulator) may use.

    Slack's servers are not on our machine; on a small one, its stand-ins would otherwise take
    CPU time from the server under test. ``auto``: the last CPU when there are two or more (the
    server and its children may still use every CPU); ``all``: no limit; or a list (``1,3``).
    Where the system cannot bind a process to CPUs (not Linux), always no limit.
    """
    if spec == "all" or not hasattr(os, "sched_setaffinity"):  # Linux only
        return None
    if spec == "auto":
        mine = sorted(os.sched_getaffinity(0))
        return frozenset(mine[-1:]) if len(mine) >= 2 else None
    return frozenset(int(cpu) for cpu in spec.split(","))


def keep_to(cpus: frozenset[int] | None) -> None:
    """Run this process (and the threads it starts after) on ``cpus`` only."""
    if cpus:
        os.sched_setaffinity(0, cpus)


# ---------------------------------------------------------------------- statistics
def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of unsorted ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(seconds: list[float]) -> dict[str, float]:
    """p50/p90/p99/max/mean in milliseconds."""
    if not seconds:
        return {}
    ms = [s * 1e3 for s in seconds]
    return {
        "n": len(ms),
        "p50": pct(ms, 50),
        "p90": pct(ms, 90),
        "p99": pct(ms, 99),
        "max": max(ms),
        "mean": statistics.fmean(ms),
        "over_3s": sum(m > SLACK_WAITS_MS for m in ms),
    }


def calibrate(repeats: int = 3) -> float:
    """The machine's speed now: median ms of ``bench.numbers``' raw pass over its 10,000 lines
    (452 ms when that bench's results were taken; shared machines vary)."""
    lines = build_lines()
    raw_phonenumbers(lines)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        raw_phonenumbers(lines)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3
