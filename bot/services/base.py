"""What every use case shares: the context, the actor, one transaction with idempotency,
timeline events and outbox messages written in that same transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.porting import lifecycle
from bot.porting.calendar import BusinessCalendar
from bot.porting.errors import InvalidInput, NotFound
from bot.porting.lifecycle import Move, NumberMove
from bot.porting.numbers import NumberIssue, parse_number
from bot.porting.reminders import ReminderPolicy
from bot.services.effects import Topic, enqueue
from storage import repositories as repo
from storage.db import Database
from storage.documents import received_kinds
from storage.models import (
    IdempotencyRecord,
    PortNumber,
    PortRequest,
    TimelineEvent,
)
from storage.values import RequestStatus, Role

T = TypeVar("T")

# Side effects of every timeline event, one row per destination so that one being down never
# holds up the other. Their consumers (Slack card/thread, Zendesk ticket) render the request's
# state at delivery time, so a late delivery shows the newest state.
EFFECT_TOPICS: tuple[Topic, ...] = (Topic.SLACK_REQUEST_EVENT, Topic.ZENDESK_REQUEST_EVENT)

# Keeps a request's reminder rows in line with its state, in the caller's transaction
# (``bot.services.reminders.reconcile``; the assembly injects it).
Reconciler = Callable[["Context", Session, PortRequest], object]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Actor:
    role: Role
    id: str = ""
    name: str = ""

    @classmethod
    def customer(cls, user_id: str, name: str = "") -> Actor:
        return cls(Role.CUSTOMER, user_id, name)

    @classmethod
    def agent(cls, user_id: str, name: str = "") -> Actor:
        return cls(Role.AGENT, user_id, name)

    @property
    def who(self) -> str:
        """Who a decision names: a Slack user's id (shown as a mention), else the name — an id
        from elsewhere (``zendesk:<id>``) means nothing to the people who read it."""
        if self.id and ":" not in self.id:
            return self.id
        return self.name or self.id


SYSTEM = Actor(Role.SYSTEM, "portbot", "portbot")


@dataclass
class Context:
    """What use cases need from the outside world, injected (tests pass their own clock)."""

    db: Database
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    default_region: str = "US"
    clock: Callable[[], datetime] = utcnow
    # Where side effects go: an install without Zendesk queues nothing for it.
    effect_topics: tuple[Topic, ...] = EFFECT_TOPICS
    # Who sends the LOA out when a request starts waiting for its signature (None: nobody can,
    # as without e-mail and Slack).
    loa_topic: Topic | None = Topic.LOA_SEND
    # The reminder policy; None switches reminders off.
    reminders: ReminderPolicy | None = field(default_factory=ReminderPolicy)
    # Reminder rows follow every change through this (None: they do not follow).
    reconcile: Reconciler | None = None
    # Where people open the Zendesk account's pages (https://acme.zendesk.com); None: no Zendesk.
    zendesk_site: str | None = None
    # The countries ports are accepted from (``PORTBOT_COUNTRIES``); None: every one in the table.
    countries: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.reminders is not None and self.reconcile is None:
            raise ValueError(
                "Context: reminders are on but nothing reconciles their rows; pass "
                "reconcile=bot.services.reminders.reconcile, or reminders=None"
            )

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> Any:
        return self.calendar.local_date(self.clock())


@dataclass(frozen=True)
class Snapshot:
    """A request as it stands after a use case, detached from the session."""

    request: PortRequest
    numbers: list[PortNumber]
    events: list[TimelineEvent]
    replayed: bool = False
    warnings: tuple[str, ...] = ()
    documents: frozenset[str] = frozenset()  # kinds of document stored for the request

    @property
    def sid(self) -> str:
        return self.request.sid

    @property
    def status(self) -> RequestStatus:
        return self.request.status


def snapshot(
    session: Session,
    req: PortRequest,
    *,
    replayed: bool = False,
    warnings: Sequence[str] = (),
    events: int | None = 20,
) -> Snapshot:
    assert req.id is not None
    return Snapshot(
        request=req,
        numbers=repo.numbers_of(session, request_id=req.id),
        events=repo.events_of(session, request_id=req.id, limit=events),
        replayed=replayed,
        warnings=tuple(warnings),
        documents=received_kinds(session, request_id=req.id),
    )


def run(
    ctx: Context,
    operation: str,
    body: Callable[[Session], Snapshot],
    *,
    key: str | None = None,
) -> Snapshot:
    """Run ``body`` in one write transaction, at most once per idempotency ``key``.

    The key is claimed in the same transaction as the work, so a retry either finds the first
    result or does the work itself — never both. If two replicas race on the same key, the
    loser's insert fails, it rolls back, and the second pass replays the winner's result.
    """
    for attempt in range(2):
        try:
            with ctx.db.write() as session:
                record: IdempotencyRecord | None = None
                if key:
                    existing = session.get(IdempotencyRecord, key)
                    if existing is not None:
                        return _replay(session, existing)
                    record = IdempotencyRecord(key=key, operation=operation, created_at=ctx.now())
                    session.add(record)
                    session.flush()
                result = body(session)
                if record is not None:
                    record.request_id = result.request.id
                return result
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _replay(session: Session, record: IdempotencyRecord) -> Snapshot:
    if record.request_id is None:
        raise NotFound("That action was already handled.")
    req = session.get(PortRequest, record.request_id)
    assert req is not None
    return snapshot(session, req, replayed=True)


def load(session: Session, sid: str) -> PortRequest:
    """The request, locked for update (PostgreSQL row lock; SQLite holds the write lock)."""
    req = repo.get_request(session, sid=sid, lock=True)
    if req is None:
        raise NotFound(f"There is no request {sid}.")
    return req


def move(
    ctx: Context,
    session: Session,
    req: PortRequest,
    action: Move,
    actor: Actor,
    *,
    detail: str = "",
    numbers: Iterable[str] | None = None,
    data: dict[str, Any] | None = None,
    public: bool = True,
) -> TimelineEvent:
    """Apply a lifecycle move to the request and record it; the one way statuses change."""
    before = req.status
    after = lifecycle.apply(before, action, actor.role, before_cancel=req.status_before_cancel)
    if after is RequestStatus.CANCEL_PENDING:
        req.status_before_cancel = before
    elif before is RequestStatus.CANCEL_PENDING:
        req.status_before_cancel = None
    req.status = after
    return record(
        ctx,
        session,
        req,
        action.value,
        actor,
        before=before,
        detail=detail,
        numbers=numbers,
        data=data,
        public=public,
    )


def record(
    ctx: Context,
    session: Session,
    req: PortRequest,
    action: str,
    actor: Actor,
    *,
    before: RequestStatus | None = None,
    detail: str = "",
    numbers: Iterable[str] | None = None,
    data: dict[str, Any] | None = None,
    public: bool = True,
) -> TimelineEvent:
    """Append a timeline event and queue its side effects, in the caller's transaction."""
    now = ctx.now()
    req.updated_at = now
    session.add(req)
    event = TimelineEvent(
        request_id=req.pk,
        at=now,
        actor_role=actor.role,
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        from_status=before if before is not None else req.status,
        to_status=req.status,
        numbers=sorted(numbers) if numbers is not None else None,
        detail=detail,
        data=data,
        public=public,
    )
    session.add(event)
    session.flush()
    topics = list(ctx.effect_topics)
    entered = before is not None and before != req.status
    # A new letter goes out when the request starts waiting for a signature, and when what the
    # letter certifies changed while it waited (the old link no longer signs anything).
    resend = entered or action == Move.AMEND.value
    if ctx.loa_topic and resend and req.status is RequestStatus.AWAITING_SIGNATURE:
        topics.append(ctx.loa_topic)
    for topic in topics:
        payload = {"sid": req.sid, "event_id": event.id, "action": action}
        enqueue(session, topic, payload, key=f"{topic}:{event.id}", now=now, request_id=req.id)
    if ctx.reminders is not None and ctx.reconcile is not None:
        ctx.reconcile(ctx, session, req)
    return event


def refresh_claims(req: PortRequest, numbers: Iterable[PortNumber]) -> None:
    """Keep ``open_e164`` true: a number is claimed while its request is open and it is live."""
    for n in numbers:
        live = not req.status.final and not n.status.final
        n.open_e164 = n.e164 if live else None


def select_numbers(
    ctx: Context,
    numbers: Sequence[PortNumber],
    wanted: Iterable[str] | None,
    *,
    able: NumberMove | None = None,
) -> list[PortNumber]:
    """The request's numbers named in ``wanted`` (any format); for None, all of them, or with
    ``able`` every number that can make that move now."""
    if wanted is None:
        return [n for n in numbers if able is None or lifecycle.number_can(n.status, able)]
    by_e164 = {n.e164: n for n in numbers}
    chosen: list[PortNumber] = []
    unknown: list[str] = []
    for raw in wanted:
        parsed = parse_number(raw, default_region=ctx.default_region)
        e164 = None if isinstance(parsed, NumberIssue) else parsed.e164
        if e164 in by_e164:
            if by_e164[e164] not in chosen:
                chosen.append(by_e164[e164])
        else:
            unknown.append(raw)
    if unknown:
        raise InvalidInput(f"Not on this request: {', '.join(unknown[:10])}.")
    if not chosen:
        raise InvalidInput("Name at least one number of this request.")
    return chosen
