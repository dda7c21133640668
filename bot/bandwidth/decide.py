"""Bandwidth's validation request, decided by the one port-out use case and answered from what
is known at that moment: the decisions the rules reach at once, and for a port-out left
pending, the configured default (``bot.bandwidth.validation.answer_for``)."""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable

from bot.bandwidth.validation import ValidationAnswer, ValidationRequest, answer_for
from bot.services import port_outs
from bot.services.base import Actor, Context
from bot.services.reminders.rows import policy_of
from storage.values import PortOutStatus, Role

BANDWIDTH = Actor(Role.SYSTEM, "bandwidth", "Bandwidth port-out validation")
SETTLED = frozenset({PortOutStatus.AUTHORIZED, PortOutStatus.PORTED})


class InTurn:
    """A lock that threads get in the order they asked for it: the one leaving hands it to the
    longest waiting, and wakes no other (a plain lock may go to a thread that just arrived)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()
        self._held = False

    def __enter__(self) -> InTurn:
        with self._mutex:
            if not self._held:
                self._held = True
                return self
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by the thread that hands over
        return self

    def __exit__(self, *exc: object) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().release()  # still held: now by that thread
            else:
                self._held = False


def decider(
    ctx: Context, *, wake: Callable[[], None] = lambda: None
) -> Callable[[ValidationRequest, str], ValidationAnswer]:
    """``decide(request, dedupe_key)`` for ``validation_routes``: records the port-out (once per
    delivery: a retried one gets the same answer) and answers for it."""

    # SQLite lets one transaction write at a time, and a connection that finds the file locked
    # sleeps and tries again, up to 100 ms a try: with many deliveries at once, a few waited
    # seconds while later ones went first. Here they queue for the write in this process, in
    # the order they came.
    one_writer: contextlib.AbstractContextManager[object] = (
        InTurn() if ctx.db.is_sqlite else contextlib.nullcontext()
    )

    def decide(request: ValidationRequest, key: str) -> ValidationAnswer:
        with one_writer:
            return _decide(request, key)

    def _decide(request: ValidationRequest, key: str) -> ValidationAnswer:
        incoming = port_outs.Incoming(
            numbers=list(request.numbers),
            carrier="",  # Bandwidth's request names no carrier; the PON identifies it
            pon=request.pon,
            pin=request.pin,
            account_number=request.account_number,
            postal_code=request.zip_code,
            subscriber_name=request.subscriber_name,
        )
        received = port_outs.receive(
            ctx,
            incoming,
            actor=BANDWIDTH,
            source="bandwidth",
            source_ref=request.pon,
            dedupe_key=key,
        )
        if not received.replayed:
            wake()
        elif received.statuses <= SETTLED:
            # sent again after the holder approved what was pending: the answer follows
            return ValidationAnswer(True, request.pon)
        default = policy_of(ctx).port_out_default
        return answer_for(request, received.decisions, pending_default=default)

    return decide
