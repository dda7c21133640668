"""intake drafts: when a person closed the /port new form and it was kept as a draft

``intake_sessions.kept_at``: set when the modal is closed with something typed in it; the next
``/port new`` in the same place offers to continue that session.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kept_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intake_sessions", schema=None) as batch_op:
        batch_op.drop_column("kept_at")
