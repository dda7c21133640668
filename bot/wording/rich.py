"""Rich text that is not yet in any markup: the model and its plain-text and HTML renderers.

A :class:`Rich` is a tuple of spans. Plain strings are words; :func:`strong`, :func:`code`,
:func:`mention`, :func:`link` and :func:`at` (an instant) mark what each channel shows its own
way: Slack shows an instant in each reader's own time zone, other channels in the account's.
Text from outside (a name, a carrier, a comment) goes in as a plain string or inside a span and
is escaped by the renderer of the channel it reaches, never before: the builders never see
markup.
"""

from __future__ import annotations

import html as _html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import TypeAlias

from bot.wording.formats import clock_time, day_at, zone
from bot.wording.links import safe_url


class Style(StrEnum):
    PLAIN = "plain"
    STRONG = "strong"
    CODE = "code"
    MENTION = "mention"  # text: a Slack user id; label: the person's name, for other channels
    LINK = "link"  # text: the address; label: what the reader sees
    WHEN = "when"  # text: the instant (ISO 8601, UTC); label: it in the account's time zone


class Clock(StrEnum):
    """How much of an instant a :data:`Style.WHEN` span says. The values are Slack's date
    tokens for it (``<!date^…^{date_short_pretty} at {time}|…>``)."""

    DAY_TIME = "{date_short_pretty} at {time}"  # Wed Dec 2, 2026 at 9:30 AM EST
    TIME = "{time}"  # 9:30 AM EST


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    style: Style = Style.PLAIN
    label: str = ""
    clock: Clock = Clock.DAY_TIME  # for Style.WHEN only


@dataclass(frozen=True, slots=True)
class Rich:
    """Words in order. ``Rich`` values join with ``+`` and with :func:`rich`."""

    spans: tuple[Span, ...] = ()

    def __add__(self, other: Part) -> Rich:
        return rich(self, other)

    def __radd__(self, other: Part) -> Rich:
        return rich(other, self)

    def __bool__(self) -> bool:
        return any(s.text or s.label for s in self.spans)

    def __str__(self) -> str:
        return plain(self)


Part: TypeAlias = "str | Span | Rich | None"


def rich(*parts: Part) -> Rich:
    """Join strings (plain words), spans and rich texts; ``None`` and ``""`` are left out."""
    spans: list[Span] = []
    for part in parts:
        if part is None or part == "":
            continue
        if isinstance(part, Rich):
            spans.extend(part.spans)
        elif isinstance(part, Span):
            spans.append(part)
        else:
            spans.append(Span(str(part)))
    return Rich(tuple(spans))


def join(parts: Iterable[Part], sep: Part = ", ") -> Rich:
    """``parts`` with ``sep`` between them."""
    out: list[Part] = []
    for i, part in enumerate(parts):
        if i:
            out.append(sep)
        out.append(part)
    return rich(*out)


def strong(text: object) -> Span:
    return Span(str(text), Style.STRONG)


def code(text: object) -> Span:
    return Span(str(text), Style.CODE)


def mention(user_id: str, name: str = "") -> Span:
    """A person: a Slack mention where the channel has them, their name elsewhere."""
    return Span(user_id or "", Style.MENTION, name)


def link(url: str, label: str = "") -> Span:
    return Span(url, Style.LINK, label)


def at(moment: datetime, tz: tzinfo | str | None, clock: Clock = Clock.DAY_TIME) -> Span:
    """An instant: Slack shows it in each reader's own time zone; plain text and HTML in
    ``tz``, the account's (``Wed Dec 2, 2026 at 9:30 AM EST``, or ``9:30 AM EST``)."""
    if moment.tzinfo is None:
        raise ValueError("an instant needs its time zone")
    words = clock_words(moment, tz, clock)
    return Span(moment.astimezone(UTC).isoformat(), Style.WHEN, words, clock)


def clock_words(moment: datetime, tz: tzinfo | str | None, clock: Clock) -> str:
    """``moment`` in ``tz`` as ``clock`` says it, with the zone's abbreviation."""
    if clock is Clock.TIME:
        local = moment.astimezone(zone(tz))
        return f"{clock_time(local, local.tzinfo)} {local:%Z}".rstrip()
    return day_at(moment, tz)


def between(start: datetime, end: datetime, tz: tzinfo | str | None) -> Rich:
    """A window of the day, ``9:00 AM EST – 11:00 AM EST`` (the day is said separately)."""
    return rich(at(start, tz, Clock.TIME), " – ", at(end, tz, Clock.TIME))


# --- renderers that belong to no single adapter ------------------------------------------------


def plain(text: Rich | str, names: Mapping[str, str] | None = None) -> str:
    """Plain text (Zendesk notes, e-mail): emphasis dropped, mentions by name, links as
    ``label (address)``, instants in the account's time zone."""
    if isinstance(text, str):
        return text
    out: list[str] = []
    for s in text.spans:
        if s.style is Style.MENTION:
            out.append((names or {}).get(s.text) or s.label or s.text or "someone")
        elif s.style is Style.LINK:
            url = safe_url(s.text)
            out.append(f"{s.label} ({url})" if s.label and url else s.label or url)
        elif s.style is Style.WHEN:
            out.append(s.label)
        else:
            out.append(s.text)
    return "".join(out)


def html(text: Rich | str) -> str:
    """HTML with every string escaped (pages, e-mail bodies, the Zendesk sidebar)."""
    if isinstance(text, str):
        return _html.escape(text)
    out: list[str] = []
    for s in text.spans:
        body = _html.escape(s.text if s.style in _OWN_TEXT else s.label)
        if s.style is Style.STRONG:
            out.append(f"<strong>{body}</strong>")
        elif s.style is Style.CODE:
            out.append(f"<code>{body}</code>")
        elif s.style is Style.MENTION:
            out.append(body or _html.escape(s.text or "someone"))
        elif s.style is Style.LINK:
            url = safe_url(s.text)
            if url:
                out.append(
                    f'<a href="{_html.escape(url)}" rel="noopener">{body or _html.escape(url)}</a>'
                )
            else:
                out.append(body)
        elif s.style is Style.WHEN:
            out.append(f'<time datetime="{_html.escape(s.text)}">{body}</time>')
        else:
            out.append(body)
    return "".join(out)


_OWN_TEXT = frozenset({Style.PLAIN, Style.STRONG, Style.CODE})  # the others show their label
