"""Transfers between sub-accounts as use cases (``bot.porting.transfers``): ask for one, complete
it (the held numbers move to the destination account, in one transaction), cancel it, find it,
and tell the porting team about those that wait too long.

Each change is a timeline event (``transfer_events``) with its side effects queued in the same
transaction: the cards in both accounts' channels and the agents channel
(``slack.transfer_event``), and the transfer's Zendesk ticket (``zendesk.transfer_event``, tag
``transfer``). The rows carry ids; the handlers render from the transfer as it is when they
deliver.

Easy to call from a script (``portbot demo``)::

    t = request_transfer(ctx, team_id=T, source="C0MAIN", destination="C0BRANCH",
                         numbers=["+16175550100"], actor=Actor.customer("U0CASEY", "casey"))
    complete_transfer(ctx, t.public_id, actor=Actor.agent("U0DANA", "dana"))
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.porting import transfers as rule
from bot.porting.errors import InvalidInput, NotFound
from bot.porting.transfers import TransferMove
from bot.services.base import SYSTEM, Actor, Context
from bot.services.effects import Topic, enqueue
from bot.services.port_outs.inventory import account_row, held, parsed_numbers
from storage.models import PortOut
from storage.transfer_models import Transfer, TransferEvent
from storage.values import PortOutStatus, Role, TransferStatus

# Where a transfer's changes go: its cards and notices in Slack, and its ticket.
TOPICS = (Topic.SLACK_TRANSFER_EVENT, Topic.ZENDESK_TRANSFER_EVENT)
LATE_BATCH = 100  # late transfers told about per call of alert_late


def request_transfer(
    ctx: Context,
    *,
    team_id: str,
    source: str,
    destination: str,
    numbers: str | Sequence[str],
    actor: Actor,
    channel_id: str = "",
    accounts: Collection[str] | None = None,
    dedupe_key: str | None = None,
) -> Transfer:
    """Ask for ``numbers`` to move from ``source`` to ``destination`` (account ids: a channel,
    or a person for a DM). Refused with :class:`InvalidInput`, by field (``numbers``,
    ``source``, ``destination``), naming the numbers the source does not hold or that are
    already on their way elsewhere. ``accounts``: the accounts a customer acts for (checked
    against ``source``; None leaves that to the caller). The same ``dedupe_key`` again returns
    the transfer it recorded first."""
    if dedupe_key and (earlier := _by_key(ctx, dedupe_key)) is not None:
        return earlier
    source, destination = source.strip(), destination.strip()
    if actor.role is Role.CUSTOMER and accounts is not None and source not in accounts:
        raise rule.NotAllowed("You can only give away numbers of an account you act for.")
    errors: dict[str, str] = {}
    try:
        wanted = parsed_numbers(ctx, numbers)
    except InvalidInput as exc:
        wanted, errors = [], dict(exc.errors) or {"numbers": exc.message}
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            found = held(session, wanted)
            holders = {n: h.account for n, h in found.items() if h.team_id == team_id}
            busy = _busy(session, team_id, source, wanted)
            for name, message in rule.request_errors(
                wanted, source=source, destination=destination, holders=holders, busy=busy
            ).items():
                errors.setdefault(name, message)
            if errors:
                raise InvalidInput(next(iter(errors.values())), errors)
            transfer = Transfer(
                public_id=rule.new_id(secrets.token_hex(rule.HEX_LENGTH // 2)),
                team_id=team_id,
                source=source,
                destination=destination,
                channel_id=channel_id,
                numbers=wanted,
                requested_by=actor.id,
                requested_by_name=actor.name,
                created_at=now,
                due_at=rule.due_at(ctx.calendar, now),
                dedupe_key=dedupe_key,
            )
            session.add(transfer)
            session.flush()
            record(ctx, session, transfer, "requested", actor)
    except IntegrityError:  # the same submission, recorded by another worker just now
        if dedupe_key and (again := _by_key(ctx, dedupe_key)) is not None:
            return again
        raise
    return transfer


def complete_transfer(ctx: Context, public_id: str, *, actor: Actor) -> Transfer:
    """The porting team moves the numbers: each must still be held by the source, else nothing
    moves and the refusal names them. The numbers keep their own port-out PIN and lock (they
    protect the number); their call routing and SMS settings do not come along, and the
    destination is told so. Exactly one of two racing completions wins; the other is told the
    transfer is already completed."""
    now = ctx.now()
    with ctx.db.write() as session:
        transfer = load_transfer(session, public_id)
        after = rule.apply(
            transfer.status, TransferMove.COMPLETE, actor.role, public_id=transfer.public_id
        )
        found = held(session, transfer.numbers, lock=True)
        gone = rule.not_held(
            transfer.numbers,
            transfer.source,
            {n: h.account for n, h in found.items() if h.team_id == transfer.team_id},
        )
        if gone:
            raise rule.refuse_not_held(gone, f"The account {transfer.source}")
        account_row(session, transfer.team_id, transfer.destination, now=now)
        for number in transfer.numbers:
            row = found[number]
            row.account = transfer.destination
            # The destination holds it now: nobody of the source's port-in is asked about it.
            row.source, row.request_id = "transfer", None
            row.added_by, row.added_at = actor.id, now
            session.add(row)
        _close(transfer, after, actor, now)
        record(ctx, session, transfer, "completed", actor, data={"numbers": transfer.numbers})
    return transfer


def cancel_transfer(ctx: Context, public_id: str, *, actor: Actor, reason: str = "") -> Transfer:
    """Nothing moves. The porting team may cancel any transfer still requested; a customer
    only one they asked for themselves."""
    now = ctx.now()
    with ctx.db.write() as session:
        transfer = load_transfer(session, public_id)
        asker = bool(actor.id) and actor.id == transfer.requested_by
        after = rule.apply(
            transfer.status,
            TransferMove.CANCEL,
            actor.role,
            public_id=transfer.public_id,
            asker=asker,
        )
        _close(transfer, after, actor, now)
        transfer.reason = reason.strip()[:500] or None
        record(ctx, session, transfer, "cancelled", actor, detail=transfer.reason or "")
    return transfer


def alert_late(ctx: Context, *, limit: int = LATE_BATCH) -> list[str]:
    """Tell the porting team, once each, about transfers still requested two business days
    after they were asked for (a ``late`` event: an alert in the agents channel and a note on
    the ticket). Safe to call from every process at any moment: one indexed read when nothing
    is late; rows are claimed with ``SKIP LOCKED`` on PostgreSQL, and ``alerted_at`` keeps each
    to one alert. Returns the ids told about."""
    now = ctx.now()
    due = (
        Transfer.status == TransferStatus.REQUESTED,
        col(Transfer.due_at) <= now,
        col(Transfer.alerted_at).is_(None),
    )
    late = select(Transfer).where(*due).order_by(col(Transfer.due_at)).limit(limit)
    with ctx.db.read() as session:
        if session.exec(select(Transfer.id).where(*due).limit(1)).first() is None:
            return []
    told: list[str] = []
    with ctx.db.write() as session:
        for transfer in session.exec(late.with_for_update(skip_locked=True)).all():
            transfer.alerted_at = now
            session.add(transfer)
            data = {"due_at": transfer.due_at.isoformat()}
            record(ctx, session, transfer, "late", SYSTEM, data=data)
            told.append(transfer.public_id)
    return told


# --- reading ---------------------------------------------------------------------------------


def load_transfer(session: Session, text: str, *, lock: bool = True) -> Transfer:
    """A transfer by its id (``TR…``, or a unique prefix of at least 8 characters after TR),
    locked for update unless ``lock`` is False."""
    prefix = rule.parse_id(text)
    query = select(Transfer).where(col(Transfer.public_id).startswith(prefix)).limit(2)
    if lock:
        query = query.with_for_update()
    found = list(session.exec(query))
    if len(found) != 1:
        what = "no" if not found else "more than one"
        raise NotFound(f"There is {what} transfer {prefix}.")
    return found[0]


def find_transfer(ctx: Context, text: str) -> Transfer:
    with ctx.db.read() as session:
        return load_transfer(session, text, lock=False)


def events_of(session: Session, transfer_id: int) -> list[TransferEvent]:
    return list(
        session.exec(
            select(TransferEvent)
            .where(TransferEvent.transfer_id == transfer_id)
            .order_by(col(TransferEvent.id))
        )
    )


def open_transfers(ctx: Context, *, team_id: str, accounts: Collection[str]) -> list[Transfer]:
    """Transfers still requested that leave or reach one of ``accounts``."""
    wanted = list(accounts)
    with ctx.db.read() as session:
        return list(
            session.exec(
                select(Transfer)
                .where(
                    Transfer.team_id == team_id,
                    Transfer.status == TransferStatus.REQUESTED,
                    col(Transfer.source).in_(wanted) | col(Transfer.destination).in_(wanted),
                )
                .order_by(col(Transfer.created_at))
            )
        )


# --- the timeline and its side effects -------------------------------------------------------


def record(
    ctx: Context,
    session: Session,
    transfer: Transfer,
    action: str,
    actor: Actor,
    *,
    detail: str = "",
    data: dict[str, Any] | None = None,
) -> TransferEvent:
    """One timeline event, and its outbox rows for the destinations this install has."""
    now = ctx.now()
    event = TransferEvent(
        transfer_id=transfer.pk,
        at=now,
        action=action,
        actor_role=actor.role,
        actor_id=actor.id,
        actor_name=actor.name,
        detail=detail,
        data=data or {},
    )
    session.add(event)
    session.flush()
    for topic in TOPICS:
        if topic.destination == "zendesk" and Topic.ZENDESK_REQUEST_EVENT not in ctx.effect_topics:
            continue  # an install without Zendesk queues nothing for it
        if topic.destination == "slack" and Topic.SLACK_REQUEST_EVENT not in ctx.effect_topics:
            continue
        payload = {"transfer_id": transfer.pk, "event_id": event.pk, "action": action}
        enqueue(session, topic, payload, key=f"{topic.value}:{event.pk}", now=now)
    return event


def _close(transfer: Transfer, after: TransferStatus, actor: Actor, now: Any) -> None:
    transfer.status = after
    transfer.closed_by, transfer.closed_by_name, transfer.closed_at = actor.id, actor.name, now


def _by_key(ctx: Context, key: str) -> Transfer | None:
    with ctx.db.read() as session:
        return session.exec(select(Transfer).where(Transfer.dedupe_key == key)).first()


def _busy(session: Session, team_id: str, source: str, wanted: Sequence[str]) -> dict[str, str]:
    """Numbers among ``wanted`` already on their way: in a transfer still requested, or in a
    port-out of the source still pending or authorized; each with that one's id."""
    if not wanted:
        return {}
    mine = set(wanted)
    busy: dict[str, str] = {}
    transfers = session.exec(
        select(Transfer).where(
            Transfer.team_id == team_id,
            Transfer.source == source,
            Transfer.status == TransferStatus.REQUESTED,
        )
    )
    for t in transfers:
        busy.update({n: f"transfer {t.public_id[:10]}" for n in t.numbers if n in mine})
    port_outs = session.exec(
        select(PortOut).where(
            PortOut.account == source,
            col(PortOut.status).in_([PortOutStatus.PENDING, PortOutStatus.AUTHORIZED]),
        )
    )
    for po in port_outs:
        busy.update({n: f"port-out {po.public_id[:10]}" for n in po.numbers if n in mine})
    return busy


__all__ = [
    "TOPICS",
    "alert_late",
    "cancel_transfer",
    "complete_transfer",
    "events_of",
    "find_transfer",
    "load_transfer",
    "open_transfers",
    "record",
    "request_transfer",
]
