"""Phone numbers pasted by customers: split, validate, normalise to E.164.

Pure domain code: no I/O, no logging, no clock. Only the standard library and
``phonenumbers`` are used.

Customers paste lists of numbers into a Slack modal in every shape imaginable:
one per line, comma separated, or only separated by spaces even though the
numbers themselves contain spaces ("617 555 1212 617 555 1213").
:func:`parse_numbers` turns such a paste into valid, de-duplicated E.164
numbers and reports every value it refuses exactly as the customer typed it.

Performance (see ``bench/numbers.py`` and ``bench/README.md``): a value is
parsed once; validity and the number's type come from one
``phonenumbers.number_type`` call, which costs the same as ``is_valid_number``
(both find the region, then run the same pattern matcher); the region of a North
American number is cached by area code; fictional and toll-free checks are
string comparisons. Splitting a space-separated list tries several runs of
tokens, and rejects most of them by length before asking for validity.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from phonenumbers import (
    NumberParseException,
    PhoneNumber,
    PhoneNumberFormat,
    PhoneNumberType,
    ValidationResult,
)

__all__ = [
    "NumberIssue",
    "NumberKind",
    "ParseResult",
    "ParsedNumber",
    "Problem",
    "format_display",
    "is_toll_free",
    "parse_number",
    "parse_numbers",
    "split_pasted",
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
    """The outcome of :func:`parse_numbers`."""

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


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------

# Fictional ranges, as national significant numbers. phonenumbers calls several of
# them valid, so they are checked separately.
#   NANP: 555-0100 to 555-0199 in every area code are reserved for fiction
#         (checked in code: digits 4-8 of the 10-digit number are "55501").
#   UK:   Ofcom's drama ranges, 1,000 numbers each, e.g. 020 7946 0xxx.
_UK_FICTIONAL_PREFIXES: tuple[str, ...] = (
    "1134960",  # Leeds 0113 496 0xxx
    "1144960",  # Sheffield 0114 496 0xxx
    "1154960",  # Nottingham 0115 496 0xxx
    "1174960",  # Bristol 0117 496 0xxx
    "1184960",  # Reading 0118 496 0xxx
    "1214960",  # Birmingham 0121 496 0xxx
    "1314960",  # Edinburgh 0131 496 0xxx
    "1414960",  # Glasgow 0141 496 0xxx
    "1514960",  # Liverpool 0151 496 0xxx
    "1614960",  # Manchester 0161 496 0xxx
    "1632960",  # no area 01632 960xxx
    "2079460",  # London 020 7946 0xxx
    "2896496",  # Belfast 028 9649 6xxx
    "2920180",  # Cardiff 029 2018 0xxx
    "3069990",  # UK-wide 0306 999 0xxx
    "7700900",  # mobile 07700 900xxx
    "8081570",  # freephone 0808 157 0xxx
    "9098790",  # premium rate 0909 879 0xxx
)

_KINDS: dict[int, NumberKind] = {
    PhoneNumberType.FIXED_LINE: NumberKind.GEOGRAPHIC,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: NumberKind.GEOGRAPHIC,
    PhoneNumberType.MOBILE: NumberKind.MOBILE,
    PhoneNumberType.TOLL_FREE: NumberKind.TOLL_FREE,
    PhoneNumberType.VOIP: NumberKind.OTHER,
    PhoneNumberType.PERSONAL_NUMBER: NumberKind.OTHER,
    PhoneNumberType.UAN: NumberKind.OTHER,
}

# Valid numbers of these types are refused; the text completes "… is a … number".
_UNSUPPORTED_KINDS: dict[int, str] = {
    PhoneNumberType.PREMIUM_RATE: "premium-rate",
    PhoneNumberType.SHARED_COST: "shared-cost",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.VOICEMAIL: "voicemail access",
}

# Region of valid North American numbers by area code, filled as numbers are seen.
# Every NANP area code belongs to exactly one country or territory (verified against
# phonenumbers 9.0.43 for every area code and exchange; tests/porting/test_numbers.py
# checks samples), and region_code_for_number costs as much as the validity check itself
# (more for Canada and the Caribbean, whose regions are tried after the US), so each
# area code is looked up once per process. At most 800 entries.
_NANP_REGIONS: dict[str, str] = {}

_NANP_TOLL_FREE_AREA_CODES = frozenset({"800", "833", "844", "855", "866", "877", "888"})

# Names used in messages. Anything else is shown by its region code.
# (phonenumbers.geocoder has names for every region, but importing it takes ~0.5 s.)
_REGION_NAMES: dict[str, str] = {
    "AU": "Australia",
    "BE": "Belgium",
    "BR": "Brazil",
    "CA": "Canada",
    "CH": "Switzerland",
    "DE": "Germany",
    "DK": "Denmark",
    "ES": "Spain",
    "FR": "France",
    "GB": "the United Kingdom",
    "IE": "Ireland",
    "IN": "India",
    "IT": "Italy",
    "JP": "Japan",
    "MX": "Mexico",
    "NL": "the Netherlands",
    "NO": "Norway",
    "NZ": "New Zealand",
    "PR": "Puerto Rico",
    "SE": "Sweden",
    "US": "the United States",
}

# Hard separators: a number never contains one of these.
_CHUNK_RE = re.compile(r"[^,;|\t\n\r\v\f\x1c-\x1e\x85\u2028\u2029\uff0c\uff1b\u3001]+")
# Zero-width characters sneak in from rich-text copies; treat them like spaces.
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_ZERO_WIDTH_RE = re.compile(f"[{_ZERO_WIDTH}]")
_TOKEN_RE = re.compile(rf"[^\s{_ZERO_WIDTH}]+")
_CORE_RE = re.compile(rf"[^\s{_ZERO_WIDTH}](?:.*[^\s{_ZERO_WIDTH}])?", re.DOTALL)
_LETTER_RE = re.compile(r"[^\W\d_]")
# A letter written right against a digit ("6175551212A", "x123"): never a label.
_LETTER_TOUCHES_DIGIT_RE = re.compile(r"\d[^\W\d_]|[^\W\d_]\d")
_LETTER_RUN_RE = re.compile(r"[^\W\d_]+")
_EXTENSION_ONLY_RE = re.compile(r"(?:x|ext|extn|extension)[.:=]?\s*#?\d+", re.IGNORECASE)
_LIST_MARKER_RE = re.compile(r"\d{1,2}[.)]")
_LABEL_RE = re.compile(r"[^\W\d_]+:")

_MAX_GROUP_TOKENS = 12  # a number written with spaces rarely has more parts than this
_MAX_GROUP_DIGITS = 18  # 15 digits of E.164 plus an international prefix such as 011
_MIN_GROUP_DIGITS = 4
_MIN_PIECE_DIGITS = 6  # a piece this long is probably a number of its own
_MAX_QUOTED_CHARS = 60
_E164_MAX_CHARS = 16  # "+" and at most 15 digits

_INTERNATIONAL = PhoneNumberFormat.INTERNATIONAL
_UNKNOWN_TYPE = PhoneNumberType.UNKNOWN
_TOO_LONG_ERROR = NumberParseException.TOO_LONG

# An internal classification: (outcome, complete, too_long).
#   complete: the text is one whole number (valid, fictional, or valid but refused), so
#             the splitter may treat it as a unit;
#   too_long: adding more text cannot help.
_Outcome = ParsedNumber | NumberIssue
_Classified = tuple[_Outcome, bool, bool]
_Append = Callable[[_Outcome], None]


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def split_pasted(text: str, *, default_region: str = "US") -> list[str]:
    """Split a paste into the values as typed, one per number or leftover.

    Commas, semicolons, new lines, tabs and pipes always separate values.
    Inside those, values separated only by spaces are grouped into numbers
    ("617 555 1212 617 555 1213" gives two values), which needs the region
    that numbers without a country code belong to. Bullets, list markers and
    other punctuation-only pieces are dropped.
    """
    return [item.raw for item in _scan(text, default_region.upper())]


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
    for outcome in _scan(text, region):
        if isinstance(outcome, ParsedNumber):
            if supported is not None and outcome.region not in supported:
                issues.append(_unsupported_region(outcome, supported))
                continue
            first = seen.get(outcome.e164)
            if first is None:
                seen[outcome.e164] = outcome.raw
                numbers.append(outcome)
            else:
                issues.append(_duplicate(outcome.raw, first))
        else:
            issues.append(outcome)
    if not numbers and not issues:
        issues.append(
            NumberIssue("", Problem.EMPTY, "Please enter at least one phone number to port.")
        )
    return ParseResult(tuple(numbers), tuple(issues))


def parse_number(raw: str, *, default_region: str = "US") -> ParsedNumber | NumberIssue:
    """Check one value (no splitting). An empty value gives an EMPTY issue."""
    value = _strip(raw)
    if not value:
        return NumberIssue("", Problem.EMPTY, "Please enter a phone number.")
    return _classify(value, default_region.upper(), several=False)[0]


def format_display(e164: str) -> str:
    """Human form for messages, e.g. "+1 617-555-1212"; unreadable input is returned as is."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, _INTERNATIONAL)


def is_toll_free(e164: str) -> bool:
    """True when the E.164 number is a valid toll-free number (800, 833, … in North America)."""
    if e164.startswith("+1"):
        # NANP: decided by the area code alone, no parsing needed.
        return (
            len(e164) == 12
            and e164[1:].isascii()
            and e164[1:].isdigit()
            and e164[2:5] in _NANP_TOLL_FREE_AREA_CODES
            and e164[5] not in "01"
        )
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return False
    return phonenumbers.number_type(number) == PhoneNumberType.TOLL_FREE


# --------------------------------------------------------------------------------------
# Splitting
# --------------------------------------------------------------------------------------


def _strip(text: str) -> str:
    """Remove surrounding whitespace, zero-width characters included."""
    core = _CORE_RE.search(text)
    return "" if core is None else core.group()


def _scan(text: str, region: str) -> list[ParsedNumber | NumberIssue]:
    """Split ``text`` and classify each value, in input order (no de-duplication)."""
    out: list[ParsedNumber | NumberIssue] = []
    append = out.append
    classify = _classify
    # The common paste (one number per line or per comma) takes the first branch only.
    clean = _ZERO_WIDTH_RE.search(text) is None
    for match in _CHUNK_RE.finditer(text):
        chunk = match.group().strip() if clean else _strip(match.group())
        if not chunk:
            continue
        outcome, complete, _ = classify(chunk, region, several=False)
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


def _group(chunk: str, region: str, whole: _Outcome, append: _Append) -> None:
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
        plus[k] or (not digits[k] and _LETTER_RE.search(tokens[k][2]) is not None)
        for k in range(count)
    ]
    found: list[tuple[int, int, _Outcome]] = []  # (first token, last token, outcome)
    i = 0
    while i < count:
        if skip[i] or (stop[i] and not plus[i]):
            i += 1
            continue
        best: tuple[int, _Outcome] | None = None
        total = 0
        for j in range(i, min(count, i + _MAX_GROUP_TOKENS)):
            if j > i and stop[j]:
                break
            total += digits[j]
            if total > _MAX_GROUP_DIGITS:
                break
            if total < _MIN_GROUP_DIGITS or not digits[j]:
                continue
            outcome, complete, too_long = _probe(chunk[tokens[i][0] : tokens[j][1]], region)
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
            whole = _classify(chunk, region, several=True)[0]  # likely several numbers
        append(whole)
        return
    numbers = iter(outcome for _, _, outcome in found)
    for run in runs[:-1]:
        if not run:
            append(next(numbers))
            continue
        text = chunk[tokens[run[0]][0] : tokens[run[-1]][1]]
        append(_classify(text, region, several=bool(found) and len(run) > 1)[0])


# --------------------------------------------------------------------------------------
# Classifying one value
# --------------------------------------------------------------------------------------


_MISS = NumberIssue("", Problem.INVALID, "")  # a probe that found no number; never shown


def _probe(raw: str, region: str) -> _Classified:
    """While grouping: is ``raw`` one whole number? Cheap rejections first.

    Grouping tries many runs of tokens, most of them not numbers, and the
    validity check of a number that is not valid is the slowest part of
    phonenumbers (it tries every region sharing the country code: 25 for +1).
    Runs of the wrong length are rejected from the parsed digits alone; the
    message of a rejected run is never shown, so none is written.
    """
    if _LETTER_RE.search(raw) is not None or raw.lstrip().startswith("00"):
        return _classify(raw, region, several=False)  # rare: the full rules
    text = raw if _ZERO_WIDTH_RE.search(raw) is None else _ZERO_WIDTH_RE.sub(" ", raw)
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        return _MISS, False, exc.error_type == _TOO_LONG_ERROR
    if not number.extension:
        if number.country_code == 1:
            # North America: always a 3-digit area code and a 7-digit number, neither
            # starting with 0 or 1.
            nsn = phonenumbers.national_significant_number(number)
            if len(nsn) != 10 or nsn[0] in "01" or nsn[3] in "01":
                return _MISS, False, len(nsn) > 10
        else:
            reason = phonenumbers.is_possible_number_with_reason(number)
            if reason != ValidationResult.IS_POSSIBLE:
                return _MISS, False, reason == ValidationResult.TOO_LONG
    return _check(raw, text, region, number, several=False)


def _classify(raw: str, region: str, *, several: bool) -> _Classified:
    """Classify one value. ``raw`` is what the customer typed (already stripped).

    ``several`` says the value came from several space-separated pieces that
    did not form a number, which only changes the wording of some messages.
    """
    if _LETTER_RE.search(raw) is not None:
        return _classify_with_letters(raw, region, several=several)
    text = raw if _ZERO_WIDTH_RE.search(raw) is None else _ZERO_WIDTH_RE.sub(" ", raw)
    return _classify_text(raw, text, region, several=several)


def _classify_text(raw: str, text: str, region: str, *, several: bool) -> _Classified:
    """Classify ``text`` (``raw`` cleaned up for phonenumbers), reporting ``raw``."""
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        return _unparsable(raw, text, region, exc, several=several)
    return _check(raw, text, region, number, several=several)


def _check(raw: str, text: str, region: str, number: PhoneNumber, *, several: bool) -> _Classified:
    """Classify a parsed number (the hot path: parse, number_type, region lookup)."""
    if number.extension:
        return _extension(raw), _is_whole(number), False
    country_code = number.country_code
    nsn = phonenumbers.national_significant_number(number)
    if country_code == 1:
        if len(nsn) == 10 and nsn[3:8] == "55501":
            return _fictional(raw, nanp=True), True, False
    elif country_code == 44 and len(nsn) == 10 and nsn.startswith(_UK_FICTIONAL_PREFIXES):
        return _fictional(raw, nanp=False), True, False
    e164 = f"+{country_code}{nsn}"
    if len(e164) > _E164_MAX_CHARS:
        # phonenumbers accepts a few German numbers longer than E.164 allows.
        issue = NumberIssue(raw, Problem.INVALID, _too_many_digits(raw, several=several))
        return issue, False, True
    number_type = phonenumbers.number_type(number)  # UNKNOWN exactly when not is_valid_number
    kind = _KINDS.get(number_type)
    if kind is not None:
        if country_code == 1:
            found = _NANP_REGIONS.get(nsn[:3])
            if found is None:
                found = _NANP_REGIONS[nsn[:3]] = phonenumbers.region_code_for_number(number)
        else:
            found = phonenumbers.region_code_for_number(number)
        return ParsedNumber(raw, e164, found, kind), True, False
    if number_type != _UNKNOWN_TYPE:
        label = _UNSUPPORTED_KINDS.get(number_type, "special-rate")
        message = f"{_q(raw)} is a {label} number, and we can't port those."
        return NumberIssue(raw, Problem.UNSUPPORTED, message), True, False
    return _invalid(raw, text, region, number, nsn, several=several)


def _is_whole(number: PhoneNumber) -> bool:
    return phonenumbers.number_type(number) != _UNKNOWN_TYPE


def _unparsable(
    raw: str, text: str, region: str, exc: NumberParseException, *, several: bool
) -> _Classified:
    retried = _retry_with_00(raw, text, region)
    if retried is not None:
        return retried
    too_long = exc.error_type == _TOO_LONG_ERROR
    if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
        if "+" in text or not phonenumbers.country_code_for_region(region):
            message = f"{_q(raw)} doesn't start with a country code we recognize."
        else:
            message = f"{_q(raw)} needs a country code; please start it with + and the code."
    elif exc.error_type == NumberParseException.NOT_A_NUMBER:
        message = f"{_q(raw)} doesn't look like a phone number."
    elif too_long:
        message = _too_many_digits(raw, several=several)
    else:  # TOO_SHORT_NSN, TOO_SHORT_AFTER_IDD
        message = f"{_q(raw)} is not a complete phone number."
    return NumberIssue(raw, Problem.INVALID, message), False, too_long


def _retry_with_00(raw: str, text: str, region: str) -> _Classified | None:
    """Read "00 44 20 …" as "+44 20 …" where 00 isn't the local international prefix."""
    stripped = text.lstrip()
    if not stripped.startswith("00"):
        return None
    retry = "+" + stripped[2:]  # starts with "+", so it is never retried again
    try:
        number = phonenumbers.parse(retry, region)
    except NumberParseException:
        return None
    result = _check(raw, retry, region, number, several=False)
    return result if result[1] else None


def _invalid(
    raw: str, text: str, region: str, number: PhoneNumber, nsn: str, *, several: bool
) -> _Classified:
    """Explain why a parsed number is not valid (the slow path: only for bad values)."""
    retried = _retry_with_00(raw, text, region)
    if retried is not None:
        return retried
    reason = phonenumbers.is_possible_number_with_reason(number)
    too_long = reason == ValidationResult.TOO_LONG
    typed_country_code = "+" in text
    if not typed_country_code and len(nsn) <= 6 and not several:
        short = _short_code(raw, text, region, number, nsn)
        if short is not None:
            return short, False, False
    country_code = number.country_code
    hint = not typed_country_code
    if reason == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        message, hint = f"{_q(raw)} is missing its area code.", False
    elif reason == ValidationResult.TOO_SHORT:
        message, hint = f"{_q(raw)} is not a complete phone number.", False
    elif reason == ValidationResult.INVALID_COUNTRY_CODE:
        message, hint = f"{_q(raw)} doesn't start with a country code we recognize.", False
    elif too_long:
        message = _too_many_digits(raw, several=several)
        hint = hint and not several
    elif reason == ValidationResult.INVALID_LENGTH:
        message = f"{_q(raw)} has the wrong number of digits for {_country(country_code)}."
    elif country_code == 1 and len(nsn) == 10:
        if nsn[0] in "01":
            message = f"{_q(raw)} is not a valid number: area codes never start with 0 or 1."
        elif nsn[3] in "01":
            hint = False
            message = (
                f"{_q(raw)} is not a valid number: the three digits after the area code "
                "can't start with 0 or 1."
            )
        else:
            hint = False
            message = (
                f"{_q(raw)} is not a valid number; please check the area code ({nsn[:3]}) "
                "and the other digits."
            )
    else:
        message = (
            f"{_q(raw)} is not a valid number in {_country(country_code)}; please check the digits."
        )
    if hint:
        message += " If it's from another country, start it with + and the country code."
    return NumberIssue(raw, Problem.INVALID, message), False, too_long


def _short_code(
    raw: str, text: str, region: str, number: PhoneNumber, nsn: str
) -> NumberIssue | None:
    """Emergency numbers and short codes (911, 611, 5-6 digit SMS codes) can't be ported."""
    if phonenumbers.is_emergency_number(text, region):
        return NumberIssue(
            raw, Problem.UNSUPPORTED, f"{_q(raw)} is an emergency number and can't be ported."
        )
    if not phonenumbers.is_valid_short_number_for_region(number, region):
        return None
    message = f"{_q(raw)} is a short code or service number, and those can't be ported."
    if len(nsn) >= 5:
        message += " If you meant a full phone number, some digits are missing."
    return NumberIssue(raw, Problem.UNSUPPORTED, message)


def _classify_with_letters(raw: str, region: str, *, several: bool) -> _Classified:
    """Values with letters: labels ("Tel:", "(cell)") are fine, vanity spellings are not.

    We never turn letters into digits silently: a capital O typed for a zero
    would still give a valid-looking but different number. When phonenumbers
    can read the letters, the message suggests the digits so the customer can
    check and type them.
    """
    text = raw if _ZERO_WIDTH_RE.search(raw) is None else _ZERO_WIDTH_RE.sub(" ", raw)
    try:
        number: PhoneNumber | None = phonenumbers.parse(text, region)
    except NumberParseException:
        number = None
    whole = number is not None and _is_whole(number)
    if number is not None and number.extension:
        return _extension(raw), whole, False
    if _EXTENSION_ONLY_RE.fullmatch(text.strip()):
        return _extension(raw), False, False
    if _LETTER_TOUCHES_DIGIT_RE.search(text) is None:
        # Letters stand apart from the digits: read the value without them.
        without = _LETTER_RUN_RE.sub(" ", text)
        if any(ch.isdecimal() for ch in without):
            result = _classify_text(raw, without, region, several=several)
            if result[1] or not whole:
                return result
        elif not whole:
            message = f"{_q(raw)} doesn't look like a phone number."
            return NumberIssue(raw, Problem.INVALID, message), False, False
    message = f"{_q(raw)} contains letters; please type the number using digits only."
    if number is None or not whole:
        return NumberIssue(raw, Problem.INVALID, message), False, False
    # phonenumbers could read the letters: offer its reading for the customer to check.
    digits = phonenumbers.format_number(number, _INTERNATIONAL)
    message = f"{_q(raw)} contains letters; please type the number using digits only "
    message += f"(did you mean {digits}?)."
    return NumberIssue(raw, Problem.INVALID, message), True, False


# --------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------


def _q(raw: str) -> str:
    """Quote a value for a message, shortening very long ones."""
    if len(raw) > _MAX_QUOTED_CHARS:
        raw = raw[: _MAX_QUOTED_CHARS - 1] + "…"
    return f'"{raw}"'


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _country(country_code: int) -> str:
    region = phonenumbers.region_code_for_country_code(country_code)
    return _region_name(region) if region != "ZZ" else f"country code +{country_code}"


def _region_name(region: str) -> str:
    if region == "001":
        return "an international (non-geographic) range"
    return _REGION_NAMES.get(region, region)


def _join(names: Iterable[str]) -> str:
    items = list(names)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def _fictional(raw: str, *, nanp: bool) -> NumberIssue:
    if nanp:
        why = "555-0100 to 555-0199 are reserved for films and examples"
    else:
        why = "Ofcom reserves this range for TV, film and radio"
    return NumberIssue(raw, Problem.FICTIONAL, f"{_q(raw)} is a fictional number ({why}).")


def _extension(raw: str) -> NumberIssue:
    message = (
        f"{_q(raw)} includes an extension; extensions can't be ported on their own, "
        "so please enter just the main number."
    )
    return NumberIssue(raw, Problem.INVALID, message)


def _too_many_digits(raw: str, *, several: bool) -> str:
    if several:
        return (
            f"{_q(raw)} has too many digits for one number; if it's several numbers, "
            "please put each on its own line."
        )
    return f"{_q(raw)} has too many digits to be one phone number."


def _duplicate(raw: str, first: str) -> NumberIssue:
    if raw == first:
        message = f"{_q(raw)} is listed more than once."
    else:
        message = f"{_q(raw)} is listed more than once (it's the same number as {_q(first)})."
    return NumberIssue(raw, Problem.DUPLICATE, message)


def _unsupported_region(number: ParsedNumber, supported: frozenset[str]) -> NumberIssue:
    allowed = _join(sorted(_region_name(r) for r in supported))
    where = _region_name(number.region)
    if supported:
        message = (
            f"{_q(number.raw)} is a number in {where}; we can only port numbers from {allowed}."
        )
    else:
        message = f"{_q(number.raw)} is a number in {where}, and we can't port it."
    return NumberIssue(number.raw, Problem.UNSUPPORTED, message)
