"""Benchmark: the reminder sweep with many scheduled rows, few of them due.

Run from the repository root with either of:

    python -m bench.reminders [--db URL] [--due N] [--not-due N [N ...]] [--batch N]
    python -m bench.reminders --quick     # 2,000 due, 10,000 not due: a few seconds
    python bench/reminders.py ...

``--db`` is a PostgreSQL URL (a private schema is made and dropped) or ``sqlite`` (default: a
SQLite file in a temporary folder). For each ``--not-due`` size the bench builds a fresh
database with:

* ``--due`` (10,000) draft requests without a bill, whose planned rows are written from the
  policy (``bill-missing`` after 1 and 3 business days, ``request-expiry`` at 30 days); the
  clock is then set so that exactly one row per request is due: 10,000 due reminders;
* the not-due rows: scheduled rows weeks in the future, ten per request, spread over
  ``not_due / 10`` further requests (written by SQL, ``generate_series`` / a recursive CTE).

``ANALYZE`` runs after loading (as autovacuum would). It then times:

* **empty sweep**: the sweep when nothing is due (the tick every 30 s), median of 50;
* **sweep**: one ``Sweeper.sweep()`` over the 10,000 due rows, batches of ``--batch``: claim,
  hold the requests, the policy check, catch-up, outbox rows written (the thread message and
  the ticket note: two per reminder, carrying ids; the words are made when they are
  delivered), rows marked sent. Nothing is delivered: no network is involved.

The requirement is at most 1 ms per due reminder, and no growth with the rows not due.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import platform
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa

from bot.delivery.reminders import Sweeper
from bot.porting.calendar import BusinessCalendar
from bot.services.base import Context
from bot.services.reminders import reconcile
from storage import crypto
from storage.db import Database, normalize_url
from storage.models import OutboxMessage, Reminder
from tests.reminders.seed import draft_requests

CREATED = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)  # Monday 10:00 New York
DUE_AT = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)  # one business day later
FUTURE = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
ROW_DATA = (
    '{"subject": "bench", "audience": "customer", "topic": "", "expires_at": null, "data": {}}'
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def fresh_database(url: str) -> tuple[Database, Callable[[], None]]:
    if url == "sqlite":
        folder = tempfile.TemporaryDirectory(prefix="portbot-bench-")
        db = Database(f"sqlite:///{folder.name}/bench.db")
        db.upgrade()
        return db, folder.cleanup
    schema = "bench_" + secrets.token_hex(4)
    admin = sa.create_engine(normalize_url(url))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    db = Database(normalize_url(url).update_query_dict({"options": f"-csearch_path={schema}"}))
    db.upgrade()

    def drop() -> None:
        db.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()

    return db, drop


def seed_due(ctx: Context, count: int) -> None:
    """Draft requests and their planned rows (as ``reconcile`` would write them)."""
    draft_requests(ctx, count, created=CREATED)


_REQUESTS_SQL = """
INSERT INTO port_requests (sid, status, team_id, channel_id, requester_id, requester_name,
  account_type, losing_carrier, rep_name, rep_email, street, city, region, postal_code,
  country, created_at, updated_at)
SELECT {sid}, 'submitted', '', 'C0CUSTOMER', 'U0CUSTOMER', 'Casey', 'business', 'Old Phone Co',
  'Jordan', 'jordan@acme.example', '', '', '', '', 'US', :t, :t FROM {series}
"""
_ROWS_SQL = """
INSERT INTO reminders (request_id, kind, dedupe_key, due_at, status, attempts, data)
SELECT :first + (g % :requests), 'keep-active', 'bench:' || g, {due}, 'scheduled', 0, :data
FROM {series}
"""


def seed_not_due(db: Database, rows: int) -> None:
    """``rows`` scheduled rows weeks ahead, ten per request, written by the database itself."""
    requests = max(1, rows // 10)
    pg = not db.is_sqlite
    with db.write() as s:
        if pg:
            series = "generate_series(0, {n} - 1) AS s(g)"
            sid = "'PRb' || lpad(to_hex(g), 31, '0')"
            due = ":future + (g % 1000) * interval '1 minute'"
        else:
            series = (
                "(WITH RECURSIVE s(g) AS (SELECT 0 UNION ALL SELECT g + 1 FROM s "
                "WHERE g < {n} - 1) SELECT g FROM s)"
            )
            sid = "'PRb' || printf('%031x', g)"
            due = "datetime(:future, '+' || (g % 1000) || ' minutes')"
        first = s.execute(sa.text("SELECT coalesce(max(id), 0) + 1 FROM port_requests")).scalar()
        s.execute(
            sa.text(_REQUESTS_SQL.format(sid=sid, series=series.format(n=requests))),
            {"t": CREATED if pg else CREATED.replace(tzinfo=None)},
        )
        future = FUTURE if pg else FUTURE.replace(tzinfo=None).isoformat(sep=" ")
        s.execute(
            sa.text(_ROWS_SQL.format(due=due, series=series.format(n=rows))),
            {"first": first, "requests": requests, "future": future, "data": ROW_DATA},
        )
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def count(db: Database, table: type, *where: object) -> int:
    with db.read() as s:
        return s.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar()


def run(url: str, due: int, not_due: int, batch: int) -> dict[str, float]:
    db, drop = fresh_database(url)
    try:
        clock = Clock(CREATED)
        ctx = Context(reconcile=reconcile, db=db, calendar=BusinessCalendar(), clock=clock)
        loaded = time.perf_counter()
        seed_due(ctx, due)
        seed_not_due(db, not_due)
        loaded = time.perf_counter() - loaded
        scheduled = count(db, Reminder, Reminder.status == "scheduled")
        sweeper = Sweeper(ctx, batch_size=batch, worker_id="bench", slack=True, zendesk=True)
        empty = []
        for _ in range(50):
            t = time.perf_counter()
            sweeper.sweep()
            empty.append(time.perf_counter() - t)
        clock.now = DUE_AT
        t = time.perf_counter()
        result = sweeper.sweep()
        swept = time.perf_counter() - t
        assert len(result.sent) == due, (len(result.sent), due)
        outbox = count(db, OutboxMessage)
        return {
            "not_due": scheduled - due,
            "loaded_s": loaded,
            "empty_ms": statistics.median(empty) * 1000,
            "sweep_s": swept,
            "per_reminder_ms": swept / due * 1000,
            "outbox_rows": outbox,
        }
    finally:
        drop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", help="sqlite (default) or a PostgreSQL URL")
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--not-due", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: --due 2000 --not-due 10000"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.due, args.not_due = 2_000, [10_000]
    crypto.configure(crypto.Keyring([crypto.generate_secret()]))
    backend = "sqlite" if args.db == "sqlite" else "postgresql"
    print(f"reminder sweep bench · {backend} · Python {platform.python_version()}")
    print(f"{args.due:,} due reminders, batches of {args.batch}")
    print("| rows not due | load s | empty sweep ms | sweep s | ms / due reminder | outbox rows |")
    print("|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    for n in args.not_due:
        r = run(args.db, args.due, n, args.batch)
        worst = max(worst, r["per_reminder_ms"])
        print(
            f"| {r['not_due']:,} | {r['loaded_s']:.1f} | {r['empty_ms']:.2f} | "
            f"{r['sweep_s']:.2f} | {r['per_reminder_ms']:.3f} | {r['outbox_rows']:,} |",
            flush=True,
        )
    print(f"worst: {worst:.3f} ms per due reminder (target ≤ 1 ms)")
    return 0 if worst <= 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
