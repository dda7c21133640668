"""DocumentStore: bytes in the row or a files directory, checksummed, stored once per download."""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from storage.documents import DocumentCorrupted, DocumentMissing, DocumentStore, clean_filename
from storage.models import Document, DocumentKind, PortRequest
from storage.values import RequestStatus

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
PDF = b"%PDF-1.7\n" + b"bill body " * 100 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def new_request(db) -> int:
    with db.write() as s:
        req = PortRequest(
            sid="PR" + secrets.token_hex(16),
            status=RequestStatus.DRAFT,
            created_at=NOW,
            updated_at=NOW,
        )
        s.add(req)
        s.flush()
        assert req.id is not None
        return req.id


@pytest.fixture(params=["database", "files"])
def store(request, db, tmp_path) -> DocumentStore:
    files_dir = tmp_path / "files" if request.param == "files" else None
    return DocumentStore(db, files_dir)


def put_bill(store, db, request_id, data=PDF, **kw):
    with db.write() as s:
        kw.setdefault("filename", "march-bill.pdf")
        kw.setdefault("content_type", "application/pdf")
        kw.setdefault("issued_on", date(2026, 11, 2))
        doc = store.put(s, request_id=request_id, kind=DocumentKind.BILL, data=data, now=NOW, **kw)
        assert doc.id is not None
        return doc


def test_put_then_read_back(store, db):
    rid = new_request(db)
    doc = put_bill(store, db, rid, source_ref="F0123ABCD")
    assert doc.sha256 == hashlib.sha256(PDF).hexdigest()
    assert doc.size == len(PDF)
    assert doc.kind == DocumentKind.BILL and doc.issued_on == date(2026, 11, 2)
    assert store.get_bytes(doc) == PDF
    with db.read() as s:
        again = s.get(Document, doc.id)
        assert again is not None and again.created_at == NOW
        assert store.get_bytes(again) == PDF


def test_database_mode_keeps_bytes_in_the_row(db):
    store = DocumentStore(db, None)
    doc = put_bill(store, db, new_request(db))
    with db.read() as s:
        data, path = s.execute(
            sa.select(Document.data, Document.path).where(Document.id == doc.id)
        ).one()
    assert data == PDF and path is None


def test_files_mode_writes_a_content_addressed_file(db, tmp_path):
    files = tmp_path / "files"
    store = DocumentStore(db, files)
    doc = put_bill(store, db, new_request(db))
    digest = hashlib.sha256(PDF).hexdigest()
    assert doc.path == f"{digest[:2]}/{digest}" and doc.data is None
    assert (files / doc.path).read_bytes() == PDF
    assert not [p for p in files.rglob("*") if p.name.startswith(".tmp-")]  # no temp left
    with db.read() as s:
        assert s.execute(sa.select(Document.data).where(Document.id == doc.id)).scalar() is None


def test_same_bytes_for_two_requests_share_one_file(db, tmp_path):
    files = tmp_path / "files"
    store = DocumentStore(db, files)
    a = put_bill(store, db, new_request(db))
    b = put_bill(store, db, new_request(db))
    assert a.id != b.id and a.path == b.path
    assert len([p for p in files.rglob("*") if p.is_file()]) == 1


def test_tampered_file_is_refused(db, tmp_path):
    files = tmp_path / "files"
    store = DocumentStore(db, files)
    doc = put_bill(store, db, new_request(db))
    (files / doc.path).write_bytes(PDF.replace(b"bill", b"fake"))  # same size, other bytes
    with pytest.raises(DocumentCorrupted, match="failed its checksum"):
        store.get_bytes(doc)


def test_truncated_file_is_refused(db, tmp_path):
    files = tmp_path / "files"
    store = DocumentStore(db, files)
    doc = put_bill(store, db, new_request(db))
    (files / doc.path).write_bytes(PDF[:10])
    with pytest.raises(DocumentCorrupted, match=doc.sha256):
        store.get_bytes(doc)


def test_a_tampered_file_is_repaired_by_the_next_put_of_the_same_bytes(db, tmp_path):
    files = tmp_path / "files"
    store = DocumentStore(db, files)
    doc = put_bill(store, db, new_request(db))
    (files / doc.path).write_bytes(b"garbage")
    put_bill(store, db, new_request(db))
    assert store.get_bytes(doc) == PDF


def test_tampered_row_is_refused(db):
    store = DocumentStore(db, None)
    doc = put_bill(store, db, new_request(db))
    with db.write() as s:
        s.execute(sa.update(Document).where(Document.id == doc.id).values(data=b"%PDF-evil"))
    with db.read() as s:
        fresh = s.get(Document, doc.id)
    with pytest.raises(DocumentCorrupted):
        store.get_bytes(fresh)


def test_missing_file_is_a_clear_error(db, tmp_path):
    files = tmp_path / "files"
    store = DocumentStore(db, files)
    doc = put_bill(store, db, new_request(db))
    (files / doc.path).unlink()
    with pytest.raises(DocumentMissing, match="missing from the files directory"):
        store.get_bytes(doc)
    with pytest.raises(DocumentMissing, match="PORTBOT_FILES_DIR"):
        DocumentStore(db, None).get_bytes(doc)


def test_a_path_outside_the_files_directory_is_refused(db, tmp_path):
    files = tmp_path / "files"
    store = DocumentStore(db, files)
    doc = put_bill(store, db, new_request(db))
    (tmp_path / "secret").write_bytes(PDF)
    doc.path = "../secret"
    with pytest.raises(DocumentCorrupted, match="outside"):
        store.get_bytes(doc)


def test_put_is_idempotent_on_request_kind_and_source_ref(store, db):
    rid = new_request(db)
    first = put_bill(store, db, rid, source_ref="F0123ABCD")
    again = put_bill(store, db, rid, source_ref="F0123ABCD", filename="retry.pdf")
    assert again.id == first.id and again.filename == "march-bill.pdf"
    with db.write() as s:
        other_kind = store.put(
            s,
            request_id=rid,
            kind=DocumentKind.LOA,
            filename="loa.pdf",
            data=PDF,
            content_type="application/pdf",
            source_ref="F0123ABCD",
            now=NOW,
        )
    assert other_kind.id != first.id
    other_request = put_bill(store, db, new_request(db), source_ref="F0123ABCD")
    assert other_request.id != first.id
    no_ref = put_bill(store, db, rid)  # a new upload without a reference is a new document
    assert no_ref.id != first.id
    with db.read() as s:
        count = s.execute(sa.select(sa.func.count()).select_from(Document)).scalar()
    assert count == 4


def test_the_database_refuses_a_duplicate_download(db):
    rid = new_request(db)
    with pytest.raises(IntegrityError), db.write() as s:
        for _ in range(2):
            s.add(
                Document(
                    request_id=rid,
                    kind=DocumentKind.BILL,
                    filename="b.pdf",
                    content_type="application/pdf",
                    size=1,
                    sha256="0" * 64,
                    data=b"x",
                    source_ref="F1",
                    created_at=NOW,
                )
            )
            s.flush()


def test_racing_retries_store_once(db, tmp_path):
    """Two replicas download the same Slack file at once; one row results, both see it."""
    store = DocumentStore(db, tmp_path / "files")
    rid = new_request(db)
    barrier = threading.Barrier(2)
    ids: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            ids.append(put_bill(store, db, rid, source_ref="F-RACE").id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and len(ids) == 2 and ids[0] == ids[1]


def test_losing_the_insert_race_returns_the_winner(db, monkeypatch):
    """The look-up missed the other replica's row; the unique constraint catches it and the
    savepoint keeps the caller's transaction usable."""
    store = DocumentStore(db, None)
    rid = new_request(db)
    winner = put_bill(store, db, rid, source_ref="F-LATE")
    real_find = store._find
    calls = {"n": 0}

    def blind_first(*args, **kw):
        calls["n"] += 1
        return None if calls["n"] == 1 else real_find(*args, **kw)

    monkeypatch.setattr(store, "_find", blind_first)
    with db.write() as s:
        s.add(
            PortRequest(
                sid="PR" + "e" * 32, status=RequestStatus.DRAFT, created_at=NOW, updated_at=NOW
            )
        )
        got = store.put(
            s,
            request_id=rid,
            kind=DocumentKind.BILL,
            filename="late.pdf",
            data=PDF,
            content_type="application/pdf",
            source_ref="F-LATE",
        )
        assert got.id == winner.id
    assert calls["n"] == 2
    with db.read() as s:  # the rest of the transaction was committed
        assert s.execute(sa.select(PortRequest).where(PortRequest.sid == "PR" + "e" * 32)).first()
        count = s.execute(sa.select(sa.func.count()).select_from(Document)).scalar()
    assert count == 1


def test_unknown_kind_is_refused(store, db):
    with pytest.raises(ValueError), db.write() as s:
        store.put(
            s,
            request_id=new_request(db),
            kind="selfie",
            filename="a.png",
            data=PNG,
            content_type="image/png",
        )


def test_latest_gives_the_newest_of_a_kind(store, db):
    rid = new_request(db)
    older = put_bill(store, db, rid, source_ref="F1")
    with db.write() as s:
        newer = store.put(
            s,
            request_id=rid,
            kind=DocumentKind.BILL,
            filename="april.png",
            data=PNG,
            content_type="image/png",
            now=NOW + timedelta(days=1),
        )
        store.put(
            s,
            request_id=rid,
            kind=DocumentKind.LOA,
            filename="loa.pdf",
            data=PDF,
            content_type="application/pdf",
            now=NOW + timedelta(days=2),
        )
    with db.read() as s:
        got = store.latest(s, request_id=rid, kind=DocumentKind.BILL)
        assert got is not None and got.id == newer.id != older.id
        assert store.latest(s, request_id=rid, kind="loa_signed") is None
        assert store.latest(s, request_id=new_request(db), kind=DocumentKind.BILL) is None
    # The row came back without its bytes; they load on demand, verified, after the session.
    assert store.get_bytes(got) == PNG


def test_latest_breaks_ties_by_insertion(store, db):
    rid = new_request(db)
    put_bill(store, db, rid)
    second = put_bill(store, db, rid, data=PNG, content_type="image/png")
    with db.read() as s:
        got = store.latest(s, request_id=rid, kind=DocumentKind.BILL)
        assert got is not None and got.id == second.id
        assert store.get_bytes(got) == PNG  # still attached: lazy load in the session


def test_filenames_are_cleaned():
    assert clean_filename("C:\\Users\\me\\bill.pdf") == "bill.pdf"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("a\r\nb.pdf") == "ab.pdf"
    long = clean_filename("x" * 400 + ".pdf")
    assert len(long) == 255 and long.endswith(".pdf")
    assert clean_filename("") == "document"
