"""The documents a country asks for besides the LOA and the bill (a proof of address, a
company registration, the signer's ID, a power of attorney, the CSR): checked like the bill,
kept in the documents table under their own kind, and recorded as one timeline event whose
note carries them to the ticket.

They are optional at intake (a customer may send them later); the request's "Add documents"
path takes what is still missing while the request has not gone to the carrier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from bot.documents.checks import check_content, sniff
from bot.porting.countries import Document, DocumentRule
from bot.porting.errors import InvalidInput
from bot.services.base import Actor, Context, Snapshot, load, record, run, snapshot
from bot.wording.timelines import DOCUMENT_NAMES, documents_asked, documents_to_send
from storage import repositories as repo
from storage.documents import DocumentStore, Staged
from storage.models import DocumentKind

__all__ = [
    "ACTION",
    "Upload",
    "Uploads",
    "check_document",
    "kind_of",
    "missing",
]

ACTION = "add_documents"  # the timeline event that records documents received
GONE_TO_CARRIER = (
    "This request has gone to the carrier, so documents no longer go through this form. "
    "Send them in the request's thread instead."
)


def kind_of(document: Document) -> DocumentKind:
    """The stored kind of a country's document (the same word in both vocabularies)."""
    return DocumentKind(document.value)


def check_document(data: bytes, *, filename: str) -> list[str]:
    """What is wrong with a document's file (its type by its first bytes, its size), one
    sentence each; empty when it is a PDF, PNG or JPEG of 10 MB at most."""
    return check_content(data, filename=filename, noun="the document")


@dataclass(frozen=True)
class Upload:
    """One document as attached: which it is, the uploader's file name, the Slack file id
    (so a retried submission stores it once) and its bytes, already checked."""

    document: Document
    filename: str
    file_id: str
    content: bytes


def missing(snap: Snapshot) -> tuple[DocumentRule, ...]:
    """The documents the request still lacks, as the card lists them."""
    return documents_to_send(snap.request, snap.numbers, received=snap.documents)


@dataclass(frozen=True)
class Uploads:
    """Keeping documents with a request. ``store`` is the service side's document store (the
    assembly hands it over); without one, nothing can be kept and :meth:`receive` refuses."""

    ctx: Context
    store: DocumentStore | None = None

    def receive(
        self, sid: str, uploads: Sequence[Upload], *, actor: Actor, key: str | None = None
    ) -> Snapshot:
        """Keep ``uploads`` with the request ``sid`` and record them (one event, whose note
        takes the files to the ticket). Each must be a document the request's country asks
        for. Staged before the transaction: a files directory's writes stay out of it."""
        if not uploads:
            raise InvalidInput("Attach at least one document.")
        store = self.store
        if store is None:
            raise InvalidInput("Documents cannot be kept here; send them in the thread.")
        staged: list[tuple[Upload, Staged]] = [(u, store.stage(u.content)) for u in uploads]

        def body(session: Session) -> Snapshot:
            req = load(session, sid)
            numbers = repo.numbers_of(session, request_id=req.pk)
            if not documents_to_send(req, numbers):
                raise InvalidInput(GONE_TO_CARRIER)
            asked = {r.document for r in documents_asked(req, numbers)}
            ids: list[int] = []
            names: dict[str, str] = {}
            for upload, data in staged:
                if upload.document not in asked:
                    raise InvalidInput(f"This request does not ask for {upload.document.value}.")
                doc = store.put(
                    session,
                    request_id=req.pk,
                    kind=kind_of(upload.document),
                    filename=upload.filename,
                    data=data,
                    content_type=sniff(upload.content) or "application/octet-stream",
                    source_ref=upload.file_id or None,
                    now=self.ctx.now(),
                )
                assert doc.id is not None
                ids.append(doc.id)
                names[str(doc.id)] = doc.filename
            record(
                self.ctx,
                session,
                req,
                ACTION,
                actor,
                detail=received_text(
                    {u.document: names[str(i)] for u, i in zip(uploads, ids, strict=True)}
                ),
                data={"document_ids": ids, "names": names},
            )
            return snapshot(session, req)

        return run(self.ctx, ACTION, body, key=key)


def received_text(received: Mapping[Document, str]) -> str:
    """The event's words: "Documents received: proof of address (facture.pdf), …"."""
    listed = ", ".join(f"{DOCUMENT_NAMES[d]} ({name})" for d, name in received.items())
    return f"Documents received: {listed}."
