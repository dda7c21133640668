"""The state of an LOA signing link, and the signing page's read side.

A link is *replaced* when a newer one was issued (its token is revoked) and also when the data
the letter certifies changed after it was issued (an ``amend`` event newer than the link's
``loa_sent`` event): a letter showing old details is never signed. See ``bot.services.loa``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from bot.loa.content import LoaContent, content_of
from bot.porting.errors import DomainError, InvalidInput
from bot.services.base import Context
from storage import loa_tokens
from storage import repositories as repo
from storage.documents import DocumentStore
from storage.models import Document, DocumentKind, LoaToken, PortRequest
from storage.models import TimelineEvent as Event
from storage.values import RequestStatus

NAME_HINT = "Type the full name of the authorized representative as it appears on the request."


# --- link states and errors -----------------------------------------------------------------


class LinkState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    REPLACED = "replaced"
    UNKNOWN = "unknown"
    CLOSED = "closed"  # the request no longer waits for a signature


class SigningRefused(DomainError):
    """The link cannot be used to sign; ``state`` says why (one page per state)."""

    code = "loa_refused"
    state = LinkState.UNKNOWN


class LinkUnknown(SigningRefused):
    code, state = "loa_link_unknown", LinkState.UNKNOWN

    def __init__(self) -> None:
        super().__init__("This signing link is not one of ours; check that it was copied whole.")


class LinkExpired(SigningRefused):
    code, state = "loa_link_expired", LinkState.EXPIRED

    def __init__(self) -> None:
        super().__init__("This signing link has expired.")


class LinkReplaced(SigningRefused):
    code, state = "loa_link_replaced", LinkState.REPLACED

    def __init__(self) -> None:
        super().__init__("A newer signing link replaced this one.")


class AlreadySigned(SigningRefused):
    code, state = "loa_already_signed", LinkState.USED

    def __init__(self) -> None:
        super().__init__("This Letter of Authorization is already signed.")


class NoLongerAwaiting(SigningRefused):
    code, state = "loa_not_awaited", LinkState.CLOSED

    def __init__(self, status: RequestStatus) -> None:
        self.status = status
        super().__init__(f"This request no longer waits for a signature ({status.label}).")


class NameMismatch(InvalidInput):
    """The typed name is not the representative's. The message never shows the expected name."""

    code = "loa_name_mismatch"

    def __init__(self) -> None:
        super().__init__(NAME_HINT, {"name": NAME_HINT})


# Each refusal of a link state, made with no arguments.
ERRORS: dict[LinkState, Callable[[], SigningRefused]] = {
    LinkState.UNKNOWN: LinkUnknown,
    LinkState.EXPIRED: LinkExpired,
    LinkState.REPLACED: LinkReplaced,
    LinkState.USED: AlreadySigned,
}
STATES = {
    loa_tokens.TokenOutcome.VALID: LinkState.VALID,
    loa_tokens.TokenOutcome.EXPIRED: LinkState.EXPIRED,
    loa_tokens.TokenOutcome.USED: LinkState.USED,
    loa_tokens.TokenOutcome.REVOKED: LinkState.REPLACED,
    loa_tokens.TokenOutcome.UNKNOWN: LinkState.UNKNOWN,
}


# --- helpers ----------------------------------------------------------------------------------


def doc_ref(token: LoaToken) -> str:
    return f"loa-token:{token.id}"


def link_state(session: Session, req: PortRequest, found: loa_tokens.TokenLookup) -> LinkState:
    """What the link is worth for signing, the request's status and later changes included."""
    state = STATES[found.outcome]
    if state is not LinkState.VALID:
        return state
    assert found.token is not None
    if req.status is not RequestStatus.AWAITING_SIGNATURE:
        return LinkState.CLOSED
    if superseded(session, found.token):
        return LinkState.REPLACED
    return LinkState.VALID


def superseded(session: Session, token: LoaToken) -> bool:
    """The letter's details changed (an ``amend``) after this link was issued."""
    stmt = (
        select(Event)
        .where(Event.request_id == token.request_id, col(Event.action).in_(("loa_sent", "amend")))
        .order_by(col(Event.id).desc())
    )
    last_amend: Event | None = None
    for event in session.exec(stmt):
        if event.action == "amend":
            last_amend = last_amend or event
        elif (event.data or {}).get("token_id") == token.id:
            return last_amend is not None  # an amend came after this link's loa_sent
    # Issued outside issue_link (no loa_sent event): fall back to the clock.
    return last_amend is not None and last_amend.at > token.created_at


def unsigned_document(session: Session, token: LoaToken) -> Document:
    """The letter stored for this link; its hash must be the one the link was issued for."""
    stmt = select(Document).where(
        Document.request_id == token.request_id,
        Document.kind == DocumentKind.LOA,
        Document.source_ref == doc_ref(token),
    )
    doc = session.exec(stmt).first()
    if doc is None or not token.document_sha256 or doc.sha256 != token.document_sha256:
        raise RuntimeError(f"LOA token {token.id}: its unsigned letter is missing or differs")
    return doc


# --- the signing page's read side --------------------------------------------------------------


@dataclass(frozen=True)
class LinkView:
    """What the signing page shows for a link: its state and, while valid, the letter's data."""

    state: LinkState
    content: LoaContent | None = None
    expires_at: datetime | None = None
    signed_name: str | None = None
    signed_at: datetime | None = None
    requester_name: str = ""


def inspect_link(ctx: Context, token: str) -> LinkView:
    with ctx.db.read() as session:
        now = ctx.now()
        found = loa_tokens.lookup(session, token, now=now)
        row = found.token
        if row is None:
            return LinkView(LinkState.UNKNOWN)
        req = session.get(PortRequest, row.request_id)
        assert req is not None
        state = link_state(session, req, found)
        if state is not LinkState.VALID:
            return LinkView(
                state,
                expires_at=row.expires_at,
                signed_name=row.signed_name,
                signed_at=row.used_at,
            )
        numbers = [n for n in repo.numbers_of(session, request_id=req.pk) if not n.status.final]
        issued = ctx.calendar.local_date(row.created_at)
        return LinkView(
            state,
            content=content_of(req, numbers, today=issued),
            expires_at=row.expires_at,
            requester_name=req.requester_name,
        )


def link_document(
    ctx: Context, token: str, *, store: DocumentStore
) -> tuple[bytes, str, bool] | None:
    """``(pdf, filename, signed)`` for the link: the unsigned letter while the link is valid,
    the signed one after it was used (until the link's own expiry); None otherwise."""
    with ctx.db.read() as session:
        now = ctx.now()
        found = loa_tokens.lookup(session, token, now=now)
        row = found.token
        if row is None:
            return None
        if found.outcome is loa_tokens.TokenOutcome.USED:
            if now >= row.expires_at:
                return None
            kind = DocumentKind.LOA_SIGNED
        elif found.outcome is loa_tokens.TokenOutcome.VALID:
            req = session.get(PortRequest, row.request_id)
            assert req is not None
            if link_state(session, req, found) is not LinkState.VALID:
                return None
            kind = DocumentKind.LOA
        else:
            return None
        stmt = select(Document).where(
            Document.request_id == row.request_id,
            Document.kind == kind,
            Document.source_ref == doc_ref(row),
        )
        doc = session.exec(stmt).first()
        if doc is None:
            return None
        return store.get_bytes(doc), doc.filename, kind is DocumentKind.LOA_SIGNED
