"""Block Kit and view limits, checked the way Slack checks them.

``check_view`` and ``check_blocks`` return Slack's complaints worded like the
``response_metadata.messages`` of an ``invalid_arguments`` / ``invalid_blocks`` answer
(``[ERROR] ... [json-pointer:/view/blocks/0/text]``); an empty list means Slack would accept it.
The simulator refuses ``views.*`` and ``chat.*`` calls that break them, so code that would fail
against real Slack fails in tests too.
"""

from __future__ import annotations

from typing import Any

Args = dict[str, Any]

_TEXT_LIMITS: dict[str, dict[str, int]] = {  # by block/element type; "*" applies everywhere
    "*": {"block_id": 255, "action_id": 255, "placeholder": 150, "hint": 2000},
    "section": {"text": 3000},
    "header": {"text": 150},
    "input": {"label": 2000},
    "button": {"text": 75, "value": 2000, "url": 3000},
    "option": {"text": 75, "value": 150},
    "field": {"text": 2000},
}
_COUNT_LIMITS = {"actions": 25, "context": 10, "section": 10, "checkboxes": 10}
_COUNT_LIMITS.update(radio_buttons=10, overflow=5)


def check_view(spec: Any, kind: str, pointer: str = "/view") -> list[str]:
    """Slack's complaints about a view, worded like its ``response_metadata.messages``.

    Modal: title required; title/submit/close at most 24 characters; input blocks need a submit
    button. Every view: at most 100 blocks, ``private_metadata`` 3000 and ``callback_id`` /
    ``external_id`` 255 characters, and the block limits of ``check_blocks``.
    """
    if not isinstance(spec, dict) or spec.get("type") != kind:
        return [f"[ERROR] must be a {kind} view [json-pointer:{pointer}/type]"]
    out: list[str] = []
    if kind == "modal":
        if not isinstance(spec.get("title"), dict):
            out.append(f"[ERROR] missing required field: title [json-pointer:{pointer}]")
        for key in ("title", "submit", "close"):
            _too_long(spec.get(key), 24, f"{pointer}/{key}", out)
        blocks = spec["blocks"] if isinstance(spec.get("blocks"), list) else []
        if not spec.get("submit") and any(_kind(b) == "input" for b in blocks):
            out.append(f"[ERROR] submit is required when inputs are used [json-pointer:{pointer}]")
    for key, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        _too_long(spec.get(key), limit, f"{pointer}/{key}", out)
    return out + check_blocks(spec.get("blocks") or [], f"{pointer}/blocks", 100)


def check_blocks(blocks: Any, pointer: str, max_blocks: int) -> list[str]:
    """Block Kit limits: 50 blocks in a message, 100 in a view; unique ``block_id``s; text
    lengths (section 3000, header 150, button 75, option 75...); item counts (10 checkboxes,
    25 actions, 100 options...)."""
    if not isinstance(blocks, list):
        return [f"[ERROR] must be an array [json-pointer:{pointer}]"]
    out: list[str] = []
    _too_many(blocks, max_blocks, pointer, out)
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        at = f"{pointer}/{i}"
        if not _kind(block):
            out.append(f"[ERROR] missing required field: type [json-pointer:{at}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:  # Slack makes up ids for blocks that have none
            if block_id in seen:
                out.append(f"[ERROR] duplicate block_id [json-pointer:{at}/block_id]")
            seen.add(block_id)
        if block["type"] == "input" and not isinstance(block.get("element"), dict):
            out.append(f"[ERROR] missing required field: element [json-pointer:{at}]")
        _walk(block, block["type"], at, out)
    return out


def _walk(node: Args, kind: str, at: str, out: list[str]) -> None:
    for key, limit in {**_TEXT_LIMITS["*"], **_TEXT_LIMITS.get(kind, {})}.items():
        _too_long(node.get(key), limit, f"{at}/{key}", out)
    for key in ("element", "accessory"):
        if isinstance(node.get(key), dict):
            _walk(node[key], str(node[key].get("type")), f"{at}/{key}", out)
    for key in ("fields", "options", "elements"):
        if isinstance(items := node.get(key), list):
            _too_many(items, _COUNT_LIMITS.get(kind, 100), f"{at}/{key}", out)
            for j, item in enumerate(i for i in items if isinstance(i, dict)):
                child = {"fields": "field", "options": "option"}.get(key) or str(item.get("type"))
                _walk(item, child, f"{at}/{key}/{j}", out)


def _too_long(value: Any, limit: int, at: str, out: list[str]) -> None:
    if isinstance(value, dict):  # a text object
        value, at = value.get("text"), f"{at}/text"
    if isinstance(value, str) and len(value) > limit:
        out.append(f"[ERROR] must be less than {limit + 1} characters [json-pointer:{at}]")


def _too_many(items: Any, limit: int, at: str, out: list[str]) -> None:
    if isinstance(items, list) and len(items) > limit:
        out.append(f"[ERROR] no more than {limit} items allowed [json-pointer:{at}]")


def _kind(block: Any) -> str | None:
    return block.get("type") if isinstance(block, dict) else None
