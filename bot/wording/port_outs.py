"""Port-outs in words (PRODUCT §4): why each number was decided as it was, a port-out's summary
and the customer's news of it, windows, the numbers an account holds, and the one private
message that carries a PIN.

Outside text (the receiving carrier, a subscriber's name, numbers as the carrier sent them, a
reason typed in a modal) goes in as data; each channel's renderer escapes it. Nothing here
shows a PIN or an account number (``bot.wording.port_out_notices.request_details`` does, for
the customer who asked for a port-out alone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from functools import partial
from types import MappingProxyType

from bot.porting.port_outs import REJECTING, Reason
from bot.wording.formats import clip, day, day_at, numbers_list, one_line, plural, when
from bot.wording.formats import number as show_number
from bot.wording.rich import Part, Rich, join, mention, rich, strong
from bot.wording.rich import code as mono
from storage.models import HeldNumber, PortOut, PortOutWindow
from storage.values import PortOutStatus, WindowStatus

__all__ = [
    "PORT_OUT_NEWS",
    "REJECT_CHOICES",
    "STATUS_WORDS",
    "decided_by",
    "decision_groups",
    "number_line",
    "numbers_heading",
    "numbers_words",
    "port_out_line",
    "port_out_news",
    "port_out_next",
    "port_out_summary",
    "reason_label",
    "reason_words",
    "window_words",
]

P = PortOutStatus
SHOWN = 5  # numbers named in a sentence before "and N more"

PORT_OUT_NEWS = frozenset({"arrived", "authorized", "rejected", "ported", "cancelled"})
"""The timeline actions of a port-out that are news for the customer."""

STATUS_WORDS: Mapping[PortOutStatus, str] = MappingProxyType(
    {
        P.PENDING: "Waiting for your answer",
        P.AUTHORIZED: "Authorized",
        P.REJECTED: "Refused",
        P.PORTED: "Ported",
        P.CANCELLED: "Cancelled",
    }
)

REJECT_CHOICES: Mapping[str, str] = MappingProxyType(
    {
        "not-requested": "We did not ask for this port-out",
        "wrong-account": "These numbers are on the wrong account",
        "other": "Another reason",
    }
)
"""The short catalog of reasons a customer rejects a port-out with: value → label."""

# Per reason: a few words for lists, and one sentence for one number and for several.
_REASONS: Mapping[Reason, tuple[str, str, str]] = MappingProxyType(
    {
        Reason.NOT_HELD: (
            "not held here",
            "We don't hold this number for any account, so it isn't ours to let go.",
            "We don't hold these numbers for any account, so they aren't ours to let go.",
        ),
        Reason.PIN_MISSING: (
            "no PIN given",
            "This number has a port-out PIN and the new carrier did not give it, so it stays "
            "on your account.",
            "These numbers have a port-out PIN and the new carrier did not give it, so they "
            "stay on your account.",
        ),
        Reason.PIN_WRONG: (
            "wrong PIN",
            "The new carrier gave the wrong port-out PIN for this number, so it stays on your "
            "account.",
            "The new carrier gave the wrong port-out PIN for these numbers, so they stay on "
            "your account.",
        ),
        Reason.LOCKED: (
            "locked",
            "This number is locked against port-outs and the new carrier did not give its PIN, "
            "so it stays on your account.",
            "These numbers are locked against port-outs and the new carrier did not give their "
            "PIN, so they stay on your account.",
        ),
        Reason.ACCOUNT_MISMATCH: (
            "account number does not match",
            "The account number the new carrier gave is not the one on file for this number, "
            "so it stays on your account.",
            "The account number the new carrier gave is not the one on file for these numbers, "
            "so they stay on your account.",
        ),
        Reason.ZIP_MISMATCH: (
            "ZIP code does not match",
            "The ZIP code the new carrier gave does not match the service address on file, so "
            "this number stays on your account.",
            "The ZIP code the new carrier gave does not match the service address on file, so "
            "these numbers stay on your account.",
        ),
        Reason.WINDOW: (
            "inside a window",
            "An open port-out window covers this number, so it may leave.",
            "An open port-out window covers these numbers, so they may leave.",
        ),
        Reason.ASK: (
            "waiting for an answer",
            "No port-out window covers this number, so it waits for your approval.",
            "No port-out window covers these numbers, so they wait for your approval.",
        ),
    }
)

_RULES: Mapping[str, str] = MappingProxyType(
    {
        "window": "an open port-out window",
        "pin": "the port-out PIN check",
        "lock": "the port-out lock",
        "not-held": "the inventory (we don't hold the numbers)",
        "mismatch": "the account details check",
        "deadline": "the default at the deadline, as nobody answered",
    }
)


def reason_words(reason: Reason, count: int = 1) -> str:
    """What ``reason`` means for the customer, in one plain sentence (about ``count`` numbers)."""
    _, one, many = _REASONS[reason]
    return one if count == 1 else many


def reason_label(reason: Reason) -> str:
    """A few words for lists and notes, e.g. ``wrong PIN``."""
    return _REASONS[reason][0]


def decision_groups(po: PortOut) -> list[tuple[Reason | None, list[str]]]:
    """The port-out's numbers grouped by the reason each was decided with, in the order the
    reasons first appear (``None``: no decision recorded for those numbers)."""
    groups: dict[Reason | None, list[str]] = {}
    decided: set[str] = set()
    for entry in po.decisions or ():
        value = str(entry.get("number") or "")
        try:
            reason: Reason | None = Reason(str(entry.get("reason")))
        except ValueError:
            reason = None
        groups.setdefault(reason, []).append(value)
        decided.add(value)
    rest = [n for n in po.numbers or () if n not in decided]
    if rest:
        groups.setdefault(None, []).extend(rest)
    return list(groups.items())


def decided_by(po: PortOut) -> Rich:
    """Who or which rule decided: ``an open port-out window``, ``@casey``, …"""
    who = po.decided_by or ""
    if po.rule == "customer" and who:
        return rich(mention(who))
    if po.rule == "agent" and who:
        return rich(mention(who), " of the porting team")
    if po.rule in _RULES:
        return rich(_RULES[po.rule or ""])
    return rich(mention(who)) if who and who != "portbot" else rich("portbot")


# --- a port-out ------------------------------------------------------------------------------


def _carrier(po: PortOut, *, start: bool = False) -> str:
    name = clip(one_line(po.receiving_carrier), 120)
    return name or ("Another carrier" if start else "another carrier")


def _numbers(e164s: Sequence[str], limit: int = SHOWN) -> str:
    return numbers_list([str(n) for n in e164s], limit) or "no numbers"


def _deadline(po: PortOut, tz: tzinfo | str | None) -> Part:
    return strong(day_at(po.deadline_at, tz)) if po.deadline_at else "the deadline"


def _if_silent(default: str) -> str:
    return "it is refused" if default == "reject" else "it goes ahead"


def port_out_summary(po: PortOut, tz: tzinfo | str | None) -> Rich:
    """The port-out in a few lines: the carrier, the numbers, the status, the deadline while
    pending, each number's decision (grouped by reason) and who or which rule decided."""
    lines: list[Part] = [
        rich("Port-out to ", strong(_carrier(po)), f": {STATUS_WORDS[po.status]}"),
        rich(f"{plural(len(po.numbers or ()), 'number')}: ", _numbers(po.numbers or (), 10)),
    ]
    if po.subscriber_name:
        lines.append(rich("Account name given: ", clip(one_line(po.subscriber_name), 120)))
    if po.foc_date:
        lines.append(f"Port date asked for: {day(po.foc_date)}")
    if po.status is P.PENDING:
        lines.append(rich("Answer by: ", _deadline(po, tz)))
    for reason, e164s in decision_groups(po):
        words = reason_words(reason, len(e164s)) if reason else "No decision yet."
        lines.append(rich("• ", _numbers(e164s), ": ", words))
    if po.status is not P.PENDING and (po.decided_by or po.rule):
        at = f" on {when(po.decided_at, tz)}" if po.decided_at else ""
        lines.append(rich("Decided by ", decided_by(po), at))
    if po.reason and po.status in (P.REJECTED, P.CANCELLED):
        lines.append(rich("Reason: ", clip(one_line(po.reason), 300)))
    return join(lines, "\n")


def port_out_line(po: PortOut, tz: tzinfo | str | None) -> Rich:
    """One line for lists: ``Acme Tel wants +1 617-253-1000 · answer by …``."""
    text = rich(strong(_carrier(po, start=True)), " wants ", _numbers(po.numbers or ()))
    if po.status is P.PENDING and po.deadline_at:
        return text + f" · answer by {day_at(po.deadline_at, tz)}"
    return text + f" · {STATUS_WORDS[po.status].lower()}"


def port_out_next(po: PortOut, tz: tzinfo | str | None, *, default: str) -> Rich:
    """What happens next, for the customer, given the port-out's status and the configured
    ``default`` (``authorize`` or ``reject``) at the deadline."""
    match po.status:
        case P.PENDING:
            return rich(
                "If you asked for this move, approve it; if not, reject it, by ",
                _deadline(po, tz),
                f". If nobody answers by then, {_if_silent(default)}.",
            )
        case P.AUTHORIZED:
            on = f" ({day(po.foc_date)})" if po.foc_date else ""
            return rich(
                f"The numbers leave on the port date the carriers set{on}. The porting team "
                "marks the port-out done once they have gone."
            )
        case P.REJECTED if po.rule in ("pin", "lock"):
            return rich(
                "Nothing moves. If you do want these numbers to go, give the new carrier "
                "your port-out PIN and ask it to send the request again."
            )
        case P.REJECTED:
            return rich(
                "Nothing moves. If you do want these numbers to go, open a port-out window with ",
                mono("/port portout authorize"),
                " and ask the new carrier to send the request again.",
            )
        case P.PORTED:
            return rich("These numbers are no longer on your account.")
        case P.CANCELLED:
            return rich("Nothing moves: the numbers stay on your account.")
    raise AssertionError(po.status)  # pragma: no cover


def port_out_news(
    po: PortOut,
    action: str,
    tz: tzinfo | str | None,
    *,
    default: str,
    actor: str | None = None,
) -> Rich:
    """The customer's words for a port-out's timeline ``action`` (one of
    :data:`PORT_OUT_NEWS`); ``default`` is what happens at the deadline (``authorize`` or
    ``reject``). ``actor``: the name of the person who decided, for a status update in the
    port-out's own thread, where they are named, not mentioned (they know what they did);
    without it they are mentioned (a notice that goes to other people)."""
    carrier, nums, request = _carrier(po), _numbers(po.numbers or ()), _request(po)
    who = po.decided_by or ""
    person: Part = one_line(actor) if actor else mention(who)
    parts: list[Part] = []
    match action:
        case "arrived":
            asked = rich(_carrier(po, start=True), " has asked to take ", nums)
            parts.append(rich(asked, " from your account."))
            parts.append(port_out_next(po, tz, default=default))
        case "authorized":
            if po.rule == "window":
                matched = " matched your open port-out window, so we authorized it."
                parts.append(rich(_request(po, start=True), matched))
            elif po.rule == "customer" and who:
                parts.append(rich(person, " approved ", request, "."))
            elif po.rule == "agent" and who:
                team = rich("The porting team (", person, ") authorized ")
                parts.append(rich(team, request, "."))
            elif po.rule == "deadline":
                silent = rich("No answer came by ", _deadline(po, tz), ", so ")
                parts.append(rich(silent, request, " went ahead."))
            else:
                parts.append(rich("We authorized ", request, "."))
            parts.append(port_out_next(po, tz, default=default))
        case "rejected":
            parts.extend(_rejected(po, request, tz, person))
            parts.append(port_out_next(po, tz, default=default))
        case "ported":
            parts.append(rich("Done: ", nums, " moved to ", carrier, " and left your account."))
        case "cancelled":
            parts.append(rich(_request(po, start=True), " was cancelled."))
            parts.append(port_out_next(po, tz, default=default))
        case _:
            raise ValueError(f"{action!r} is no port-out news")
    return join([p for p in parts if p], "\n\n")


def _request(po: PortOut, *, start: bool = False) -> Rich:
    """``Acme Tel's request to take +1 617-253-1000``."""
    return rich(_carrier(po, start=start), "'s request to take ", _numbers(po.numbers or ()))


def _rejected(po: PortOut, request: Rich, tz: tzinfo | str | None, person: Part) -> list[Part]:
    who = po.decided_by or ""
    given = rich("Reason given: ", clip(one_line(po.reason), 300)) if po.reason else None
    if po.rule == "customer" and who:
        return [rich(person, " rejected ", request, "."), given]
    if po.rule == "agent" and who:
        return [rich("The porting team (", person, ") rejected ", request, "."), given]
    if po.rule == "deadline":
        return [rich("No answer came by ", _deadline(po, tz), ", so ", request, " was refused.")]
    why = [
        rich("• ", _numbers(e164s), ": ", reason_words(reason, len(e164s)))
        for reason, e164s in decision_groups(po)
        if reason in REJECTING
    ]
    head = rich("We refused ", request, "." + (" Here is why:" if why else ""))
    return [head, join(why, "\n") if why else given]


# --- windows, numbers, the private details ---------------------------------------------------


def window_words(w: PortOutWindow, tz: tzinfo | str | None) -> Rich:
    """``Port-out window for +1 617-253-1000: from … to … · only to Acme Tel · PIN set`` (the
    PIN itself never)."""
    text = rich(
        strong("Port-out window"),
        " for ",
        _numbers(w.numbers or ()),
        f": from {when(w.starts_at, tz)} to {when(w.ends_at, tz)}",
    )
    if w.receiving_carrier:
        text += rich(" · only to ", clip(one_line(w.receiving_carrier), 120))
    if w.pin is not None:
        text += " · PIN set"
    if w.wished_date:
        text += f" · port date wished: {day(w.wished_date)}"
    if w.status is WindowStatus.CLOSED:
        text += " · closed"
    elif w.status is WindowStatus.CANCELLED:
        text += " · revoked"
    return text


def number_line(
    row: HeldNumber,
    tz: tzinfo | str | None,
    *,
    account_locked: bool = False,
    account_pin: bool = False,
    account_unlock_at: datetime | None = None,
) -> Rich:
    """``+1 617-253-1000 · locked · PIN set · from a port-in`` (the digits of a PIN never)."""
    if row.locked:
        lock = f"unlocking at {when(row.unlock_at, tz)}" if row.unlock_at else "locked"
    elif account_locked:
        lock = f"unlocking at {when(account_unlock_at, tz)}" if account_unlock_at else "locked"
    else:
        lock = "not locked"
    pin = "PIN set" if row.pin is not None else "account PIN" if account_pin else "no PIN"
    source = "from a port-in" if row.source == "port-in" else "registered"
    return rich(show_number(row.e164), f" · {lock} · {pin} · {source}")


def numbers_words(
    rows: Sequence[HeldNumber],
    account_locked: bool,
    account_pin: bool,
    tz: tzinfo | str | None,
    *,
    account_unlock_at: datetime | None = None,
) -> Rich:
    """The numbers an account holds, each with its protection, under a line for the account."""
    head = numbers_heading(
        len(rows), account_locked, account_pin, tz, account_unlock_at=account_unlock_at
    )
    line = partial(
        number_line,
        tz=tz,
        account_locked=account_locked,
        account_pin=account_pin,
        account_unlock_at=account_unlock_at,
    )
    lines = [rich("• ", line(r)) for r in rows]
    return join([head, *lines], "\n")


def numbers_heading(
    count: int,
    account_locked: bool,
    account_pin: bool,
    tz: tzinfo | str | None,
    *,
    account_unlock_at: datetime | None = None,
) -> Rich:
    """How many numbers the account holds and how the whole account is protected."""
    if not count:
        return rich(
            "This account holds no numbers yet. They are added when a port-in completes, or by "
            "the porting team."
        )
    head = [f"This account holds {plural(count, 'number')}."]
    if account_locked:
        head.append(
            f"All of them are locked against port-outs until {when(account_unlock_at, tz)}."
            if account_unlock_at
            else "All of them are locked against port-outs."
        )
    if account_pin:
        head.append("The account has a port-out PIN.")
    return rich(" ".join(head))
