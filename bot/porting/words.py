"""Counted nouns, for the domain's own messages and for every channel's wording
(``bot.wording.formats`` re-exports these: one copy)."""

from __future__ import annotations

_SPELLED = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _noun(n: int, word: str, many: str | None) -> str:
    return word if n == 1 else (many or word + "s")


def plural(n: int, word: str, many: str | None = None, *, grouped: bool = True) -> str:
    """``1 number``, ``3 numbers``, ``1,200 numbers``; ``many`` for irregular plurals.
    ``grouped=False`` writes ``1200 numbers`` (the timeline's details have always read so)."""
    count = f"{n:,}" if grouped else str(n)
    return f"{count} {_noun(n, word, many)}"


def spelled(n: int, word: str, many: str | None = None) -> str:
    """``two business days`` (numbers up to ten in words, in running text), ``12 days``."""
    count = _SPELLED[n] if 0 <= n < len(_SPELLED) else f"{n:,}"
    return f"{count} {_noun(n, word, many)}"


def possessive(counted: str) -> str:
    """``two business days'``, ``one business day's``: the count as the owner of what follows."""
    return counted + ("'" if counted.endswith("s") else "'s")
