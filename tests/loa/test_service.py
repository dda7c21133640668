"""The LOA use cases: issuing a link, resending it, signing, and what refuses a signature."""

from __future__ import annotations

import io
import json
import threading
from datetime import timedelta

import pytest
from pypdf import PdfReader

from bot import services as svc
from bot.delivery.outbox import Outbox
from bot.loa.delivery import LoaDelivery
from bot.porting.errors import InvalidInput
from bot.services.loa import (
    AlreadySigned,
    LinkExpired,
    LinkReplaced,
    LinkState,
    LinkUnknown,
    NameMismatch,
    NoLongerAwaiting,
    inspect_link,
    names_match,
)
from storage.documents import DocumentStore
from storage.models import DocumentKind
from storage.values import RequestStatus
from tests.loa.support import (
    PUBLIC_URL,
    TTL,
    awaiting,
    documents,
    events,
    issue,
    pdf_text,
    request,
    token_of,
    tokens,
)
from tests.services.helpers import (
    ACCOUNT,
    AGENT,
    CUSTOMER,
    OTHER_CUSTOMER,
    PIN,
    mark_loa_signed,
    numbers,
    outbox_for,
)

S = RequestStatus
IP, UA = "203.0.113.9", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


@pytest.fixture
def store(db, tmp_path) -> DocumentStore:
    return DocumentStore(db, tmp_path / "files")


def sign(ctx, store, link, name="Jordan Rivera"):
    return svc.sign_loa(ctx, token_of(link), typed_name=name, ip=IP, user_agent=UA, store=store)


def test_issuing_keeps_the_letter_and_the_token_only_in_the_url(ctx, db, store):
    snap = awaiting(ctx, wireless=numbers(1), landlines=numbers(2))
    link = issue(ctx, store, snap.sid)
    token = token_of(link)
    assert link.url == f"{PUBLIC_URL}/loa/{token}" and len(token) >= 40
    assert link.expires_at == ctx.now() + TTL
    assert token not in repr(link)

    [doc] = documents(db, snap.sid, DocumentKind.LOA)
    assert doc.sha256 == link.document_sha256 == tokens(db, snap.sid)[0].document_sha256
    assert store.get_bytes(doc) == link.pdf and doc.content_type == "application/pdf"
    text = pdf_text(link.pdf)
    assert "Jordan Rivera" in text and "Acme Widgets Inc" in text
    assert PIN not in text and ACCOUNT not in text
    assert request(db, snap.sid).loa_sent_at == ctx.now()

    sent = events(db, snap.sid)[-1]
    assert sent.action == "loa_sent" and sent.public
    assert sent.detail == "LOA sent to jordan@acme.example for signature."
    # The token is nowhere but in the URL: not in the timeline, the outbox or the token table.
    stored = json.dumps([(e.detail, e.data) for e in events(db, snap.sid)], default=str)
    stored += json.dumps([m.payload for m in outbox_for(db, snap.sid)])
    stored += json.dumps([t.model_dump() for t in tokens(db, snap.sid)], default=str)
    assert token not in stored


def test_a_link_is_issued_only_while_waiting_for_a_signature(ctx, store):
    snap = awaiting(ctx)
    mark_loa_signed(ctx, snap.sid, actor=AGENT)
    with pytest.raises(NoLongerAwaiting):
        issue(ctx, store, snap.sid)


def test_signing_stamps_the_stored_letter_and_moves_the_request_on(ctx, db, store):
    snap = awaiting(ctx)
    link = issue(ctx, store, snap.sid)
    done = sign(ctx, store, link, name="  jordan   RIVERA ")
    assert done.status is S.IN_REVIEW and done.request.signed_at == ctx.now()

    last = events(db, snap.sid)[-1]
    assert last.action == "sign_loa" and last.from_status is S.AWAITING_SIGNATURE
    assert "jordan RIVERA" in last.detail and IP not in last.detail  # kept in data only
    assert "Nov 16, 2026 at 10:00 AM EST" in last.detail
    assert last.data["ip"] == IP and last.data["unsigned_sha256"] == link.document_sha256

    [signed] = documents(db, snap.sid, DocumentKind.LOA_SIGNED)
    pdf = store.get_bytes(signed)
    text = pdf_text(pdf)
    assert "jordan RIVERA" in text and link.document_sha256 in text and IP in text
    info = PdfReader(io.BytesIO(pdf)).metadata
    assert info["/PortbotUnsignedSHA256"] == link.document_sha256
    assert info["/PortbotSignerUserAgent"] == UA

    [row] = tokens(db, snap.sid)
    assert row.used_at == ctx.now() and row.signed_ip == IP and row.signed_name == "jordan RIVERA"
    with pytest.raises(AlreadySigned):
        sign(ctx, store, link)


def test_names_compare_without_case_accents_or_extra_spaces():
    assert names_match("jose  diaz", "José Díaz")
    assert names_match("JOSÉ DÍAZ", "Jose Diaz")
    assert not names_match("Jose Dias", "José Díaz")
    assert not names_match("", "")


def test_a_wrong_name_is_refused_and_nothing_changes(ctx, db, store):
    snap = awaiting(ctx)
    link = issue(ctx, store, snap.sid)
    before = events(db, snap.sid)
    with pytest.raises(NameMismatch) as err:
        sign(ctx, store, link, name="Jordan Riviera")
    assert "authorized representative" in err.value.message
    assert "Jordan Rivera" not in err.value.message  # the expected name is not given away
    assert request(db, snap.sid).status is S.AWAITING_SIGNATURE
    assert events(db, snap.sid) == before
    assert documents(db, snap.sid, DocumentKind.LOA_SIGNED) == []
    assert tokens(db, snap.sid)[0].used_at is None
    assert sign(ctx, store, link).status is S.IN_REVIEW  # the link still works


def test_an_expired_link_is_refused(ctx, clock, store):
    snap = awaiting(ctx)
    link = issue(ctx, store, snap.sid)
    clock.set(clock.now + TTL + timedelta(seconds=1))
    with pytest.raises(LinkExpired):
        sign(ctx, store, link)
    assert inspect_link(ctx, token_of(link)).state is LinkState.EXPIRED


def test_unknown_and_malformed_links_are_refused(ctx, store):
    for token in ("x" * 43, "not a token", ""):
        with pytest.raises(LinkUnknown):
            svc.sign_loa(ctx, token, typed_name="A", ip=IP, user_agent=UA, store=store)


def test_a_request_no_longer_waiting_refuses_the_link(ctx, store):
    snap = awaiting(ctx)
    link = issue(ctx, store, snap.sid)
    svc.request_cancel(ctx, snap.sid, actor=CUSTOMER)
    with pytest.raises(NoLongerAwaiting):
        sign(ctx, store, link)
    assert inspect_link(ctx, token_of(link)).state is LinkState.CLOSED


def test_resend_queues_a_new_sending_and_the_new_link_replaces_the_old(ctx, db, clock, store):
    snap = awaiting(ctx)
    old = issue(ctx, store, snap.sid)
    clock.set(clock.now + timedelta(minutes=5))
    svc.resend_loa(ctx, snap.sid, actor=CUSTOMER, key="click-1")
    svc.resend_loa(ctx, snap.sid, actor=CUSTOMER, key="click-1")  # a double click
    svc.resend_loa(ctx, snap.sid, actor=AGENT)
    rows = [m for m in outbox_for(db, snap.sid) if m.topic == "loa.send"]
    assert [m.payload["action"] for m in rows] == ["complete_draft", "loa_resend", "loa_resend"]
    assert len({m.dedupe_key for m in rows}) == 3
    resend_event = events(db, snap.sid)[-1]
    assert resend_event.action == "loa_resend" and not resend_event.public

    new = issue(ctx, store, snap.sid)
    with pytest.raises(LinkReplaced):
        sign(ctx, store, old)
    assert inspect_link(ctx, token_of(old)).state is LinkState.REPLACED
    assert sign(ctx, store, new).status is S.IN_REVIEW


def test_who_may_resend_and_when(ctx, clock, store):
    snap = awaiting(ctx)
    issue(ctx, store, snap.sid)
    with pytest.raises(InvalidInput, match="Only the person who opened"):
        svc.resend_loa(ctx, snap.sid, actor=OTHER_CUSTOMER)
    with pytest.raises(InvalidInput, match="a moment ago"):
        svc.resend_loa(ctx, snap.sid, actor=CUSTOMER)
    svc.resend_loa(ctx, snap.sid, actor=AGENT)  # agents need not wait
    mark_loa_signed(ctx, snap.sid, actor=AGENT)
    with pytest.raises(InvalidInput, match="only be resent while"):
        svc.resend_loa(ctx, snap.sid, actor=AGENT)


def test_two_signatures_at_once_make_exactly_one(ctx, db, store):
    snap = awaiting(ctx)
    link = issue(ctx, store, snap.sid)
    results: list[object] = []
    start = threading.Barrier(4)

    def attempt() -> None:
        start.wait()
        try:
            results.append(sign(ctx, store, link).status)
        except AlreadySigned as exc:
            results.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(r is S.IN_REVIEW for r in results) == 1
    assert sum(isinstance(r, AlreadySigned) for r in results) == 3
    assert len(documents(db, snap.sid, DocumentKind.LOA_SIGNED)) == 1
    assert [e.action for e in events(db, snap.sid)].count("sign_loa") == 1


def test_changing_certified_data_after_signing_asks_for_a_new_signature(ctx, db, store):
    snap = awaiting(ctx)
    first = issue(ctx, store, snap.sid)
    sign(ctx, store, first)
    fixed = svc.update_details(ctx, snap.sid, {"street": "1 Main St"}, actor=CUSTOMER)
    assert fixed.status is S.AWAITING_SIGNATURE and fixed.request.signed_at is None
    sends = [m for m in outbox_for(db, snap.sid) if m.topic == "loa.send"]
    assert [m.payload["action"] for m in sends] == ["complete_draft", "amend"]
    with pytest.raises(AlreadySigned):
        sign(ctx, store, first)
    second = issue(ctx, store, snap.sid)
    assert "1 Main St" in pdf_text(second.pdf)
    assert sign(ctx, store, second).status is S.IN_REVIEW


def test_a_link_whose_letter_changed_before_signing_is_replaced(ctx, db, store):
    """Editing certified data while waiting keeps the status, but the old letter is stale."""
    snap = awaiting(ctx)
    link = issue(ctx, store, snap.sid)
    svc.update_details(ctx, snap.sid, {"street": "1 Main St"}, actor=CUSTOMER)
    assert request(db, snap.sid).status is S.AWAITING_SIGNATURE
    with pytest.raises(LinkReplaced):
        sign(ctx, store, link)
    assert sign(ctx, store, issue(ctx, store, snap.sid)).status is S.IN_REVIEW


def test_the_delivery_does_nothing_once_the_request_moved_on(ctx, db, store):
    snap = awaiting(ctx)
    mark_loa_signed(ctx, snap.sid, actor=AGENT)
    delivery = LoaDelivery(
        ctx, store=store, public_url=PUBLIC_URL, ttl=TTL, mailer=None, messenger=None
    )
    outbox = Outbox(ctx, {"loa.send": delivery})
    assert outbox.drain() == 1
    assert tokens(db, snap.sid) == [] and documents(db, snap.sid, DocumentKind.LOA) == []


def test_without_a_way_to_reach_the_representative_the_timeline_says_so(ctx, db, store):
    snap = awaiting(ctx)
    delivery = LoaDelivery(
        ctx, store=store, public_url=PUBLIC_URL, ttl=TTL, mailer=None, messenger=None
    )
    assert Outbox(ctx, {"loa.send": delivery}).drain() == 1
    last = events(db, snap.sid)[-1]
    assert last.action == "loa_not_sent" and last.public
    assert "jordan@acme.example" in last.detail and tokens(db, snap.sid) == []
