"""Engine, sessions and schema upgrades.

SQLite (one machine) and PostgreSQL (many replicas) behave the same to callers:

* ``Database.read()`` gives a session for queries.
* ``Database.write()`` gives a session whose transaction holds the write lock from its first
  statement on SQLite (``BEGIN IMMEDIATE``), so read-decide-write sequences never interleave.
  On PostgreSQL callers lock the rows they change (``SELECT ... FOR UPDATE``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_IMMEDIATE = "portbot_immediate"


def default_sqlite_path() -> Path:
    """Where the SQLite file lives when ``DATABASE_URL`` is unset: the user's data directory."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "portbot" / "portbot.db"


def default_url() -> str:
    return f"sqlite:///{default_sqlite_path()}"


def normalize_url(url: str) -> URL:
    """Accept ``postgres://`` and ``postgresql://`` and use the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


class SchemaOutOfDate(RuntimeError):
    """The database is not at the revision this code expects."""


class Database:
    def __init__(self, url: str | URL, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = normalize_url(str(url)) if isinstance(url, str) else url
        self.engine = self._create_engine(echo=echo, pool_size=pool_size)
        self._writer = self.engine.execution_options(**{_IMMEDIATE: True})

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def _create_engine(self, *, echo: bool, pool_size: int) -> Engine:
        if self.url.get_backend_name() == "sqlite":
            return self._create_sqlite_engine(echo=echo)
        return sa.create_engine(
            self.url, echo=echo, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size
        )

    def _create_sqlite_engine(self, *, echo: bool) -> Engine:
        database = self.url.database or ""
        memory = database in ("", ":memory:")
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if memory:
            kwargs["poolclass"] = StaticPool
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(self.url, echo=echo, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            immediate = conn.get_execution_options().get(_IMMEDIATE, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    # --- schema -------------------------------------------------------------------------

    def _alembic_config(self, connection: sa.Connection) -> Any:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["connection"] = connection
        return cfg

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` (idempotent)."""
        from alembic import command

        with self.engine.begin() as conn:
            command.upgrade(self._alembic_config(conn), revision)

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        with self.engine.connect() as conn:
            return ScriptDirectory.from_config(self._alembic_config(conn)).get_current_head()

    def ensure_schema(self, *, auto_upgrade: bool | None = None) -> None:
        """Make sure the schema is current before serving.

        SQLite (one process owns the file) is upgraded automatically. PostgreSQL, shared by many
        replicas, is upgraded only by ``portbot db upgrade``; a stale schema stops start-up.
        """
        if auto_upgrade is None:
            auto_upgrade = self.is_sqlite
        current, head = self.current_revision(), self.head_revision()
        if current == head:
            return
        if auto_upgrade:
            self.upgrade()
            return
        raise SchemaOutOfDate(
            f"database schema is at {current or 'nothing'} but this portbot needs {head}: "
            "run `portbot db upgrade`"
        )

    def dispose(self) -> None:
        self.engine.dispose()
