"""Where document bytes live: in the row, or in a content-addressed files directory.

``DocumentStore(db, files_dir)`` keeps each document's SHA-256 and size in ``documents``. With a
files directory (``PORTBOT_FILES_DIR``) the bytes go to ``<files_dir>/<sha[:2]>/<sha>``, written
to a temporary file and renamed into place, so a reader never sees half a file; without one
they go in the row. Every read checks the bytes against the stored checksum.

``put`` joins the caller's write transaction. Large bytes can be written before it:
``stage(data)`` writes the file (or, without a files directory, only takes the checksum) outside
any transaction, and ``put(session, data=staged, …)`` then inserts the row alone, so the
transaction does not wait on the disk. A file written for a transaction that later rolls back
stays on disk; it is named by its content, so a later ``stage`` or ``put`` of the same bytes
finds it in place (and rewrites it identically if it was damaged).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from storage.db import Database
from storage.models import Document, DocumentKind

MAX_FILENAME = 255


class DocumentError(RuntimeError):
    """A stored document cannot be read back as it was stored."""


class DocumentMissing(DocumentError):
    """The bytes of a document are not where its row says they are."""


class DocumentCorrupted(DocumentError):
    """The bytes read back do not match the checksum taken when the document was stored."""


@dataclass(frozen=True)
class Staged:
    """Bytes ready for :meth:`DocumentStore.put` to record: their checksum and size, and where
    they are: a file already written in the files directory (``path``), or, without one, the
    bytes that go in the row (``data``)."""

    sha256: str
    size: int
    path: str | None = None
    data: bytes | None = field(default=None, repr=False)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def clean_filename(name: str) -> str:
    """The uploader's name for the file, without folders or control characters, ≤ 255 chars."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_FILENAME - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_FILENAME]
    return name or "document"


class DocumentStore:
    def __init__(self, db: Database, files_dir: Path | None) -> None:
        self.db = db
        self.files_dir = Path(files_dir) if files_dir is not None else None

    # --- writing ------------------------------------------------------------------------

    def stage(self, data: bytes) -> Staged:
        """Get ``data`` ready for :meth:`put`, outside any transaction: with a files directory
        the file is written (and fsync'ed) now; without one only the checksum is taken."""
        digest = sha256_hex(data)
        if self.files_dir is None:
            return Staged(digest, len(data), data=data)
        return Staged(digest, len(data), path=self._write_file(digest, data))

    def put(
        self,
        session: Session,
        *,
        request_id: int | None,
        kind: DocumentKind | str,
        filename: str,
        data: bytes | Staged,
        content_type: str,
        issued_on: date | None = None,
        source_ref: str | None = None,
        now: datetime | None = None,
    ) -> Document:
        """Store ``data`` and return its row (flushed, so it has an id).

        With a ``source_ref`` the call is idempotent: the same (request, kind, source_ref) gives
        back the first row and stores nothing new, also when two replicas race.
        ``content_type`` must be the type detected from the content, not the uploader's claim.
        ``data`` given as :class:`Staged` (from :meth:`stage` of this store) is recorded as it
        stands: only the row is written here.
        """
        kind = DocumentKind(kind)
        if source_ref is not None:
            existing = self._find(session, request_id=request_id, kind=kind, source_ref=source_ref)
            if existing is not None:
                return existing
        staged = data if isinstance(data, Staged) else self.stage(data)
        if (staged.path is None) != (self.files_dir is None):
            raise ValueError("these bytes were staged by a store that keeps them elsewhere")
        doc = Document(
            request_id=request_id,
            kind=kind,
            filename=clean_filename(filename),
            content_type=content_type,
            size=staged.size,
            sha256=staged.sha256,
            source_ref=source_ref,
            issued_on=issued_on,
            created_at=now or datetime.now(UTC),
        )
        doc.path, doc.data = staged.path, staged.data
        if source_ref is None:
            session.add(doc)
            session.flush()
            return doc
        try:
            with session.begin_nested():
                session.add(doc)
        except IntegrityError:
            # Someone else stored the same download between our look and our insert.
            existing = self._find(session, request_id=request_id, kind=kind, source_ref=source_ref)
            if existing is None:
                raise
            return existing
        return doc

    def _find(
        self, session: Session, *, request_id: int | None, kind: DocumentKind, source_ref: str
    ) -> Document | None:
        stmt = select(Document).where(
            Document.request_id == request_id,
            Document.kind == kind,
            Document.source_ref == source_ref,
        )
        return session.exec(stmt.order_by(col(Document.id))).first()

    def _write_file(self, digest: str, data: bytes) -> str:
        assert self.files_dir is not None
        relative = f"{digest[:2]}/{digest}"
        target = self.files_dir / relative
        if target.is_file() and _file_digest(target) == digest:
            return relative
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(target.parent)
        return relative

    # --- reading ------------------------------------------------------------------------

    def get_bytes(self, doc: Document) -> bytes:
        """The document's bytes, verified against its checksum.

        Raises :class:`DocumentMissing` when they cannot be found and :class:`DocumentCorrupted`
        when they differ from what was stored.
        """
        data = self._read_file(doc) if doc.path is not None else self._row_bytes(doc)
        if data is None:
            raise DocumentMissing(f"document {doc.id} ({doc.filename}) has no stored bytes")
        actual = sha256_hex(data)
        if actual != doc.sha256 or len(data) != doc.size:
            raise DocumentCorrupted(
                f"document {doc.id} ({doc.filename}) failed its checksum: stored sha256 "
                f"{doc.sha256} ({doc.size} bytes), read {actual} ({len(data)} bytes)"
            )
        return data

    def _row_bytes(self, doc: Document) -> bytes | None:
        state = sa.inspect(doc)
        if "data" in state.unloaded and state.session is None and doc.id is not None:
            # Loaded without its bytes (see ``latest``) and no longer attached: fetch them.
            with self.db.read() as session:
                stmt = select(Document.data).where(Document.id == doc.id)
                return session.exec(stmt).first()
        return doc.data

    def _read_file(self, doc: Document) -> bytes:
        if self.files_dir is None:
            raise DocumentMissing(
                f"document {doc.id} ({doc.filename}) is stored as a file, but no files "
                "directory is configured (PORTBOT_FILES_DIR)"
            )
        root = self.files_dir.resolve()
        target = (root / str(doc.path)).resolve()
        if not target.is_relative_to(root):
            raise DocumentCorrupted(f"document {doc.id} has a path outside the files directory")
        try:
            return target.read_bytes()
        except FileNotFoundError:
            raise DocumentMissing(
                f"document {doc.id} ({doc.filename}) is missing from the files directory: {target}"
            ) from None

    def latest(
        self, session: Session, *, request_id: int, kind: DocumentKind | str
    ) -> Document | None:
        """The newest document of this kind for the request (its bytes load on demand)."""
        stmt = (
            select(Document)
            .where(Document.request_id == request_id, Document.kind == DocumentKind(kind))
            .order_by(col(Document.created_at).desc(), col(Document.id).desc())
            # SQLModel types the attribute as the value (bytes), defer() wants the attribute
            .options(defer(Document.data))  # type: ignore[arg-type]
            .limit(1)
        )
        return session.exec(stmt).first()


def received_kinds(session: Session, *, request_id: int) -> frozenset[str]:
    """The kinds of document stored for the request (``DocumentKind`` values)."""
    stmt = select(Document.kind).where(Document.request_id == request_id).distinct()
    return frozenset(str(kind) for kind in session.exec(stmt).all())


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync_dir(path: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
