"""outbox rows name the request that queued them

``outbox.trace_id``: the id of the HTTP request (``bot.trace``) whose work queued the row, so
the lines logged when it is delivered, perhaps by another process much later, can be found
beside the request's own. Empty for rows queued outside a request (the reminder sweep).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 21:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("trace_id", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("trace_id")
