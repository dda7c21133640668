"""What reminders say (PRODUCT §3, §4), in every channel: one builder per reminder kind.

:data:`BUILDERS` maps each :class:`~bot.porting.reminders.ReminderKind` that makes a message to
the one function that words it; :func:`notice` looks it up. A builder takes an
:class:`Occasion` (the reminder's data, its subject, the calendar, the policy, the day it goes
out, where it goes) and returns a :class:`Notice`: the body as
:class:`~bot.wording.rich.Rich` text with outside strings kept as data, the buttons as neutral
:class:`Action` values, and what a ticket note calls it. The edges render it: Slack mrkdwn and
Block Kit (``bot.slack.blocks.reminders``), the ticket's internal note (:func:`note_text`).

Layout: :mod:`.notice` (the types and the shared pieces), :mod:`.requester` (the request's
thread and the representative's message), :mod:`.agents` (alerts and the digest),
:mod:`.port_outs` (port-out windows and port-outs).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bot.porting.reminders import ReminderKind
from bot.wording.reminders import agents, port_outs, quotes, requester
from bot.wording.reminders.notice import (
    NOTE_HEADING,
    Action,
    Builder,
    Notice,
    Occasion,
    Verb,
    combine,
    compose,
    note_text,
)

__all__ = [
    "BUILDERS",
    "NOTE_HEADING",
    "Action",
    "Builder",
    "Notice",
    "Occasion",
    "Verb",
    "combine",
    "compose",
    "note_text",
    "notice",
]

K = ReminderKind
BUILDERS: Mapping[ReminderKind, Builder] = MappingProxyType(
    {
        K.LOA_UNSIGNED: requester.loa_unsigned,
        K.BILL_MISSING: requester.bill_missing,
        K.DOCUMENT_AGING: requester.document_aging,
        K.KEEP_ACTIVE: requester.keep_active,
        K.FOC_CONFIRMED: requester.foc_confirmed,
        K.FOC_APPROACHING: requester.foc_approaching,
        K.CANCELLATION_CUTOFF: requester.cancellation_cutoff,
        K.POST_PORT_CHECK: requester.post_port_check,
        K.LOA_UNSIGNED_AGENTS: agents.loa_unsigned_agents,
        K.STALE_REQUEST: agents.stale_request,
        K.DAILY_DIGEST: agents.digest,
        K.PORT_OUT_WINDOW: port_outs.port_out_window,
        K.PORT_OUT_PENDING: port_outs.port_out_pending,
        K.PORT_OUT_DEADLINE: port_outs.port_out_deadline,
        K.QUOTE_UNANSWERED: quotes.quote_unanswered,
        K.QUOTE_REVIEW: quotes.quote_review,
    }
)
"""The builder of each reminder kind that makes a message (``request-expiry`` and
``quote-deadline`` make none)."""


def notice(occasion: Occasion) -> Notice:
    """The words of one reminder message."""
    builder = BUILDERS.get(occasion.kind)
    if builder is None:
        raise ValueError(f"{occasion.kind} makes no message")
    return builder(occasion)
