"""Builders shared by the service tests."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from sqlmodel import select

from bot.porting.fields import Bill, Draft
from bot.porting.intake import Agreement
from bot.porting.lifecycle import Move, is_legal
from bot.services import Actor, Snapshot
from storage.models import OutboxMessage, PortRequest, TimelineEvent

CUSTOMER = Actor.customer("U0CUSTOMER", "Casey Customer")
OTHER_CUSTOMER = Actor.customer("U0OTHER", "Olive Other")
AGENT = Actor.agent("U0AGENT", "Avery Agent")
PIN = "730194"
ACCOUNT = "88001234567"
BILL = Bill("bill.pdf", 120_000, "application/pdf", date(2026, 11, 10))

_block = itertools.count(1000)


def numbers(count: int) -> list[str]:
    """Distinct, valid Cambridge MA numbers (617-253-xxxx), a fresh block per call."""
    start = next(_block) * 5 % 9000
    return [f"+1617253{(start + i) % 10000:04d}" for i in range(count)]


def draft(
    landlines: list[str] | None = None, wireless: list[str] | None = None, **overrides: object
) -> Draft:
    landlines = numbers(2) if landlines is None and wireless is None else (landlines or [])
    values: dict[str, object] = {
        "agreements": frozenset(a.value for a in Agreement),
        "landlines": "\n".join(landlines),
        "wireless": "\n".join(wireless or []),
        "losing_carrier": "Old Phone Co",
        "account_number": ACCOUNT,
        "btn": landlines[0] if landlines else "",
        "pin": PIN if wireless else "",
        "account_type": "business",
        "company_name": "Acme Widgets Inc",
        "rep_name": "Jordan Rivera",
        "rep_email": "jordan@acme.example",
        "street": "77 Massachusetts Ave",
        "city": "Cambridge",
        "region": "MA",
        "postal_code": "02139",
        "country": "US",
        "bill": BILL,
    }
    values.update(overrides)
    return Draft(**values)  # type: ignore[arg-type]


def assert_timeline_legal(db, sid: str) -> list[TimelineEvent]:
    """Every status change on the timeline is an edge of the transition table."""
    with db.read() as s:
        req = s.exec(select(PortRequest).where(PortRequest.sid == sid)).one()
        events = list(
            s.exec(
                select(TimelineEvent)
                .where(TimelineEvent.request_id == req.id)
                .order_by(TimelineEvent.id)
            ).all()
        )
    status = None
    for e in events:
        if status is not None:
            assert e.from_status == status, f"event {e.action} starts from {e.from_status}"
        if e.from_status != e.to_status:
            assert is_legal(e.from_status, Move(e.action), e.to_status), e
        status = e.to_status
    assert status == req.status
    return events


def outbox_for(db, sid: str) -> list[OutboxMessage]:
    with db.read() as s:
        req = s.exec(select(PortRequest).where(PortRequest.sid == sid)).one()
        return list(
            s.exec(
                select(OutboxMessage)
                .where(OutboxMessage.request_id == req.id)
                .order_by(OutboxMessage.id)
            ).all()
        )


def mark_loa_signed(
    ctx: Any, sid: str, *, actor: Actor, signer_name: str = "", key: str | None = None
) -> Snapshot:
    """Move a request past its signature as the signing page would, without the letter: no
    token, no name check, no PDF (tests of what happens after the signature only)."""
    from bot.services.base import load, move, run, snapshot

    def body(session: Any) -> Snapshot:
        req = load(session, sid)
        req.signed_at = ctx.now()
        who = signer_name or req.rep_name
        detail = f"Letter of Authorization signed by {who}."
        move(ctx, session, req, Move.SIGN_LOA, actor, detail=detail)
        return snapshot(session, req)

    return run(ctx, "mark_loa_signed", body, key=key)
