"""Turn Slack blocks and mrkdwn into plain lines for a terminal transcript."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

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


def mrkdwn(text: str, names: Callable[[str], str] = lambda i: i) -> str:
    text = _EMOJI_RE.sub(lambda m: _EMOJI.get(m.group(1), m.group(0)), text)
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
