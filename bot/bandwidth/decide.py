"""Bandwidth's validation request, decided by the one port-out use case and answered from what
is known at that moment: the decisions the rules reach at once, and for a port-out left
pending, the configured default (``bot.bandwidth.validation.answer_for``).

Deliveries are written by one thread, in the order they came, and those that arrive while it
writes go in together: one transaction, a savepoint each, one ``COMMIT`` (a group commit).
SQLite lets one transaction write at a time; 16 deliveries that each took the write lock in
turn spent more on beginning, committing and checkpointing than on deciding.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

from bot.bandwidth.validation import ValidationAnswer, ValidationRequest, answer_for
from bot.services import port_outs
from bot.services.base import Actor, Context
from bot.services.reminders.rows import policy_of
from storage.values import PortOutStatus, Role

BANDWIDTH = Actor(Role.SYSTEM, "bandwidth", "Bandwidth port-out validation")
SETTLED = frozenset({PortOutStatus.AUTHORIZED, PortOutStatus.PORTED})
BATCH = 32  # at most this many deliveries in one transaction
PG_WRITERS = 2  # PostgreSQL takes several writing transactions at once; SQLite one

_Item = tuple[ValidationRequest, str, "Future[ValidationAnswer]"]


class Decider:
    """``decide(request, dedupe_key)`` for ``validation_routes``: records the port-out (once per
    delivery: a retried one gets the same answer) and answers for it. ``submit`` hands the
    delivery to the writing threads (one on SQLite, :data:`PG_WRITERS` on PostgreSQL, each
    taking a group of what waits) and returns at once; calling the decider waits."""

    def __init__(self, ctx: Context, *, wake: Callable[[], None] = lambda: None) -> None:
        self._ctx = ctx
        self._wake = wake
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._start = threading.Lock()
        self._writers = 1 if ctx.db.is_sqlite else PG_WRITERS
        self._threads: list[threading.Thread] = []

    def submit(self, request: ValidationRequest, key: str) -> Future[ValidationAnswer]:
        done: Future[ValidationAnswer] = Future()
        self._queue.put((request, key, done))
        if len(self._threads) < self._writers or not all(t.is_alive() for t in self._threads):
            with self._start:
                self._threads = [t for t in self._threads if t.is_alive()]
                while len(self._threads) < self._writers:
                    thread = threading.Thread(
                        target=self._write, name="portout-validation", daemon=True
                    )
                    thread.start()
                    self._threads.append(thread)
        return done

    def __call__(self, request: ValidationRequest, key: str) -> ValidationAnswer:
        return self.submit(request, key).result()

    def _write(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                answers = self.decide_all([(request, key) for request, key, _ in batch])
            except Exception as exc:  # the commit failed: every delivery of it did
                answers = [exc] * len(batch)
            for (_, _, done), answer in zip(batch, answers, strict=True):
                if isinstance(answer, Exception):
                    done.set_exception(answer)
                else:
                    done.set_result(answer)

    def decide_all(
        self, deliveries: list[tuple[ValidationRequest, str]]
    ) -> list[ValidationAnswer | Exception]:
        """Record and answer these deliveries in one transaction, on the calling thread; one
        that fails gets its exception, the others their answers."""
        received = port_outs.receive_batch(
            self._ctx,
            [
                port_outs.Delivery(_incoming(request), request.pon, key)
                for request, key in deliveries
            ],
            actor=BANDWIDTH,
            source="bandwidth",
        )
        if any(not isinstance(r, Exception) and not r.replayed for r in received):
            self._wake()
        default = policy_of(self._ctx).port_out_default
        answers: list[ValidationAnswer | Exception] = []
        for (request, _), result in zip(deliveries, received, strict=True):
            if isinstance(result, Exception):
                answers.append(result)
            elif result.replayed and result.statuses <= SETTLED:
                # sent again after the holder approved what was pending: the answer follows
                answers.append(ValidationAnswer(True, request.pon))
            else:
                try:
                    answers.append(answer_for(request, result.decisions, pending_default=default))
                except Exception as exc:  # this answer alone
                    answers.append(exc)
        return answers


def _incoming(request: ValidationRequest) -> port_outs.Incoming:
    return port_outs.Incoming(
        numbers=list(request.numbers),
        carrier="",  # Bandwidth's request names no carrier; the PON identifies it
        pon=request.pon,
        pin=request.pin,
        account_number=request.account_number,
        postal_code=request.zip_code,
        subscriber_name=request.subscriber_name,
    )


def decider(ctx: Context, *, wake: Callable[[], None] = lambda: None) -> Decider:
    """The decider ``portbot serve`` gives the route."""
    return Decider(ctx, wake=wake)
