"""The schema comes only from migrations, and the migrations match the models."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage.db import Database
from storage.models import metadata
from storage.values import LineType, RequestStatus

TABLES = {
    "port_requests",
    "port_numbers",
    "timeline_events",
    "idempotency_keys",
    "reminders",
    "outbox",
    "intake_sessions",
    "port_out_windows",
    "port_outs",
    "slack_links",
    "zendesk_links",
}


def test_upgrade_on_an_empty_database(empty_db_url):
    db = Database(empty_db_url)
    assert db.current_revision() is None
    db.upgrade()
    assert db.current_revision() == db.head_revision()
    assert set(sa.inspect(db.engine).get_table_names()) >= TABLES
    db.upgrade()  # idempotent
    db.dispose()


def test_models_and_migrations_agree(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), metadata
        )
    assert diff == []


def test_ensure_schema_upgrades_sqlite_but_not_postgres(empty_db_url):
    import pytest

    from storage.db import SchemaOutOfDate

    db = Database(empty_db_url)
    if db.is_sqlite:
        db.ensure_schema()
        assert db.current_revision() == db.head_revision()
    else:
        with pytest.raises(SchemaOutOfDate, match="portbot db upgrade"):
            db.ensure_schema()
        db.ensure_schema(auto_upgrade=True)
        assert db.current_revision() == db.head_revision()
    db.dispose()


def test_one_open_request_per_number_is_enforced_by_the_database(db):
    from datetime import UTC, datetime

    import pytest
    from sqlalchemy.exc import IntegrityError

    from storage.models import PortNumber, PortRequest

    now = datetime(2026, 11, 16, tzinfo=UTC)
    with db.write() as s:
        a = PortRequest(
            sid="PR" + "a" * 32, status=RequestStatus.DRAFT, created_at=now, updated_at=now
        )
        b = PortRequest(
            sid="PR" + "b" * 32, status=RequestStatus.DRAFT, created_at=now, updated_at=now
        )
        s.add_all([a, b])
        s.flush()
        s.add(
            PortNumber(
                request_id=a.id,
                e164="+16172531000",
                line_type=LineType.LANDLINE,
                open_e164="+16172531000",
            )
        )
        s.add(PortNumber(request_id=b.id, e164="+16172531000", line_type=LineType.LANDLINE))
    with pytest.raises(IntegrityError), db.write() as s:
        s.add(
            PortNumber(
                request_id=b.id,
                e164="+16172531001",
                line_type=LineType.LANDLINE,
                open_e164="+16172531000",
            )
        )


def test_datetimes_come_back_aware_utc(db):
    from datetime import UTC, datetime, timedelta, timezone

    from storage.models import PortRequest

    eastern = timezone(timedelta(hours=-5))
    made = datetime(2026, 11, 16, 10, 0, tzinfo=eastern)
    with db.write() as s:
        s.add(
            PortRequest(
                sid="PR" + "c" * 32, status=RequestStatus.DRAFT, created_at=made, updated_at=made
            )
        )
    with db.read() as s:
        got = s.exec(sa.select(PortRequest)).scalars().one()
        assert got.created_at == made
        assert got.created_at.tzinfo is not None and got.created_at.utcoffset() == timedelta(0)
        assert got.created_at.hour == 15 and got.created_at.tzinfo == UTC
