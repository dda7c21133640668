"""Bandwidth's validation request, decided by the one port-out use case and answered from what
is known at that moment: the decisions the rules reach at once, and for a port-out left
pending, the configured default (``bot.bandwidth.validation.answer_for``)."""

from __future__ import annotations

from collections.abc import Callable

from bot.bandwidth.validation import ValidationAnswer, ValidationRequest, answer_for
from bot.services import port_outs
from bot.services.base import Actor, Context
from bot.services.reminders.rows import policy_of
from storage.values import PortOutStatus, Role

BANDWIDTH = Actor(Role.SYSTEM, "bandwidth", "Bandwidth port-out validation")


def decider(
    ctx: Context, *, wake: Callable[[], None] = lambda: None
) -> Callable[[ValidationRequest, str], ValidationAnswer]:
    """``decide(request, dedupe_key)`` for ``validation_routes``: records the port-out (once per
    delivery: a retried one gets the same answer) and answers for it."""

    def decide(request: ValidationRequest, key: str) -> ValidationAnswer:
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
        settled = {po.status for po in received.port_outs}
        if received.replayed and settled <= {PortOutStatus.AUTHORIZED, PortOutStatus.PORTED}:
            # sent again after the holder approved what was pending: the answer follows
            return ValidationAnswer(True, request.pon)
        default = policy_of(ctx).port_out_default
        return answer_for(request, received.decisions, pending_default=default)

    return decide
