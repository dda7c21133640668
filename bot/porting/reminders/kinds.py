"""Reminder kinds, who each is for, and where each one's message goes."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class Audience(StrEnum):
    """Who a reminder is for.

    ``customer`` messages only go out in contact hours on business days; ``agents`` alerts go
    out at any time; ``system`` entries are not messages but scheduled actions of portbot
    itself (expire a request, apply the port-out default) and are never moved or dropped.
    """

    CUSTOMER = "customer"
    AGENTS = "agents"
    SYSTEM = "system"


class ReminderKind(StrEnum):
    """Every scheduled message of PRODUCT §3 (plus the two scheduled actions behind them).
    When each falls due is in :mod:`bot.porting.reminders.port_requests` and
    :mod:`bot.porting.reminders.port_outs`, its numbers in :class:`ReminderPolicy`."""

    LOA_UNSIGNED = "loa-unsigned"  # rep + requester, after sending (loa_unsigned_business_days)
    LOA_UNSIGNED_AGENTS = "loa-unsigned-agents"  # agents, loa_agent_alert_business_days later
    REQUEST_EXPIRY = "request-expiry"  # system: draft / unsigned request expires (expiry_days)
    BILL_MISSING = "bill-missing"  # requester, after the draft began (bill_missing_business_days)
    DOCUMENT_AGING = "document-aging"  # requester, bill or signed LOA turns document_aging_days
    KEEP_ACTIVE = "keep-active"  # requester, at submission (the FOC announcement says it next)
    FOC_CONFIRMED = "foc-confirmed"  # requester, when the FOC is recorded
    FOC_APPROACHING = "foc-approaching"  # requester, countdown to the FOC, window start
    CANCELLATION_CUTOFF = "cancellation-cutoff"  # requester, business day before last cancel day
    POST_PORT_CHECK = "post-port-check"  # requester, after the FOC window of a completed port
    STALE_REQUEST = "stale-request"  # agents, too long in review / submitted without an FOC
    DAILY_DIGEST = "daily-digest"  # agents channel, digest_time local on business days
    PORT_OUT_WINDOW = "port-out-window"  # customer, window opened / closes soon / closed
    PORT_OUT_PENDING = "port-out-pending"  # customer, unannounced port-out arrived / half-time
    PORT_OUT_DEADLINE = "port-out-deadline"  # system: apply the configured default decision
    QUOTE_UNANSWERED = "quote-unanswered"  # requester, quote_reminder_business_days after it
    QUOTE_DEADLINE = "quote-deadline"  # system: accept an unanswered quote by default
    QUOTE_REVIEW = "quote-review"  # agents, accepted quote not reviewed in time

    @property
    def audience(self) -> Audience:
        """The audience every reminder of this kind has."""
        return _AUDIENCE.get(self, Audience.CUSTOMER)


_AUDIENCE = {
    ReminderKind.LOA_UNSIGNED_AGENTS: Audience.AGENTS,
    ReminderKind.STALE_REQUEST: Audience.AGENTS,
    ReminderKind.DAILY_DIGEST: Audience.AGENTS,
    ReminderKind.REQUEST_EXPIRY: Audience.SYSTEM,
    ReminderKind.PORT_OUT_DEADLINE: Audience.SYSTEM,
    ReminderKind.QUOTE_DEADLINE: Audience.SYSTEM,
    ReminderKind.QUOTE_REVIEW: Audience.AGENTS,
}


class Destination(StrEnum):
    """Where one message of a reminder goes; each is an outbox row of its own, so one place
    that fails is retried alone and never repeats another."""

    THREAD = "thread"
    """The request's card thread (mentioning the requester only when it asks them to act)."""
    REP = "rep"
    """A direct message to the authorized representative (when they are a Slack user)."""
    AGENTS = "agents"
    """The agents channel."""
    CHANNEL = "channel"
    """A port-out window's channel, or a port-out's card thread (else the agents channel)."""
    NOTE = "note"
    """An internal note on the ticket of the request (port-outs have no ticket yet)."""


K, D = ReminderKind, Destination
_FOR_THE_REQUESTER = (D.THREAD, D.NOTE)
_ROUTES: dict[ReminderKind, tuple[Destination, ...]] = {
    K.LOA_UNSIGNED: (D.THREAD, D.REP, D.NOTE),
    K.LOA_UNSIGNED_AGENTS: (D.AGENTS, D.NOTE),
    K.REQUEST_EXPIRY: (),  # an action: the request's own event tells everyone
    K.BILL_MISSING: _FOR_THE_REQUESTER,
    K.DOCUMENT_AGING: _FOR_THE_REQUESTER,
    K.KEEP_ACTIVE: _FOR_THE_REQUESTER,
    K.FOC_CONFIRMED: _FOR_THE_REQUESTER,
    K.FOC_APPROACHING: _FOR_THE_REQUESTER,
    K.CANCELLATION_CUTOFF: _FOR_THE_REQUESTER,
    K.POST_PORT_CHECK: _FOR_THE_REQUESTER,
    K.STALE_REQUEST: (D.AGENTS, D.NOTE),
    K.DAILY_DIGEST: (D.AGENTS,),
    # Port-outs get no ticket note yet: nothing makes a port-out's Zendesk ticket (no
    # ZendeskLink carries a port_out_id), so a note would wait a day for a ticket that never
    # comes. TODO(port-out tickets, PRODUCT §4 "every decision is on ... the ticket"): add
    # D.NOTE to the three port-out kinds once port-outs have tickets; the sweep and the note
    # handler already find a ticket by port_out_id.
    K.PORT_OUT_WINDOW: (D.CHANNEL,),
    K.PORT_OUT_PENDING: (D.CHANNEL,),
    K.PORT_OUT_DEADLINE: (D.CHANNEL,),  # once the default decision was applied
    K.QUOTE_UNANSWERED: _FOR_THE_REQUESTER,
    K.QUOTE_DEADLINE: (),  # an action: the acceptance's own event tells everyone
    K.QUOTE_REVIEW: (D.AGENTS, D.NOTE),
}


def destinations(kind: ReminderKind, *, rep_email: bool = False) -> tuple[Destination, ...]:
    """Where the messages of a reminder of ``kind`` go, in order. The representative's DM only
    when the request names their e-mail (``rep_email``)."""
    return tuple(d for d in _ROUTES[kind] if d is not D.REP or rep_email)


THREAD_KINDS = frozenset(k for k, routes in _ROUTES.items() if D.THREAD in routes)
"""The kinds whose message goes to the request's thread (the customer's reminders)."""

TOGETHER = timedelta(hours=1)
"""Thread reminders of one request that fall due within this much of each other go out as one
message (``bot.services.reminders.bundles``)."""
