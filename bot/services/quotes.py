"""The fee quote's use cases: an agent sends it, the customer accepts or declines it, silence
accepts it when the answer period ends, submission waits for it, and the port's end records
the charge (``bot.porting.quotes`` has the rules)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from bot.porting import lifecycle
from bot.porting.lifecycle import Move, NumberMove
from bot.porting.quotes import (
    ANSWER_BUSINESS_DAYS,
    REVIEW_BUSINESS_DAYS,
    Answer,
    Quote,
    answer_deadline,
    check_submit,
    parse_amount,
    parse_currency,
    quote_required,
    request_country,
)
from bot.porting.reminders.quotes import quote_calendar
from bot.services.base import (
    SYSTEM,
    Actor,
    Context,
    Snapshot,
    load,
    move,
    record,
    refresh_claims,
    run,
    snapshot,
)
from bot.services.reminders.rows import policy_of
from bot.wording import quotes as words
from bot.wording.formats import spelled
from storage import repositories as repo
from storage.models import PortNumber, PortRequest
from storage.values import NumberStatus, RequestStatus

__all__ = [
    "accept_by_default",
    "accept_quote",
    "check_quote_before_submit",
    "country_of_request",
    "decline_quote",
    "needs_quote",
    "record_charge",
    "send_quote",
]


def _name(actor: Actor) -> str:
    return actor.name or actor.id or "portbot"


def country_of_request(req: PortRequest, numbers: Sequence[PortNumber]) -> str | None:
    """The country of the request's numbers (kept on the request once it carries it)."""
    kept = getattr(req, "numbers_country", None)
    return kept or request_country(n.e164 for n in numbers)


def needs_quote(ctx: Context, req: PortRequest, numbers: Sequence[PortNumber]) -> bool:
    """Whether the request must have an accepted fee quote before it goes to the carrier."""
    country = country_of_request(req, numbers)
    return quote_required(country, quote_all=policy_of(ctx).quote_all)


def check_quote_before_submit(ctx: Context, session: Session, req: PortRequest) -> None:
    """Submission's guard: a request that needs a quote goes only once it was accepted."""
    numbers = repo.numbers_of(session, request_id=req.pk)
    country = country_of_request(req, numbers)
    required = quote_required(country, quote_all=policy_of(ctx).quote_all)
    check_submit(req.sid, country, Quote.from_json(req.quote), required=required)


def send_quote(
    ctx: Context,
    sid: str,
    amount: str | Decimal,
    currency: str,
    *,
    actor: Actor,
    per_number: bool = False,
    note: str = "",
    key: str | None = None,
) -> Snapshot:
    """Send the customer a fee quote after review; the request waits for their answer."""
    value = amount if isinstance(amount, Decimal) else parse_amount(amount)
    code = parse_currency(currency)
    note = " ".join(note.split())[:500]

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        lifecycle.apply(req.status, Move.SEND_QUOTE, actor.role)  # refuse before any change
        numbers = repo.numbers_of(session, request_id=req.pk)
        country = country_of_request(req, numbers) or ctx.calendar.country
        now = ctx.now()
        quote = Quote(
            amount=value,
            currency=code,
            per_number=per_number,
            country=country,
            sent_at=now,
            answer_by=answer_deadline(now, quote_calendar(country, ctx.calendar)),
            sent_by=_name(actor),
            note=note,
            numbers=sum(1 for n in numbers if not n.status.final),
        )
        req.quote = quote.to_json()
        tz = ctx.calendar.timezone
        move(
            ctx,
            session,
            req,
            Move.SEND_QUOTE,
            actor,
            detail=f"Fee quote sent: {words.price(quote)}. No answer by "
            f"{words.deadline(quote, tz)} counts as acceptance; only numbers that port are "
            "charged.",
            data={"quote": quote.to_json()},
        )
        return snapshot(session, req)

    return run(ctx, "send_quote", body, key=key)


def _answer(
    ctx: Context,
    session: Session,
    req: PortRequest,
    answer: Answer,
    actor: Actor,
    *,
    by_default: bool = False,
) -> Quote:
    quote = Quote.from_json(req.quote)
    step = Move.ACCEPT_QUOTE if answer is Answer.ACCEPTED else Move.DECLINE_QUOTE
    lifecycle.apply(req.status, step, actor.role)
    assert quote is not None  # quote_pending is entered with a quote only
    quote = quote.answered(answer, ctx.now(), _name(actor), by_default=by_default)
    req.quote = quote.to_json()
    return quote


def accept_quote(ctx: Context, sid: str, *, actor: Actor, key: str | None = None) -> Snapshot:
    """The customer (or an agent on their word) accepts the quote: back to review, which the
    porting team finishes within a business day."""

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        quote = _answer(ctx, session, req, Answer.ACCEPTED, actor)
        move(
            ctx,
            session,
            req,
            Move.ACCEPT_QUOTE,
            actor,
            detail=f"Fee quote accepted by {_name(actor)} ({words.price(quote)}). The porting "
            f"team reviews the request within {spelled(REVIEW_BUSINESS_DAYS, 'business day')}.",
            data={"quote": quote.to_json()},
        )
        return snapshot(session, req)

    return run(ctx, "accept_quote", body, key=key)


def decline_quote(
    ctx: Context, sid: str, *, actor: Actor, reason: str = "", key: str | None = None
) -> Snapshot:
    """The customer declines the quote: the request closes; nothing went to a carrier."""

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        quote = _answer(ctx, session, req, Answer.DECLINED, actor)
        why = f" Reason: {' '.join(reason.split())[:300]}" if reason.strip() else ""
        move(
            ctx,
            session,
            req,
            Move.DECLINE_QUOTE,
            actor,
            detail=f"Fee quote declined by {_name(actor)}; the request is cancelled and "
            "nothing was sent to a carrier." + why,
            data={"quote": quote.to_json()},
        )
        numbers = repo.numbers_of(session, request_id=req.pk)
        for n in numbers:
            if lifecycle.number_can(n.status, NumberMove.CANCEL):
                n.status = lifecycle.apply_number(n.e164, n.status, NumberMove.CANCEL)
        refresh_claims(req, numbers)
        return snapshot(session, req)

    return run(ctx, "decline_quote", body, key=key)


def accept_by_default(ctx: Context, sid: str, *, sent_at: str, key: str | None = None) -> bool:
    """At the end of the answer period, an unanswered quote (the one sent at ``sent_at``)
    counts as accepted. False when it was answered, replaced, or its time has not come."""
    done: list[bool] = []

    def body(session: Session) -> Snapshot:
        req = load(session, sid)
        quote = Quote.from_json(req.quote)
        if (
            req.status is not RequestStatus.QUOTE_PENDING
            or quote is None
            or not quote.open
            or quote.sent_at.isoformat() != sent_at
            or ctx.now() < quote.answer_by
        ):
            return snapshot(session, req)
        quote = _answer(ctx, session, req, Answer.ACCEPTED, SYSTEM, by_default=True)
        move(
            ctx,
            session,
            req,
            Move.ACCEPT_QUOTE,
            SYSTEM,
            detail="Fee quote accepted by default: no answer came within "
            f"{spelled(ANSWER_BUSINESS_DAYS, 'business day')} ({words.price(quote)}). The "
            "porting team reviews the request within "
            f"{spelled(REVIEW_BUSINESS_DAYS, 'business day')}.",
            data={"quote": quote.to_json(), "by_default": True},
        )
        done.append(True)
        return snapshot(session, req)

    snap = run(ctx, "accept_quote_by_default", body, key=key)
    return bool(done) or (snap.replayed and _accepted_by_default(snap.request))


def _accepted_by_default(req: PortRequest) -> bool:
    quote = Quote.from_json(req.quote)
    return quote is not None and quote.by_default


def record_charge(
    ctx: Context, session: Session, req: PortRequest, numbers: Sequence[PortNumber]
) -> None:
    """Once the port is over, the charge of an accepted quote: per number, the numbers that
    ported times the amount; for the whole request, the amount (nothing when none ported)."""
    quote = Quote.from_json(req.quote)
    if quote is None or not quote.accepted or quote.charge is not None:
        return
    ported = sum(1 for n in numbers if n.status is NumberStatus.PORTED)
    quote = quote.charged(ported)
    req.quote = quote.to_json()
    data: dict[str, Any] = {
        "quote": quote.to_json(),
        "charge": str(quote.charge),
        "currency": quote.currency,
        "ported": ported,
    }
    record(
        ctx,
        session,
        req,
        "quote_charge",
        SYSTEM,
        detail=f"Porting fee: {words.charge_text(quote)}.",
        data=data,
        public=True,
    )
