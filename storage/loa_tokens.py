"""LOA signing tokens: issue, look up, use once.

The token travels only in the signing link; the database keeps its SHA-256 (a random 256-bit
token needs no slow hash or salt), so a copy of the database signs nothing. Issuing a new
token revokes the request's earlier unused ones, so only the newest link works.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from storage.models import LoaToken, PortRequest

DEFAULT_TTL = timedelta(days=14)

# token_urlsafe(32) gives 43 characters; anything far from that shape is not one of ours.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,128}")


class TokenOutcome(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class TokenLookup:
    outcome: TokenOutcome
    token: LoaToken | None = None

    @property
    def valid(self) -> bool:
        return self.outcome is TokenOutcome.VALID


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(
    session: Session, *, request_id: int, now: datetime, ttl: timedelta = DEFAULT_TTL
) -> tuple[str, LoaToken]:
    """A new signing token for the request: ``(token, row)``. Only the row is stored.

    Every earlier token of the request that is neither used nor revoked is revoked now. The
    request row is locked first (PostgreSQL) so two concurrent issues leave one live token.
    """
    if ttl <= timedelta(0):
        raise ValueError("a token's time to live must be positive")
    session.exec(select(PortRequest.id).where(PortRequest.id == request_id).with_for_update())
    revoke(session, request_id=request_id, now=now)
    token = secrets.token_urlsafe(32)
    row = LoaToken(
        request_id=request_id,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(row)
    session.flush()
    return token, row


def revoke(session: Session, *, request_id: int, now: datetime) -> int:
    """Revoke the request's live tokens (e.g. when the data the LOA certifies changed).

    Returns how many were revoked. Tokens already used keep their record untouched.
    """
    stmt = (
        sa.update(LoaToken)
        .where(
            col(LoaToken.request_id) == request_id,
            col(LoaToken.used_at).is_(None),
            col(LoaToken.revoked_at).is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    result = session.exec(stmt)
    return int(result.rowcount or 0)


def lookup(session: Session, token: str, *, now: datetime) -> TokenLookup:
    """What the token from a signing link is worth at ``now``.

    Precedence: USED (the LOA was signed with it), then REVOKED (a newer link replaced it),
    then EXPIRED (``now`` at or past ``expires_at``), else VALID. Anything malformed or not
    found is UNKNOWN.
    """
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        return TokenLookup(TokenOutcome.UNKNOWN)
    digest = hash_token(token)
    row = session.exec(select(LoaToken).where(LoaToken.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return TokenLookup(TokenOutcome.UNKNOWN)
    return TokenLookup(_outcome(row, now=now), row)


def _outcome(row: LoaToken, *, now: datetime) -> TokenOutcome:
    if row.used_at is not None:
        return TokenOutcome.USED
    if row.revoked_at is not None:
        return TokenOutcome.REVOKED
    if now >= row.expires_at:
        return TokenOutcome.EXPIRED
    return TokenOutcome.VALID


def use(
    session: Session,
    token_row: LoaToken,
    *,
    now: datetime,
    name: str,
    ip: str | None,
    user_agent: str | None,
    document_sha256: str | None,
) -> bool:
    """Mark the token used by this signature, exactly once.

    One conditional UPDATE (still unused, not revoked, not expired) decides, so of two racing
    signers exactly one gets True — across threads, processes and replicas. False means the
    token could no longer be used: someone used it first, or it was revoked or expired since
    it was looked up. On True, ``token_row`` shows the recorded signature.
    """
    if token_row.id is None:
        raise ValueError("use() needs a stored token row")
    values = {
        "used_at": now,
        "signed_name": name.strip()[:200],
        "signed_ip": (ip or "")[:64] or None,
        "signed_user_agent": (user_agent or "")[:512] or None,
        "document_sha256": document_sha256,
    }
    stmt = (
        sa.update(LoaToken)
        .where(
            col(LoaToken.id) == token_row.id,
            col(LoaToken.used_at).is_(None),
            col(LoaToken.revoked_at).is_(None),
            col(LoaToken.expires_at) > now,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    result = session.exec(stmt)
    won = result.rowcount == 1
    if won:
        for key, value in values.items():
            set_committed_value(token_row, key, value)
    elif token_row in session:
        session.refresh(token_row)  # show who used it, or that it was revoked
    return won
