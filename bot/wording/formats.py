"""Counts, dates and times as people read them (the same in every channel)."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from bot.porting.numbers import format_display


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 number``, ``3 numbers``, ``1,200 numbers``; ``many`` for irregular plurals."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


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
