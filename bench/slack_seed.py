"""``bench.slack``'s database: a fresh, migrated database (SQLite file or PostgreSQL schema)
and the bulk seeding of port requests, their numbers and timeline events.
"""

from __future__ import annotations

import random
import secrets
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bench.slack_common import AGENT, SECRET_KEY
from bot.porting.sids import new_sid
from storage import crypto
from storage.db import Database, normalize_url
from storage.models import PortNumber, PortRequest, TimelineEvent
from storage.values import LineType, NumberStatus, RequestStatus, Role

CHUNK = 5_000

# Stored numbers use these area codes; the submitted ones are all in 617, so they are in no
# request. (All are real, assigned area codes.)
# fmt: off
SEED_AREA_CODES = (
    "201", "202", "206", "212", "213", "214", "215", "303", "305", "310", "312", "313",
    "404", "408", "415", "469", "503", "512", "602", "646", "702", "713", "718", "720",
    "773", "786", "808", "817", "832", "858", "901", "917", "949", "954", "972",
)
TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")
CARRIERS = ("Old Phone Co", "Verizon", "AT&T", "Lumen", "Comcast Business", "Frontier",
            "Windstream", "RingCentral", "Consolidated", "Spectrum")
# fmt: on

S = RequestStatus
STATUS_WEIGHTS = {
    S.COMPLETED: 40,
    S.FOC_CONFIRMED: 12,
    S.SUBMITTED: 10,
    S.AWAITING_SIGNATURE: 8,
    S.CANCELLED: 8,
    S.IN_REVIEW: 6,
    S.ACTION_REQUIRED: 6,
    S.DRAFT: 4,
    S.EXPIRED: 4,
    S.CANCEL_PENDING: 2,
}
# The events after "open", as (action, from, to): at most three events in all.
LATER_EVENTS: dict[RequestStatus, list[tuple[str, RequestStatus, RequestStatus]]] = {
    S.DRAFT: [],
    S.AWAITING_SIGNATURE: [],
    S.IN_REVIEW: [("sign_loa", S.AWAITING_SIGNATURE, S.IN_REVIEW)],
    S.SUBMITTED: [
        ("sign_loa", S.AWAITING_SIGNATURE, S.IN_REVIEW),
        ("submit", S.IN_REVIEW, S.SUBMITTED),
    ],
    S.FOC_CONFIRMED: [
        ("submit", S.IN_REVIEW, S.SUBMITTED),
        ("set_foc", S.SUBMITTED, S.FOC_CONFIRMED),
    ],
    S.ACTION_REQUIRED: [
        ("submit", S.IN_REVIEW, S.SUBMITTED),
        ("reject", S.SUBMITTED, S.ACTION_REQUIRED),
    ],
    S.CANCEL_PENDING: [
        ("submit", S.IN_REVIEW, S.SUBMITTED),
        ("request_cancel", S.SUBMITTED, S.CANCEL_PENDING),
    ],
    S.COMPLETED: [
        ("set_foc", S.SUBMITTED, S.FOC_CONFIRMED),
        ("complete", S.FOC_CONFIRMED, S.COMPLETED),
    ],
    S.CANCELLED: [("confirm_cancel", S.CANCEL_PENDING, S.CANCELLED)],
    S.EXPIRED: [("expire", S.AWAITING_SIGNATURE, S.EXPIRED)],
}
NUMBER_STATUS = {
    S.DRAFT: NumberStatus.PENDING,
    S.AWAITING_SIGNATURE: NumberStatus.PENDING,
    S.IN_REVIEW: NumberStatus.PENDING,
    S.SUBMITTED: NumberStatus.SUBMITTED,
    S.FOC_CONFIRMED: NumberStatus.FOC_CONFIRMED,
    S.ACTION_REQUIRED: NumberStatus.REJECTED,
    S.CANCEL_PENDING: NumberStatus.SUBMITTED,
    S.COMPLETED: NumberStatus.PORTED,
    S.CANCELLED: NumberStatus.CANCELLED,
    S.EXPIRED: NumberStatus.CANCELLED,
}


# ---------------------------------------------------------------------- database
@contextmanager
def fresh_database(target: str) -> Iterator[tuple[Database, str]]:
    """A migrated, empty database; removed afterwards. Yields it and a printable label."""
    crypto.configure(crypto.Keyring([SECRET_KEY]))
    if target == "sqlite":
        folder = tempfile.mkdtemp(prefix="portbot-bench-")
        db = Database(f"sqlite:///{folder}/portbot.db")
        try:
            db.upgrade()
            yield db, f"SQLite {sqlite3.sqlite_version} (file, WAL)"
        finally:
            db.dispose()
            shutil.rmtree(folder, ignore_errors=True)
        return
    base = normalize_url(target)
    if base.get_backend_name() != "postgresql" or base.host not in ("127.0.0.1", "localhost"):
        raise SystemExit("--db takes 'sqlite' or a postgresql:// URL on 127.0.0.1")
    schema = "bench_" + secrets.token_hex(6)
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        version = conn.exec_driver_sql("SHOW server_version").scalar()
    db = Database(base.update_query_dict({"options": f"-csearch_path={schema}"}))
    try:
        db.upgrade()
        yield db, f"PostgreSQL {version} (127.0.0.1, schema {schema})"
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def _nanp(rng: random.Random, area_codes: tuple[str, ...]) -> str:
    nxx = rng.randint(200, 999)
    while nxx % 100 == 11 or nxx == 555:  # N11 and 555 exchanges are special
        nxx = rng.randint(200, 999)
    return f"+1{rng.choice(area_codes)}{nxx}{rng.randint(0, 9999):04d}"


@dataclass
class Seeded:
    sids: list[str]
    seconds: float
    rows: dict[str, int]


def seed(db: Database, count: int, rng: random.Random) -> Seeded:
    """Bulk-insert ``count`` requests with their numbers and timeline events, in chunks."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    keyring = crypto.active()
    ciphertexts = [keyring.encrypt(f"{rng.randint(10**9, 10**12 - 1)}") for _ in range(1000)]
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    channels = [f"C0CUST{i:05d}" for i in range(300)]
    users = [f"U0CUST{i:05d}" for i in range(3000)]
    requests_stmt = sa.insert(PortRequest.__table__).values(  # type: ignore[attr-defined]
        # Already encrypted: bind as text, so the column type does not encrypt it again.
        account_number=sa.bindparam("account_ct", type_=sa.Text())
    )
    numbers_table = PortNumber.__table__  # type: ignore[attr-defined]
    events_table = TimelineEvent.__table__  # type: ignore[attr-defined]
    used: set[str] = set()
    sids: list[str] = []
    number_id = event_id = 0
    totals = {"port_requests": 0, "port_numbers": 0, "timeline_events": 0}
    for first in range(1, count + 1, CHUNK):
        reqs: list[dict[str, Any]] = []
        nums: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for rid in range(first, min(first + CHUNK, count + 1)):
            status = rng.choices(statuses, weights)[0]
            created = now - timedelta(days=rng.uniform(0, 730))
            sid = new_sid()
            sids.append(sid)
            e164s: list[tuple[str, LineType]] = []
            for _ in range(rng.choices((1, 2, 3), (60, 30, 10))[0]):
                roll = rng.random()
                kind = LineType.TOLL_FREE if roll < 0.05 else LineType.LANDLINE
                kind = LineType.WIRELESS if 0.05 <= roll < 0.15 else kind
                e164 = _nanp(rng, TOLL_FREE if kind is LineType.TOLL_FREE else SEED_AREA_CODES)
                while e164 in used:
                    e164 = _nanp(rng, TOLL_FREE if kind is LineType.TOLL_FREE else SEED_AREA_CODES)
                used.add(e164)
                e164s.append((e164, kind))
            step = timedelta(days=rng.uniform(1, 10))
            foc = (created + 3 * step).date() if status in (S.FOC_CONFIRMED, S.COMPLETED) else None
            signed = status not in (S.DRAFT, S.AWAITING_SIGNATURE, S.EXPIRED)
            submitted = status not in (S.DRAFT, S.AWAITING_SIGNATURE, S.IN_REVIEW, S.EXPIRED)
            company = f"Company {rng.randint(1, 20_000)} LLC"
            reqs.append(
                {
                    "id": rid,
                    "sid": sid,
                    "status": status,
                    "status_before_cancel": S.SUBMITTED if status is S.CANCEL_PENDING else None,
                    "team_id": "T0PORTBOT",
                    "channel_id": rng.choice(channels),
                    "requester_id": rng.choice(users),
                    "requester_name": f"customer{rng.randint(1, 3000)}",
                    "agreed_at": created,
                    "name": company,
                    "account_type": "business" if rng.random() < 0.8 else "residential",
                    "company_name": company,
                    "losing_carrier": rng.choice(CARRIERS),
                    "account_ct": rng.choice(ciphertexts),
                    "btn": e164s[0][0],
                    "rep_name": f"Rep {rid}",
                    "rep_email": f"rep{rid}@example.com",
                    "street": f"{rng.randint(1, 999)} Main St",
                    "city": "Springfield",
                    "region": "MA",
                    "postal_code": f"{rng.randint(1000, 99999):05d}",
                    "country": "US",
                    "bill_filename": None if status is S.DRAFT else "bill.pdf",
                    "bill_content_type": None if status is S.DRAFT else "application/pdf",
                    "bill_size": None if status is S.DRAFT else rng.randint(50_000, 2_000_000),
                    "bill_issued_on": None if status is S.DRAFT else (created - step).date(),
                    "foc_date": foc,
                    "loa_sent_at": None if status is S.DRAFT else created,
                    "signed_at": created + step if signed else None,
                    "submitted_at": created + 2 * step if submitted else None,
                    "completed_at": created + 4 * step if status is S.COMPLETED else None,
                    "created_at": created,
                    "updated_at": created + 4 * step,
                }
            )
            for position, (e164, kind) in enumerate(e164s):
                number_id += 1
                nums.append(
                    {
                        "id": number_id,
                        "request_id": rid,
                        "position": position,
                        "e164": e164,
                        "line_type": kind,
                        "status": NUMBER_STATUS[status],
                        "open_e164": None if status.final else e164,
                        "foc_date": foc,
                        "ported_at": created + 4 * step if status is S.COMPLETED else None,
                    }
                )
            first_status = S.DRAFT if status is S.DRAFT else S.AWAITING_SIGNATURE
            history = [("open", first_status, first_status), *LATER_EVENTS[status]]
            for i, (action, before, after) in enumerate(history):
                event_id += 1
                customer = action == "open"
                events.append(
                    {
                        "id": event_id,
                        "request_id": rid,
                        "at": created + i * step,
                        "actor_role": Role.CUSTOMER if customer else Role.AGENT,
                        "actor_id": "U0CUST00001" if customer else AGENT,
                        "actor_name": "customer" if customer else "avery",
                        "action": action,
                        "from_status": before,
                        "to_status": after,
                        "numbers": None,
                        "detail": f"Opened with {len(e164s)} numbers." if customer else "",
                        "data": None,
                        "public": True,
                    }
                )
        with db.engine.begin() as conn:
            conn.execute(requests_stmt, reqs)
            conn.execute(sa.insert(numbers_table), nums)
            conn.execute(sa.insert(events_table), events)
        totals["port_requests"] += len(reqs)
        totals["port_numbers"] += len(nums)
        totals["timeline_events"] += len(events)
    if not db.is_sqlite:
        with db.engine.begin() as conn:
            for table in totals:  # explicit ids were inserted: move the sequences past them
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            conn.exec_driver_sql("ANALYZE")
    return Seeded(sids, time.perf_counter() - started, totals)
