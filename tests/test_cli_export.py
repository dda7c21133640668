"""``portbot export --format csv``: the columns, the timings, the filters, no secrets, no
formulas, and rows streamed rather than loaded at once."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot import cli
from bot import services as svc
from bot.porting.sids import new_sid
from bot.services.export import HEADER, rows, safe_cell
from storage.models import PortRequest
from storage.values import RequestStatus as S
from tests.conftest import TEST_KEY
from tests.services.helpers import ACCOUNT, AGENT, CUSTOMER, PIN, draft, mark_loa_signed

HOSTILE = '=HYPERLINK("https://evil.example","x")'


@pytest.fixture
def env(monkeypatch, db_url, tmp_path):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "ZENDESK_SUBDOMAIN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("PORTBOT_SECRET_KEY", TEST_KEY)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    return tmp_path


def _completed(ctx, clock) -> str:
    """Opened Mon Nov 16, submitted Wed Nov 18, port date Wed Dec 2, ported that day."""
    snap = svc.open_request(
        ctx,
        draft(["+16172534001"], wireless=["+16172534002"]),
        actor=CUSTOMER,
        team_id="T1",
        channel_id="C1",
    )
    mark_loa_signed(ctx, snap.sid, actor=CUSTOMER)
    clock.set(datetime(2026, 11, 18, 16, tzinfo=UTC))
    svc.submit_to_carrier(ctx, snap.sid, actor=AGENT)
    svc.set_foc(ctx, snap.sid, date(2026, 12, 2), actor=AGENT)
    clock.set(datetime(2026, 12, 2, 20, tzinfo=UTC))
    svc.mark_ported(ctx, snap.sid, actor=AGENT)
    return snap.sid


def _read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_to_a_file_has_the_columns_and_timings(ctx, clock, env, capsys):
    done = _completed(ctx, clock)
    clock.set(datetime(2026, 12, 10, 15, tzinfo=UTC))
    waiting = svc.open_request(
        ctx, draft(["+16172534003"], company_name="Plain Co"), actor=CUSTOMER
    ).sid
    out = env / "requests.csv"
    assert cli.main(["export", "--format", "csv", "--out", str(out)]) == 0
    assert "Wrote 2 requests to" in capsys.readouterr().err
    assert not (env / "requests.csv.partial").exists()
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0].split(",")[:3] == ["SID", "Status", "Request name"]
    by_sid = {r["SID"]: r for r in _read(text)}
    assert list(by_sid) == [waiting, done]  # newest first
    row = by_sid[done]
    assert row["Status"] == "completed" and row["Numbers"] == "2"
    assert row["Losing carrier"] == "Old Phone Co" and row["Company"] == "Acme Widgets Inc"
    assert (row["Created"], row["Submitted"]) == ("2026-11-16", "2026-11-18")
    assert row["Port date (FOC)"] == "2026-12-02"
    assert row["Closed (completed, cancelled or expired)"] == "2026-12-02"
    assert row["Days open"] == "16" and row["Days from creation to submission"] == "2"
    assert row["Days from submission to port date"] == "14"
    open_row = by_sid[waiting]
    assert (
        open_row["Closed (completed, cancelled or expired)"] == "" and open_row["Submitted"] == ""
    )
    real_today = ctx.calendar.local_date(datetime.now(UTC))  # the command has no test clock
    assert int(open_row["Days open"]) in {
        (real_today - date(2026, 12, 10)).days + d for d in (0, 1)
    }
    clock.set(datetime(2026, 12, 14, 15, tzinfo=UTC))
    in_process = {line[0]: line for line in rows(ctx)}
    assert in_process[waiting][HEADER.index("Days open")] == "4"
    assert in_process[done][HEADER.index("Days open")] == "16"  # closed: stops counting
    assert PIN not in text and ACCOUNT not in text and ACCOUNT[-4:] not in text


def test_filters_and_stdout(ctx, clock, env, capsys):
    done = _completed(ctx, clock)
    waiting = svc.open_request(ctx, draft(["+16172534004"]), actor=CUSTOMER).sid
    assert cli.main(["export", "--status", "open"]) == 0
    assert [r["SID"] for r in _read(capsys.readouterr().out)] == [waiting]
    assert cli.main(["export", "--status", "completed", "--carrier", "old phone"]) == 0
    assert [r["SID"] for r in _read(capsys.readouterr().out)] == [done]
    assert cli.main(["export", "--carrier", "Nobody"]) == 0
    assert _read(capsys.readouterr().out) == []
    assert cli.main(["export", "--status", "closed"]) == 2
    assert "export: “closed” is not a status" in capsys.readouterr().err


def test_cells_that_would_run_as_formulas_are_quoted(ctx, env, capsys):
    with ctx.db.write() as s:
        s.add(
            PortRequest(
                sid=new_sid(),
                status=S.IN_REVIEW,
                name="+1 for the boss",
                company_name=HOSTILE,
                losing_carrier="@carrier",
                created_at=datetime(2026, 11, 1, tzinfo=UTC),
                updated_at=datetime(2026, 11, 1, tzinfo=UTC),
            )
        )
    assert cli.main(["export", "--format", "csv"]) == 0
    (row,) = _read(capsys.readouterr().out)
    assert row["Company"] == "'" + HOSTILE
    assert row["Request name"] == "'+1 for the boss" and row["Losing carrier"] == "'@carrier"
    assert [safe_cell(v) for v in ("-3", "\tx", "a=b", None, -7)] == [
        "'-3",
        "'\tx",
        "a=b",
        "",
        "-7",
    ]


def test_rows_are_streamed_not_loaded_at_once(ctx):
    count = 20_000
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with ctx.db.write() as s:
        s.execute(
            sa.insert(PortRequest),
            [
                {
                    "sid": new_sid(),
                    "status": S.SUBMITTED,
                    "losing_carrier": "Bulk Carrier",
                    "created_at": start + timedelta(seconds=i),
                    "updated_at": start + timedelta(seconds=i),
                }
                for i in range(count)
            ],
        )
    lines = rows(ctx)
    assert next(lines) == list(HEADER)
    tracemalloc.start()
    try:
        seen = sum(1 for _ in lines)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    # about 3 MB a batch at a time; loading every row at once peaks above 15 MB
    assert peak < 6_000_000, f"{peak:,} bytes at the peak for {count:,} rows"
