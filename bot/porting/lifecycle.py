"""The request lifecycle (PRODUCT §2.1): one transition table for requests, one for numbers.

Every status change of a request goes through :func:`apply`; every change of a number through
:func:`apply_number`. The tables say which moves exist, from which states, to which state, and
who may make them. Nothing here touches storage or reads a clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.porting.calendar import BusinessCalendar, cancellation_deadline
from bot.porting.errors import DomainError
from bot.porting.rules import CANCEL_NOTICE_BUSINESS_DAYS
from bot.porting.words import possessive, spelled
from storage.values import NumberStatus, RequestStatus, Role

S = RequestStatus
N = NumberStatus


class Move(StrEnum):
    COMPLETE_DRAFT = "complete_draft"
    SIGN_LOA = "sign_loa"
    SUBMIT = "submit"
    SET_FOC = "set_foc"
    REJECT = "reject"
    RESUBMIT = "resubmit"
    AMEND = "amend"
    COMPLETE = "complete"
    EXPIRE = "expire"
    REQUEST_CANCEL = "request_cancel"
    CONFIRM_CANCEL = "confirm_cancel"
    DECLINE_CANCEL = "decline_cancel"
    SEND_QUOTE = "send_quote"
    ACCEPT_QUOTE = "accept_quote"
    DECLINE_QUOTE = "decline_quote"

    @property
    def label(self) -> str:
        return _MOVE_LABELS[self]


_MOVE_LABELS = {
    Move.COMPLETE_DRAFT: "finish the request",
    Move.SIGN_LOA: "sign the LOA",
    Move.SUBMIT: "submit to the carrier",
    Move.SET_FOC: "set the port date (FOC)",
    Move.REJECT: "record a rejection",
    Move.RESUBMIT: "resubmit after a fix",
    Move.AMEND: "change LOA details",
    Move.COMPLETE: "mark as ported",
    Move.EXPIRE: "expire",
    Move.REQUEST_CANCEL: "cancel",
    Move.CONFIRM_CANCEL: "confirm the cancellation",
    Move.DECLINE_CANCEL: "withdraw the cancellation",
    Move.SEND_QUOTE: "send a fee quote",
    Move.ACCEPT_QUOTE: "accept the fee quote",
    Move.DECLINE_QUOTE: "decline the fee quote",
}

CUSTOMER, AGENT, SYSTEM = Role.CUSTOMER, Role.AGENT, Role.SYSTEM
_OPEN = frozenset(s for s in RequestStatus if not s.final and s is not S.CANCEL_PENDING)


@dataclass(frozen=True)
class Rule:
    move: Move
    sources: frozenset[RequestStatus]
    target: RequestStatus | None  # None: back to the status before the cancellation was asked
    roles: frozenset[Role]


def _rule(
    move: Move, sources: Iterable[RequestStatus], target: RequestStatus | None, *roles: Role
) -> Rule:
    return Rule(move, frozenset(sources), target, frozenset(roles))


TABLE: tuple[Rule, ...] = (
    _rule(Move.COMPLETE_DRAFT, [S.DRAFT], S.AWAITING_SIGNATURE, CUSTOMER, AGENT),
    _rule(Move.SIGN_LOA, [S.AWAITING_SIGNATURE], S.IN_REVIEW, CUSTOMER, AGENT, SYSTEM),
    _rule(Move.SUBMIT, [S.IN_REVIEW], S.SUBMITTED, AGENT, SYSTEM),
    _rule(Move.SET_FOC, [S.SUBMITTED, S.FOC_CONFIRMED], S.FOC_CONFIRMED, AGENT, SYSTEM),
    _rule(
        Move.REJECT, [S.IN_REVIEW, S.SUBMITTED, S.FOC_CONFIRMED], S.ACTION_REQUIRED, AGENT, SYSTEM
    ),
    _rule(Move.RESUBMIT, [S.ACTION_REQUIRED], S.IN_REVIEW, CUSTOMER, AGENT),
    _rule(
        Move.AMEND,
        [S.AWAITING_SIGNATURE, S.IN_REVIEW, S.ACTION_REQUIRED],
        S.AWAITING_SIGNATURE,
        CUSTOMER,
        AGENT,
    ),
    _rule(Move.COMPLETE, [S.FOC_CONFIRMED], S.COMPLETED, AGENT, SYSTEM),
    _rule(Move.EXPIRE, [S.DRAFT, S.AWAITING_SIGNATURE], S.EXPIRED, SYSTEM),
    _rule(Move.REQUEST_CANCEL, _OPEN, S.CANCEL_PENDING, CUSTOMER, AGENT),
    _rule(Move.CONFIRM_CANCEL, [S.CANCEL_PENDING], S.CANCELLED, AGENT, SYSTEM),
    _rule(Move.DECLINE_CANCEL, [S.CANCEL_PENDING], None, AGENT, SYSTEM),
    # The fee quote (international step 2): sent after review, answered by the customer (or
    # by an agent on their word); portbot accepts it when the answer period ends unanswered.
    # An accepted quote brings the request back to review; a declined one closes it.
    _rule(Move.SEND_QUOTE, [S.IN_REVIEW], S.QUOTE_PENDING, AGENT),
    _rule(Move.ACCEPT_QUOTE, [S.QUOTE_PENDING], S.IN_REVIEW, CUSTOMER, AGENT, SYSTEM),
    _rule(Move.DECLINE_QUOTE, [S.QUOTE_PENDING], S.CANCELLED, CUSTOMER, AGENT),
)

_BY_MOVE = {rule.move: rule for rule in TABLE}


class IllegalMove(DomainError):
    """The move does not start from the request's current status."""

    code = "illegal_move"

    def __init__(self, current: RequestStatus, move: Move, allowed: tuple[Move, ...]) -> None:
        self.current, self.move, self.allowed = current, move, allowed
        possible = ", ".join(m.label for m in allowed) if allowed else "nothing; it is closed"
        super().__init__(
            f"This request is at “{current.label}”, so you can't {move.label} now. "
            f"Possible now: {possible}."
        )


class NotPermitted(DomainError):
    """The move exists here, but not for this role."""

    code = "not_permitted"

    def __init__(self, role: Role, move: Move) -> None:
        self.role, self.move = role, move
        who = {CUSTOMER: "customers", AGENT: "agents", SYSTEM: "portbot"}[role]
        super().__init__(f"Only the porting team can {move.label}; {who} can't.")


class CutoffPassed(DomainError):
    """A customer asked to cancel inside the notice period before the port date."""

    code = "cutoff_passed"

    def __init__(self, foc: date, deadline: date) -> None:
        self.foc, self.deadline = foc, deadline
        super().__init__(
            f"It's too late to cancel from here: the numbers port on {foc:%a %b %-d, %Y}, and "
            f"carriers need {possessive(spelled(CANCEL_NOTICE_BUSINESS_DAYS, 'business day'))} "
            "notice, so the last day to cancel was "
            f"{deadline:%a %b %-d, %Y}. Reply in the request's thread and the porting team "
            "will see what can still be done."
        )


def rule_for(move: Move) -> Rule:
    return _BY_MOVE[move]


def allowed_moves(status: RequestStatus, role: Role | None = None) -> tuple[Move, ...]:
    """The moves that start from ``status`` (and that ``role`` may make, when given)."""
    return tuple(r.move for r in TABLE if status in r.sources and (role is None or role in r.roles))


def apply(
    status: RequestStatus,
    move: Move,
    role: Role,
    *,
    before_cancel: RequestStatus | None = None,
) -> RequestStatus:
    """The status after ``move``, or an :class:`IllegalMove` / :class:`NotPermitted` error."""
    rule = _BY_MOVE[move]
    if status not in rule.sources:
        raise IllegalMove(status, move, allowed_moves(status, role))
    if role not in rule.roles:
        raise NotPermitted(role, move)
    if rule.target is None:
        if before_cancel is None or before_cancel not in _OPEN:
            raise IllegalMove(status, move, ())
        return before_cancel
    return rule.target


def is_legal(from_status: RequestStatus, move: Move, to_status: RequestStatus) -> bool:
    """Whether the table allows ``move`` to take a request from one status to another."""
    rule = _BY_MOVE.get(move)
    if rule is None or from_status not in rule.sources:
        return False
    return to_status in _OPEN if rule.target is None else to_status == rule.target


# --- numbers ----------------------------------------------------------------------------


class NumberMove(StrEnum):
    SUBMIT = "submit"
    SET_FOC = "set_foc"
    REJECT = "reject"
    RESET = "reset"
    PORT = "port"
    CANCEL = "cancel"


NUMBER_TABLE: dict[NumberMove, tuple[frozenset[NumberStatus], NumberStatus]] = {
    NumberMove.SUBMIT: (frozenset({N.PENDING}), N.SUBMITTED),
    NumberMove.SET_FOC: (frozenset({N.SUBMITTED, N.FOC_CONFIRMED}), N.FOC_CONFIRMED),
    NumberMove.REJECT: (frozenset({N.PENDING, N.SUBMITTED, N.FOC_CONFIRMED}), N.REJECTED),
    NumberMove.RESET: (frozenset({N.REJECTED}), N.PENDING),
    NumberMove.PORT: (frozenset({N.FOC_CONFIRMED}), N.PORTED),
    NumberMove.CANCEL: (
        frozenset({N.PENDING, N.SUBMITTED, N.FOC_CONFIRMED, N.REJECTED}),
        N.CANCELLED,
    ),
}


class IllegalNumberMove(DomainError):
    code = "illegal_number_move"

    def __init__(self, e164: str, current: NumberStatus, move: NumberMove) -> None:
        self.e164, self.current, self.move = e164, current, move
        super().__init__(f"{e164} is {current.value.replace('_', ' ')}; it can't {move.value} now.")


def apply_number(e164: str, status: NumberStatus, move: NumberMove) -> NumberStatus:
    sources, target = NUMBER_TABLE[move]
    if status not in sources:
        raise IllegalNumberMove(e164, status, move)
    return target


def number_can(status: NumberStatus, move: NumberMove) -> bool:
    return status in NUMBER_TABLE[move][0]


ACTIVE_NUMBER_STATUSES = frozenset({N.PENDING, N.SUBMITTED, N.FOC_CONFIRMED})


def carrier_phase(statuses: Iterable[NumberStatus]) -> RequestStatus | None:
    """Where the request stands at the carrier, judged from its numbers once submitted.

    * some number still waits for a date → ``submitted``;
    * every waiting number has a date → ``foc_confirmed``;
    * nothing waits and something ported → ``completed`` (a partial port if some were rejected);
    * nothing waits, nothing ported, something rejected → ``action_required``;
    * no numbers at all (all cancelled) → ``None``.
    """
    statuses = list(statuses)
    active = [s for s in statuses if s in ACTIVE_NUMBER_STATUSES]
    if active:
        if all(s is N.FOC_CONFIRMED for s in active):
            return S.FOC_CONFIRMED
        return S.SUBMITTED
    if N.PORTED in statuses:
        return S.COMPLETED
    if N.REJECTED in statuses:
        return S.ACTION_REQUIRED
    return None


MOVE_INTO_PHASE = {
    S.FOC_CONFIRMED: Move.SET_FOC,
    S.COMPLETED: Move.COMPLETE,
    S.ACTION_REQUIRED: Move.REJECT,
}


# --- cancellation cut-off ---------------------------------------------------------------


def check_cancel(role: Role, now: datetime, foc: date | None, calendar: BusinessCalendar) -> None:
    """Customers may not cancel inside the notice period before the port date.

    Agents are not stopped here (they may still try with the carriers), and nothing stops a
    cancellation before a port date is known.
    """
    if role is not CUSTOMER or foc is None:
        return
    deadline = cancellation_deadline(foc, calendar)
    if calendar.local_date(now) > deadline:
        raise CutoffPassed(foc, deadline)


def is_partial_port(statuses: Iterable[NumberStatus]) -> bool:
    statuses = list(statuses)
    return N.PORTED in statuses and N.REJECTED in statuses
