"""Transfers between sub-accounts (seed 004, "Porting between sub-accounts"): numbers one
customer account holds move to another account of the same install. No carrier takes part and
no Letter of Authorization is needed: the porting team moves them, typically within 1–2
business days, and the numbers' call routing and SMS settings do not come along (the
destination sets them up again).

Lifecycle::

    requested ──agent completes──▶ completed     (the numbers move to the destination)
        └──────agent or asker cancels──▶ cancelled   (nothing moves)

Who may do what:

* **ask** — the porting team, for any two accounts; a customer, from an account they act for
  (the channel where they are, or one where they opened port-ins) to any other account of the
  workspace. Giving numbers away is the source's decision; the agent who completes the transfer
  is the check on where they go.
* **complete** — the porting team only.
* **cancel** — the porting team, or the person who asked, while it is requested.

Pure: no I/O, no clock reads (instants are passed in).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.porting.errors import DomainError, InvalidInput
from bot.porting.numbers import format_display
from storage.values import Role, TransferStatus

PREFIX = "TR"
HEX_LENGTH = 32
MIN_PREFIX = 8  # hex characters after TR that find a transfer
BUSINESS_DAYS = 2  # the porting team's time to complete one (seed 004: "1-2 business days")

S = TransferStatus
_QUERY = re.compile(r"^TR([0-9a-f]*)$")


class TransferMove(StrEnum):
    COMPLETE = "complete"
    CANCEL = "cancel"


# status -> move -> (status after, roles that may make it)
TRANSITIONS: Mapping[S, Mapping[TransferMove, tuple[S, frozenset[Role]]]] = {
    S.REQUESTED: {
        TransferMove.COMPLETE: (S.COMPLETED, frozenset({Role.AGENT, Role.SYSTEM})),
        TransferMove.CANCEL: (S.CANCELLED, frozenset({Role.AGENT, Role.CUSTOMER, Role.SYSTEM})),
    },
    S.COMPLETED: {},
    S.CANCELLED: {},
}
_PAST = {TransferMove.COMPLETE: "completed", TransferMove.CANCEL: "cancelled"}


class TransferClosed(DomainError):
    """The transfer is no longer requested: nothing more happens to it."""

    code = "transfer_closed"


class NotAllowed(DomainError):
    code = "not_permitted"


def is_final(status: S) -> bool:
    return not TRANSITIONS[status]


def apply(
    status: S, move: TransferMove, role: Role, *, public_id: str = "", asker: bool = False
) -> S:
    """The status after ``move``; :class:`TransferClosed` when the transfer is already over,
    :class:`NotAllowed` when ``role`` may not make it (a customer cancels only their own)."""
    allowed = TRANSITIONS[status].get(move)
    name = f"Transfer {public_id[:10]}" if public_id else "This transfer"
    if allowed is None:
        raise TransferClosed(f"{name} is already {status.value}; it cannot be {_PAST[move]}.")
    after, roles = allowed
    if role not in roles or (role is Role.CUSTOMER and not asker):
        who = "the porting team" + (
            " or the person who asked for it" if Role.CUSTOMER in roles else ""
        )
        raise NotAllowed(f"Only {who} can {move.value} a transfer.")
    return after


def new_id(token_hex: str) -> str:
    """``TR`` and 32 lowercase hex characters (the caller brings the randomness)."""
    if len(token_hex) != HEX_LENGTH:
        raise ValueError("a transfer id has 32 hex characters after TR")
    return PREFIX + token_hex.lower()


def is_transfer_id(text: str) -> bool:
    """Whether ``text`` names a transfer (``TR…``, any case; backticks and quotes around it
    are fine): what ``/port complete`` dispatches on."""
    return _clean(text)[:2].upper() == PREFIX


def parse_id(text: str) -> str:
    """What someone typed as a transfer id, as a lookup prefix (``TR`` + lowercase hex);
    :class:`InvalidInput` saying what is wrong."""
    cleaned = _clean(text)
    shown = cleaned if len(cleaned) <= 40 else cleaned[:39] + "…"
    found = _QUERY.match(PREFIX + cleaned[2:].lower()) if cleaned[:2].upper() == PREFIX else None
    if found is None:
        raise InvalidInput(
            f"“{shown}” is not a transfer ID. They look like TR1a2b3c4d… (TR, then letters "
            "a–f and digits)."
        )
    digits = found.group(1)
    if len(digits) < MIN_PREFIX:
        raise InvalidInput(
            f"“{shown}” is too short to find a transfer: give at least {MIN_PREFIX} "
            "characters after TR."
        )
    if len(digits) > HEX_LENGTH:
        raise InvalidInput(f"“{shown}” is longer than a transfer ID.")
    return PREFIX + digits


def _clean(text: str) -> str:
    return text.strip().strip("`'\"<>*_").lstrip("#").strip()


class Calendar(Protocol):
    def business_days_after(self, instant: datetime, n: int) -> datetime: ...


def due_at(calendar: Calendar, requested_at: datetime) -> datetime:
    """When a transfer still requested is late: two business days after it was asked for, at
    the same local time (the porting team is told then)."""
    return calendar.business_days_after(requested_at, BUSINESS_DAYS)


def is_late(status: S, due: datetime, now: datetime) -> bool:
    return status is S.REQUESTED and due <= now


def request_errors(
    numbers: Sequence[str],
    *,
    source: str,
    destination: str,
    holders: Mapping[str, str],
    busy: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """What is wrong with asking to move ``numbers`` from ``source`` to ``destination``, by
    field (``numbers``, ``source``, ``destination``), each naming the values at fault.

    ``holders``: the account that holds each number (numbers nobody holds are absent).
    ``busy``: numbers already on their way somewhere, with what holds them (an open transfer's
    or port-out's id)."""
    errors: dict[str, str] = {}
    if not source:
        errors["source"] = "Which account do the numbers leave?"
    if not destination:
        errors["destination"] = "Which account should get the numbers?"
    elif destination == source:
        errors["destination"] = "Pick another account: the numbers are on this one already."
    if not numbers:
        errors["numbers"] = "Give at least one number."
        return errors
    if source:
        missing = not_held(numbers, source, holders)
        if missing:
            errors["numbers"] = f"Not held by this account: {_named(missing)}."
        elif busy:
            taken = [(n, busy[n]) for n in numbers if n in busy]
            if taken:
                named = ", ".join(f"{format_display(n)} ({what})" for n, what in taken[:20])
                errors["numbers"] = f"Already on their way elsewhere: {named}."
    return errors


def not_held(numbers: Iterable[str], account: str, holders: Mapping[str, str]) -> list[str]:
    """The numbers ``account`` does not hold (in the order given)."""
    return [n for n in dict.fromkeys(numbers) if holders.get(n) != account]


def _named(numbers: Sequence[str], most: int = 20) -> str:
    shown = ", ".join(format_display(n) for n in numbers[:most])
    return shown + (f" and {len(numbers) - most} more" if len(numbers) > most else "")


def refuse_not_held(numbers: Sequence[str], account_words: str) -> InvalidInput:
    """The error when numbers left the source before the transfer was completed."""
    return InvalidInput(
        f"{account_words} no longer holds {_named(numbers)}, so nothing was moved. Cancel this "
        "transfer, or register the numbers again and retry.",
        {"numbers": f"Not held by this account: {_named(numbers)}."},
    )


__all__ = [
    "BUSINESS_DAYS",
    "PREFIX",
    "TRANSITIONS",
    "NotAllowed",
    "TransferClosed",
    "TransferMove",
    "apply",
    "due_at",
    "is_final",
    "is_late",
    "is_transfer_id",
    "new_id",
    "not_held",
    "parse_id",
    "refuse_not_held",
    "request_errors",
]
