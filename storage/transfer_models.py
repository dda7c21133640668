"""The transfer tables: numbers moved between two customer accounts of this install, with no
carrier and no LOA (seed 004, "Porting between sub-accounts"), and each transfer's timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.tables import Stored, _utc
from storage.types import enum_column
from storage.values import Role, TransferStatus


class Transfer(Stored, SQLModel, table=True):
    """A move of held numbers from one account (``source``) to another (``destination``).

    Accounts are what ``held_numbers.account`` holds: a channel id, or a person's id for
    requests opened in a DM. ``numbers`` are the E.164 numbers asked for; they move when an
    agent completes the transfer. ``due_at`` is when the porting team is told it is late
    (``alerted_at`` once told). ``slack_cards`` maps each place its card was posted
    (``source``, ``destination``, ``agents``) to ``[channel id, message ts]``; ``ticket_id`` is
    its Zendesk ticket once made."""

    __tablename__ = "transfers"
    __table_args__ = (sa.Index("ix_transfers_status_due_at", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=34, unique=True)
    team_id: str = Field(default="", max_length=32, index=True)
    source: str = Field(max_length=32, index=True)
    destination: str = Field(max_length=32, index=True)
    channel_id: str = Field(default="", max_length=32)  # where it was asked for
    numbers: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    status: TransferStatus = Field(
        default=TransferStatus.REQUESTED, sa_type=enum_column(TransferStatus)
    )
    requested_by: str = Field(default="", max_length=64)
    requested_by_name: str = Field(default="", max_length=200)
    created_at: datetime = _utc()
    due_at: datetime = _utc()
    alerted_at: datetime | None = _utc(default=None)
    closed_by: str | None = Field(default=None, max_length=64)
    closed_by_name: str | None = Field(default=None, max_length=200)
    closed_at: datetime | None = _utc(default=None)
    reason: str | None = Field(default=None, sa_type=sa.Text)
    # The same submission twice (a retried modal, a repeated call) records one transfer.
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    slack_cards: dict[str, list[str]] = Field(default_factory=dict, sa_type=sa.JSON)
    ticket_id: int | None = Field(default=None, sa_type=sa.BigInteger)


class TransferEvent(Stored, SQLModel, table=True):
    """A transfer's timeline: asked for, late, completed or cancelled, by whom."""

    __tablename__ = "transfer_events"

    id: int | None = Field(default=None, primary_key=True)
    transfer_id: int = Field(foreign_key="transfers.id", index=True)
    at: datetime = _utc()
    action: str = Field(max_length=32)
    actor_role: Role = Field(sa_type=enum_column(Role))
    actor_id: str = Field(default="", max_length=64)
    actor_name: str = Field(default="", max_length=200)
    detail: str = Field(default="", sa_type=sa.Text)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
