"""reminder subject indexes

Reconciling a port-out window's or an incoming port-out's reminders reads its rows by
``window_id`` / ``port_out_id``; without these indexes that is a full scan of a table that keeps
every reminder ever scheduled.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 05:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_window_id"), ["window_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminders_port_out_id"), ["port_out_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_port_out_id"))
        batch_op.drop_index(batch_op.f("ix_reminders_window_id"))
