"""One Zendesk internal-note topic: reminder notes still pending under the old topic
(``zendesk.reminder_note``) move to ``zendesk.note`` with migration 0006 and are delivered; a
downgrade sets aside the pending id-only reminder rows the code before 0006 cannot deliver."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from storage.db import Database
from storage.values import OutboxStatus

OLD = "zendesk.reminder_note"
NOW = datetime(2026, 11, 16, 15, tzinfo=UTC)


# The outbox as migrations 0005 to 0007 left it: the model has columns added since.
OUTBOX = sa.table(
    "outbox",
    sa.column("id", sa.Integer),
    sa.column("topic", sa.String),
    sa.column("payload", sa.JSON),
    sa.column("dedupe_key", sa.String),
    sa.column("status", sa.String),
    sa.column("attempts", sa.Integer),
    sa.column("next_attempt_at", sa.DateTime(timezone=True)),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("last_error", sa.Text),
)


@dataclass
class Row:
    topic: str
    status: OutboxStatus
    last_error: str | None


def _add(db: Database, key: str, topic: str, payload: dict, status=OutboxStatus.PENDING) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            OUTBOX.insert().values(
                topic=topic,
                payload=payload,
                dedupe_key=f"{topic}:{key}",
                status=status.value,
                attempts=0,
                next_attempt_at=NOW,
                created_at=NOW,
            )
        )


def _rows(db: Database) -> dict[str, Row]:
    query = sa.select(OUTBOX.c.dedupe_key, OUTBOX.c.topic, OUTBOX.c.status, OUTBOX.c.last_error)
    with db.engine.connect() as conn:
        rows = conn.execute(query.order_by(OUTBOX.c.id)).all()
    return {key.rsplit(":", 1)[1]: Row(t, OutboxStatus(st), e) for key, t, st, e in rows}


def test_pending_reminder_notes_of_the_old_topic_move_to_the_one_note_topic(empty_db_url):
    db = Database(empty_db_url)
    db.upgrade("0005")
    for key, status in (("a", OutboxStatus.PENDING), ("b", OutboxStatus.DELIVERED)):
        _add(db, key, OLD, {"reminder_id": 1, "kind": "bill-missing", "sid": "PR1"}, status)
    db.upgrade()
    rows = _rows(db)
    assert [(r.topic, r.status) for r in rows.values()] == [
        ("zendesk.note", OutboxStatus.PENDING),  # the one note handler delivers it
        (OLD, OutboxStatus.DELIVERED),  # history stays as it was
    ]
    db.dispose()


def test_a_downgrade_sets_aside_the_id_only_reminder_rows_old_code_cannot_deliver(empty_db_url):
    db = Database(empty_db_url)
    db.upgrade("0005")
    worded = {"reminder_id": 7, "kind": "bill-missing", "sid": "PR1", "body": "Add the bill."}
    _add(db, "moved", OLD, worded)  # queued by the old code, moved by the upgrade
    db.upgrade("0006")
    assert db.current_revision() == "0006"
    ids = {"reminder_id": 8, "kind": "loa-unsigned"}
    _add(db, "slack-ids", "slack.reminder", {**ids, "to": "thread"})
    _add(db, "slack-sent", "slack.reminder", {**ids, "to": "rep"}, OutboxStatus.DELIVERED)
    _add(db, "slack-words", "slack.reminder", {**ids, "to": "thread", "text": "Sign it."})
    _add(db, "note-ids", "zendesk.note", {**ids, "sid": "PR2"})
    _add(db, "note-refused", "zendesk.note", {"ticket_id": 3, "body": "portbot did not apply"})

    with db.engine.begin() as conn:
        command.downgrade(db._alembic_config(conn), "0005")
    assert db.current_revision() == "0005"
    rows = _rows(db)
    # The rows worded at delivery are set aside: no worker claims a dead row.
    for key, topic in (("slack-ids", "slack.reminder"), ("note-ids", "zendesk.note")):
        row = rows[key]
        assert (row.topic, row.status) == (topic, OutboxStatus.DEAD)
        assert row.last_error.startswith("set aside by the downgrade of migration 0006")
        assert "reminder 8" in row.last_error
    # Rows the old code delivers stay pending; the moved note goes back to its old topic.
    assert (rows["slack-words"].status, rows["slack-words"].last_error) == (
        OutboxStatus.PENDING,
        None,
    )
    assert (rows["note-refused"].topic, rows["note-refused"].status) == (
        "zendesk.note",
        OutboxStatus.PENDING,
    )
    assert (rows["moved"].topic, rows["moved"].status) == (OLD, OutboxStatus.PENDING)
    assert rows["slack-sent"].status is OutboxStatus.DELIVERED  # history is left alone

    db.upgrade()  # and up again: the moved note is a zendesk.note once more, the dead stay dead
    rows = _rows(db)
    assert rows["moved"].topic == "zendesk.note"
    assert rows["slack-ids"].status is OutboxStatus.DEAD
    db.dispose()
