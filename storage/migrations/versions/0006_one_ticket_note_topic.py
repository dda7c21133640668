"""one ticket note topic

Reminders and refused changes now share one Zendesk internal-note handler, on the outbox topic
``zendesk.note``; reminder notes used to be queued as ``zendesk.reminder_note``. Rows still
pending under the old topic move to the new one, so they are delivered (the handler words a
reminder's note from its ``reminder_id``, which those rows carry). Delivered and dead rows keep
the topic they were delivered under. Data only: the schema does not change.

Downgrade. Since this revision the sweep queues reminder messages as ids, to be worded at
delivery: ``slack.reminder`` rows without ``text`` and ``zendesk.note`` rows that name a
``reminder_id`` but no ``ticket_id``. The code before it cannot deliver those (it posts the
``text`` or ``body`` a row carries, and would fail on each of them, try after try). So the
downgrade sets the pending ones aside, status ``dead`` with a ``last_error`` saying why, where
no worker claims them; reminder notes that still carry the words of the old topic (``body``:
moved here by the upgrade) go back to ``zendesk.reminder_note`` instead, where they are
delivered as before. Delivered and dead rows are left as they are.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 19:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD, NEW = "zendesk.reminder_note", "zendesk.note"
SLACK = "slack.reminder"
_RENAME = sa.text("UPDATE outbox SET topic = :to WHERE topic = :of AND status = 'pending'")
SET_ASIDE = (
    "set aside by the downgrade of migration 0006: this {topic} row names reminder {id} by its "
    "id, to be worded when delivered, and carries no words for the code before 0006 to post; "
    "the reminder was not delivered"
)

_outbox = sa.table(
    "outbox",
    sa.column("id", sa.Integer),
    sa.column("topic", sa.String),
    sa.column("payload", sa.JSON),
    sa.column("status", sa.String),
    sa.column("last_error", sa.Text),
)


def upgrade() -> None:
    op.get_bind().execute(_RENAME, {"of": OLD, "to": NEW})


def _undeliverable_before(topic: str, payload: dict[str, Any]) -> bool:
    """A row the code before 0006 cannot deliver."""
    if topic == SLACK:
        return "text" not in payload
    return payload.get("ticket_id") is None and "body" not in payload


def downgrade() -> None:
    conn = op.get_bind()
    pending = conn.execute(
        sa.select(_outbox.c.id, _outbox.c.topic, _outbox.c.payload).where(
            _outbox.c.status == "pending", _outbox.c.topic.in_((SLACK, NEW))
        )
    ).all()
    dead: list[dict[str, Any]] = []
    back: list[int] = []
    for row_id, topic, payload in pending:
        payload = payload or {}
        if _undeliverable_before(topic, payload):
            why = SET_ASIDE.format(topic=topic, id=payload.get("reminder_id"))
            dead.append({"row_id": row_id, "why": why})
        elif topic == NEW and payload.get("ticket_id") is None:
            back.append(row_id)  # a reminder note with its words: the old topic delivers it
    if dead:
        conn.execute(
            _outbox.update()
            .where(_outbox.c.id == sa.bindparam("row_id"))
            .values(status="dead", last_error=sa.bindparam("why")),
            dead,
        )
    for start in range(0, len(back), 1000):
        conn.execute(
            _outbox.update().where(_outbox.c.id.in_(back[start : start + 1000])).values(topic=OLD)
        )
