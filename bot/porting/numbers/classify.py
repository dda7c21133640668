"""Classify one value: a valid number, or the reason it is refused.

The hot path is :func:`classify` (parse, ``number_type``, region lookup); :func:`probe`
is the cheap variant the splitter uses to test runs of tokens. Explaining why a value
is not valid is the slow path and only runs for bad values.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import (
    NumberParseException,
    PhoneNumber,
    PhoneNumberFormat,
    PhoneNumberType,
    ValidationResult,
)

from bot.porting.numbers.messages import (
    country_name,
    extension_issue,
    fictional_issue,
    quote,
    too_many_digits,
)
from bot.porting.numbers.model import (
    Classified,
    NumberIssue,
    NumberKind,
    ParsedNumber,
    Problem,
)

__all__ = ["LETTER_RE", "ZERO_WIDTH", "ZERO_WIDTH_RE", "classify", "probe"]

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

# Zero-width characters sneak in from rich-text copies; treat them like spaces.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
ZERO_WIDTH_RE = re.compile(f"[{ZERO_WIDTH}]")
LETTER_RE = re.compile(r"[^\W\d_]")
# A letter written right against a digit ("6175551212A", "x123"): never a label.
_LETTER_TOUCHES_DIGIT_RE = re.compile(r"\d[^\W\d_]|[^\W\d_]\d")
_LETTER_RUN_RE = re.compile(r"[^\W\d_]+")
_EXTENSION_ONLY_RE = re.compile(r"(?:x|ext|extn|extension)[.:=]?\s*#?\d+", re.IGNORECASE)

_E164_MAX_CHARS = 16  # "+" and at most 15 digits

_INTERNATIONAL = PhoneNumberFormat.INTERNATIONAL
_UNKNOWN_TYPE = PhoneNumberType.UNKNOWN
_TOO_LONG_ERROR = NumberParseException.TOO_LONG


# --------------------------------------------------------------------------------------
# Classifying one value
# --------------------------------------------------------------------------------------


_MISS = NumberIssue("", Problem.INVALID, "")  # a probe that found no number; never shown


def probe(raw: str, region: str) -> Classified:
    """While grouping: is ``raw`` one whole number? Cheap rejections first.

    Grouping tries many runs of tokens, most of them not numbers, and the
    validity check of a number that is not valid is the slowest part of
    phonenumbers (it tries every region sharing the country code: 25 for +1).
    Runs of the wrong length are rejected from the parsed digits alone; the
    message of a rejected run is never shown, so none is written.
    """
    if LETTER_RE.search(raw) is not None or raw.lstrip().startswith("00"):
        return classify(raw, region, several=False)  # rare: the full rules
    text = raw if ZERO_WIDTH_RE.search(raw) is None else ZERO_WIDTH_RE.sub(" ", raw)
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


def classify(raw: str, region: str, *, several: bool) -> Classified:
    """Classify one value. ``raw`` is what the customer typed (already stripped).

    ``several`` says the value came from several space-separated pieces that
    did not form a number, which only changes the wording of some messages.
    """
    if LETTER_RE.search(raw) is not None:
        return _classify_with_letters(raw, region, several=several)
    text = raw if ZERO_WIDTH_RE.search(raw) is None else ZERO_WIDTH_RE.sub(" ", raw)
    return _classify_text(raw, text, region, several=several)


def _classify_text(raw: str, text: str, region: str, *, several: bool) -> Classified:
    """Classify ``text`` (``raw`` cleaned up for phonenumbers), reporting ``raw``."""
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        return _unparsable(raw, text, region, exc, several=several)
    return _check(raw, text, region, number, several=several)


def _check(raw: str, text: str, region: str, number: PhoneNumber, *, several: bool) -> Classified:
    """Classify a parsed number (the hot path: parse, number_type, region lookup)."""
    if number.extension:
        return extension_issue(raw), _is_whole(number), False
    country_code = number.country_code
    nsn = phonenumbers.national_significant_number(number)
    if country_code == 1:
        if len(nsn) == 10 and nsn[3:8] == "55501":
            return fictional_issue(raw, nanp=True), True, False
    elif country_code == 44 and len(nsn) == 10 and nsn.startswith(_UK_FICTIONAL_PREFIXES):
        return fictional_issue(raw, nanp=False), True, False
    e164 = f"+{country_code}{nsn}"
    if len(e164) > _E164_MAX_CHARS:
        # phonenumbers accepts a few German numbers longer than E.164 allows.
        issue = NumberIssue(raw, Problem.INVALID, too_many_digits(raw, several=several))
        return issue, False, True
    number_type = phonenumbers.number_type(number)  # UNKNOWN exactly when not is_valid_number
    kind = _KINDS.get(number_type)
    if kind is not None:
        if country_code == 1:
            found = _NANP_REGIONS.get(nsn[:3])
            if found is None:
                found = _NANP_REGIONS[nsn[:3]] = _region_of(number)
        else:
            found = _region_of(number)
        return ParsedNumber(raw, e164, found, kind), True, False
    if number_type != _UNKNOWN_TYPE:
        label = _UNSUPPORTED_KINDS.get(number_type, "special-rate")
        message = f"{quote(raw)} is a {label} number, and we can't port those."
        return NumberIssue(raw, Problem.UNSUPPORTED, message), True, False
    return _invalid(raw, text, region, number, nsn, several=several)


def _is_whole(number: PhoneNumber) -> bool:
    return phonenumbers.number_type(number) != _UNKNOWN_TYPE


def _unparsable(
    raw: str, text: str, region: str, exc: NumberParseException, *, several: bool
) -> Classified:
    retried = _retry_with_00(raw, text, region)
    if retried is not None:
        return retried
    too_long = exc.error_type == _TOO_LONG_ERROR
    if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
        if "+" in text or not phonenumbers.country_code_for_region(region):
            message = f"{quote(raw)} doesn't start with a country code we recognize."
        else:
            message = f"{quote(raw)} needs a country code; please start it with + and the code."
    elif exc.error_type == NumberParseException.NOT_A_NUMBER:
        message = f"{quote(raw)} doesn't look like a phone number."
    elif too_long:
        message = too_many_digits(raw, several=several)
    else:  # TOO_SHORT_NSN, TOO_SHORT_AFTER_IDD
        message = f"{quote(raw)} is not a complete phone number."
    return NumberIssue(raw, Problem.INVALID, message), False, too_long


def _retry_with_00(raw: str, text: str, region: str) -> Classified | None:
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


def _region_of(number: PhoneNumber) -> str:
    """The number's region. Never unknown here: a number with a type has a region (number_type
    is UNKNOWN where region_code_for_number finds none)."""
    return phonenumbers.region_code_for_number(number) or phonenumbers.UNKNOWN_REGION


def _invalid(
    raw: str, text: str, region: str, number: PhoneNumber, nsn: str, *, several: bool
) -> Classified:
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
    country_code = number.country_code or 0  # parse() always sets it
    hint = not typed_country_code
    if reason == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        message, hint = f"{quote(raw)} is missing its area code.", False
    elif reason == ValidationResult.TOO_SHORT:
        message, hint = f"{quote(raw)} is not a complete phone number.", False
    elif reason == ValidationResult.INVALID_COUNTRY_CODE:
        message, hint = f"{quote(raw)} doesn't start with a country code we recognize.", False
    elif too_long:
        message = too_many_digits(raw, several=several)
        hint = hint and not several
    elif reason == ValidationResult.INVALID_LENGTH:
        message = f"{quote(raw)} has the wrong number of digits for {country_name(country_code)}."
    elif country_code == 1 and len(nsn) == 10:
        if nsn[0] in "01":
            message = f"{quote(raw)} is not a valid number: area codes never start with 0 or 1."
        elif nsn[3] in "01":
            hint = False
            message = (
                f"{quote(raw)} is not a valid number: the three digits after the area code "
                "can't start with 0 or 1."
            )
        else:
            hint = False
            message = (
                f"{quote(raw)} is not a valid number; please check the area code ({nsn[:3]}) "
                "and the other digits."
            )
    else:
        message = (
            f"{quote(raw)} is not a valid number in {country_name(country_code)}; "
            "please check the digits."
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
            raw, Problem.UNSUPPORTED, f"{quote(raw)} is an emergency number and can't be ported."
        )
    if not phonenumbers.is_valid_short_number_for_region(number, region):
        return None
    message = f"{quote(raw)} is a short code or service number, and those can't be ported."
    if len(nsn) >= 5:
        message += " If you meant a full phone number, some digits are missing."
    return NumberIssue(raw, Problem.UNSUPPORTED, message)


def _classify_with_letters(raw: str, region: str, *, several: bool) -> Classified:
    """Values with letters: labels ("Tel:", "(cell)") are fine, vanity spellings are not.

    We never turn letters into digits silently: a capital O typed for a zero
    would still give a valid-looking but different number. When phonenumbers
    can read the letters, the message suggests the digits so the customer can
    check and type them.
    """
    text = raw if ZERO_WIDTH_RE.search(raw) is None else ZERO_WIDTH_RE.sub(" ", raw)
    try:
        number: PhoneNumber | None = phonenumbers.parse(text, region)
    except NumberParseException:
        number = None
    whole = number is not None and _is_whole(number)
    if number is not None and number.extension:
        return extension_issue(raw), whole, False
    if _EXTENSION_ONLY_RE.fullmatch(text.strip()):
        return extension_issue(raw), False, False
    if _LETTER_TOUCHES_DIGIT_RE.search(text) is None:
        # Letters stand apart from the digits: read the value without them.
        without = _LETTER_RUN_RE.sub(" ", text)
        if any(ch.isdecimal() for ch in without):
            result = _classify_text(raw, without, region, several=several)
            if result[1] or not whole:
                return result
        elif not whole:
            message = f"{quote(raw)} doesn't look like a phone number."
            return NumberIssue(raw, Problem.INVALID, message), False, False
    message = f"{quote(raw)} contains letters; please type the number using digits only."
    if number is None or not whole:
        return NumberIssue(raw, Problem.INVALID, message), False, False
    # phonenumbers could read the letters: offer its reading for the customer to check.
    digits = phonenumbers.format_number(number, _INTERNATIONAL)
    message = f"{quote(raw)} contains letters; please type the number using digits only "
    message += f"(did you mean {digits}?)."
    return NumberIssue(raw, Problem.INVALID, message), True, False
