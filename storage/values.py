"""Values that are part of the schema: status enums and the :class:`Secret` wrapper.

Pure Python (no I/O). The domain package imports these, so the enum values here are the
words stored in the database, shown in Zendesk tags and accepted on the command line.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class RequestStatus(StrEnum):
    """Where a port request stands (PRODUCT §2.1)."""

    DRAFT = "draft"
    AWAITING_SIGNATURE = "awaiting_signature"
    IN_REVIEW = "in_review"
    QUOTE_PENDING = "quote_pending"
    SUBMITTED = "submitted"
    FOC_CONFIRMED = "foc_confirmed"
    ACTION_REQUIRED = "action_required"
    CANCEL_PENDING = "cancel_pending"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def final(self) -> bool:
        return self in _FINAL_REQUEST_STATUSES

    @property
    def label(self) -> str:
        return _REQUEST_LABELS[self]


_FINAL_REQUEST_STATUSES = frozenset(
    {RequestStatus.COMPLETED, RequestStatus.CANCELLED, RequestStatus.EXPIRED}
)

_REQUEST_LABELS = {
    RequestStatus.DRAFT: "Draft",
    RequestStatus.AWAITING_SIGNATURE: "Waiting for LOA signature",
    RequestStatus.IN_REVIEW: "In review",
    RequestStatus.QUOTE_PENDING: "Waiting for the fee quote's answer",
    RequestStatus.SUBMITTED: "Submitted to carrier",
    RequestStatus.FOC_CONFIRMED: "Port date confirmed",
    RequestStatus.ACTION_REQUIRED: "Action required",
    RequestStatus.CANCEL_PENDING: "Cancellation pending",
    RequestStatus.COMPLETED: "Completed",
    RequestStatus.CANCELLED: "Cancelled",
    RequestStatus.EXPIRED: "Expired",
}


class NumberStatus(StrEnum):
    """Where one number of a request stands."""

    PENDING = "pending"
    SUBMITTED = "submitted"
    FOC_CONFIRMED = "foc_confirmed"
    PORTED = "ported"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def final(self) -> bool:
        return self in (NumberStatus.PORTED, NumberStatus.CANCELLED)


class LineType(StrEnum):
    """How the customer listed a number; decides whether a wireless PIN is needed."""

    LANDLINE = "landline"
    WIRELESS = "wireless"
    TOLL_FREE = "toll_free"


class AccountType(StrEnum):
    RESIDENTIAL = "residential"
    BUSINESS = "business"


class Role(StrEnum):
    """Who makes a move: the customer side (requester or representative), an agent, or portbot."""

    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"


class PortOutStatus(StrEnum):
    PENDING = "pending"
    AUTHORIZED = "authorized"
    REJECTED = "rejected"
    PORTED = "ported"
    CANCELLED = "cancelled"


class WindowStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class TransferStatus(StrEnum):
    """Where a transfer of numbers between two accounts stands: requested, then completed or
    cancelled (``bot.porting.transfers``)."""

    REQUESTED = "requested"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ReminderStatus(StrEnum):
    SCHEDULED = "scheduled"
    SENT = "sent"
    CANCELLED = "cancelled"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class Secret:
    """A sensitive string (PIN, SSN digits, account number) that does not show itself.

    ``str``, ``repr``, ``format`` and JSON (via pydantic or ``default=str``) all give the masked
    form; only :meth:`reveal` returns the value. ``keep_last`` says how many trailing characters
    the masked form may show (account numbers keep four; PINs keep none).
    """

    __slots__ = ("_keep_last", "_value")

    def __init__(self, value: str, *, keep_last: int = 0) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret wraps a str")
        self._value = value
        self._keep_last = keep_last

    def reveal(self) -> str:
        return self._value

    @property
    def masked(self) -> str:
        shows_tail = self._keep_last and len(self._value) > 2 * self._keep_last
        tail = self._value[-self._keep_last :] if shows_tail else ""
        return "••••" + tail

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"Secret({self.masked!r})"

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")

    # pydantic v2: validate from str, serialize masked.
    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        def build(value: Any) -> Secret:
            return value if isinstance(value, Secret) else Secret(str(value))

        return core_schema.no_info_plain_validator_function(
            build,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda s: s.masked),
        )


def account_secret(value: str) -> Secret:
    """An account number: masked form keeps the last four characters."""
    return Secret(value, keep_last=4)


def pin_secret(value: str) -> Secret:
    """A wireless PIN or SSN digits: masked form shows nothing."""
    return Secret(value)
