"""outbox lanes

One row per outbox destination (``slack``, ``zendesk``, ``loa``): since when it has failed
without a success in between, and the outage the agents were told about, so that every worker
and a restarted one raise one alert when an outage starts and one when it ends.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 20:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_lanes",
        sa.Column("lane", sa.String(length=32), nullable=False),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outage_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dead", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("lane", name=op.f("pk_outbox_lanes")),
    )


def downgrade() -> None:
    op.drop_table("outbox_lanes")
