"""Migration 0013: requests made before it take their first number's country."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from storage.db import Database

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _request(conn: sa.Connection, rid: int) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO port_requests (id, sid, status, team_id, channel_id, requester_id, "
            "requester_name, account_type, losing_carrier, rep_name, rep_email, street, city, "
            "region, postal_code, country, created_at, updated_at) VALUES (:id, :sid, "
            "'in_review', '', '', '', '', 'business', '', '', '', '', '', '', '', 'US', :now, "
            ":now)"
        ),
        {"id": rid, "sid": f"PR{rid:032x}", "now": NOW},
    )


def _number(conn: sa.Connection, rid: int, position: int, e164: str) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO port_numbers (request_id, position, e164, line_type, status) "
            "VALUES (:rid, :pos, :e164, 'landline', 'pending')"
        ),
        {"rid": rid, "pos": position, "e164": e164},
    )


def test_existing_requests_take_their_first_numbers_country(empty_db_url):
    db = Database(empty_db_url)
    db.upgrade("0012")
    with db.engine.begin() as conn:
        for rid in (1, 2, 3, 4):
            _request(conn, rid)
        _number(conn, 1, 0, "+33142685300")  # Paris
        _number(conn, 1, 1, "+442072193000")  # a later number does not decide
        _number(conn, 2, 0, "+16172531000")
        _number(conn, 3, 0, "+14165550100")  # Toronto: Canada, told apart by its area code
        # request 4 has no numbers
    db.upgrade("0013")
    with db.engine.connect() as conn:
        found = dict(conn.execute(sa.text("SELECT id, numbers_country FROM port_requests")).all())
    assert found == {1: "FR", 2: "US", 3: "CA", 4: "US"}
    db.dispose()
