"""What a reminder says, before any channel's markup: the :class:`Notice` a builder returns,
the :class:`Occasion` it is built for, and the pieces the builders share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal, TypeAlias

from bot.porting.calendar import BusinessCalendar
from bot.porting.numbers import format_display
from bot.porting.reminders import Destination, ReminderKind, ReminderPolicy
from bot.wording.formats import an_instant, clip, plural, short_sid, window
from bot.wording.rich import Rich, Style, code, plain, rich, strong


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
    """A reminder in words. ``ref``: the request the actions act on (a footer names it);
    ``what``: what the ticket note calls the reminder (empty for messages that are no note)."""

    body: Rich
    actions: tuple[Action, ...] = ()
    ref: str | None = None
    what: str = ""


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
