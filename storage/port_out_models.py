"""The port-out tables (PRODUCT §4): the numbers each account holds and how it protects
them, windows of consent, incoming port-outs and their timeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.tables import Stored, _utc
from storage.types import EncryptedSecret, enum_column
from storage.values import PortOutStatus, Role, Secret, WindowStatus


class PortOutAccount(Stored, SQLModel, table=True):
    """A customer account's port-out protection for all its numbers (PRODUCT §4). An account is
    the Slack channel where its requests are opened, or the requester for requests opened in a
    DM: ``account`` holds that channel's or user's id."""

    __tablename__ = "port_out_accounts"
    __table_args__ = (sa.UniqueConstraint("team_id", "account"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(default="", max_length=32)
    account: str = Field(max_length=32)
    # The account's code for carriers (what a new carrier asks for as "account number").
    code: str = Field(max_length=32, unique=True)
    pin: Secret | None = Field(default=None, sa_type=EncryptedSecret())
    locked: bool = False
    unlock_at: datetime | None = _utc(default=None)  # an unlock asked for takes effect then
    updated_by: str = Field(default="", max_length=64)
    updated_at: datetime = _utc()


class HeldNumber(Stored, SQLModel, table=True):
    """A number an account holds: its port-in completed, or an agent registered it. One number
    belongs to at most one account (the unique ``e164``); it leaves when it ports out."""

    __tablename__ = "held_numbers"
    __table_args__ = (sa.Index("ix_held_numbers_account", "team_id", "account"),)

    id: int | None = Field(default=None, primary_key=True)
    e164: str = Field(max_length=16, unique=True)
    team_id: str = Field(default="", max_length=32)
    account: str = Field(max_length=32)
    source: str = Field(default="agent", max_length=16)  # "port-in" or "agent"
    request_id: int | None = Field(default=None, foreign_key="port_requests.id")
    postal_code: str | None = Field(default=None, max_length=16)  # the service address's
    pin: Secret | None = Field(default=None, sa_type=EncryptedSecret())
    locked: bool = False
    unlock_at: datetime | None = _utc(default=None)
    added_by: str = Field(default="", max_length=64)
    added_at: datetime = _utc()


class PortOutWindow(Stored, SQLModel, table=True):
    """The owner's consent for numbers to leave between two instants."""

    __tablename__ = "port_out_windows"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=34, unique=True)
    team_id: str = Field(default="", max_length=32, index=True)
    channel_id: str = Field(default="", max_length=32)
    account: str = Field(default="", max_length=32, index=True)
    created_by: str = Field(default="", max_length=32)
    numbers: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    starts_at: datetime = _utc()
    ends_at: datetime = _utc()
    receiving_carrier: str | None = Field(default=None, max_length=120)
    pin: Secret | None = Field(default=None, sa_type=EncryptedSecret())
    status: WindowStatus = Field(default=WindowStatus.OPEN, sa_type=enum_column(WindowStatus))
    # A window the customer asked portbot for (/port portout request), with a one-time PIN.
    requested: bool = False
    wished_date: date | None = None
    closed_at: datetime | None = _utc(default=None)
    closed_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = _utc()


class PortOut(Stored, SQLModel, table=True):
    """An incoming request from another carrier to take numbers away."""

    __tablename__ = "port_outs"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=34, unique=True)
    team_id: str = Field(default="", max_length=32, index=True)
    account: str = Field(default="", max_length=32, index=True)  # "" when nobody holds them
    numbers: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    receiving_carrier: str = Field(default="", max_length=120)
    spid: str | None = Field(default=None, max_length=16)
    pon: str | None = Field(default=None, max_length=32)
    subscriber_name: str | None = Field(default=None, max_length=120)
    postal_code: str | None = Field(default=None, max_length=16)
    account_number: Secret | None = Field(default=None, sa_type=EncryptedSecret())
    pin_offered: Secret | None = Field(default=None, sa_type=EncryptedSecret())
    foc_date: date | None = None
    # Where it came from: "agent", "zendesk" or "bandwidth"; and its id there, if any.
    source: str = Field(default="agent", max_length=16)
    source_ref: str | None = Field(default=None, max_length=64)
    # The same delivery twice (a retried webhook, a repeated command) records one port-out.
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    status: PortOutStatus = Field(default=PortOutStatus.PENDING, sa_type=enum_column(PortOutStatus))
    # Per number: {"number", "outcome", "reason"}; and which rule or person decided.
    decisions: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    rule: str | None = Field(default=None, max_length=32)
    window_id: int | None = Field(default=None, foreign_key="port_out_windows.id")
    deadline_at: datetime | None = _utc(default=None)
    logged_by: str = Field(default="", max_length=64)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = _utc(default=None)
    reason: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = _utc()


class PortOutEvent(Stored, SQLModel, table=True):
    """A port-out's timeline: arrival, each decision and by whom or which rule, the outcome."""

    __tablename__ = "port_out_events"

    id: int | None = Field(default=None, primary_key=True)
    port_out_id: int = Field(foreign_key="port_outs.id", index=True)
    at: datetime = _utc()
    action: str = Field(max_length=32)
    actor_role: Role = Field(sa_type=enum_column(Role))
    actor_id: str = Field(default="", max_length=64)
    actor_name: str = Field(default="", max_length=200)
    detail: str = Field(default="", sa_type=sa.Text)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
