"""Tests for bot.porting.numbers: pasted phone-number lists → E.164."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.porting.numbers import (
    NumberIssue,
    NumberKind,
    ParsedNumber,
    ParseResult,
    Problem,
    format_display,
    is_toll_free,
    parse_number,
    parse_numbers,
    split_pasted,
)

E164_RE = re.compile(r"^\+[1-9]\d{1,14}$")

G, M, T, OT = NumberKind.GEOGRAPHIC, NumberKind.MOBILE, NumberKind.TOLL_FREE, NumberKind.OTHER


def only_number(text: str, region: str = "US") -> ParsedNumber:
    result = parse_numbers(text, default_region=region)
    assert result.issues == (), result.issues
    assert len(result.numbers) == 1, result.numbers
    return result.numbers[0]


def only_issue(text: str, region: str = "US") -> NumberIssue:
    result = parse_numbers(text, default_region=region)
    assert result.numbers == (), result.numbers
    assert len(result.issues) == 1, result.issues
    return result.issues[0]


# --------------------------------------------------------------------------------------
# One value at a time: valid numbers
# --------------------------------------------------------------------------------------

VALID = [
    # (typed, default region, e164, region, kind)
    ("(617) 253-1000", "US", "+16172531000", "US", G),
    ("617.253.1000", "US", "+16172531000", "US", G),
    ("1-617-253-1000", "US", "+16172531000", "US", G),
    ("+1 617 253 1000", "US", "+16172531000", "US", G),
    ("6172531000", "US", "+16172531000", "US", G),
    ("+16172531000", "US", "+16172531000", "US", G),
    ("+1 (212) 736-5000", "US", "+12127365000", "US", G),
    ("212-736-5000", "US", "+12127365000", "US", G),
    ("617-555-1212", "US", "+16175551212", "US", G),  # 555 outside 0100-0199 is real
    ("415-555-0200", "US", "+14155550200", "US", G),
    ("+1 617 555 1212", "US", "+16175551212", "US", G),
    ("001 617 253 1000", "US", "+16172531000", "US", G),  # 00 read as the "+"
    ("011 44 20 7123 4567", "US", "+442071234567", "GB", G),  # US international prefix
    ("0044 20 7123 4567", "US", "+442071234567", "GB", G),
    ("416-253-1000", "US", "+14162531000", "CA", G),
    ("+1 604 253 1000", "US", "+16042531000", "CA", G),
    ("+1 876 555 1234", "US", "+18765551234", "JM", M),  # Caribbean mobiles are told apart
    ("+1 800 275 2273", "US", "+18002752273", "US", T),
    ("833-253-1000", "US", "+18332531000", "US", T),
    ("(888) 253-1000", "US", "+18882531000", "US", T),
    ("1-877-253-1000", "US", "+18772531000", "US", T),
    ("+1 500 253 1000", "US", "+15002531000", "US", OT),  # personal-number range
    ("+44 20 7123 4567", "US", "+442071234567", "GB", G),
    ("020 7123 4567", "GB", "+442071234567", "GB", G),
    ("07400 123456", "GB", "+447400123456", "GB", M),
    ("+44 800 123 4567", "US", "+448001234567", "GB", T),
    ("+33 1 42 68 53 00", "US", "+33142685300", "FR", G),
    ("+61 2 9374 4000", "US", "+61293744000", "AU", G),
    ("+1 617 253 1000", "GB", "+16172531000", "US", G),  # "+" wins over the default
    ("tel:+16172531000", "US", "+16172531000", "US", G),  # copied from a link
    ("Tel: 617 253 1000", "US", "+16172531000", "US", G),  # a label is fine
    ("617 253 1000 (main)", "US", "+16172531000", "US", G),
    ("\u2022 617-253-1000", "US", "+16172531000", "US", G),  # bullet
    ("  617-253-1000  ", "US", "+16172531000", "US", G),
    ("617\u00a0253\u00a01000", "US", "+16172531000", "US", G),  # non-breaking spaces
    ("617\u200b253\u200b1000", "US", "+16172531000", "US", G),  # zero-width spaces
    ("６１７-２５３-１０００", "US", "+16172531000", "US", G),  # full-width digits
    ("+1 ٦١٧ ٢٥٣ ١٠٠٠", "US", "+16172531000", "US", G),  # Arabic-Indic digits
    ("617 - 253 - 1000", "US", "+16172531000", "US", G),
]


@pytest.mark.parametrize(("typed", "region", "e164", "where", "kind"), VALID)
def test_valid_numbers(typed: str, region: str, e164: str, where: str, kind: NumberKind) -> None:
    number = only_number(typed, region)
    assert number == ParsedNumber(typed.strip(), e164, where, kind)
    assert number.toll_free is (kind is T)
    assert phonenumbers.is_valid_number(phonenumbers.parse(e164))
    assert parse_number(typed, default_region=region) == number


# --------------------------------------------------------------------------------------
# One value at a time: refused values
# --------------------------------------------------------------------------------------

REFUSED = [
    # (typed, default region, problem, words the message must contain)
    ("+1 212 555 0100", "US", Problem.FICTIONAL, "555-0100 to 555-0199"),
    ("(617) 555-0199", "US", Problem.FICTIONAL, "fictional"),
    ("1-415-555-0150", "US", Problem.FICTIONAL, "fictional"),
    ("+44 20 7946 0000", "US", Problem.FICTIONAL, "Ofcom"),
    ("020 7946 0123", "GB", Problem.FICTIONAL, "Ofcom"),
    ("0113 496 0999", "GB", Problem.FICTIONAL, "Ofcom"),
    ("0161 496 0123", "GB", Problem.FICTIONAL, "Ofcom"),
    ("01632 960123", "GB", Problem.FICTIONAL, "Ofcom"),
    ("07700 900123", "GB", Problem.FICTIONAL, "Ofcom"),  # phonenumbers calls it invalid
    ("+44 808 157 0000", "US", Problem.FICTIONAL, "Ofcom"),
    ("+44 909 879 0000", "US", Problem.FICTIONAL, "Ofcom"),
    ("123-456-7890", "US", Problem.INVALID, "area codes never start with 0 or 1"),
    ("617-053-1000", "US", Problem.INVALID, "can't start with 0 or 1"),
    ("999-253-1000", "US", Problem.INVALID, "check the area code (999)"),
    ("617-555-12", "US", Problem.INVALID, "not a complete phone number"),
    ("253-1000", "US", Problem.INVALID, "missing its area code"),
    ("617253100012345", "US", Problem.INVALID, "too many digits"),
    ("02079460123", "US", Problem.INVALID, "start it with + and the country code"),
    ("617 253 1000", "GB", Problem.INVALID, "not a valid number in the United Kingdom"),
    ("+999 123 4567", "US", Problem.INVALID, "country code we recognize"),
    ("20100000000000", "DE", Problem.INVALID, "too many digits"),  # phonenumbers: valid
    ("00110", "US", Problem.INVALID, "not a complete phone number"),
    ("+44 20 7123 456", "US", Problem.INVALID, "United Kingdom"),
    ("hello", "US", Problem.INVALID, "doesn't look like a phone number"),
    ("n/a", "US", Problem.INVALID, "doesn't look like a phone number"),
    ("1-800-FLOWERS", "US", Problem.INVALID, "+1 800-356-9377"),  # suggested, never guessed
    ("617-253-CALL", "US", Problem.INVALID, "digits only"),
    ("1-8OO-253-1000", "US", Problem.INVALID, "digits only"),  # letter O, not zero
    ("6172531000A", "US", Problem.INVALID, "digits only"),
    ("617-253-1000 x123", "US", Problem.INVALID, "extension"),
    ("617-253-1000 ext. 45", "US", Problem.INVALID, "extension"),
    ("x123", "US", Problem.INVALID, "extension"),
    ("1-900-253-1000", "US", Problem.UNSUPPORTED, "premium-rate"),
    ("+44 871 234 5678", "US", Problem.UNSUPPORTED, "premium-rate"),
    ("911", "US", Problem.UNSUPPORTED, "emergency"),
    ("999", "GB", Problem.UNSUPPORTED, "emergency"),
    ("611", "US", Problem.UNSUPPORTED, "short code"),
]


@pytest.mark.parametrize(("typed", "region", "problem", "words"), REFUSED)
def test_refused_values(typed: str, region: str, problem: Problem, words: str) -> None:
    issue = only_issue(typed, region)
    assert issue.raw == typed
    assert issue.problem is problem
    assert f'"{typed}"' in issue.message
    assert words in issue.message
    assert parse_number(typed, default_region=region) == issue


def test_messages_match_the_brief() -> None:
    assert only_issue("+1 212 555 0100").message == (
        '"+1 212 555 0100" is a fictional number '
        "(555-0100 to 555-0199 are reserved for films and examples)."
    )
    assert only_issue("617-555-12").message == '"617-555-12" is not a complete phone number.'
    result = parse_numbers("+1 617 555 1212\n+1 617 555 1212")
    assert result.issues[0].message == '"+1 617 555 1212" is listed more than once.'


def test_very_long_values_are_shortened_in_messages_only() -> None:
    junk = "call me maybe " * 20
    issue = only_issue(junk)
    assert issue.raw == junk.strip()
    assert len(issue.message) < 120
    assert "…" in issue.message


# --------------------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------------------

LISTS = [
    # (pasted text, expected numbers in order)
    (
        "(617) 555-1212, 617.555.1213;+16175551214\n1-617-555-1215",
        ["+16175551212", "+16175551213", "+16175551214", "+16175551215"],
    ),
    ("6175551212 6175551213", ["+16175551212", "+16175551213"]),
    ("617 555 1212 617 555 1213", ["+16175551212", "+16175551213"]),
    ("+1 617 253 1000 +44 20 7123 4567", ["+16172531000", "+442071234567"]),
    ("(617) 253-1000 (617) 253-1001", ["+16172531000", "+16172531001"]),
    ("1 617 253 1000 1 617 253 1001", ["+16172531000", "+16172531001"]),
    ("617-253-1000 | 212-736-5000\t415-555-0200", ["+16172531000", "+12127365000", "+14155550200"]),
    ("\n\n  617-253-1000 ,, ;\n\n212-736-5000\n\n", ["+16172531000", "+12127365000"]),
    ("\u2022 617-253-1000\n\u2022 212-736-5000", ["+16172531000", "+12127365000"]),
    ("1. 617 253 1000\n2. 212 736 5000", ["+16172531000", "+12127365000"]),
    ("1) 617 253 1000 2) 212 736 5000", ["+16172531000", "+12127365000"]),
    ("Tel: 617 253 1000 Fax: 617 253 1001", ["+16172531000", "+16172531001"]),
    ("617\u00a0253\u00a01000\u00a0212\u00a0736\u00a05000", ["+16172531000", "+12127365000"]),
    ("617-253-1000\r\n212-736-5000\r\n", ["+16172531000", "+12127365000"]),
    ("617-253-1000，212-736-5000", ["+16172531000", "+12127365000"]),  # full-width comma
]


@pytest.mark.parametrize(("text", "expected"), LISTS)
def test_lists(text: str, expected: list[str]) -> None:
    result = parse_numbers(text)
    assert result.issues == ()
    assert [n.e164 for n in result.numbers] == expected
    assert result.ok
    for number in result.numbers:
        assert number.raw in text


def test_space_separated_list_keeps_each_value_as_typed() -> None:
    text = "+1 617 555 1212 +44 20 7946 0000 617 253 1000"
    assert split_pasted(text) == ["+1 617 555 1212", "+44 20 7946 0000", "617 253 1000"]
    result = parse_numbers(text)
    assert [n.raw for n in result.numbers] == ["+1 617 555 1212", "617 253 1000"]
    assert [(i.raw, i.problem) for i in result.issues] == [("+44 20 7946 0000", Problem.FICTIONAL)]


def test_split_pasted_returns_values_as_typed() -> None:
    text = " 617-253-1000 ;\n(212) 736-5000, junk,,\n\n617 555 12 617 253 1001 "
    assert split_pasted(text) == [
        "617-253-1000",
        "(212) 736-5000",
        "junk",
        "617 555 12",
        "617 253 1001",
    ]
    assert split_pasted("") == []
    assert split_pasted(" ,; - \u2022 ") == []


def test_split_pasted_uses_the_default_region() -> None:
    assert split_pasted("020 7123 4567 020 7123 4568", default_region="GB") == [
        "020 7123 4567",
        "020 7123 4568",
    ]


def test_duplicates_in_different_formats() -> None:
    result = parse_numbers("617-253-1000\n+1 (617) 253-1000\n6172531000\n212-736-5000")
    assert [n.e164 for n in result.numbers] == ["+16172531000", "+12127365000"]
    assert [n.raw for n in result.numbers] == ["617-253-1000", "212-736-5000"]
    assert [(i.raw, i.problem) for i in result.issues] == [
        ("+1 (617) 253-1000", Problem.DUPLICATE),
        ("6172531000", Problem.DUPLICATE),
    ]
    assert '"+1 (617) 253-1000"' in result.issues[0].message
    assert 'same number as "617-253-1000"' in result.issues[0].message
    assert not result.ok


def test_mixed_good_and_bad_values_in_input_order() -> None:
    text = "617-253-1000, 123-456-7890\n212 555 0100 212 736 5000, 1-900-253-1000; hello"
    result = parse_numbers(text)
    assert [n.e164 for n in result.numbers] == ["+16172531000", "+12127365000"]
    assert [(i.raw, i.problem) for i in result.issues] == [
        ("123-456-7890", Problem.INVALID),
        ("212 555 0100", Problem.FICTIONAL),
        ("1-900-253-1000", Problem.UNSUPPORTED),
        ("hello", Problem.INVALID),
    ]
    for issue in result.issues:
        assert f'"{issue.raw}"' in issue.message


def test_leftovers_between_numbers_are_reported_as_typed() -> None:
    result = parse_numbers("617 253 1000 617 555 12 212 736 5000 and")
    assert [n.e164 for n in result.numbers] == ["+16172531000", "+12127365000"]
    assert [(i.raw, i.problem) for i in result.issues] == [
        ("617 555 12", Problem.INVALID),
        ("and", Problem.INVALID),
    ]


def test_two_bad_numbers_separated_by_a_space() -> None:
    issue = only_issue("617-555-12 617-555-13")
    assert issue.raw == "617-555-12 617-555-13"
    assert "its own line" in issue.message


def test_extension_inside_a_space_separated_list() -> None:
    result = parse_numbers("617 253 1000 x12 212 736 5000")
    assert [n.e164 for n in result.numbers] == ["+12127365000"]
    assert [(i.raw, i.problem) for i in result.issues] == [("617 253 1000 x12", Problem.INVALID)]
    assert "extension" in result.issues[0].message


def test_rfc3966_extension_after_a_semicolon() -> None:
    result = parse_numbers("tel:+1-617-253-1000;ext=22")
    assert [n.e164 for n in result.numbers] == ["+16172531000"]
    assert [(i.raw, i.problem) for i in result.issues] == [("ext=22", Problem.INVALID)]
    assert "extension" in result.issues[0].message


def test_vanity_number_inside_a_list_is_not_converted() -> None:
    result = parse_numbers("617 253 1000 1 800 FLOWERS")
    assert [n.e164 for n in result.numbers] == ["+16172531000"]
    assert [i.raw for i in result.issues] == ["1 800 FLOWERS"]
    assert "+1 800-356-9377" in result.issues[0].message


def test_supported_regions() -> None:
    text = "+44 20 7123 4567, 617-253-1000, +1 604 253 1000, +1 876 555 1234"
    result = parse_numbers(text, supported_regions=frozenset({"US", "CA"}))
    assert [n.e164 for n in result.numbers] == ["+16172531000", "+16042531000"]
    assert [(i.raw, i.problem) for i in result.issues] == [
        ("+44 20 7123 4567", Problem.UNSUPPORTED),
        ("+1 876 555 1234", Problem.UNSUPPORTED),
    ]
    assert result.issues[0].message == (
        '"+44 20 7123 4567" is a number in the United Kingdom; '
        "we can only port numbers from Canada and the United States."
    )
    assert "JM" in result.issues[1].message  # no friendly name on file: the region code
    # Lower case region codes are accepted; no restriction when None.
    assert parse_numbers("+44 20 7123 4567", supported_regions=frozenset({"gb"})).ok
    assert parse_numbers("+44 20 7123 4567", supported_regions=None).ok


def test_unsupported_region_is_not_counted_as_a_duplicate() -> None:
    result = parse_numbers(
        "+44 20 7123 4567\n+44 20 7123 4567", supported_regions=frozenset({"US"})
    )
    assert [i.problem for i in result.issues] == [Problem.UNSUPPORTED, Problem.UNSUPPORTED]


@pytest.mark.parametrize("text", ["", "   ", "\n\n", " , ; | ", "- \u2022 -", "\u200b"])
def test_empty_paste(text: str) -> None:
    result = parse_numbers(text)
    assert result.numbers == ()
    assert len(result.issues) == 1
    assert result.issues[0].raw == ""
    assert result.issues[0].problem is Problem.EMPTY
    assert "at least one phone number" in result.issues[0].message
    assert not result.ok
    assert result.summary() == result.issues[0].message


def test_parse_number_empty() -> None:
    issue = parse_number("  ")
    assert isinstance(issue, NumberIssue)
    assert issue.problem is Problem.EMPTY


def test_two_hundred_numbers_in_input_order() -> None:
    numbers = [f"+1617253{n:04d}" for n in range(1000, 1200)]
    typed = [
        ["({}) {}-{}", "{}.{}.{}", "1-{}-{}-{}", "+1 {} {} {}", "{}{}{}"][k % 5].format(
            e[2:5], e[5:8], e[8:]
        )
        for k, e in enumerate(numbers)
    ]
    for separator in ["\n", ", ", "; ", " ", "\t"]:
        result = parse_numbers(separator.join(typed))
        assert result.issues == (), separator
        assert [n.e164 for n in result.numbers] == numbers
        assert [n.raw for n in result.numbers] == typed
        assert result.ok


# --------------------------------------------------------------------------------------
# Summary, display helpers
# --------------------------------------------------------------------------------------


def test_summary_lists_up_to_limit_then_counts_the_rest() -> None:
    result = parse_numbers("hello, 123-456-7890, 617-555-12, 1-800-FLOWERS, 212 555 0150, x12")
    text = result.summary(limit=3)
    lines = text.splitlines()
    assert lines[0] == "6 entries need fixing:"
    assert len(lines) == 5
    assert '"hello"' in lines[1]
    assert '"123-456-7890"' in lines[2]
    assert '"617-555-12"' in lines[3]
    assert lines[4] == "…and 3 more."
    assert "more." not in result.summary(limit=10)
    assert len(result.summary(limit=10).splitlines()) == 7


def test_summary_of_a_clean_result_is_empty() -> None:
    result = parse_numbers("617-253-1000")
    assert result.ok
    assert result.summary() == ""


def test_summary_stays_under_1500_characters() -> None:
    junk = ", ".join(f"{'nonsense ' * 30}{k}" for k in range(40))
    result = parse_numbers(junk)
    assert len(result.issues) == 40
    text = result.summary(limit=40)
    assert len(text) <= 1500
    assert text.endswith("more.")
    single = ParseResult((), (NumberIssue("x", Problem.INVALID, "y" * 5000),))
    assert len(single.summary()) <= 1500


def test_format_display() -> None:
    assert format_display("+16175551212") == "+1 617-555-1212"
    assert format_display("+442071234567") == "+44 20 7123 4567"
    assert format_display("not a number") == "not a number"


@pytest.mark.parametrize(
    ("e164", "expected"),
    [
        ("+18002752273", True),
        ("+18332531000", True),
        ("+18442531000", True),
        ("+18552531000", True),
        ("+18662531000", True),
        ("+18772531000", True),
        ("+18882531000", True),
        ("+16172531000", False),
        ("+18001234567", False),  # an exchange never starts with 1
        ("+448001234567", True),
        ("+442071234567", False),
        ("", False),
        ("junk", False),
        ("+1800", False),
    ],
)
def test_is_toll_free(e164: str, expected: bool) -> None:
    assert is_toll_free(e164) is expected


def test_enums_are_strings() -> None:
    assert NumberKind.TOLL_FREE == "toll_free"
    assert Problem.DUPLICATE == "duplicate"


# The region of a North American number is cached by area code; it must agree with
# phonenumbers for numbers from every kind of NANP region.
@pytest.mark.parametrize(
    "e164",
    [
        "+16172531000",
        "+14162531000",
        "+18765551234",
        "+17872531000",
        "+16712531000",
        "+14412951234",
        "+18002752273",
        "+18092531000",
    ],
)
def test_nanp_region_agrees_with_phonenumbers(e164: str) -> None:
    expected = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    result = parse_numbers(f"{e164}\n{e164[2:]}")
    assert [n.region for n in result.numbers] == [expected]


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

PHONEISH = st.lists(
    st.sampled_from(
        list("0123456789") * 4
        + list("+()-. ,;\n\t|/#*xXeEtTaAO")
        + ["ext", "\u00a0", "\u200b", "00", "011", "617", "555", "01", "tel:", "1-800-"]
    ),
    max_size=60,
).map("".join)

VALID_TYPED = st.sampled_from(
    [
        "(617) 253-1000",
        "617.253.1001",
        "1-617-253-1002",
        "+1 617 253 1003",
        "6172531004",
        "+16172531005",
        "+1 (212) 736-5000",
        "416-253-1000",
        "+44 20 7123 4567",
        "+33 1 42 68 53 00",
        "833-253-1000",
        "tel:+12127365001",
    ]
)


def check_invariants(text: str, result: ParseResult) -> None:
    seen = set()
    for number in result.numbers:
        assert E164_RE.match(number.e164), number
        assert phonenumbers.is_valid_number(phonenumbers.parse(number.e164)), number
        assert (
            phonenumbers.format_number(
                phonenumbers.parse(number.e164), phonenumbers.PhoneNumberFormat.E164
            )
            == number.e164
        )
        assert number.e164 not in seen
        seen.add(number.e164)
        assert number.raw and number.raw in text
        assert isinstance(number.kind, NumberKind)
    for issue in result.issues:
        assert issue.raw in text
        assert isinstance(issue.problem, Problem)
        assert issue.message
    assert result.numbers or result.issues
    assert len(result.summary()) <= 1500


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_never_raises_on_any_text(text: str) -> None:
    check_invariants(text, parse_numbers(text))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PHONEISH, st.sampled_from(["US", "GB", "CA", "DE", "ZZ", "us"]))
def test_never_raises_on_phone_like_text(text: str, region: str) -> None:
    check_invariants(text, parse_numbers(text, default_region=region))
    split_pasted(text, default_region=region)
    parse_number(text, default_region=region)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(VALID_TYPED, min_size=1, max_size=12),
    st.lists(st.sampled_from(["\n", ", ", ";", " | ", "\t", " ", "  ", " \u2022 "]), min_size=1),
)
def test_valid_lists_parse_completely(typed: list[str], separators: list[str]) -> None:
    text = typed[0]
    for k, value in enumerate(typed[1:]):
        text += separators[k % len(separators)] + value
    result = parse_numbers(text)
    expected = list(dict.fromkeys(only_number(value).e164 for value in typed))
    assert [n.e164 for n in result.numbers] == expected
    assert all(i.problem is Problem.DUPLICATE for i in result.issues)
    assert len(result.issues) == len(typed) - len(expected)
