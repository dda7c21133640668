"""What the reminder policy knows about a request, a port-out window and an incoming port-out.

Plain values, all instants time-zone aware: the services read them off the rows
(``bot.services.reminders``), the policy turns them into reminders.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

from storage.values import PortOutStatus, RequestStatus, WindowStatus


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
    quote_sent_at: datetime | None = None
    """When the current fee quote was sent (None: no quote)."""
    quote_answer_by: datetime | None = None
    """When silence counts as acceptance, in the calendar of the request's country."""
    quote_country: str | None = None
    """The country whose calendar counts the quote's business days."""
    quote_accepted_at: datetime | None = None
    """When the current quote was accepted (by someone, or by default)."""
    foc_due_business_days: int | None = None
    """Business days after submission by which the firm date usually came, from the country
    table for the request's country and kinds (None: the policy's own figure)."""

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
