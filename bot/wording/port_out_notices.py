"""What an account's channel is told when its port-out protection changes, what the agents
are told when a customer asks to move numbers away, and what that customer alone is shown."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from bot.porting.numbers import format_display
from bot.porting.rules import PORT_OUT_WINDOW_MAX_DAYS
from bot.wording.formats import one_line, plural, when
from bot.wording.rich import Part, Rich, join, mention, rich, strong
from bot.wording.rich import code as mono
from storage.models import PortOutWindow

SHOWN = 10


def _numbers(numbers: Sequence[str]) -> str:
    shown = ", ".join(format_display(n) for n in numbers[:SHOWN])
    more = len(numbers) - SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _them(numbers: Sequence[str]) -> str:
    return "it" if len(numbers) == 1 else "them"


def account_notice(
    kind: str,
    numbers: Sequence[str],
    *,
    by: str,
    unlock_at: datetime | None,
    tz: tzinfo | str | None,
) -> Rich:
    """``locked``, ``unlocking`` or ``pin``: for the whole account when ``numbers`` is empty."""
    what = _numbers(numbers) if numbers else "every number of this account"
    who: Part = mention(by) if by else "Someone"
    if kind == "locked":
        return rich(
            ":lock: ",
            who,
            f" locked {what} against port-outs. No carrier can take {_them(numbers)} "
            "unless it quotes the port-out PIN.",
        )
    if kind == "unlocking":
        end: Part = strong(when(unlock_at, tz)) if unlock_at else "after the wait"
        return rich(
            ":unlock: ",
            who,
            f" asked to unlock {what}. The lock holds until ",
            end,
            ". If this was not you, lock it again now with `/port portout lock` and tell the "
            "porting team.",
        )
    return rich(
        ":key: ",
        who,
        f" set a port-out PIN for {what}. A carrier must quote it to take "
        f"{_them(numbers)}; nobody can read it back.",
    )


def requested_notice(window: PortOutWindow, tz: tzinfo | str | None) -> Rich:
    """The agents' card for a port-out a customer asked for (never the one-time PIN)."""
    wished = f", wished for {window.wished_date:%a %b %-d, %Y}" if window.wished_date else ""
    return rich(
        ":outbox_tray: ",
        mention(window.created_by) if window.created_by else "A customer",
        f" asked to move {_numbers(list(window.numbers))} to ",
        strong(window.receiving_carrier or "another carrier"),
        f"{wished}. A window (",
        f"`{window.public_id[:10]}`",
        ") is open until ",
        strong(when(window.ends_at, tz)),
        " and the customer has the details their new carrier will ask for. The port-out that "
        "follows is authorized without a click if it quotes them.",
    )


def request_details(
    code: str,
    pin: str,
    address_lines: Sequence[str],
    ends_at: datetime,
    tz: tzinfo | str | None,
) -> Rich:
    """The private message for the customer who asked for a port-out: what the new carrier will
    ask for. The only words that carry a PIN; show them to that person alone."""
    until = strong(when(ends_at, tz))
    address = join([one_line(a) for a in address_lines if one_line(a)], ", ")
    return join(
        [
            strong("What your new carrier will ask for"),
            "Give the new carrier these details to move your numbers. They are for you and them "
            "only: don't post them in a channel.",
            rich("• Account number: ", mono(code)),
            rich("• Port-out PIN: ", mono(pin), " (works once, until ", until, ")"),
            rich("• Service address: ", address or "none on file; ask the porting team"),
            rich(
                "A request that quotes these before ",
                until,
                " is authorized without anyone clicking. After that the PIN stops working; ask "
                "again with ",
                mono("/port portout request"),
                f" if you need more time (a window lasts at most "
                f"{plural(PORT_OUT_WINDOW_MAX_DAYS, 'day')}).",
            ),
        ],
        "\n",
    )
