"""LOA signing tokens: hashed at rest, expire, revoked by a reissue, used exactly once."""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from storage import loa_tokens
from storage.loa_tokens import TokenOutcome
from storage.models import LoaToken, PortRequest
from storage.values import RequestStatus

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
DOC_SHA = "ab" * 32


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
        return req.id


def issue(db, rid, *, now=NOW, **kw):
    with db.write() as s:
        return loa_tokens.issue(s, request_id=rid, now=now, **kw)


def lookup(db, token, *, now=NOW):
    with db.read() as s:
        return loa_tokens.lookup(s, token, now=now)


def sign(db, token, *, now=NOW, name="Ada Lovelace"):
    with db.write() as s:
        found = loa_tokens.lookup(s, token, now=now)
        assert found.outcome is TokenOutcome.VALID, found.outcome
        return loa_tokens.use(
            s,
            found.token,
            now=now,
            name=name,
            ip="203.0.113.7",
            user_agent="Mozilla/5.0",
            document_sha256=DOC_SHA,
        )


def test_a_fresh_token_is_valid(db):
    rid = new_request(db)
    token, row = issue(db, rid)
    assert len(token) == 43  # token_urlsafe(32)
    assert row.expires_at == NOW + timedelta(days=14) and row.request_id == rid
    found = lookup(db, token, now=NOW + timedelta(days=13, hours=23, minutes=59))
    assert found.outcome is TokenOutcome.VALID and found.valid
    assert found.token is not None and found.token.id == row.id


def test_it_expires_at_exactly_the_ttl(db):
    rid = new_request(db)
    token, _ = issue(db, rid, ttl=timedelta(hours=2))
    assert lookup(db, token, now=NOW + timedelta(hours=2) - timedelta(microseconds=1)).valid
    assert lookup(db, token, now=NOW + timedelta(hours=2)).outcome is TokenOutcome.EXPIRED
    assert lookup(db, token, now=NOW + timedelta(days=30)).outcome is TokenOutcome.EXPIRED


def test_an_expired_token_cannot_be_used_even_if_looked_up_before(db):
    rid = new_request(db)
    token, _ = issue(db, rid, ttl=timedelta(hours=1))
    found = lookup(db, token)
    with db.write() as s:
        ok = loa_tokens.use(
            s,
            found.token,
            now=NOW + timedelta(hours=1),
            name="Late",
            ip=None,
            user_agent=None,
            document_sha256=DOC_SHA,
        )
    assert ok is False
    assert lookup(db, token, now=NOW + timedelta(hours=1)).outcome is TokenOutcome.EXPIRED


def test_used_once_and_the_signature_is_recorded(db):
    rid = new_request(db)
    token, _ = issue(db, rid)
    later = NOW + timedelta(hours=3)
    with db.write() as s:
        found = loa_tokens.lookup(s, token, now=later)
        row = found.token
        assert loa_tokens.use(
            s,
            row,
            now=later,
            name="  Ada Lovelace ",
            ip="2001:db8::1",
            user_agent="Mozilla/5.0 " + "x" * 600,
            document_sha256=DOC_SHA,
        )
        assert row.used_at == later and row.signed_name == "Ada Lovelace"
    with db.read() as s:
        stored = s.get(LoaToken, row.id)
    assert stored.used_at == later
    assert stored.signed_name == "Ada Lovelace" and stored.signed_ip == "2001:db8::1"
    assert len(stored.signed_user_agent) == 512 and stored.document_sha256 == DOC_SHA

    second = lookup(db, token, now=later + timedelta(minutes=1))
    assert second.outcome is TokenOutcome.USED
    with db.write() as s:  # even with the row in hand, a second use is refused
        again = loa_tokens.use(
            s,
            second.token,
            now=later + timedelta(minutes=1),
            name="Mallory",
            ip="198.51.100.1",
            user_agent="curl",
            document_sha256="cd" * 32,
        )
    assert again is False
    with db.read() as s:
        assert s.get(LoaToken, row.id).signed_name == "Ada Lovelace"


def test_losing_use_refreshes_the_row(db):
    rid = new_request(db)
    token, _ = issue(db, rid)
    with db.write() as s:
        stale = loa_tokens.lookup(s, token, now=NOW).token
        s.execute(sa.update(LoaToken).where(LoaToken.id == stale.id).values(used_at=NOW))
        assert not loa_tokens.use(
            s, stale, now=NOW, name="B", ip=None, user_agent=None, document_sha256=None
        )
        assert stale.used_at == NOW


def test_a_reissue_revokes_earlier_unused_tokens(db):
    rid = new_request(db)
    first, _ = issue(db, rid)
    second, _ = issue(db, rid, now=NOW + timedelta(hours=1))
    third, _ = issue(db, rid, now=NOW + timedelta(hours=2))
    at = NOW + timedelta(hours=3)
    assert lookup(db, first, now=at).outcome is TokenOutcome.REVOKED
    assert lookup(db, second, now=at).outcome is TokenOutcome.REVOKED
    assert lookup(db, third, now=at).valid
    with db.read() as s:
        revoked_at = s.execute(
            sa.select(LoaToken.revoked_at).where(LoaToken.request_id == rid).order_by(LoaToken.id)
        ).scalars()
        assert list(revoked_at) == [NOW + timedelta(hours=1), NOW + timedelta(hours=2), None]


def test_a_reissue_keeps_a_used_token_as_used_and_spares_other_requests(db):
    rid, other = new_request(db), new_request(db)
    signed, _ = issue(db, rid)
    assert sign(db, signed)
    theirs, _ = issue(db, other)
    issue(db, rid, now=NOW + timedelta(hours=1))
    assert lookup(db, signed, now=NOW + timedelta(hours=2)).outcome is TokenOutcome.USED
    assert lookup(db, theirs, now=NOW + timedelta(hours=2)).valid


def test_revoke_without_reissue(db):
    rid = new_request(db)
    token, _ = issue(db, rid)
    with db.write() as s:
        assert loa_tokens.revoke(s, request_id=rid, now=NOW) == 1
        assert loa_tokens.revoke(s, request_id=rid, now=NOW) == 0
    assert lookup(db, token).outcome is TokenOutcome.REVOKED


def test_a_revoked_token_cannot_be_used_with_a_stale_row(db):
    rid = new_request(db)
    token, _ = issue(db, rid)
    found = lookup(db, token)
    issue(db, rid, now=NOW + timedelta(minutes=1))  # a new link goes out meanwhile
    with db.write() as s:
        assert not loa_tokens.use(
            s,
            found.token,
            now=NOW + timedelta(minutes=2),
            name="Ada",
            ip=None,
            user_agent=None,
            document_sha256=DOC_SHA,
        )


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "short",
        "x" * 43,
        "../../etc/passwd",
        "a" * 10_000,
        "ab cd" * 10,
    ],
)
def test_unknown_and_malformed_tokens(db, bad):
    new_request(db)
    assert lookup(db, bad).outcome is TokenOutcome.UNKNOWN
    assert lookup(db, bad).token is None


def test_a_tampered_token_is_unknown(db):
    token, _ = issue(db, new_request(db))
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert lookup(db, flipped).outcome is TokenOutcome.UNKNOWN
    assert lookup(db, token[:-1]).outcome is TokenOutcome.UNKNOWN
    assert lookup(db, token + "A").outcome is TokenOutcome.UNKNOWN
    assert lookup(db, token.upper()).outcome is TokenOutcome.UNKNOWN


def test_only_the_hash_is_stored(db):
    rid = new_request(db)
    token, row = issue(db, rid)
    assert sign(db, token)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    with db.read() as s:
        rows = s.execute(sa.text("SELECT * FROM loa_tokens")).all()
    dump = repr(rows)
    assert token not in dump and token.encode().hex() not in dump
    assert row.token_hash in dump
    for chunk in (token[:16], token[-16:]):  # not even a piece of it
        assert chunk not in dump


def test_token_hash_is_unique_in_the_database(db):
    from sqlalchemy.exc import IntegrityError

    rid = new_request(db)
    with pytest.raises(IntegrityError), db.write() as s:
        for _ in range(2):
            s.add(LoaToken(request_id=rid, token_hash="f" * 64, created_at=NOW, expires_at=NOW))
            s.flush()


def test_ttl_must_be_positive(db):
    with pytest.raises(ValueError), db.write() as s:
        loa_tokens.issue(s, request_id=new_request(db), now=NOW, ttl=timedelta(0))


def _race(db, token, *, lookup_inside: bool, rounds_name: str) -> list[bool]:
    barrier = threading.Barrier(2)
    results: list[bool] = []
    errors: list[BaseException] = []

    def signer(i: int) -> None:
        try:
            if lookup_inside:
                # Both transactions read the token as valid before either writes.
                with db.write() as s:
                    found = loa_tokens.lookup(s, token, now=NOW)
                    barrier.wait(timeout=10)
                    results.append(
                        loa_tokens.use(
                            s,
                            found.token,
                            now=NOW,
                            name=f"{rounds_name} {i}",
                            ip=None,
                            user_agent=None,
                            document_sha256=DOC_SHA,
                        )
                    )
            else:
                found = lookup(db, token)
                assert found.valid
                barrier.wait(timeout=10)
                with db.write() as s:
                    results.append(
                        loa_tokens.use(
                            s,
                            found.token,
                            now=NOW,
                            name=f"{rounds_name} {i}",
                            ip=None,
                            user_agent=None,
                            document_sha256=DOC_SHA,
                        )
                    )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=signer, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    return results


def test_two_racing_signers_one_wins_after_both_looked_up(db):
    """Both signers hold a valid row (looked up before either wrote); exactly one use wins."""
    for round_no in range(5):
        token, row = issue(db, new_request(db))
        results = _race(db, token, lookup_inside=False, rounds_name=f"round {round_no}")
        assert sorted(results) == [False, True]
        with db.read() as s:
            assert s.get(LoaToken, row.id).used_at == NOW


def test_two_racing_transactions_one_wins(db):
    """Both transactions see the token valid inside themselves, then both try to use it.

    Needs PostgreSQL: SQLite's write transaction (BEGIN IMMEDIATE) already serializes the
    second signer before its look-up, which the test above covers."""
    if db.is_sqlite:
        pytest.skip("SQLite serializes write transactions from their first statement")
    for round_no in range(5):
        token, row = issue(db, new_request(db))
        results = _race(db, token, lookup_inside=True, rounds_name=f"round {round_no}")
        assert sorted(results) == [False, True]
        with db.read() as s:
            stored = s.get(LoaToken, row.id)
        assert stored.used_at == NOW and stored.signed_name.startswith(f"round {round_no}")
