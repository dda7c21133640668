"""Reminder vocabulary: kinds, audiences, the policy of defaults, the facts and the ``Due`` value.

Pure domain code (PRODUCT §3): nothing here reads a clock, touches storage or talks to Slack.
The functions that turn facts into reminders live in :mod:`bot.porting.reminders` (requests)
and :mod:`bot.porting.reminders_portout` (port-out windows, incoming port-outs, the digest);
import everything from :mod:`bot.porting.reminders`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import TypeAlias

from bot.porting.calendar import BusinessCalendar
from storage.values import PortOutStatus, RequestStatus, WindowStatus

JSONValue: TypeAlias = str | int | float | bool | list["JSONValue"] | dict[str, "JSONValue"] | None


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
    """Every scheduled message of PRODUCT §3 (plus the two scheduled actions behind them)."""

    LOA_UNSIGNED = "loa-unsigned"  # rep + requester, 1/3/5 business days after sending
    LOA_UNSIGNED_AGENTS = "loa-unsigned-agents"  # agents, 7 business days after sending
    REQUEST_EXPIRY = "request-expiry"  # system: draft / unsigned request expires at 30 days
    BILL_MISSING = "bill-missing"  # requester, 1 and 3 business days after the draft began
    DOCUMENT_AGING = "document-aging"  # requester, bill or signed LOA turns 25 days old
    KEEP_ACTIVE = "keep-active"  # requester, at submission, weekly, 2 business days before FOC
    FOC_CONFIRMED = "foc-confirmed"  # requester, when the FOC is recorded
    FOC_APPROACHING = "foc-approaching"  # requester, 3 and 1 business days before, window start
    CANCELLATION_CUTOFF = "cancellation-cutoff"  # requester, business day before last cancel day
    POST_PORT_CHECK = "post-port-check"  # requester, after the FOC window of a completed port
    STALE_REQUEST = "stale-request"  # agents, in_review > 2 / submitted > 7 business days
    DAILY_DIGEST = "daily-digest"  # agents channel, 09:00 local on business days
    PORT_OUT_WINDOW = "port-out-window"  # customer, window opened / closes in 24 h / closed
    PORT_OUT_PENDING = "port-out-pending"  # customer, unannounced port-out arrived / half-time
    PORT_OUT_DEADLINE = "port-out-deadline"  # system: apply the configured default decision

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
}


def _positive(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"ReminderPolicy.{name} must be a positive whole number, got {value!r}")


@dataclass(frozen=True)
class ReminderPolicy:
    """The defaults of PRODUCT §3 and §4, as settings.

    Business-day counts follow :class:`~bot.porting.calendar.BusinessCalendar` (holidays of the
    account's country are skipped). Day-based customer reminders go out at ``customer_time``
    local time and are then moved into contact hours; agent alerts keep the wall time of the
    moment they count from.
    """

    customer_time: time = time(10, 0)
    """Local wall time of day-based customer reminders ("3 business days before the FOC")."""
    digest_time: time = time(9, 0)
    """Local wall time of the agents' daily digest."""

    loa_unsigned_business_days: tuple[int, ...] = (1, 3, 5)
    loa_agent_alert_business_days: int = 7
    expiry_days: int = 30
    """Calendar days after which a draft (from creation) or an unsigned request (from sending
    the LOA) expires."""

    bill_missing_business_days: tuple[int, ...] = (1, 3)
    document_aging_days: int = 25
    document_max_age_days: int = 30
    """Carriers refuse a bill or LOA older than this (``bot.porting.intake`` agrees)."""

    keep_active_weekly_days: int = 7
    keep_active_max_weeks: int = 12
    """Weekly "keep your numbers active" reminders stop after this many weeks in flight (a port
    still without a date by then has long been flagged as stale to the agents)."""
    keep_active_before_foc_business_days: int = 2

    foc_approaching_business_days: tuple[int, ...] = (3, 1)
    cancellation_notice_business_days: int = 2
    """Cancellations must reach the carriers this many business days before the FOC."""
    cutoff_notice_business_days: int = 1
    """The cut-off notice goes out this many business days before the last day to cancel."""

    stale_in_review_business_days: int = 2
    stale_submitted_business_days: int = 7

    window_closing_notice: timedelta = timedelta(hours=24)
    port_out_deadline_business_days: int = 1

    def __post_init__(self) -> None:
        for name in ("customer_time", "digest_time"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(f"ReminderPolicy.{name} must be a naive local time, got {value!r}")
        for name in (
            "loa_unsigned_business_days",
            "bill_missing_business_days",
            "foc_approaching_business_days",
        ):
            values = tuple(getattr(self, name))
            for value in values:
                _positive(name, value)
            if len(set(values)) != len(values):
                raise ValueError(f"ReminderPolicy.{name} has repeated values: {values!r}")
            object.__setattr__(self, name, values)
        for name in (
            "loa_agent_alert_business_days",
            "expiry_days",
            "document_aging_days",
            "document_max_age_days",
            "keep_active_weekly_days",
            "keep_active_max_weeks",
            "keep_active_before_foc_business_days",
            "cancellation_notice_business_days",
            "cutoff_notice_business_days",
            "stale_in_review_business_days",
            "stale_submitted_business_days",
            "port_out_deadline_business_days",
        ):
            _positive(name, getattr(self, name))
        if self.document_aging_days >= self.document_max_age_days:
            raise ValueError(
                "ReminderPolicy.document_aging_days must be below document_max_age_days"
            )
        if self.window_closing_notice <= timedelta(0):
            raise ValueError("ReminderPolicy.window_closing_notice must be positive")


def _check_aware(owner: object) -> None:
    """Every datetime field of a facts dataclass must be time-zone aware."""
    for f in fields(owner):  # type: ignore[arg-type]
        value = getattr(owner, f.name)
        if isinstance(value, datetime) and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError(
                f"{type(owner).__name__}.{f.name} is a naive datetime ({value.isoformat()}); "
                "a time-zone-aware value is required"
            )


@dataclass(frozen=True)
class RequestFacts:
    """What the reminder policy needs to know about one port request. All instants aware.

    ``status_since`` is when the current status began (stale alerts count from it);
    ``foc_set_at`` is when the current FOC date/window was recorded (falls back to
    ``status_since`` while the status is ``foc_confirmed``); ``has_bill`` says whether a billing
    statement is on file, ``bill_issued_on`` its issue date (local calendar date).
    ``updated_at`` is carried for callers; the default policy does not use it.
    """

    sid: str
    status: RequestStatus
    created_at: datetime
    status_since: datetime
    loa_sent_at: datetime | None = None
    signed_at: datetime | None = None
    submitted_at: datetime | None = None
    foc_date: date | None = None
    foc_window_start: datetime | None = None
    foc_window_end: datetime | None = None
    foc_set_at: datetime | None = None
    has_bill: bool = False
    bill_issued_on: date | None = None
    completed_at: datetime | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        _check_aware(self)
        object.__setattr__(self, "status", RequestStatus(self.status))


@dataclass(frozen=True)
class WindowFacts:
    """A port-out authorization window (PRODUCT §4). ``closed_at``: when it was closed early."""

    window_id: str
    status: WindowStatus
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    closed_at: datetime | None = None

    def __post_init__(self) -> None:
        _check_aware(self)
        object.__setattr__(self, "status", WindowStatus(self.status))
        if self.ends_at <= self.starts_at:
            raise ValueError(f"window {self.window_id}: ends_at must be after starts_at")


@dataclass(frozen=True)
class PortOutFacts:
    """An incoming port-out (PRODUCT §4). ``deadline_at`` None: the policy's default deadline."""

    port_out_id: str
    status: PortOutStatus
    created_at: datetime
    deadline_at: datetime | None = None

    def __post_init__(self) -> None:
        _check_aware(self)
        object.__setattr__(self, "status", PortOutStatus(self.status))


@dataclass(frozen=True)
class Due:
    """One reminder occurrence that should exist.

    ``key`` is a stable dedupe key (``<subject>:<kind>:<facts it depends on>:<stage>``): the
    same facts always give the same key, and a change of a fact the moment depends on (FOC
    moved, LOA re-sent) gives a new one. ``due_at`` is aware UTC, already moved into contact
    hours for customer kinds. ``expires_at`` (optional) is when sending it stops making sense
    (see :func:`bot.porting.reminders.catch_up`); ``topic`` separates independent series of
    one kind for catch-up (``document-aging``: ``bill`` / ``loa``). ``data`` holds plain JSON
    values for the renderer (dates and instants as ISO strings).
    """

    kind: ReminderKind
    audience: Audience
    due_at: datetime
    key: str
    subject: str
    data: dict[str, JSONValue] = field(default_factory=dict, hash=False)
    expires_at: datetime | None = None
    topic: str = ""


# --- helpers shared by the policy modules ---------------------------------------------------


def stamp(instant: datetime) -> str:
    """A compact UTC form of an instant for dedupe keys: ``20261102150000``."""
    return f"{instant.astimezone(UTC):%Y%m%d%H%M%S}"


def iso(value: datetime | date) -> str:
    """ISO text for ``data``: instants in UTC, dates as ``YYYY-MM-DD``."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value.isoformat()


def start_of_day(d: date, calendar: BusinessCalendar) -> datetime:
    """The UTC instant of local midnight at the start of ``d``."""
    return calendar.at_local(d, time(0, 0))


def make_due(
    kind: ReminderKind,
    at: datetime,
    key: str,
    subject: str,
    calendar: BusinessCalendar,
    data: Mapping[str, JSONValue] | None = None,
    *,
    expires_at: datetime | None = None,
    topic: str = "",
) -> Due:
    """A :class:`Due`; customer kinds are moved into contact hours on business days."""
    audience = kind.audience
    due_at = calendar.next_contact_time(at) if audience is Audience.CUSTOMER else at
    return Due(
        kind=kind,
        audience=audience,
        due_at=due_at.astimezone(UTC),
        key=key,
        subject=subject,
        data=dict(data or {}),
        expires_at=None if expires_at is None else expires_at.astimezone(UTC),
        topic=topic,
    )


_LOOKBACK_DAYS = 31


def contact_slot_before(
    nominal: datetime, deadline: datetime, policy: ReminderPolicy, calendar: BusinessCalendar
) -> datetime | None:
    """A contact-hours moment for a customer notice meant for ``nominal`` that must precede
    ``deadline``.

    The usual move forward into contact hours when that is still before the deadline; otherwise
    ``customer_time`` on the latest business day at or before ``nominal`` (so "closes in 24 h"
    for a window ending Monday 08:00 goes out on Friday rather than after the close). None when
    there is no such moment.
    """
    forward = calendar.next_contact_time(nominal)
    if forward < deadline:
        return forward
    d = calendar.local_date(nominal)
    for _ in range(_LOOKBACK_DAYS):
        if calendar.is_business_day(d):
            slot = calendar.next_contact_time(calendar.at_local(d, policy.customer_time))
            if slot <= nominal:
                return slot
        d -= timedelta(days=1)
    return None
