"""Shared fixtures. Every test that touches the database gets an empty, migrated one:

* by default a SQLite file in the test's temporary directory, copied from one file migrated
  once per run;
* with ``PORTBOT_TEST_DATABASE_URL`` set, a private schema in that PostgreSQL database, so runs
  never see each other's rows. A schema is migrated once and emptied (``DELETE``) after each
  test for the next one; a test that leaves it at another revision gets it dropped instead.

``empty_db_url`` is a database with no schema at all, for the tests of migrations themselves.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot.porting.calendar import BusinessCalendar
from bot.services.base import Context
from bot.services.reminders import reconcile
from storage import crypto
from storage.db import Database, normalize_url

TEST_KEY = "test-secret-key-0123456789abcdef"
PG_URL = os.environ.get("PORTBOT_TEST_DATABASE_URL", "").strip()


def pytest_report_header(config: pytest.Config) -> str:
    if PG_URL:
        shown = make_url(PG_URL).render_as_string(hide_password=True)
        return f"portbot database: PostgreSQL ({shown})"
    return "portbot database: SQLite (set PORTBOT_TEST_DATABASE_URL for PostgreSQL)"


@pytest.fixture(autouse=True)
def _keyring() -> None:
    crypto.configure(crypto.Keyring([TEST_KEY]))


class Clock:
    """A settable clock for services (always aware UTC)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        assert now.tzinfo is not None
        self.now = now


@pytest.fixture
def clock() -> Clock:
    # Monday 2026-11-16, 15:00 UTC (10:00 in New York).
    return Clock(datetime(2026, 11, 16, 15, 0, tzinfo=UTC))


def fresh_database_url(tmp_path: os.PathLike) -> tuple[str, Callable[[], None]]:
    """A URL for an empty database and a function that removes it."""
    if PG_URL:
        schema = "t_" + secrets.token_hex(6)
        admin = sa.create_engine(normalize_url(PG_URL))
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = normalize_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})

        def drop() -> None:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()

        return url.render_as_string(hide_password=False), drop
    return f"sqlite:///{os.fspath(tmp_path)}/portbot-test.db", lambda: None


@pytest.fixture
def empty_db_url(tmp_path) -> Iterator[str]:
    url, drop = fresh_database_url(tmp_path)
    yield url
    drop()


class _Schemas:
    """PostgreSQL schemas migrated to the head, emptied and ready for the next test."""

    def __init__(self) -> None:
        self.ready: list[tuple[str, Callable[[], None]]] = []
        self.head: str | None = None

    def take(self, tmp_path: os.PathLike) -> tuple[str, Callable[[], None]]:
        if self.ready:
            return self.ready.pop()
        url, drop = fresh_database_url(tmp_path)
        database = Database(url)
        database.upgrade()
        self.head = database.current_revision()
        database.dispose()
        return url, drop

    def give_back(self, url: str, drop: Callable[[], None]) -> None:
        """Empty the schema for the next test, or drop it if the test changed its revision."""
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
                revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version")
                if revision.scalar() != self.head:
                    raise LookupError("the test left the schema at another revision")
                _empty(conn)
        except (sa.exc.SQLAlchemyError, LookupError):
            engine.dispose()
            drop()
            return
        engine.dispose()
        self.ready.append((url, drop))

    def drop_all(self) -> None:
        while self.ready:
            self.ready.pop()[1]()


def _empty(conn: sa.Connection) -> None:
    """Every table emptied and every sequence restarted. ``DELETE`` with the foreign-key
    triggers off (``session_replication_role``, a superuser's setting) costs a few ms where
    ``TRUNCATE`` of twenty tables took 40–90; without the right, ``TRUNCATE``."""
    tables = list(
        conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'alembic_version'"
        ).scalars()
    )
    sequences = list(
        conn.exec_driver_sql(
            "SELECT sequence_name FROM information_schema.sequences "
            "WHERE sequence_schema = current_schema()"
        ).scalars()
    )
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for name in tables:
                conn.exec_driver_sql(f'DELETE FROM "{name}"')
            for name in sequences:
                conn.exec_driver_sql(f'ALTER SEQUENCE "{name}" RESTART')
    except sa.exc.ProgrammingError:  # not a superuser
        names = ", ".join(f'"{name}"' for name in tables)
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="session")
def _schemas() -> Iterator[_Schemas]:
    schemas = _Schemas()
    yield schemas
    schemas.drop_all()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite file migrated to the head; each test starts from a copy."""
    path = tmp_path_factory.mktemp("migrated") / "portbot.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()
    return os.fspath(path)


@pytest.fixture
def db_url(tmp_path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of an empty database migrated to the head (the one ``db`` and ``ctx`` use)."""
    if not PG_URL:
        path = os.path.join(os.fspath(tmp_path), "portbot-test.db")
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    schemas: _Schemas = request.getfixturevalue("_schemas")
    url, drop = schemas.take(tmp_path)
    yield url
    schemas.give_back(url, drop)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def calendar() -> BusinessCalendar:
    return BusinessCalendar(country="US", timezone="America/New_York")


@pytest.fixture
def ctx(db: Database, calendar: BusinessCalendar, clock: Clock) -> Context:
    return Context(reconcile=reconcile, db=db, calendar=calendar, default_region="US", clock=clock)
