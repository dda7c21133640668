"""The tables. Every datetime is aware UTC; secrets are encrypted columns; enums are text.

A note on ``PortNumber.open_e164``: it holds the number while it belongs to an open request and
is NULL otherwise. A unique constraint on it makes "one open request per number" hold across
replicas and races, on SQLite and PostgreSQL alike (NULLs never collide).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.port_out_models import (
    HeldNumber,
    PortOut,
    PortOutAccount,
    PortOutEvent,
    PortOutWindow,
)
from storage.tables import Stored, _utc, metadata
from storage.transfer_models import Transfer as Transfer
from storage.transfer_models import TransferEvent as TransferEvent
from storage.types import EncryptedSecret, enum_column
from storage.values import (
    AccountType,
    LineType,
    NumberStatus,
    OutboxStatus,
    ReminderStatus,
    RequestStatus,
    Role,
    Secret,
)
from storage.zendesk_models import ZendeskPerson


class PortRequest(Stored, SQLModel, table=True):
    __tablename__ = "port_requests"

    id: int | None = Field(default=None, primary_key=True)
    sid: str = Field(max_length=34, unique=True)
    status: RequestStatus = Field(sa_type=enum_column(RequestStatus), index=True)
    status_before_cancel: RequestStatus | None = Field(
        default=None, sa_type=enum_column(RequestStatus)
    )

    # Who and where (Slack context); requests are visible to their workspace/channel/requester.
    team_id: str = Field(default="", max_length=32, index=True)
    channel_id: str = Field(default="", max_length=32)
    requester_id: str = Field(default="", max_length=32, index=True)
    requester_name: str = Field(default="", max_length=200)

    # Agreement checklist and the request itself.
    agreed_at: datetime | None = _utc(default=None)
    name: str | None = Field(default=None, max_length=120)
    account_type: AccountType = Field(
        default=AccountType.BUSINESS, sa_type=enum_column(AccountType)
    )
    company_name: str | None = Field(default=None, max_length=200)

    # Losing carrier account.
    losing_carrier: str = Field(default="", max_length=120)
    account_number: Secret | None = Field(default=None, sa_type=EncryptedSecret(keep_last=4))
    btn: str | None = Field(default=None, max_length=16)
    pin: Secret | None = Field(default=None, sa_type=EncryptedSecret())

    # Authorized representative and service address.
    rep_name: str = Field(default="", max_length=200)
    rep_email: str = Field(default="", max_length=254)
    street: str = Field(default="", max_length=200)
    street2: str | None = Field(default=None, max_length=200)
    city: str = Field(default="", max_length=120)
    region: str = Field(default="", max_length=64)
    postal_code: str = Field(default="", max_length=16)
    country: str = Field(default="US", max_length=2)
    # The country the numbers belong to (ISO 3166 alpha-2): one request, one country.
    numbers_country: str = Field(default="US", max_length=2)

    desired_date: date | None = None

    # Billing statement (the file itself is stored by the document service).
    bill_filename: str | None = Field(default=None, max_length=255)
    bill_content_type: str | None = Field(default=None, max_length=100)
    bill_size: int | None = None
    bill_issued_on: date | None = None
    bill_file_id: str | None = Field(default=None, max_length=64)

    # Customer Service Record, when the customer entered one (compared before submission).
    csr_name: str | None = Field(default=None, max_length=200)
    csr_address: str | None = Field(default=None, max_length=400)
    csr_postal_code: str | None = Field(default=None, max_length=16)
    csr_account_number: Secret | None = Field(default=None, sa_type=EncryptedSecret(keep_last=4))

    # Progress.
    foc_date: date | None = Field(default=None, index=True)
    foc_window_start: datetime | None = _utc(default=None)
    foc_window_end: datetime | None = _utc(default=None)
    loa_sent_at: datetime | None = _utc(default=None)
    signed_at: datetime | None = _utc(default=None)
    submitted_at: datetime | None = _utc(default=None)
    completed_at: datetime | None = _utc(default=None)
    parent_id: int | None = Field(default=None, foreign_key="port_requests.id")
    # The fee quote (bot.porting.quotes.Quote as JSON), for countries that ask for one.
    quote: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)

    created_at: datetime = _utc(index=True)
    updated_at: datetime = _utc()


class PortNumber(Stored, SQLModel, table=True):
    __tablename__ = "port_numbers"
    __table_args__ = (sa.UniqueConstraint("request_id", "e164"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="port_requests.id", index=True)
    position: int = 0
    e164: str = Field(max_length=16, index=True)
    line_type: LineType = Field(sa_type=enum_column(LineType))
    status: NumberStatus = Field(default=NumberStatus.PENDING, sa_type=enum_column(NumberStatus))
    open_e164: str | None = Field(default=None, max_length=16, unique=True)
    foc_date: date | None = None
    foc_window_start: datetime | None = _utc(default=None)
    foc_window_end: datetime | None = _utc(default=None)
    rejection_codes: list[str] | None = Field(default=None, sa_type=sa.JSON)
    ported_at: datetime | None = _utc(default=None)


class TimelineEvent(Stored, SQLModel, table=True):
    """One audited move: who, when, what, why. Never holds a secret."""

    __tablename__ = "timeline_events"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="port_requests.id", index=True)
    at: datetime = _utc()
    actor_role: Role = Field(sa_type=enum_column(Role))
    actor_id: str = Field(default="", max_length=64)
    actor_name: str = Field(default="", max_length=200)
    action: str = Field(max_length=48)
    from_status: RequestStatus | None = Field(default=None, sa_type=enum_column(RequestStatus))
    to_status: RequestStatus | None = Field(default=None, sa_type=enum_column(RequestStatus))
    numbers: list[str] | None = Field(default=None, sa_type=sa.JSON)
    detail: str = Field(default="", sa_type=sa.Text)
    data: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    public: bool = True


class IdempotencyRecord(SQLModel, table=True):
    """A retried command finds its first result here instead of acting twice."""

    __tablename__ = "idempotency_keys"

    key: str = Field(primary_key=True, max_length=200)
    operation: str = Field(max_length=48)
    request_id: int | None = Field(default=None, foreign_key="port_requests.id")
    created_at: datetime = _utc()


class Reminder(Stored, SQLModel, table=True):
    __tablename__ = "reminders"
    __table_args__ = (sa.Index("ix_reminders_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int | None = Field(default=None, foreign_key="port_requests.id", index=True)
    window_id: int | None = Field(default=None, foreign_key="port_out_windows.id", index=True)
    port_out_id: int | None = Field(default=None, foreign_key="port_outs.id", index=True)
    kind: str = Field(max_length=48)
    dedupe_key: str = Field(max_length=200, unique=True)
    due_at: datetime = _utc()
    status: ReminderStatus = Field(
        default=ReminderStatus.SCHEDULED, sa_type=enum_column(ReminderStatus)
    )
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = _utc(default=None)
    sent_at: datetime | None = _utc(default=None)
    data: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)


_where_pending: dict[str, Any] = {
    "postgresql_where": sa.text("status = 'pending'"),
    "sqlite_where": sa.text("status = 'pending'"),
}


class OutboxMessage(Stored, SQLModel, table=True):
    """A side effect (Slack post, Zendesk update, e-mail) written with the change that causes it."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_due", "status", "next_attempt_at"),
        # Claims walk only the pending rows (migration 0005 says why): in claim order, and by
        # the "is an earlier row of this request and topic still pending?" question.
        sa.Index("ix_outbox_pending", "id", **_where_pending),
        sa.Index("ix_outbox_pending_request", "request_id", "topic", "id", **_where_pending),
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: int | None = Field(default=None, foreign_key="port_requests.id", index=True)
    topic: str = Field(max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_type=enum_column(OutboxStatus))
    attempts: int = 0
    next_attempt_at: datetime = _utc()
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = _utc(default=None)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = _utc()
    delivered_at: datetime | None = _utc(default=None)
    # The HTTP request whose work queued it (bot.trace), for its delivery's log lines.
    trace_id: str | None = Field(default=None, max_length=16)


class OutboxLane(SQLModel, table=True):
    """How one destination of the outbox (``slack``, ``zendesk``, ``loa``) is doing, shared by
    every worker: since when it has failed without a success in between, and the outage the
    agents were told about (one alert when it starts, one when it ends)."""

    __tablename__ = "outbox_lanes"

    lane: str = Field(primary_key=True, max_length=32)
    failing_since: datetime | None = _utc(default=None)
    outage_since: datetime | None = _utc(default=None)
    dead: int = 0


class SlackLink(Stored, SQLModel, table=True):
    """Where a request's card and thread live in Slack."""

    __tablename__ = "slack_links"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int | None = Field(default=None, foreign_key="port_requests.id", unique=True)
    port_out_id: int | None = Field(default=None, foreign_key="port_outs.id", unique=True)
    team_id: str = Field(default="", max_length=32)
    channel_id: str = Field(max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    agents_channel_id: str | None = Field(default=None, max_length=32)
    agents_message_ts: str | None = Field(default=None, max_length=32)


class ZendeskLink(Stored, SQLModel, table=True):
    """The one ticket that belongs to a request (Zendesk itself does not enforce it)."""

    __tablename__ = "zendesk_links"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int | None = Field(default=None, foreign_key="port_requests.id", unique=True)
    port_out_id: int | None = Field(default=None, foreign_key="port_outs.id", unique=True)
    ticket_id: int = Field(sa_type=sa.BigInteger, unique=True)
    created_at: datetime = _utc()


class IntakeSession(SQLModel, table=True):
    """What a customer typed in the ``/port new`` modal so far, between its steps.

    Slack's ``private_metadata`` carries only this row's id; the values live here, with the
    account number and PIN encrypted like everywhere else. ``step`` is the step the form shows.
    Rows expire after a day; one the person closed (``kept_at``) is kept as a draft, and lives
    as long as a draft request does.
    """

    __tablename__ = "intake_sessions"

    id: str = Field(primary_key=True, max_length=64)
    team_id: str = Field(default="", max_length=32)
    channel_id: str = Field(default="", max_length=32)
    user_id: str = Field(default="", max_length=32, index=True)
    user_name: str = Field(default="", max_length=200)
    step: int = 1
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    account_number: Secret | None = Field(default=None, sa_type=EncryptedSecret(keep_last=4))
    pin: Secret | None = Field(default=None, sa_type=EncryptedSecret())
    request_sid: str | None = Field(default=None, max_length=34)
    created_at: datetime = _utc()
    expires_at: datetime = _utc(index=True)
    kept_at: datetime | None = _utc(default=None)


class DocumentKind(StrEnum):
    """What a stored document is."""

    BILL = "bill"
    LOA = "loa"
    LOA_SIGNED = "loa_signed"
    # What a country asks for besides the LOA and the bill (bot.porting.countries.Document).
    CSR = "csr"
    PROOF_OF_ADDRESS = "proof_of_address"
    COMPANY_REGISTRATION = "company_registration"
    SIGNER_ID = "signer_id"
    POWER_OF_ATTORNEY = "power_of_attorney"


class Document(Stored, SQLModel, table=True):
    """A customer document (bill, LOA, signed LOA) with its checksum.

    The bytes live in ``data`` when no files directory is configured, otherwise in a file named
    by its SHA-256 under ``PORTBOT_FILES_DIR`` (``path`` is relative to it). ``content_type`` is
    the type portbot detected from the content, never the one the uploader claimed. A retried
    download carries the same ``source_ref`` (e.g. the Slack file id) and finds its first row.
    """

    __tablename__ = "documents"
    __table_args__ = (sa.UniqueConstraint("request_id", "kind", "source_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int | None = Field(default=None, foreign_key="port_requests.id", index=True)
    kind: DocumentKind = Field(sa_type=enum_column(DocumentKind))
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64, index=True)
    data: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    path: str | None = Field(default=None, max_length=255)
    source_ref: str | None = Field(default=None, max_length=128)
    issued_on: date | None = None
    created_at: datetime = _utc()


class LoaToken(Stored, SQLModel, table=True):
    """A signing link for a request's LOA. Only the SHA-256 of the token is kept."""

    __tablename__ = "loa_tokens"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="port_requests.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _utc()
    expires_at: datetime = _utc()
    used_at: datetime | None = _utc(default=None)
    revoked_at: datetime | None = _utc(default=None)
    signed_name: str | None = Field(default=None, max_length=200)
    signed_ip: str | None = Field(default=None, max_length=64)
    signed_user_agent: str | None = Field(default=None, max_length=512)
    document_sha256: str | None = Field(default=None, max_length=64)


# Re-exported: the port-out tables and the basics live in their own modules.
__all__ = [
    "HeldNumber",
    "PortOut",
    "PortOutAccount",
    "PortOutEvent",
    "PortOutWindow",
    "Stored",
    "ZendeskPerson",
    "metadata",
]
