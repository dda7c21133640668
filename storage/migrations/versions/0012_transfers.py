"""transfers: numbers moved between two accounts of this install (no carrier, no LOA)

``transfers``: one row per transfer, from its ``source`` account to its ``destination``
(channel or person ids, as ``held_numbers.account``), with the numbers asked for, its status
(``requested``, ``completed``, ``cancelled``), when the porting team is told it is late
(``due_at``, ``alerted_at``; the index on ``status, due_at`` answers "which are late?"), who
closed it, one record per submission (``dedupe_key``), where its Slack cards are and its Zendesk
ticket. ``transfer_events``: each transfer's timeline.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_ROLE = sa.Enum("customer", "agent", "system", name="role", native_enum=False, length=32)
_STATUS = sa.Enum(
    "requested", "completed", "cancelled", name="transferstatus", native_enum=False, length=32
)


def upgrade() -> None:
    op.create_table(
        "transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=34), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("destination", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("numbers", sa.JSON(), nullable=False),
        sa.Column("status", _STATUS, nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_by_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_by_name", sa.String(length=200), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("slack_cards", sa.JSON(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
        sa.UniqueConstraint("public_id", name=op.f("uq_transfers_public_id")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_transfers_dedupe_key")),
    )
    op.create_index(op.f("ix_transfers_team_id"), "transfers", ["team_id"], unique=False)
    op.create_index(op.f("ix_transfers_source"), "transfers", ["source"], unique=False)
    op.create_index(op.f("ix_transfers_destination"), "transfers", ["destination"], unique=False)
    op.create_index("ix_transfers_status_due_at", "transfers", ["status", "due_at"], unique=False)
    op.create_table(
        "transfer_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor_role", _ROLE, nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfers.id"],
            name=op.f("fk_transfer_events_transfer_id_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_events")),
    )
    op.create_index(
        op.f("ix_transfer_events_transfer_id"), "transfer_events", ["transfer_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_transfer_events_transfer_id"), table_name="transfer_events")
    op.drop_table("transfer_events")
    op.drop_index("ix_transfers_status_due_at", table_name="transfers")
    op.drop_index(op.f("ix_transfers_destination"), table_name="transfers")
    op.drop_index(op.f("ix_transfers_source"), table_name="transfers")
    op.drop_index(op.f("ix_transfers_team_id"), table_name="transfers")
    op.drop_table("transfers")
