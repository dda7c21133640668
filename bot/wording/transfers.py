"""What people read about a transfer between two accounts, in no channel's markup.

Sentences are tuples of :class:`~bot.wording.rich.Rich` parts and :class:`Place` parts (an
account: a channel, or a person for a DM). Each channel renders a place its own way: Slack as a
channel link or a mention, plain text (Zendesk) by its id. The facts come from seed 004: the
porting team moves the numbers, typically within 1–2 business days, and call routing and SMS
settings are reset on the destination, so they must be set up again there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import TypeAlias

from bot.porting.transfers import BUSINESS_DAYS
from bot.porting.words import plural
from bot.wording.formats import numbers_list
from bot.wording.rich import Rich, at, code, mention, plain, rich, strong
from storage.transfer_models import Transfer, TransferEvent
from storage.values import TransferStatus

S = TransferStatus
MAX_LISTED = 25  # numbers spelled out in a sentence


@dataclass(frozen=True)
class Place:
    """An account named in a sentence: a channel id, or a person's id for a DM."""

    account: str


Said: TypeAlias = tuple[Rich | Place, ...]


def render(said: Said, words: Callable[[Rich], str], place: Callable[[str], str]) -> str:
    """``said`` in one channel's markup: ``words`` renders the text, ``place`` an account."""
    return "".join(place(p.account) if isinstance(p, Place) else words(p) for p in said)


def plain_place(account: str) -> str:
    """An account in plain text: ``channel C0ACME`` or ``U0CASEY's own account``."""
    if account[:1] in ("C", "G"):
        return f"channel {account}"
    return f"{account}'s own account" if account else "no account"


def plain_text(said: Said) -> str:
    return render(said, plain, plain_place)


def _numbers(t: Transfer) -> str:
    return numbers_list(list(t.numbers or ()), MAX_LISTED)


def _count(t: Transfer) -> str:
    return plural(len(t.numbers or ()), "number")


def _by(person_id: str | None, name: str | None) -> Rich:
    return rich(mention(person_id or "", name or "")) if person_id or name else rich("someone")


def _reset(where: Place) -> Said:
    return (
        rich("Call routing and SMS settings do not come along: they are reset on "),
        where,
        rich(", so set them up again there once the move is done."),
    )


STATUS_WORDS = {S.REQUESTED: "Requested", S.COMPLETED: "Completed", S.CANCELLED: "Cancelled"}


def summary(t: Transfer) -> Said:
    """``Transfer of 2 numbers from #main to #branch: +1 617-…, +1 617-…``."""
    return (
        rich(strong(f"Transfer of {_count(t)}"), " from "),
        Place(t.source),
        rich(" to "),
        Place(t.destination),
        rich(": ", _numbers(t)),
    )


def status_line(t: Transfer) -> Rich:
    return rich("Status: ", strong(STATUS_WORDS[t.status]), " · ", code(t.public_id[:10]))


def next_step(t: Transfer, tz: tzinfo | str | None) -> Said:
    """What happens next, or what happened."""
    if t.status is S.REQUESTED:
        return (
            rich(
                f"The porting team moves them within 1–{BUSINESS_DAYS} business days (by ",
                at(t.due_at, tz),
                "). No carrier and no authorization letter are needed. ",
            ),
            *_reset(Place(t.destination)),
        )
    if t.status is S.COMPLETED:
        when = at(t.closed_at, tz) if t.closed_at else "today"
        return (
            rich("Moved on ", when, " by ", _by(t.closed_by, t.closed_by_name), ". "),
            Place(t.destination),
            rich(
                " holds them now. Their call routing and SMS settings were reset in the move: "
                "set them up again there."
            ),
        )
    reason = f": {t.reason}" if t.reason else ""
    return (
        rich("Cancelled by ", _by(t.closed_by, t.closed_by_name), f"{reason}. Nothing moved; "),
        Place(t.source),
        rich(" keeps them."),
    )


def asked_by(t: Transfer, tz: tzinfo | str | None) -> Rich:
    return rich(
        "Asked for by ", _by(t.requested_by, t.requested_by_name), " on ", at(t.created_at, tz)
    )


def arrived(t: Transfer) -> Said:
    """The destination's notice when the transfer is completed: the numbers are here, and
    their call routing and SMS settings must be set up again."""
    return (
        rich(f"{_count(t).capitalize()} moved to this account from "),
        Place(t.source),
        rich(
            ": ",
            _numbers(t),
            ". ",
            strong("Their call routing and SMS settings were reset in the move"),
            ", so calls and texts to them are not set up here yet. Set up again where their "
            "calls ring and how their text messages are handled.",
        ),
    )


def left(t: Transfer) -> Said:
    """The source's notice when the transfer is completed."""
    return (
        rich(f"Done: {_count(t)} moved to "),
        Place(t.destination),
        rich(" by ", _by(t.closed_by, t.closed_by_name), ". They are no longer on this account."),
    )


def cancelled(t: Transfer) -> Said:
    reason = f": {t.reason}" if t.reason else ""
    return (rich("Cancelled by ", _by(t.closed_by, t.closed_by_name), f"{reason}. Nothing moved."),)


def late(t: Transfer, tz: tzinfo | str | None) -> Said:
    """The porting team's alert: a transfer still waiting after two business days."""
    return (
        rich(
            strong("Transfer waiting too long: "),
            code(t.public_id[:10]),
            f", {_count(t)} from ",
        ),
        Place(t.source),
        rich(" to "),
        Place(t.destination),
        rich(
            ", asked for ",
            at(t.created_at, tz),
            f", was due within {BUSINESS_DAYS} business days (",
            at(t.due_at, tz),
            "). Complete it with ",
            code(f"/port complete {t.public_id[:10]}"),
            " or cancel it with ",
            code(f"/port transfer cancel {t.public_id[:10]}"),
            ".",
        ),
    )


def requested_reply(t: Transfer, tz: tzinfo | str | None) -> Said:
    """What the person who asked sees at once."""
    return (
        rich("Transfer ", code(t.public_id[:10]), f" asked for: {_count(t)} from "),
        Place(t.source),
        rich(" to "),
        Place(t.destination),
        rich(
            ". Both channels get its card. The porting team moves them within "
            f"1–{BUSINESS_DAYS} business days (by ",
            at(t.due_at, tz),
            "). ",
        ),
        *_reset(Place(t.destination)),
    )


# --- Zendesk ---------------------------------------------------------------------------------


def subject(t: Transfer) -> str:
    return plain_text(
        (
            rich(f"Transfer {t.public_id[:10]}: {_count(t)} from "),
            Place(t.source),
            rich(" to "),
            Place(t.destination),
        )
    )


def ticket_body(t: Transfer, tz: tzinfo | str | None) -> str:
    """The ticket's first internal note: what is asked, by whom, and what the agent does."""
    lines = [
        plain_text(summary(t)),
        plain(asked_by(t, tz)) + ".",
        "",
        plain_text(next_step(t, tz)),
        "",
        f"Transfer ID: {t.public_id}",
    ]
    if t.status is S.REQUESTED:
        lines.append(
            f"Complete it in Slack with /port complete {t.public_id[:10]} (the numbers then "
            f"move), or cancel it with /port transfer cancel {t.public_id[:10]}."
        )
    return "\n".join(lines)


def event_note(t: Transfer, event: TransferEvent, tz: tzinfo | str | None) -> str:
    """The internal note for a later event, from the transfer as it is now."""
    if event.action == "completed":
        return plain_text(next_step(t, tz)) if t.status is S.COMPLETED else ""
    if event.action == "cancelled":
        return plain_text(next_step(t, tz)) if t.status is S.CANCELLED else ""
    if event.action == "late":
        return plain_text(late(t, tz)) if t.status is S.REQUESTED else ""
    return ""


__all__ = [
    "STATUS_WORDS",
    "Place",
    "Said",
    "arrived",
    "asked_by",
    "cancelled",
    "event_note",
    "late",
    "left",
    "next_step",
    "plain_place",
    "plain_text",
    "render",
    "requested_reply",
    "status_line",
    "subject",
    "summary",
    "ticket_body",
]
