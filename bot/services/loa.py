"""Use cases of the Letter of Authorization: issue a signing link, resend it, sign.

* :func:`issue_link` renders the unsigned letter, keeps it as a ``loa`` document and issues a
  token (older ones revoked). The raw token exists only in the returned URL: the database keeps
  its hash, the timeline and the outbox never see it.
* :func:`resend_loa` queues a fresh ``loa.send`` (the delivery calls :func:`issue_link`).
* :func:`sign_loa` checks the link and the typed name, stamps the very letter stored for that
  link, keeps the signed copy and moves the request to review, all in one transaction.

The link states, their errors and the signing page's read side are in ``bot.services.loa_links``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.loa.content import LoaContent, content_of
from bot.loa.pdf import Signature, document_hash, render, stamp
from bot.porting.errors import InvalidInput
from bot.porting.lifecycle import Move
from bot.services.base import SYSTEM, Actor, Context, Snapshot, load, move, record, run, snapshot
from bot.services.effects import enqueue
from bot.services.loa_links import (
    ERRORS,
    NAME_HINT,
    AlreadySigned,
    LinkExpired,
    LinkReplaced,
    LinkState,
    LinkUnknown,
    LinkView,
    NameMismatch,
    NoLongerAwaiting,
    SigningRefused,
    doc_ref,
    inspect_link,
    link_document,
    link_state,
    unsigned_document,
)
from storage import loa_tokens
from storage import repositories as repo
from storage.documents import DocumentStore
from storage.models import DocumentKind, PortRequest
from storage.models import TimelineEvent as Event
from storage.values import RequestStatus, Role

__all__ = [
    "NAME_HINT",
    "AlreadySigned",
    "IssuedLink",
    "LinkExpired",
    "LinkReplaced",
    "LinkState",
    "LinkUnknown",
    "LinkView",
    "NameMismatch",
    "NoLongerAwaiting",
    "SigningRefused",
    "inspect_link",
    "issue_link",
    "link_document",
    "link_went_out_since",
    "names_match",
    "record_not_sent",
    "resend_loa",
    "sign_loa",
]

PDF = "application/pdf"
# A customer may ask again after this long; agents at any time.
RESEND_PAUSE = timedelta(minutes=2)
MAX_NAME = 200


# --- issuing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedLink:
    """A fresh signing link. ``url`` holds the only copy of the token: never log it."""

    url: str
    expires_at: datetime
    document_sha256: str
    pdf: bytes
    filename: str
    content: LoaContent

    def __repr__(self) -> str:  # keep the token out of tracebacks and debug output
        return f"IssuedLink(sid={self.content.sid!r}, expires_at={self.expires_at.isoformat()})"


def issue_link(
    ctx: Context,
    sid: str,
    *,
    store: DocumentStore,
    ttl: timedelta,
    public_url: str,
    via: Sequence[str] = (),
    source: str | None = None,
) -> IssuedLink:
    """Render and keep the unsigned letter, issue its token, record ``loa_sent``: one
    transaction. Refused (:class:`NoLongerAwaiting`) unless the request awaits a signature.

    ``via`` names the channels in the event ("e-mail", "Slack DM"). ``source`` names what asked
    (an outbox row): a second link for the same source is a retry, recorded as a private event
    so that the request's thread does not repeat itself."""
    with ctx.db.write() as session:
        req = load(session, sid)
        if req.status is not RequestStatus.AWAITING_SIGNATURE:
            raise NoLongerAwaiting(req.status)
        now, today = ctx.now(), ctx.today()
        numbers = [n for n in repo.numbers_of(session, request_id=req.pk) if not n.status.final]
        content = content_of(req, numbers, today=today)
        pdf = render(content)
        digest = document_hash(pdf)
        assert req.id is not None
        raw, token = loa_tokens.issue(session, request_id=req.id, now=now, ttl=ttl)
        token.document_sha256 = digest  # the letter this link shows; use() records it again
        filename = f"LOA-{req.sid}.pdf"
        doc = store.put(
            session,
            request_id=req.id,
            kind=DocumentKind.LOA,
            filename=filename,
            data=pdf,
            content_type=PDF,
            issued_on=today,
            source_ref=doc_ref(token),
            now=now,
        )
        req.loa_sent_at = now
        how = f" by {' and '.join(via)}" if via else ""
        retry = source is not None and source in _sources(session, req, after=None)
        record(
            ctx,
            session,
            req,
            "loa_sent",
            SYSTEM,
            detail=f"LOA sent to {req.rep_email or req.rep_name} for signature{how}.",
            data={
                "token_id": token.id,
                "document_id": doc.id,
                "document_sha256": digest,
                "expires_at": token.expires_at.isoformat(),
                "source": source,
            },
            public=not retry,
        )
        expires_at = token.expires_at
    url = f"{public_url.rstrip('/')}/loa/{raw}"
    return IssuedLink(url, expires_at, digest, pdf, filename, content)


def _sources(session: Session, req: PortRequest, *, after: int | None) -> list[str | None]:
    """The ``source`` of each ``loa_sent`` event of the request (newer than event ``after``)."""
    stmt = select(Event).where(Event.request_id == req.id, Event.action == "loa_sent")
    if after is not None:
        stmt = stmt.where(col(Event.id) > after)
    return [(e.data or {}).get("source") for e in session.exec(stmt)]


def link_went_out_since(ctx: Context, sid: str, *, event_id: int | None, source: str) -> bool:
    """Whether a link was issued, for another source, after event ``event_id``: a ``loa.send``
    row queued before that needs no link of its own."""
    if event_id is None:
        return False
    with ctx.db.read() as session:
        req = repo.get_request(session, sid=sid)
        if req is None:
            return False
        return any(s != source for s in _sources(session, req, after=event_id))


def record_not_sent(ctx: Context, sid: str, *, reason: str, revoke: bool) -> None:
    """Say on the timeline (publicly) that the LOA could not reach the representative;
    ``revoke`` withdraws the link issued for that attempt."""
    with ctx.db.write() as session:
        req = load(session, sid)
        if revoke:
            assert req.id is not None
            loa_tokens.revoke(session, request_id=req.id, now=ctx.now())
        record(
            ctx,
            session,
            req,
            "loa_not_sent",
            SYSTEM,
            detail=f"The LOA could not be sent to {req.rep_email or req.rep_name}: {reason}",
        )


def resend_loa(ctx: Context, sid: str, *, actor: Actor, key: str | None = None) -> Snapshot:
    """Send the LOA again: a new link replaces the old one when the delivery runs.

    Agents may resend any request's; customers only the ones they opened, and not twice within
    :data:`RESEND_PAUSE` (the representative's inbox is not a toy)."""

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        if actor.role is Role.CUSTOMER and req.requester_id != actor.id:
            raise InvalidInput(
                "Only the person who opened this request or the porting team can resend its LOA."
            )
        if req.status is not RequestStatus.AWAITING_SIGNATURE:
            raise InvalidInput(
                f"The LOA can only be resent while the request waits for a signature; "
                f"this one is at “{req.status.label}”."
            )
        if ctx.loa_topic is None:
            raise InvalidInput(
                "portbot has no way to send the LOA here (neither e-mail nor Slack is set up); "
                "ask the porting team."
            )
        now = ctx.now()
        sent = req.loa_sent_at
        if actor.role is Role.CUSTOMER and sent is not None and now - sent < RESEND_PAUSE:
            raise InvalidInput("The LOA went out a moment ago; give it a few minutes to arrive.")
        event = record(
            ctx,
            session,
            req,
            "loa_resend",
            actor,
            detail=f"Asked for the LOA to be sent again to {req.rep_email or req.rep_name}.",
            public=False,
        )
        payload = {"sid": req.sid, "event_id": event.id, "action": "loa_resend"}
        key = f"{ctx.loa_topic}:resend:{event.id}"
        enqueue(session, ctx.loa_topic, payload, key=key, now=now, request_id=req.id)
        return snapshot(session, req)

    return run(ctx, "resend_loa", body, key=key)


# --- signing --------------------------------------------------------------------------------


def names_match(typed: str, expected: str) -> bool:
    """Equal once case, accents and extra spaces are ignored ("josé  DÍAZ" = "Jose Diaz")."""
    key = _name_key(typed)
    return bool(key) and key == _name_key(expected)


def _name_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name or "")
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def sign_loa(
    ctx: Context,
    token: str,
    *,
    typed_name: str,
    ip: str,
    user_agent: str,
    store: DocumentStore,
) -> Snapshot:
    """Sign the letter shown by the link ``token``; the request moves on to review.

    Raises a :class:`SigningRefused` per link state, :class:`NameMismatch` for another name.
    Nothing is changed unless everything succeeds."""
    typed = " ".join((typed_name or "").split())[:MAX_NAME]

    def body(session: Session) -> Snapshot:
        now = ctx.now()
        row = loa_tokens.lookup(session, token, now=now).token
        if row is None:
            raise LinkUnknown()
        req = session.exec(
            select(PortRequest).where(PortRequest.id == row.request_id).with_for_update()
        ).one()
        session.expire(row)  # read it again now that the request is locked
        state = link_state(session, req, loa_tokens.lookup(session, token, now=now))
        if state is LinkState.CLOSED:
            raise NoLongerAwaiting(req.status)
        if state is not LinkState.VALID:
            raise ERRORS[state]()
        if not names_match(typed, req.rep_name):
            raise NameMismatch()
        unsigned = unsigned_document(session, row)
        pdf = store.get_bytes(unsigned)
        digest = str(row.document_sha256)
        won = loa_tokens.use(
            session,
            row,
            now=now,
            name=typed,
            ip=ip,
            user_agent=user_agent,
            document_sha256=digest,
        )
        if not won:
            again = loa_tokens.lookup(session, token, now=now)  # use() refreshed the row
            raise ERRORS.get(link_state(session, req, again), AlreadySigned)()
        signed = stamp(pdf, Signature(typed, now, ip, user_agent or "", digest))
        doc = store.put(
            session,
            request_id=req.id,
            kind=DocumentKind.LOA_SIGNED,
            filename=f"LOA-{req.sid}-signed.pdf",
            data=signed,
            content_type=PDF,
            issued_on=ctx.calendar.local_date(now),
            source_ref=doc_ref(row),
            now=now,
        )
        req.signed_at = now
        when = ctx.calendar.to_local(now)
        move(
            ctx,
            session,
            req,
            Move.SIGN_LOA,
            Actor(Role.CUSTOMER, "", typed),
            # The IP address stays in the record (and on the signed PDF), not in the thread.
            detail=(
                f"Letter of Authorization signed by {typed} on {when:%b %-d, %Y at %-I:%M %p} "
                f"{when.tzname()}."
            ),
            data={
                "signer": typed,
                "signed_at": now.isoformat(),
                "ip": ip,
                "token_id": row.id,
                "document_id": doc.id,
                "unsigned_sha256": digest,
                "signed_sha256": doc.sha256,
            },
        )
        return snapshot(session, req)

    return run(ctx, "sign_loa", body)
