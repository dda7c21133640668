"""Rich text that is not yet in any markup: the model and its plain-text and HTML renderers.

A :class:`Rich` is a tuple of spans. Plain strings are words; :func:`strong`, :func:`code`,
:func:`mention` and :func:`link` mark what each channel shows its own way. Text from outside
(a name, a carrier, a comment) goes in as a plain string or inside a span and is escaped by the
renderer of the channel it reaches, never before: the builders never see markup.
"""

from __future__ import annotations

import html as _html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

from bot.wording.links import safe_url


class Style(StrEnum):
    PLAIN = "plain"
    STRONG = "strong"
    CODE = "code"
    MENTION = "mention"  # text: a Slack user id; label: the person's name, for other channels
    LINK = "link"  # text: the address; label: what the reader sees


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    style: Style = Style.PLAIN
    label: str = ""


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


# --- renderers that belong to no single adapter ------------------------------------------------


def plain(text: Rich | str, names: Mapping[str, str] | None = None) -> str:
    """Plain text (Zendesk notes, e-mail): emphasis dropped, mentions by name, links as
    ``label (address)``."""
    if isinstance(text, str):
        return text
    out: list[str] = []
    for s in text.spans:
        if s.style is Style.MENTION:
            out.append((names or {}).get(s.text) or s.label or s.text or "someone")
        elif s.style is Style.LINK:
            url = safe_url(s.text)
            out.append(f"{s.label} ({url})" if s.label and url else s.label or url)
        else:
            out.append(s.text)
    return "".join(out)


def html(text: Rich | str) -> str:
    """HTML with every string escaped (pages, e-mail bodies, the Zendesk sidebar)."""
    if isinstance(text, str):
        return _html.escape(text)
    out: list[str] = []
    for s in text.spans:
        body = _html.escape(s.label if s.style in (Style.MENTION, Style.LINK) else s.text)
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
        else:
            out.append(body)
    return "".join(out)
