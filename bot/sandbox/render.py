"""Turn Slack blocks, mrkdwn and HTML into plain lines for a terminal transcript."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_USER = re.compile(r"<@([UW][A-Z0-9]+)>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")


# The emoji portbot's messages use, for terminals (Slack draws them from these names).
_EMOJI = {
    "white_check_mark": "✅",
    "writing_hand": "✍️",
    "mag": "🔎",
    "outbox_tray": "📤",
    "calendar": "📅",
    "warning": "⚠️",
    "tada": "🎉",
    "no_entry_sign": "🚫",
    "hourglass": "⏳",
    "memo": "📝",
    "x": "❌",
    "lock": "🔒",
    "telephone_receiver": "📞",
    "hourglass_flowing_sand": "⏳",
    "heavy_check_mark": "✔️",
    "information_source": "ℹ️",
    "pencil2": "✏️",
    "clock3": "🕒",
    "wastebasket": "🗑️",
    "arrows_counterclockwise": "🔄",
    "hammer_and_wrench": "🛠️",
    "zzz": "💤",
    "white_circle": "⚪",
}
_EMOJI_RE = re.compile(r":([a-z0-9_+-]+):")
_DATE = re.compile(r"<!date\^(\d+)\^([^|>]*)\|([^>]*)>")  # a Slack date token
READER_ZONE = ZoneInfo("America/New_York")  # the demo's people read Slack in New York's time


def _date(m: re.Match[str]) -> str:
    """A date token as the reader's Slack shows it: in the reader's own zone (the demo's
    people are in New York), in the token's format."""
    moment = datetime.fromtimestamp(int(m.group(1)), READER_ZONE)
    time = f"{moment.strftime('%I:%M %p').lstrip('0')} {moment.tzname()}"
    day = f"{moment:%a %b} {moment.day}, {moment.year}"
    return m.group(2).replace("{date_short_pretty}", day).replace("{time}", time)


def mrkdwn(text: str, names: Callable[[str], str] = lambda i: i) -> str:
    text = _EMOJI_RE.sub(lambda m: _EMOJI.get(m.group(1), m.group(0)), text)
    text = _DATE.sub(_date, text)
    text = _LINK.sub(r"\2", text)
    text = _USER.sub(lambda m: "@" + names(m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or names(m.group(1))), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text.replace("\u2060", "")


def _texts(block: dict[str, Any]) -> Iterable[str]:
    kind = block.get("type")
    if kind in ("section", "header"):
        if block.get("text"):
            yield block["text"]["text"]
        for f in block.get("fields") or []:
            yield f["text"]
    elif kind == "context":
        for el in block.get("elements") or []:
            if el.get("text"):
                yield el["text"]
    elif kind == "input":
        yield f"[{block['label']['text']}]"
    elif kind == "actions":
        labels = [el["text"]["text"] for el in block.get("elements") or [] if el.get("text")]
        if labels:
            yield "Buttons: " + " · ".join(labels)
    elif kind == "rich_text":
        yield "(formatted text)"


def blocks(
    items: list[dict[str, Any]] | None,
    names: Callable[[str], str] = lambda i: i,
    *,
    limit: int = 40,
) -> list[str]:
    lines: list[str] = []
    for block in items or []:
        for text in _texts(block):
            lines.extend(mrkdwn(text, names).splitlines())
    lines = [line.rstrip() for line in lines if line.strip()]
    if len(lines) > limit:
        lines = [*lines[:limit], f"… ({len(lines) - limit} more lines)"]
    return lines


_BLOCKS = frozenset(
    {
        *("address", "article", "dd", "div", "dl", "dt", "footer", "form", "header", "li"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "main", "ol", "p", "section", "title", "ul"),
        *("table", "tbody", "thead", "tr"),
    }
)
_CELLS = frozenset({"td", "th"})
_VOID = frozenset(  # elements without an end tag
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


class _Lines(HTMLParser):
    """Collects the words of an HTML page, a line per block (see :func:`html_lines`)."""

    def __init__(self, skip: Collection[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = frozenset(skip)
        self.lines: list[str] = []
        self.words: list[str] = []
        self.prefix = ""
        self.term = ""
        self.items = 0  # list items open: a line break inside one is indented under it
        self.skipping: list[str] = []  # the open elements that are left out, innermost last

    def flush(self) -> None:
        line = " ".join("".join(self.words).split())
        if line:
            self.lines.append(self.prefix + line)
        self.words, self.prefix = [], ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        if self.skipping or tag in self.skip or classes & self.skip:
            if tag not in _VOID:
                self.skipping.append(tag)
            return
        if tag in _CELLS:
            if "".join(self.words).strip():
                self.words.append(" · ")
        elif tag == "br":
            self.flush()
            self.prefix = "  " if self.items else ""
        elif tag in _BLOCKS:
            self.flush()
            if tag == "li":
                self.items += 1
                self.prefix = "• "
            elif tag == "dd" and self.term:
                self.prefix, self.term = f"{self.term}: ", ""

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag in self.skipping:  # an element left open inside is closed with it
                del self.skipping[len(self.skipping) - self.skipping[::-1].index(tag) - 1 :]
            return
        if tag == "dt":
            self.term = " ".join("".join(self.words).split())
            self.words = []
        elif tag in _BLOCKS:
            self.flush()
            if tag == "li":
                self.items = max(self.items - 1, 0)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.words.append(data)


def html_lines(page: str, *, skip: Collection[str] = ("head", "script", "style")) -> list[str]:
    """The words of an HTML page or fragment as lines for a terminal: one per heading,
    paragraph and list item (``• `` before it), a table row's cells on one line joined by
    `` · ``, a term and its value as ``term: value``. Elements whose tag or class is in
    ``skip`` are left out with everything inside them."""
    parser = _Lines(skip)
    parser.feed(page)
    parser.close()
    parser.flush()
    return parser.lines
