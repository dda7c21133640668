"""Parse a pasted list, or one value, into E.164 numbers and issues for the customer."""

from __future__ import annotations

from bot.porting.numbers.classify import classify
from bot.porting.numbers.messages import duplicate_issue, unsupported_region_issue
from bot.porting.numbers.model import NumberIssue, ParsedNumber, ParseResult, Problem
from bot.porting.numbers.split import scan, strip_value

__all__ = ["parse_number", "parse_numbers"]


def parse_numbers(
    text: str,
    *,
    default_region: str = "US",
    supported_regions: frozenset[str] | None = None,
) -> ParseResult:
    """Turn a pasted list into valid, unique E.164 numbers plus the values to fix.

    ``default_region`` is used for numbers typed without a country code.
    When ``supported_regions`` is given, numbers from other regions are
    refused as UNSUPPORTED. Never raises.
    """
    region = default_region.upper()
    supported = (
        None if supported_regions is None else frozenset(r.upper() for r in supported_regions)
    )
    numbers: list[ParsedNumber] = []
    issues: list[NumberIssue] = []
    seen: dict[str, str] = {}  # e164 -> the raw value that first used it
    for outcome in scan(text, region):
        if isinstance(outcome, ParsedNumber):
            if supported is not None and outcome.region not in supported:
                issues.append(unsupported_region_issue(outcome, supported))
                continue
            first = seen.get(outcome.e164)
            if first is None:
                seen[outcome.e164] = outcome.raw
                numbers.append(outcome)
            else:
                issues.append(duplicate_issue(outcome.raw, first))
        else:
            issues.append(outcome)
    if not numbers and not issues:
        issues.append(
            NumberIssue("", Problem.EMPTY, "Please enter at least one phone number to port.")
        )
    return ParseResult(tuple(numbers), tuple(issues))


def parse_number(raw: str, *, default_region: str = "US") -> ParsedNumber | NumberIssue:
    """Check one value (no splitting). An empty value gives an EMPTY issue."""
    value = strip_value(raw)
    if not value:
        return NumberIssue("", Problem.EMPTY, "Please enter a phone number.")
    return classify(value, default_region.upper(), several=False)[0]
