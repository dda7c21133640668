"""intake sessions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 01:24:32.251557
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "intake_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("account_number", sa.Text(), nullable=True),
        sa.Column("pin", sa.Text(), nullable=True),
        sa.Column("request_sid", sa.String(length=34), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_sessions")),
    )
    with op.batch_alter_table("intake_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intake_sessions_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_intake_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("intake_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_intake_sessions_expires_at"))

    op.drop_table("intake_sessions")
