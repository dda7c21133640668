"""Counts, dates and times as people read them (the same in every channel)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from bot.porting.numbers import format_display
from bot.porting.words import plural, possessive, spelled

__all__ = [
    "a_date",
    "an_instant",
    "clip",
    "clock_time",
    "day",
    "day_at",
    "long_when",
    "number",
    "numbers_list",
    "one_line",
    "plural",
    "possessive",
    "short_day",
    "short_sid",
    "spelled",
    "when",
    "window",
    "zone",
]


def number(e164: str) -> str:
    """A stored E.164 number as people read it, e.g. ``+1 617-253-1000``."""
    return format_display(e164)


def day(d: date) -> str:
    """``Wed Dec 2, 2026``."""
    return f"{d:%a %b} {d.day}, {d.year}"


def short_day(d: date, *, today: date | None = None) -> str:
    """``Wed Dec 2``, with the year only when it is not ``today``'s year."""
    text = f"{d:%a %b} {d.day}"
    return text if today is not None and d.year == today.year else f"{text}, {d.year}"


def zone(tz: tzinfo | str | None) -> tzinfo:
    if tz is None:
        return ZoneInfo("UTC")
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def clock_time(moment: datetime, tz: tzinfo | str | None) -> str:
    """``9:30 AM`` in ``tz``."""
    local = moment.astimezone(zone(tz))
    return f"{local.hour % 12 or 12}:{local:%M} {'AM' if local.hour < 12 else 'PM'}"


def when(moment: datetime, tz: tzinfo | str | None) -> str:
    """``Wed Dec 2, 2026, 9:30 AM EST``: an aware instant shown in the account's time zone."""
    local = moment.astimezone(zone(tz))
    return f"{day(local.date())}, {clock_time(local, local.tzinfo)} {local:%Z}".rstrip()


def window(start: datetime, end: datetime, tz: tzinfo | str | None) -> str:
    """``9:00 AM – 11:00 AM EST`` (the day is shown separately)."""
    local_end = end.astimezone(zone(tz))
    return f"{clock_time(start, tz)} – {clock_time(end, tz)} {local_end:%Z}".rstrip()


def short_sid(sid: str) -> str:
    """The short form people can type: ``PR`` and the first 8 hex characters."""
    return sid[:10]


def day_at(moment: datetime, tz: tzinfo | str | None) -> str:
    """``Wed Dec 2, 2026 at 9:30 AM EST``: a deadline in a sentence."""
    local = moment.astimezone(zone(tz))
    return f"{day(local.date())} at {clock_time(local, local.tzinfo)} {local:%Z}".rstrip()


def long_when(moment: datetime, tz: tzinfo | str | None = None) -> str:
    """``Monday, November 30, 2026 at 10:00 AM EST``, for letters and pages; without ``tz``
    the instant is shown in its own zone."""
    local = moment.astimezone(zone(tz)) if tz is not None else moment
    clock = clock_time(local, local.tzinfo or zone(None))
    return f"{local:%A, %B} {local.day}, {local.year} at {clock} {local.tzname() or ''}".strip()


def one_line(text: str | None) -> str:
    """Outside text on one line, its runs of white space made single spaces."""
    return " ".join((text or "").split())


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut."""
    if limit < 1:
        return ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def numbers_list(e164s: Sequence[str], limit: int) -> str:
    """``+1 617-253-1000, +1 617-253-1001 and 8 more``: at most ``limit`` numbers shown."""
    shown = ", ".join(number(e) for e in e164s[: max(limit, 0)])
    more = f" and {len(e164s) - limit:,} more" if len(e164s) > limit else ""
    return shown + more


def a_date(value: object) -> date | None:
    """A date kept as ISO text (``"2026-12-01"``) in a reminder's or an event's data; None
    when absent or not a date. Any wording that reads such data uses this one."""
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def an_instant(value: object) -> datetime | None:
    """An instant kept as ISO text in a reminder's or an event's data; None when absent or not
    an instant. Like :func:`a_date`."""
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
