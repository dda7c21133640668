"""The reads and decisions the Slack listeners ask of the services: the cancel preview, the App
Home, the request behind a thread, and the bill kept in the transaction that records it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot import services as svc
from bot.porting.errors import NotFound
from bot.porting.lifecycle import CutoffPassed, IllegalMove
from bot.services.cancel import cancel_preview
from bot.services.home import home
from bot.services.port_requests import BillCopy
from bot.services.queries import request_for_thread
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
        ctx, draft(bill=bill), actor=CUSTOMER, key="intake:1", bill_copy=BillCopy(PNG, store)
    )
    again = svc.open_request(
        ctx, draft(bill=bill), actor=CUSTOMER, key="intake:1", bill_copy=BillCopy(PNG, store)
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
            bill_copy=BillCopy(PNG, store),
        )
    assert _bills(ctx) == []
    kept = svc.save_draft(ctx, draft(bill=None), actor=CUSTOMER)
    done = svc.complete_draft(
        ctx,
        kept.sid,
        actor=CUSTOMER,
        bill=replace(BILL, file_id="F0NEW"),
        bill_copy=BillCopy(PNG, store),
    )
    assert done.status is RequestStatus.AWAITING_SIGNATURE
    assert [(d.request_id, d.source_ref) for d in _bills(ctx)] == [(done.request.id, "F0NEW")]
