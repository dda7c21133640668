"""What a reminder says, before any channel's markup: the :class:`Notice` a builder returns,
the :class:`Occasion` it is built for, and the pieces the builders share."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal, TypeAlias

from bot.porting.calendar import BusinessCalendar
from bot.porting.numbers import format_display
from bot.porting.reminders import Destination, ReminderKind, ReminderPolicy
from bot.wording.formats import an_instant, clip, plural, short_sid, window
from bot.wording.rich import Rich, Style, code, join, plain, rich, strong


class Verb(StrEnum):
    """What a reminder's button does; each channel with buttons names it its own way."""

    DETAILS = "details"  # show the request
    RESEND_LOA = "resend-loa"  # send the signer a fresh LOA link
    RESUME = "resume"  # finish the draft (add the bill)
    CANCEL = "cancel"  # ask to stop the request


@dataclass(frozen=True)
class Action:
    """A button under a reminder: its label, what it does, and how strongly it is shown."""

    label: str
    verb: Verb
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True)
class Notice:
    """A reminder in words. ``body``: the whole message; ``ref``: the request the actions act
    on (a footer names it); ``what``: what the ticket note calls the reminder (empty for
    messages that are no note).

    For :func:`combine`, a requester's notice also keeps its parts: ``address`` (the mention
    of the person it is for, only when they must act), ``words`` (what it says, without the
    address or the advice) and ``advice`` ("keep your service active", on the one reminder of
    a stage that says it). ``sections``: a combined notice's paragraphs, one block each."""

    body: Rich
    actions: tuple[Action, ...] = ()
    ref: str | None = None
    what: str = ""
    words: Rich | None = None
    address: Rich | None = None
    advice: Rich | None = None
    sections: tuple[Rich, ...] = ()


def compose(
    words: Rich,
    *,
    address: Rich | None = None,
    advice: Rich | None = None,
    actions: tuple[Action, ...] = (),
    ref: str | None = None,
    what: str = "",
) -> Notice:
    """A notice from its parts: the address first, then the words, then the advice."""
    body = join([p for p in (address, words, advice) if p], " ")
    return Notice(body, actions, ref, what, words=words, address=address, advice=advice)


def combine(notices: Sequence[Notice]) -> Notice:
    """Several reminders of one request as one message: the ones that ask something of the
    person first (the only mention, once, at the start), then the others in the order given;
    "keep your service active" once, at the end; each button once."""
    if len(notices) == 1:
        return notices[0]
    ordered = sorted(notices, key=lambda n: n.address is None)  # stable: asks first
    address = next((n.address for n in ordered if n.address), None)
    advice = next((n.advice for n in ordered if n.advice), None)
    parts = [n.words if n.words is not None else n.body for n in ordered]
    sections = [rich(address, " ", parts[0]) if address else parts[0], *parts[1:]]
    if advice:
        sections.append(advice)
    actions: dict[Verb, Action] = {}
    for n in ordered:
        for a in n.actions:
            actions.setdefault(a.verb, a)
    return Notice(
        join(sections, "\n\n"),
        tuple(actions.values()),
        ref=next((n.ref for n in ordered if n.ref), None),
        what=" + ".join(n.what for n in ordered if n.what),
        words=join(parts, "\n\n"),
        address=address,
        advice=advice,
        sections=tuple(sections),
    )


@dataclass(frozen=True)
class Occasion:
    """What a builder gets: the reminder's kind and ``data`` (from the policy), its subject
    (a request row or request summary, a port-out window, a port-out, or the digest's
    :class:`~bot.porting.reminders.DigestSummary`), the account's calendar, the policy, the
    local date the message goes out (``today``: counts of days are told as of then) and where
    it goes (``to``: the representative gets a message of their own)."""

    kind: ReminderKind
    data: Mapping[str, Any]
    subject: Any
    calendar: BusinessCalendar
    policy: ReminderPolicy
    today: date | None = None
    to: Destination = Destination.THREAD


Builder: TypeAlias = Callable[[Occasion], Notice]

NOTE_HEADING = "portbot reminder sent in Slack"


def note_text(notice: Notice) -> str:
    """The notice as the plain text of a ticket's internal note: the people it mentions as
    ``@name``, outside strings verbatim (a note is plain text; nothing in it is markup)."""
    names = {
        s.text: "@" + (s.label or s.text)
        for s in notice.body.spans
        if s.style is Style.MENTION and s.text
    }
    body = plain(notice.body, names)
    return f"{NOTE_HEADING} ({notice.what}):\n{body}" if notice.what else body


# --- pieces the builders share -------------------------------------------------------------


def days(n: int) -> str:
    return plural(n, "day")


def business_days(n: int) -> str:
    return plural(n, "business day")


def days_since(
    start: datetime | None, planned: int, calendar: BusinessCalendar, today: date | None
) -> int:
    """Business days from ``start`` to ``today``: as the message goes out, not as planned
    (the planned count when either is unknown, and never less than it)."""
    if start is None or today is None:
        return planned
    return max(planned, calendar.business_days_between(calendar.local_date(start), today))


def expires_on(anchor: datetime, o: Occasion) -> date:
    """The local day a request counting from ``anchor`` closes on its own."""
    return o.calendar.local_date(anchor) + timedelta(days=o.policy.expiry_days)


def label(req: Any) -> Rich:
    """``*Acme move* (`PR1234abcd`)``, or ``port request `PR1234abcd```."""
    if req.name:
        return rich(strong(clip(req.name, 80)), " (", code(short_sid(req.sid)), ")")
    return rich("port request ", code(short_sid(req.sid)))


def carrier(req: Any) -> str:
    return str(req.losing_carrier or "your current carrier")


def rep(req: Any) -> str:
    return str(req.rep_name or "your authorized representative")


def window_part(o: Occasion) -> str:
    """``, 9:00 AM – 1:00 PM EST`` when the reminder's data has the FOC window, else nothing."""
    start, end = an_instant(o.data.get("window_start")), an_instant(o.data.get("window_end"))
    if start is None or end is None:
        return ""
    return f", {window(start, end, o.calendar.timezone)}"


def numbers(e164s: list[str]) -> str:
    """At most five numbers as people read them, then ``and N more``."""
    shown = ", ".join(format_display(n) for n in e164s[:5])
    return shown + (f" and {len(e164s) - 5} more" if len(e164s) > 5 else "")


RESEND = Action("Resend LOA", Verb.RESEND_LOA, "primary")
DETAILS = Action("Details", Verb.DETAILS)
ADD_BILL = Action("Add the bill", Verb.RESUME, "primary")
CANCEL = Action("Cancel request", Verb.CANCEL, "danger")
