"""Split a paste into values: hard separators first, then numbers written with spaces.

Splitting a space-separated list tries several runs of tokens, and rejects most of
them by length before asking for validity (see :func:`bot.porting.numbers.classify.probe`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.porting.numbers.classify import LETTER_RE, ZERO_WIDTH, ZERO_WIDTH_RE, classify, probe
from bot.porting.numbers.model import NumberIssue, Outcome, ParsedNumber

__all__ = ["scan", "split_pasted", "strip_value"]

# Hard separators: a number never contains one of these.
_CHUNK_RE = re.compile(r"[^,;|\t\n\r\v\f\x1c-\x1e\x85\u2028\u2029\uff0c\uff1b\u3001]+")
_TOKEN_RE = re.compile(rf"[^\s{ZERO_WIDTH}]+")
_CORE_RE = re.compile(rf"[^\s{ZERO_WIDTH}](?:.*[^\s{ZERO_WIDTH}])?", re.DOTALL)
_LIST_MARKER_RE = re.compile(r"\d{1,2}[.)]")
_LABEL_RE = re.compile(r"[^\W\d_]+:")

_MAX_GROUP_TOKENS = 12  # a number written with spaces rarely has more parts than this
_MAX_GROUP_DIGITS = 18  # 15 digits of E.164 plus an international prefix such as 011
_MIN_GROUP_DIGITS = 4
_MIN_PIECE_DIGITS = 6  # a piece this long is probably a number of its own

_Append = Callable[[Outcome], None]


def split_pasted(text: str, *, default_region: str = "US") -> list[str]:
    """Split a paste into the values as typed, one per number or leftover.

    Commas, semicolons, new lines, tabs and pipes always separate values.
    Inside those, values separated only by spaces are grouped into numbers
    ("617 555 1212 617 555 1213" gives two values), which needs the region
    that numbers without a country code belong to. Bullets, list markers and
    other punctuation-only pieces are dropped.
    """
    return [item.raw for item in scan(text, default_region.upper())]


def strip_value(text: str) -> str:
    """Remove surrounding whitespace, zero-width characters included."""
    core = _CORE_RE.search(text)
    return "" if core is None else core.group()


def scan(text: str, region: str) -> list[ParsedNumber | NumberIssue]:
    """Split ``text`` and classify each value, in input order (no de-duplication)."""
    out: list[ParsedNumber | NumberIssue] = []
    append = out.append
    classify_chunk = classify
    # The common paste (one number per line or per comma) takes the first branch only.
    clean = ZERO_WIDTH_RE.search(text) is None
    for match in _CHUNK_RE.finditer(text):
        chunk = match.group().strip() if clean else strip_value(match.group())
        if not chunk:
            continue
        outcome, complete, _ = classify_chunk(chunk, region, several=False)
        if complete or not _has_space(chunk):
            if type(outcome) is ParsedNumber or _worth_reporting(chunk):
                append(outcome)
            continue
        _group(chunk, region, outcome, append)
    return out


def _has_space(chunk: str) -> bool:
    return _TOKEN_RE.fullmatch(chunk) is None


def _worth_reporting(value: str) -> bool:
    """Pieces without any letter or digit (bullets, dashes) are separators, not values."""
    return any(ch.isalnum() for ch in value)


def _ignorable(token: str) -> bool:
    """Bullets, list markers ("1.", "2)") and labels ("Tel:") between numbers."""
    return (
        not _worth_reporting(token)
        or _LIST_MARKER_RE.fullmatch(token) is not None
        or _LABEL_RE.fullmatch(token) is not None
    )


def _group(chunk: str, region: str, whole: Outcome, append: _Append) -> None:
    """Split a chunk that has no hard separators into numbers, greedily.

    From each token, try longer and longer runs of tokens and keep the longest
    run that is one whole number. A token starting with "+" always starts a new
    number, and a word without digits never belongs to one. Tokens that start no
    number are merged into leftovers and reported as typed.
    """
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN_RE.finditer(chunk)]
    count = len(tokens)
    digits = [sum(ch.isdecimal() for ch in tok) for _, _, tok in tokens]
    skip = [_ignorable(tok) for _, _, tok in tokens]
    plus = [tok[0] == "+" for _, _, tok in tokens]
    # Words without digits ("and", "Fax:") end a number; so does a "+".
    stop = [
        plus[k] or (not digits[k] and LETTER_RE.search(tokens[k][2]) is not None)
        for k in range(count)
    ]
    found: list[tuple[int, int, Outcome]] = []  # (first token, last token, outcome)
    i = 0
    while i < count:
        if skip[i] or (stop[i] and not plus[i]):
            i += 1
            continue
        best: tuple[int, Outcome] | None = None
        total = 0
        for j in range(i, min(count, i + _MAX_GROUP_TOKENS)):
            if j > i and stop[j]:
                break
            total += digits[j]
            if total > _MAX_GROUP_DIGITS:
                break
            if total < _MIN_GROUP_DIGITS or not digits[j]:
                continue
            outcome, complete, too_long = probe(chunk[tokens[i][0] : tokens[j][1]], region)
            if complete:
                best = (j, outcome)
            elif too_long:
                break
        if best is None:
            i += 1
        else:
            found.append((i, best[0], best[1]))
            i = best[0] + 1

    # Emit numbers and the leftovers around them, in input order.
    runs: list[list[int]] = []
    position = 0
    for first, last, _ in [*found, (count, count, whole)]:
        run: list[int] = []
        for k in range(position, first):
            if skip[k]:
                continue
            if run and plus[k]:
                runs.append(run)
                run = []
            run.append(k)
        if run:
            runs.append(run)
        runs.append([])  # marks where the next number goes
        position = last + 1
    if not found and len(runs) == 2:
        # Nothing in the chunk forms a number: report it once, as typed.
        if sum(1 for d in digits if d >= _MIN_PIECE_DIGITS) >= 2:
            whole = classify(chunk, region, several=True)[0]  # likely several numbers
        append(whole)
        return
    numbers = iter(outcome for _, _, outcome in found)
    for run in runs[:-1]:
        if not run:
            append(next(numbers))
            continue
        text = chunk[tokens[run[0]][0] : tokens[run[-1]][1]]
        append(classify(text, region, several=bool(found) and len(run) > 1)[0])
