"""The values :mod:`bot.porting.numbers` hands out: number kinds, problems, results."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Classified",
    "NumberIssue",
    "NumberKind",
    "Outcome",
    "ParseResult",
    "ParsedNumber",
    "Problem",
]


class NumberKind(StrEnum):
    """What phonenumbers says a valid number is."""

    GEOGRAPHIC = "geographic"  # FIXED_LINE / FIXED_LINE_OR_MOBILE (all US geographic numbers)
    MOBILE = "mobile"
    TOLL_FREE = "toll_free"
    OTHER = "other"  # VOIP, PERSONAL_NUMBER, UAN: unusual but still portable


class Problem(StrEnum):
    """Why a pasted value was refused."""

    EMPTY = "empty"  # nothing was entered at all (never used for a single value in a list)
    INVALID = "invalid"  # can't be read, isn't a real number, has letters or an extension
    FICTIONAL = "fictional"  # reserved for films, TV and examples
    DUPLICATE = "duplicate"  # same E.164 number as an earlier value in the list
    UNSUPPORTED = "unsupported"  # real, but not something we can port


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    """A valid number, normalised to E.164."""

    raw: str  # as typed, surrounding whitespace removed
    e164: str  # "+16175551212"
    region: str  # "US"
    kind: NumberKind

    @property
    def toll_free(self) -> bool:
        """True for toll-free numbers (they port through a RespOrg and take longer)."""
        return self.kind is NumberKind.TOLL_FREE


@dataclass(frozen=True, slots=True)
class NumberIssue:
    """A value we refused, with a sentence for the customer that names it."""

    raw: str
    problem: Problem
    message: str


_SUMMARY_MAX_CHARS = 1500
_SUMMARY_LINE_MAX_CHARS = 300


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The outcome of :func:`~bot.porting.numbers.parse_numbers`."""

    numbers: tuple[ParsedNumber, ...]  # valid, de-duplicated, in input order
    issues: tuple[NumberIssue, ...]  # in input order

    @property
    def ok(self) -> bool:
        """True when there is at least one number and nothing to fix."""
        return bool(self.numbers) and not self.issues

    def summary(self, limit: int = 5) -> str:
        """One message listing up to ``limit`` issues, for a Slack modal error.

        Returns ``""`` when there is nothing to fix. The text always stays
        within 1,500 characters: long lines are shortened and lines that do not
        fit are counted in the closing "…and N more".
        """
        issues = self.issues
        if not issues:
            return ""
        if len(issues) == 1:
            return _clip(issues[0].message, _SUMMARY_MAX_CHARS)
        limit = max(1, limit)
        head = f"{len(issues)} entries need fixing:"
        reserve = len("\n…and 99999 more.")
        lines: list[str] = []
        used = len(head)
        for issue in issues[:limit]:
            line = "\n• " + _clip(issue.message, _SUMMARY_LINE_MAX_CHARS)
            if used + len(line) + reserve > _SUMMARY_MAX_CHARS:
                break
            lines.append(line)
            used += len(line)
        rest = len(issues) - len(lines)
        tail = f"\n…and {rest} more." if rest else ""
        return head + "".join(lines) + tail


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


# An internal classification: (outcome, complete, too_long).
#   complete: the text is one whole number (valid, fictional, or valid but refused), so
#             the splitter may treat it as a unit;
#   too_long: adding more text cannot help.
Outcome = ParsedNumber | NumberIssue
Classified = tuple[Outcome, bool, bool]
