"""The reads and decisions the Slack listeners ask of the services: the cancel preview, the App
Home, the request behind a thread, and the bill kept in the transaction that records it."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot import services as svc
from bot.porting.errors import NotFound
from bot.porting.fields import F
from bot.porting.lifecycle import CutoffPassed, IllegalMove
from bot.services.cancel import cancel_preview
from bot.services.home import home
from bot.services.intake_flow import Bills, check_bill_content
from bot.services.port_requests import BillCopy
from bot.services.queries import request_for_thread, visible_sid
from storage.documents import DocumentStore
from storage.models import Document, DocumentKind, SlackLink
from storage.values import RequestStatus
from tests.services.helpers import AGENT, BILL, CUSTOMER, OTHER_CUSTOMER, draft, mark_loa_signed

MINE = svc.Viewer(CUSTOMER.id, team_id="T1")
ALL = svc.Viewer(AGENT.id, is_agent=True)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _submitted(ctx) -> str:
    snap = svc.open_request(ctx, draft(), actor=CUSTOMER, team_id="T1", channel_id="C1")
    mark_loa_signed(ctx, snap.sid, actor=CUSTOMER)
    return svc.submit_to_carrier(ctx, snap.sid, actor=AGENT).sid


def test_cancel_preview_gives_the_deadline_the_modal_shows(ctx):
    sid = _submitted(ctx)
    assert cancel_preview(ctx, sid, viewer=MINE, actor=CUSTOMER).deadline is None
    svc.set_foc(ctx, sid, date(2026, 11, 25), actor=AGENT)
    preview = cancel_preview(ctx, sid[:12], viewer=MINE, actor=CUSTOMER)
    assert preview.snapshot.sid == sid and preview.deadline == date(2026, 11, 23)


def test_cancel_preview_refuses_what_request_cancel_would(ctx, clock):
    sid = _submitted(ctx)
    svc.set_foc(ctx, sid, date(2026, 11, 18), actor=AGENT)
    clock.set(datetime(2026, 11, 17, 15, tzinfo=UTC))  # past Monday's deadline
    with pytest.raises(CutoffPassed):
        cancel_preview(ctx, sid, viewer=MINE, actor=CUSTOMER)
    assert cancel_preview(ctx, sid, viewer=ALL, actor=AGENT).deadline == date(2026, 11, 16)
    with pytest.raises(NotFound):  # someone else's request reads as unknown
        cancel_preview(ctx, sid, viewer=svc.Viewer(OTHER_CUSTOMER.id), actor=OTHER_CUSTOMER)
    svc.mark_ported(ctx, sid, actor=AGENT)
    with pytest.raises(IllegalMove):
        cancel_preview(ctx, sid, viewer=ALL, actor=AGENT)


def test_home_shows_queues_to_agents_only(ctx):
    sid = _submitted(ctx)
    svc.set_foc(ctx, sid, date(2026, 11, 18), actor=AGENT)
    customer = home(ctx, user_id=CUSTOMER.id, team_id="T1", is_agent=False)
    assert [r.sid for r in customer.mine] == [sid]
    assert customer.queues is None and customer.upcoming is None
    agent = home(ctx, user_id=AGENT.id, team_id="T1", is_agent=True)
    assert agent.mine == [] and agent.queues == {RequestStatus.FOC_CONFIRMED: 1}
    assert [(day, r.sid) for day, r in agent.upcoming or []] == [(date(2026, 11, 18), sid)]


def test_request_for_thread(ctx):
    sid = _submitted(ctx)
    with ctx.db.write() as s:
        req = svc.find(ctx, sid, ALL).request
        s.add(SlackLink(request_id=req.id, channel_id="C1", message_ts="1.000100"))
    assert request_for_thread(ctx, channel_id="C1", thread_ts="1.000100") == sid
    assert request_for_thread(ctx, channel_id="C1", thread_ts="1.000200") is None


def _bills(ctx) -> list[Document]:
    with ctx.db.read() as s:
        return list(s.exec(select(Document).where(Document.kind == DocumentKind.BILL)).all())


@pytest.mark.parametrize("files_dir", [False, True])
def test_the_bill_is_stored_with_the_request_that_records_it(ctx, tmp_path, files_dir):
    store = DocumentStore(ctx.db, tmp_path / "files" if files_dir else None)
    bill = replace(BILL, file_id="F0BILL")
    snap = svc.open_request(
        ctx, draft(bill=bill), actor=CUSTOMER, key="intake:1", bill_copy=BillCopy.of(PNG, store)
    )
    again = svc.open_request(
        ctx, draft(bill=bill), actor=CUSTOMER, key="intake:1", bill_copy=BillCopy.of(PNG, store)
    )
    assert again.replayed and again.sid == snap.sid
    (doc,) = _bills(ctx)
    assert doc.request_id == snap.request.id and doc.source_ref == "F0BILL"
    assert doc.content_type == "image/png" and doc.issued_on == BILL.issued_on
    assert store.get_bytes(doc) == PNG


def test_a_draft_completed_with_its_bill_keeps_it_and_a_refused_one_keeps_nothing(ctx):
    store = DocumentStore(ctx.db, None)
    sent_on = svc.open_request(ctx, draft(), actor=CUSTOMER)  # no longer a draft
    with pytest.raises(IllegalMove):  # refused after the bill was put: it rolls back with it
        svc.complete_draft(
            ctx,
            sent_on.sid,
            actor=CUSTOMER,
            bill=replace(BILL, file_id="F0LATE"),
            bill_copy=BillCopy.of(PNG, store),
        )
    assert _bills(ctx) == []
    kept = svc.save_draft(ctx, draft(bill=None), actor=CUSTOMER)
    done = svc.complete_draft(
        ctx,
        kept.sid,
        actor=CUSTOMER,
        bill=replace(BILL, file_id="F0NEW"),
        bill_copy=BillCopy.of(PNG, store),
    )
    assert done.status is RequestStatus.AWAITING_SIGNATURE
    assert [(d.request_id, d.source_ref) for d in _bills(ctx)] == [(done.request.id, "F0NEW")]


def test_visible_sid_resolves_a_prefix_as_find_does_and_loads_nothing_else(ctx, monkeypatch):
    sid = _submitted(ctx)
    from storage import repositories as repo

    def loaded(*args, **kwargs):
        raise AssertionError("visible_sid loaded the request's numbers or timeline")

    monkeypatch.setattr(repo, "numbers_of", loaded)
    monkeypatch.setattr(repo, "events_of", loaded)
    assert visible_sid(ctx, sid[:12], MINE) == visible_sid(ctx, f"`{sid}`", ALL) == sid
    stranger = svc.Viewer(OTHER_CUSTOMER.id, team_id="T1")
    with pytest.raises(NotFound) as unknown:
        visible_sid(ctx, "PR00000000", stranger)
    with pytest.raises(NotFound) as foreign:
        visible_sid(ctx, sid[:10], stranger)
    assert foreign.value.message.replace(sid[:10], "X") == unknown.value.message.replace(
        "PR00000000", "X"
    )


def test_the_bills_content_is_checked_by_the_service_and_keyed_by_field():
    assert check_bill_content(PNG, filename="bill.pdf") == {}
    problems = check_bill_content(b"PK\x03\x04" + b"\x00" * 64, filename="bill.pdf")
    assert list(problems) == [F.BILL] and "ZIP" in problems[F.BILL]


class Transactions:
    """``ctx.db.write`` watched: whether a write transaction is open right now."""

    def __init__(self, ctx, monkeypatch) -> None:
        self.open = 0
        write = ctx.db.write

        @contextmanager
        def watched():
            self.open += 1
            try:
                with write() as s:
                    yield s
            finally:
                self.open -= 1

        monkeypatch.setattr(ctx.db, "write", watched)


def test_with_a_files_directory_the_bill_is_written_before_the_transaction(
    ctx, tmp_path, monkeypatch
):
    """The file (and its fsync) before the transaction; only the row inside it, with the
    request it belongs to."""
    store = DocumentStore(ctx.db, tmp_path / "files")
    kept = svc.save_draft(ctx, draft(bill=None), actor=CUSTOMER)
    tx = Transactions(ctx, monkeypatch)
    written_in: list[int] = []
    write_file = store._write_file

    def watched_write(digest: str, data: bytes) -> str:
        written_in.append(tx.open)
        return write_file(digest, data)

    monkeypatch.setattr(store, "_write_file", watched_write)
    bill = replace(BILL, file_id="F0BILL")
    done = Bills(ctx, store).complete_draft(kept.sid, actor=CUSTOMER, bill=bill, content=PNG)
    assert written_in == [0]  # once, with no transaction open
    (doc,) = _bills(ctx)
    assert doc.request_id == done.request.id and doc.path and store.get_bytes(doc) == PNG


def test_a_file_left_by_a_rolled_back_transaction_is_harmless(ctx, tmp_path):
    store = DocumentStore(ctx.db, tmp_path / "files")
    sent_on = svc.open_request(ctx, draft(), actor=CUSTOMER)  # no longer a draft: refused
    bill = replace(BILL, file_id="F0LATE")
    with pytest.raises(IllegalMove):
        Bills(ctx, store).complete_draft(sent_on.sid, actor=CUSTOMER, bill=bill, content=PNG)
    assert _bills(ctx) == []
    (left,) = [p for p in (tmp_path / "files").rglob("*") if p.is_file()]
    kept = svc.save_draft(ctx, draft(bill=None), actor=CUSTOMER)
    Bills(ctx, store).complete_draft(kept.sid, actor=CUSTOMER, bill=bill, content=PNG)
    (doc,) = _bills(ctx)
    assert (tmp_path / "files" / str(doc.path)) == left and store.get_bytes(doc) == PNG


def test_bills_without_a_store_record_the_bill_alone(ctx):
    kept = svc.save_draft(ctx, draft(bill=None), actor=CUSTOMER)
    done = Bills(ctx, None).complete_draft(kept.sid, actor=CUSTOMER, bill=BILL, content=PNG)
    assert done.status is RequestStatus.AWAITING_SIGNATURE and _bills(ctx) == []


def test_staged_bytes_are_recorded_only_by_a_store_that_keeps_them_the_same_way(ctx, tmp_path):
    in_files = DocumentStore(ctx.db, tmp_path / "files").stage(PNG)
    in_rows = DocumentStore(ctx.db, None)
    with pytest.raises(ValueError), ctx.db.write() as s:
        in_rows.put(
            s,
            request_id=None,
            kind=DocumentKind.BILL,
            filename="b.png",
            data=in_files,
            content_type="image/png",
        )
