"""Rejection catalog: completeness, Slack-friendly texts, lookups and the fix-field union."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest

from bot.porting import rejections
from bot.porting.rejections import (
    CATALOG,
    RESUBMIT_NOTE,
    FixField,
    Rejection,
    RejectionCode,
    choices,
    fields_to_fix,
    get,
)

ENTRIES = list(CATALOG.values())
ids = [r.code.value for r in ENTRIES]

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def all_texts(r: Rejection) -> list[str]:
    return [r.title, r.meaning, *r.fix]


# -- the catalog is complete and consistent --------------------------------------------------


def test_every_code_has_an_entry() -> None:
    assert set(CATALOG) == set(RejectionCode)
    assert len(CATALOG) == len(RejectionCode)


def test_catalog_is_read_only() -> None:
    assert isinstance(CATALOG, Mapping)
    with pytest.raises(TypeError):
        CATALOG[RejectionCode.OTHER] = CATALOG[RejectionCode.WRONG_PIN]  # type: ignore[index]


@pytest.mark.parametrize("code", list(RejectionCode), ids=[c.value for c in RejectionCode])
def test_entry_code_matches_its_key(code: RejectionCode) -> None:
    entry = CATALOG[code]
    assert isinstance(entry, Rejection)
    assert entry.code is code


def test_brief_codes_are_present_with_stable_values() -> None:
    # Stored in the database and used in Zendesk tags: these values must never change.
    assert {c.value for c in RejectionCode} == {
        "business_relationship",
        "data_mismatch",
        "name_mismatch",
        "address_mismatch",
        "company_name_mismatch",
        "number_inactive",
        "unauthorized_signature",
        "wrong_pin",
        "account_number",
        "invalid_btn",
        "not_portable",
        "resold_account",
        "google_voice_locked",
        "pending_order",
        "partial_port",
        "other",
    }


@pytest.mark.parametrize("code", list(RejectionCode), ids=[c.value for c in RejectionCode])
def test_codes_fit_in_zendesk_tags(code: RejectionCode) -> None:
    assert SNAKE.fullmatch(code.value)
    assert len(code.value) <= 40
    assert code.value == code.value.lower()
    assert " " not in code.value


def test_fix_field_values_are_snake_case() -> None:
    for f in FixField:
        assert SNAKE.fullmatch(f.value)


@pytest.mark.parametrize("entry", ENTRIES, ids=ids)
def test_texts_are_present_and_short(entry: Rejection) -> None:
    assert entry.title.strip()
    assert len(entry.title) <= 60
    assert entry.meaning.strip()
    assert len(entry.meaning) <= 300
    assert entry.fix
    assert isinstance(entry.fix, tuple)
    for step in entry.fix:
        assert step.strip()
        assert len(step) <= 200


@pytest.mark.parametrize("entry", ENTRIES, ids=ids)
def test_texts_are_tidy_and_safe_for_slack(entry: Rejection) -> None:
    for text in all_texts(entry):
        assert text == text.strip()
        assert "  " not in text
        assert not set("<>&*_`~") & set(text), text  # no Slack mrkdwn control characters
        assert "http" not in text.lower()
        assert "www." not in text.lower()
        assert ".com" not in text.lower()
    assert entry.meaning.endswith(".")
    for step in entry.fix:
        assert step[0].isupper()
        assert step.endswith(".")


@pytest.mark.parametrize("entry", ENTRIES, ids=ids)
def test_ask_for_is_consistent(entry: Rejection) -> None:
    assert isinstance(entry.ask_for, tuple)
    assert all(isinstance(f, FixField) for f in entry.ask_for)
    assert len(set(entry.ask_for)) == len(entry.ask_for)
    if entry.customer_can_fix:
        assert entry.ask_for
    # A fresh signature is asked for exactly when the fix changes what the LOA certifies.
    assert (FixField.NEW_LOA in entry.ask_for) == entry.needs_new_signature


def test_not_portable_offers_alternatives_instead_of_a_fix() -> None:
    entry = get(RejectionCode.NOT_PORTABLE)
    assert not entry.customer_can_fix
    assert not entry.needs_new_signature
    text = " ".join(all_texts(entry)).lower()
    assert "new number" in text
    assert "forward" in text


def test_customer_can_fix_everything_except_not_portable() -> None:
    assert {r.code for r in ENTRIES if not r.customer_can_fix} == {RejectionCode.NOT_PORTABLE}


def test_wrong_pin_mentions_ssn_and_needs_no_new_signature() -> None:
    entry = get(RejectionCode.WRONG_PIN)
    text = " ".join(entry.fix)
    assert "last 4 digits" in text
    assert "Social Security" in text
    assert entry.ask_for == (FixField.PIN,)
    assert not entry.needs_new_signature
    assert entry.title == "Wrong wireless PIN"


def test_google_voice_is_unlocked_in_settings_without_links() -> None:
    entry = get(RejectionCode.GOOGLE_VOICE_LOCKED)
    text = " ".join(all_texts(entry))
    assert "settings" in text.lower()
    assert "unlock" in text.lower()
    assert "google.com" not in text.lower()
    assert entry.ask_for == (FixField.CONFIRMATION,)


@pytest.mark.parametrize(
    "code",
    [
        RejectionCode.DATA_MISMATCH,
        RejectionCode.NAME_MISMATCH,
        RejectionCode.ADDRESS_MISMATCH,
        RejectionCode.COMPANY_NAME_MISMATCH,
        RejectionCode.RESOLD_ACCOUNT,
    ],
)
def test_record_mismatches_point_to_the_csr(code: RejectionCode) -> None:
    entry = get(code)
    assert "CSR" in " ".join(all_texts(entry))
    assert entry.needs_new_signature


def test_mismatch_fields() -> None:
    assert FixField.ACCOUNT_HOLDER in get("name_mismatch").ask_for
    assert FixField.ACCOUNT_HOLDER in get("company_name_mismatch").ask_for
    assert FixField.SERVICE_ADDRESS in get("address_mismatch").ask_for
    assert FixField.AUTHORIZED_REP in get("unauthorized_signature").ask_for
    assert FixField.ACCOUNT_NUMBER in get("account_number").ask_for
    assert FixField.BTN in get("invalid_btn").ask_for
    assert FixField.BTN in get("partial_port").ask_for


@pytest.mark.parametrize(
    "code",
    [
        RejectionCode.BUSINESS_RELATIONSHIP,
        RejectionCode.NUMBER_INACTIVE,
        RejectionCode.GOOGLE_VOICE_LOCKED,
        RejectionCode.PENDING_ORDER,
    ],
)
def test_confirmation_only_fixes(code: RejectionCode) -> None:
    entry = get(code)
    assert entry.ask_for == (FixField.CONFIRMATION,)
    assert not entry.needs_new_signature


def test_resubmit_note_says_the_clock_restarts() -> None:
    assert RESUBMIT_NOTE
    assert len(RESUBMIT_NOTE) <= 200
    assert "again" in RESUBMIT_NOTE
    assert "starts over" in RESUBMIT_NOTE


def test_rejection_is_frozen() -> None:
    entry = get(RejectionCode.OTHER)
    with pytest.raises(AttributeError):
        entry.title = "x"  # type: ignore[misc]


# -- lookups ---------------------------------------------------------------------------------


def test_get_with_enum_and_string() -> None:
    assert get(RejectionCode.WRONG_PIN) is CATALOG[RejectionCode.WRONG_PIN]
    assert get("wrong_pin") is CATALOG[RejectionCode.WRONG_PIN]
    for code in RejectionCode:
        assert get(code.value).code is code


def test_get_is_lenient_about_case_spaces_and_hyphens() -> None:
    assert get("  Wrong_PIN ").code is RejectionCode.WRONG_PIN
    assert get("google-voice-locked").code is RejectionCode.GOOGLE_VOICE_LOCKED


def test_get_unknown_code_lists_valid_codes() -> None:
    with pytest.raises(KeyError) as excinfo:
        get("bad_vibes")
    message = str(excinfo.value)
    assert "bad_vibes" in message
    for code in RejectionCode:
        assert code.value in message


def test_get_empty_code_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        get("")


def test_get_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        get(42)  # type: ignore[arg-type]


def test_module_exports() -> None:
    for name in rejections.__all__:
        assert hasattr(rejections, name)


# -- select menu -----------------------------------------------------------------------------


def test_choices_cover_all_codes_with_other_last() -> None:
    menu = choices()
    values = [value for value, _ in menu]
    assert len(values) == len(set(values))
    assert set(values) == {c.value for c in RejectionCode}
    assert values[-1] == RejectionCode.OTHER.value
    for value, label in menu:
        assert label == CATALOG[RejectionCode(value)].title
        assert len(label) <= 75  # Slack option text limit


def test_choices_returns_a_fresh_list() -> None:
    menu = choices()
    menu.clear()
    assert choices()


# -- fields_to_fix ---------------------------------------------------------------------------


def test_fields_to_fix_empty() -> None:
    assert fields_to_fix([]) == ()


def test_fields_to_fix_single_code_keeps_its_fields() -> None:
    assert fields_to_fix([RejectionCode.WRONG_PIN]) == (FixField.PIN,)
    assert fields_to_fix([RejectionCode.NOT_PORTABLE]) == ()


def test_fields_to_fix_union_is_deduplicated_in_fix_field_order() -> None:
    codes = [
        RejectionCode.ADDRESS_MISMATCH,
        RejectionCode.WRONG_PIN,
        RejectionCode.NAME_MISMATCH,
        RejectionCode.ADDRESS_MISMATCH,
    ]
    assert fields_to_fix(codes) == (
        FixField.PIN,
        FixField.ACCOUNT_HOLDER,
        FixField.SERVICE_ADDRESS,
        FixField.NEW_LOA,
    )


def test_fields_to_fix_order_does_not_depend_on_input_order() -> None:
    codes = list(RejectionCode)
    assert fields_to_fix(codes) == fields_to_fix(reversed(codes))
    order = list(FixField)
    result = fields_to_fix(codes)
    assert list(result) == sorted(result, key=order.index)
    assert set(result) == {f for r in ENTRIES for f in r.ask_for}


def test_fields_to_fix_accepts_strings_and_generators() -> None:
    assert fields_to_fix(c for c in ["wrong_pin", "business_relationship"]) == (
        FixField.PIN,
        FixField.CONFIRMATION,
    )


def test_fields_to_fix_unknown_code() -> None:
    with pytest.raises(KeyError, match="nope"):
        fields_to_fix(["wrong_pin", "nope"])
