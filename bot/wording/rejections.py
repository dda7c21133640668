"""What the carrier turned down and how to fix it, from the rejection catalog: the same words
on the ``/port status`` answer, the ticket's public comment and the sidebar."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.porting import rejections
from bot.porting.rejections import Rejection, RejectionCode
from bot.wording.formats import numbers_list
from bot.wording.rich import Rich, join, rich, strong
from storage.models import PortNumber

__all__ = ["NUMBERS_SHOWN", "by_code", "reason", "rejection_text"]

NUMBERS_SHOWN = 10
"""Numbers listed under one reason before "and K more"."""


def _entry(code: object) -> Rejection | None:
    try:
        return rejections.get(str(code))
    except (KeyError, TypeError):
        return None


def by_code(
    numbers: Sequence[PortNumber], codes: Iterable[object] = ()
) -> dict[RejectionCode, list[str]]:
    """Each known reason, in the catalog's order, with the numbers (E.164) it concerns.

    ``codes`` (an event's) win, each listed even with no number; without them, the reasons
    stored on each number are used. Unknown codes are left out.
    """
    wanted = list(codes)
    found: dict[RejectionCode, list[str]] = {}
    for code in wanted:
        entry = _entry(code)
        if entry is not None:
            found.setdefault(entry.code, [])
    for n in numbers:
        for code in wanted or n.rejection_codes or ():
            entry = _entry(code)
            if entry is not None and n.e164 not in found.setdefault(entry.code, []):
                found[entry.code].append(n.e164)
    return {c: found[c] for c in rejections.CATALOG if c in found}


def reason(entry: Rejection, e164s: Sequence[str] = ()) -> Rich:
    """One reason: its title (and the numbers), what it means, and the steps to fix it."""
    which = f" ({numbers_list(e164s, NUMBERS_SHOWN)})" if e164s else ""
    heading = "How to fix it" if entry.customer_can_fix else "Your options"
    steps = "\n".join(f"{i}. {step}" for i, step in enumerate(entry.fix, 1))
    return rich(strong(entry.title), which, "\n", entry.meaning, "\n", strong(f"{heading}:"),
                "\n", steps)  # fmt: skip


def rejection_text(numbers: Sequence[PortNumber], *, codes: Iterable[object] = ()) -> Rich:
    """Every reason (see :func:`by_code`), then how to send the request again when the
    customer can fix one, separated by blank lines."""
    found = by_code(numbers, codes)
    parts: list[Rich | str] = [reason(rejections.CATALOG[c], e164s) for c, e164s in found.items()]
    if any(rejections.CATALOG[c].customer_can_fix for c in found):
        parts.append(rejections.RESUBMIT_NOTE)
    return join(parts, "\n\n")
