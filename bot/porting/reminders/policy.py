"""The reminder policy: the numbers of PRODUCT §3 and §4, as settings.

Where a number is a porting rule the lifecycle also enforces or tells (``bot.porting.rules``),
the setting's default is that rule, so the reminders and the rest of portbot cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

from bot.porting.quotes import REMINDER_BUSINESS_DAYS, REVIEW_BUSINESS_DAYS
from bot.porting.rules import (
    DOCUMENT_AGING_NOTICE_DAYS,
    DOCUMENT_MAX_AGE_DAYS,
    EXPIRY_DAYS,
    PORT_OUT_DEADLINE_BUSINESS_DAYS,
    PORT_OUT_UNLOCK_HOURS,
)


def _positive(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"ReminderPolicy.{name} must be a positive whole number, got {value!r}")


_SCHEDULES = ("loa_unsigned_business_days", "bill_missing_business_days")
_COUNTS = (
    "loa_agent_alert_business_days",
    "expiry_days",
    "document_aging_days",
    "document_max_age_days",
    "cutoff_notice_business_days",
    "stale_in_review_business_days",
    "stale_submitted_business_days",
    "port_out_deadline_business_days",
    "digest_ahead_days",
    "quote_review_business_days",
)


@dataclass(frozen=True)
class ReminderPolicy:
    """The defaults of PRODUCT §3 and §4, as settings.

    Business-day counts follow :class:`~bot.porting.calendar.BusinessCalendar` (holidays of the
    account's country are skipped). Day-based customer reminders go out at ``customer_time``
    local time and are then moved into contact hours; agent alerts keep the wall time of the
    moment they count from. The messages (``bot.wording.reminders``) state these numbers from
    the policy they were planned with.
    """

    customer_time: time = time(10, 0)
    """Local wall time of day-based customer reminders ("3 business days before the FOC")."""
    digest_time: time = time(9, 0)
    """Local wall time of the agents' daily digest."""

    loa_unsigned_business_days: tuple[int, ...] = (1, 3, 5)
    loa_agent_alert_business_days: int = 7
    expiry_days: int = EXPIRY_DAYS
    """Calendar days after which a draft (from creation) or an unsigned request (from sending
    the LOA) expires (``rules.EXPIRY_DAYS``)."""

    bill_missing_business_days: tuple[int, ...] = (1, 3)
    document_aging_days: int = DOCUMENT_AGING_NOTICE_DAYS
    document_max_age_days: int = DOCUMENT_MAX_AGE_DAYS
    """Carriers refuse a bill or LOA older than this (``rules.DOCUMENT_MAX_AGE_DAYS``, which
    ``bot.porting.intake`` checks)."""

    foc_approaching_business_days: tuple[int, ...] = (3, 1)
    cutoff_notice_business_days: int = 1
    """The cut-off notice goes out this many business days before the last day to cancel. That
    day itself is no setting: it is the cut-off the lifecycle enforces
    (``rules.CANCEL_NOTICE_BUSINESS_DAYS`` business days before the FOC, through
    ``calendar.cancellation_deadline``), so the notice and the refusal cannot disagree."""

    stale_in_review_business_days: int = 2
    stale_submitted_business_days: int = 7

    window_closing_notice: timedelta = timedelta(hours=24)
    port_out_deadline_business_days: int = PORT_OUT_DEADLINE_BUSINESS_DAYS
    port_out_deadline: timedelta | None = None
    """When set (``PORTBOT_PORTOUT_DEADLINE_HOURS``), a port-out nobody decided gets the default
    decision this long after it arrived, instead of ``port_out_deadline_business_days``."""
    port_out_default: str = "authorize"
    """What the deadline decides (``PORTBOT_PORTOUT_DEFAULT``): ``authorize`` (nobody's silence
    blocks a valid port) or ``reject``."""
    port_out_unlock_wait: timedelta = timedelta(hours=PORT_OUT_UNLOCK_HOURS)
    """How long after an unlock is asked for the lock still holds."""

    digest_ahead_days: int = 6
    """The digest lists the port dates of today and of this many days after it."""

    quote_reminder_business_days: tuple[int, ...] = REMINDER_BUSINESS_DAYS
    """An unanswered fee quote is recalled this many business days after it was sent (the
    answer period itself is the quote rule, ``quotes.ANSWER_BUSINESS_DAYS``, no setting)."""
    quote_review_business_days: int = REVIEW_BUSINESS_DAYS
    """The agents are alerted when an accepted quote's request waited longer than this."""
    quote_all: bool = False
    """Every request needs an accepted fee quote (``PORTBOT_QUOTE_ALL``), not only those of
    countries whose row asks for one."""

    def __post_init__(self) -> None:
        for name in ("customer_time", "digest_time"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(f"ReminderPolicy.{name} must be a naive local time, got {value!r}")
        for name in (*_SCHEDULES, "foc_approaching_business_days", "quote_reminder_business_days"):
            values = tuple(getattr(self, name))
            for value in values:
                _positive(name, value)
            if len(set(values)) != len(values):
                raise ValueError(f"ReminderPolicy.{name} has repeated values: {values!r}")
            object.__setattr__(self, name, values)
        for name in _COUNTS:
            _positive(name, getattr(self, name))
        if self.document_aging_days >= self.document_max_age_days:
            raise ValueError(
                "ReminderPolicy.document_aging_days must be below document_max_age_days"
            )
        if self.window_closing_notice <= timedelta(0):
            raise ValueError("ReminderPolicy.window_closing_notice must be positive")
        if self.port_out_default not in ("authorize", "reject"):
            raise ValueError(
                f"ReminderPolicy.port_out_default must be authorize or reject, got "
                f"{self.port_out_default!r}"
            )
        if self.port_out_deadline is not None and self.port_out_deadline <= timedelta(0):
            raise ValueError("ReminderPolicy.port_out_deadline must be positive")
        if self.port_out_unlock_wait < timedelta(0):
            raise ValueError("ReminderPolicy.port_out_unlock_wait must not be negative")
