"""Reading submitted modal values. Every input element uses the action id ``VALUE``; the block
id says which field it is."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from bot.slack.ids import VALUE, Block


class State:
    """The ``view.state.values`` of a submission, read by block."""

    def __init__(self, view: dict[str, Any]) -> None:
        self._values: dict[str, dict[str, Any]] = (view.get("state") or {}).get("values") or {}

    def _element(self, block: Block) -> dict[str, Any]:
        return (self._values.get(block.value) or {}).get(VALUE) or {}

    def text(self, block: Block) -> str:
        return self._element(block).get("value") or ""

    def choice(self, block: Block) -> str | None:
        selected = self._element(block).get("selected_option")
        return selected.get("value") if selected else None

    def choices(self, block: Block) -> list[str]:
        return [o["value"] for o in self._element(block).get("selected_options") or []]

    def day(self, block: Block) -> date | None:
        raw = self._element(block).get("selected_date")
        return date.fromisoformat(raw) if raw else None

    def clock_time(self, block: Block) -> time | None:
        raw = self._element(block).get("selected_time")
        return time.fromisoformat(raw) if raw else None

    def files(self, block: Block) -> list[dict[str, Any]]:
        return list(self._element(block).get("files") or [])
