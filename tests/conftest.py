"""Shared fixtures. Every test that touches the database gets a fresh, migrated one:

* by default a SQLite file in the test's temporary directory;
* with ``PORTBOT_TEST_DATABASE_URL`` set, a private schema in that PostgreSQL database (dropped
  afterwards), so runs never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
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


@pytest.fixture
def db(empty_db_url: str) -> Iterator[Database]:
    database = Database(empty_db_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def calendar() -> BusinessCalendar:
    return BusinessCalendar(country="US", timezone="America/New_York")


@pytest.fixture
def ctx(db: Database, calendar: BusinessCalendar, clock: Clock) -> Context:
    return Context(reconcile=reconcile, db=db, calendar=calendar, default_region="US", clock=clock)
