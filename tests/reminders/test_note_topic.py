"""One Zendesk internal-note topic: reminder notes still pending under the old topic
(``zendesk.reminder_note``) move to ``zendesk.note`` with migration 0006 and are delivered."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from storage.db import Database
from storage.models import OutboxMessage
from storage.values import OutboxStatus

OLD = "zendesk.reminder_note"


def test_pending_reminder_notes_of_the_old_topic_move_to_the_one_note_topic(empty_db_url):
    db = Database(empty_db_url)
    db.upgrade("0005")
    now = datetime(2026, 11, 16, 15, tzinfo=UTC)
    with db.write() as s:
        for key, status in (("a", OutboxStatus.PENDING), ("b", OutboxStatus.DELIVERED)):
            s.add(
                OutboxMessage(
                    topic=OLD,
                    payload={"reminder_id": 1, "kind": "bill-missing", "sid": "PR1"},
                    dedupe_key=f"{OLD}:{key}",
                    status=status,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    db.upgrade()
    with db.read() as s:
        rows = s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(r.topic, r.status) for r in rows] == [
        ("zendesk.note", OutboxStatus.PENDING),  # the one note handler delivers it
        (OLD, OutboxStatus.DELIVERED),  # history stays as it was
    ]
    db.dispose()
