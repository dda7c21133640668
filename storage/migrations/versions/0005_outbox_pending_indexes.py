"""outbox pending indexes

A claim walks the pending rows in id order and, for each, asks whether an earlier row of the
same request and topic is still pending. With a backlog (a Slack or Zendesk outage, a burst of
reminders) and only the ``(status, next_attempt_at)`` index, PostgreSQL answered that second
question by intersecting bitmaps of every pending row — 10 s per claim with 10,000 rows waiting
and statistics not yet refreshed. Two partial indexes cover just the pending rows: one in claim
order, one keyed exactly as the question is asked. Delivered rows (the table's history) are in
neither, so neither grows with it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 10:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_pending",
            ["id"],
            unique=False,
            postgresql_where=PENDING,
            sqlite_where=PENDING,
        )
        batch_op.create_index(
            "ix_outbox_pending_request",
            ["request_id", "topic", "id"],
            unique=False,
            postgresql_where=PENDING,
            sqlite_where=PENDING,
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_pending_request")
        batch_op.drop_index("ix_outbox_pending")
