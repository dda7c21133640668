"""one ticket note topic

Reminders and refused changes now share one Zendesk internal-note handler, on the outbox topic
``zendesk.note``; reminder notes used to be queued as ``zendesk.reminder_note``. Rows still
pending under the old topic move to the new one, so they are delivered (the handler words a
reminder's note from its ``reminder_id``, which those rows carry). Delivered and dead rows keep
the topic they were delivered under. Data only: the schema does not change.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD, NEW = "zendesk.reminder_note", "zendesk.note"
_RENAME = sa.text("UPDATE outbox SET topic = :to WHERE topic = :of AND status = 'pending'")


def upgrade() -> None:
    op.get_bind().execute(_RENAME, {"of": OLD, "to": NEW})


def downgrade() -> None:
    # Nothing to undo faithfully: the reminder notes queued since carry the reminder's id, not
    # the words the old handler posted, so they stay where they are.
    pass
