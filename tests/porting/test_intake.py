"""Intake validation: agreements, numbers, account, contact, address, bill, dates, CSR checks.

Every function under test is pure; ``today`` is passed in. Messages are checked for the field
they land on (``F.xxx``, i.e. the modal block where the customer typed) and, where the rule
says so, for the offending value as the customer typed it.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from bot.porting.address import is_po_box, validate_address
from bot.porting.csr import compare_with_csr
from bot.porting.fields import LOA_FIELDS, Bill, CleanNumber, Draft, F, Result
from bot.porting.intake import (
    MAX_BILL_BYTES,
    MAX_DOCUMENT_AGE_DAYS,
    Agreement,
    document_age_problem,
    validate_account,
    validate_agreements,
    validate_bill,
    validate_contact,
    validate_desired_date,
    validate_draft,
    validate_numbers,
)
from storage.values import AccountType, LineType

TODAY = date(2026, 11, 16)  # a Monday
ALL_AGREEMENTS = frozenset(a.value for a in Agreement)

# Real, valid numbers (MIT, Hotel Pennsylvania's PEnnsylvania 6-5000, a San Francisco line).
MIT = "+1 617-253-1000"
MIT_E164 = "+16172531000"
NYC = "(212) 736-5000"
NYC_E164 = "+12127365000"
SF = "415-981-4000"
SF_E164 = "+14159814000"
TOLL_FREE = "800-642-7676"
TOLL_FREE_E164 = "+18006427676"
FICTIONAL = "+1 212 555 0100"

PIN = "Zq7319"
ACCOUNT = "ACCT-8675309-77"


def bill(days_old: int = 10, **changes: object) -> Bill:
    base = Bill("march-bill.pdf", 250_000, "application/pdf", TODAY - timedelta(days=days_old))
    return dataclasses.replace(base, **changes)


def draft(**changes: object) -> Draft:
    """A complete, valid business draft (landlines only); ``changes`` replace fields."""
    base = Draft(
        agreements=ALL_AGREEMENTS,
        landlines=f"{MIT}, {NYC}",
        wireless="",
        losing_carrier="  Verizon   Business ",
        account_number=f" {ACCOUNT} ",
        btn="617 253 1000",
        pin="",
        name="Boston office move",
        account_type="business",
        company_name="Acme   Widgets Inc",
        rep_name="  Jane   Doe ",
        rep_email="Jane.Doe@Example.COM",
        street="77  Massachusetts Ave",
        street2="Suite 500",
        city="Cambridge",
        region="ma",
        postal_code="02139-4307",
        country="us",
        desired_date=TODAY + timedelta(days=21),
        bill=bill(),
    )
    return dataclasses.replace(base, **changes)


def numbers_result(landlines: str = "", wireless: str = "") -> Result:
    """The numbers step, as validate_account expects to find it."""
    result = validate_numbers(landlines, wireless)
    assert result.ok, result.errors
    return result


# --- agreements -----------------------------------------------------------------------------


def test_all_four_agreements_are_required_and_enough() -> None:
    assert len(Agreement) == 4
    assert validate_agreements(ALL_AGREEMENTS) == {}
    assert validate_agreements([*ALL_AGREEMENTS, "something-else"]) == {}


@pytest.mark.parametrize("missing", list(Agreement))
def test_missing_one_agreement_is_an_error_on_the_checklist(missing: Agreement) -> None:
    errors = validate_agreements(ALL_AGREEMENTS - {missing.value})
    assert list(errors) == [F.AGREEMENTS]
    assert "tick every box" in errors[F.AGREEMENTS]


def test_no_agreements_ticked() -> None:
    assert list(validate_agreements(())) == [F.AGREEMENTS]


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(("landlines", "wireless"), [("", ""), ("  \n ", "\t")])
def test_no_numbers_is_an_error_on_the_landline_box(landlines: str, wireless: str) -> None:
    result = validate_numbers(landlines, wireless)
    assert list(result.errors) == [F.LANDLINES]
    assert "at least one number" in result.errors[F.LANDLINES]
    assert result.cleaned.numbers == []


def test_numbers_are_stored_in_e164_with_the_list_deciding_the_line_type() -> None:
    result = validate_numbers(f"{MIT}\n{NYC}", SF)
    assert result.ok
    assert result.cleaned.numbers == [
        CleanNumber(MIT_E164, LineType.LANDLINE),
        CleanNumber(NYC_E164, LineType.LANDLINE),
        CleanNumber(SF_E164, LineType.WIRELESS),
    ]
    assert result.cleaned.has_landline and result.cleaned.has_wireless
    assert result.cleaned.toll_free == []


@pytest.mark.parametrize("field", [F.LANDLINES, F.WIRELESS])
def test_fictional_number_is_refused_and_named_as_typed(field: F) -> None:
    lists = {F.LANDLINES: "", F.WIRELESS: ""}
    lists[field] = f"{MIT if field is F.LANDLINES else SF}, {FICTIONAL}"
    result = validate_numbers(lists[F.LANDLINES], lists[F.WIRELESS])
    assert list(result.errors) == [field]
    assert FICTIONAL in result.errors[field]
    assert "fictional" in result.errors[field]


def test_garbage_in_the_list_is_named() -> None:
    result = validate_numbers(f"{MIT}, call me", "")
    assert F.LANDLINES in result.errors
    assert "call me" in result.errors[F.LANDLINES]


def test_same_number_twice_in_one_list_is_named() -> None:
    result = validate_numbers(f"{MIT}, {NYC}, 617.253.1000", "")
    assert list(result.errors) == [F.LANDLINES]
    assert "617.253.1000" in result.errors[F.LANDLINES]


def test_number_in_both_lists_is_refused_in_the_second_list_and_named() -> None:
    result = validate_numbers(MIT, f"{SF}, 617 253 1000")
    assert list(result.errors) == [F.WIRELESS]
    message = result.errors[F.WIRELESS]
    assert "617 253 1000" in message
    assert "landline list" in message
    # The landline entry stands; the duplicate is not added twice.
    assert [n.e164 for n in result.cleaned.numbers] == [MIT_E164, SF_E164]


def test_toll_free_number_in_the_wireless_list_is_refused() -> None:
    result = validate_numbers(MIT, f"{SF} {TOLL_FREE}")
    assert list(result.errors) == [F.WIRELESS]
    assert TOLL_FREE in result.errors[F.WIRELESS]
    assert "toll-free" in result.errors[F.WIRELESS]
    assert TOLL_FREE_E164 not in [n.e164 for n in result.cleaned.numbers]


def test_toll_free_in_the_landline_list_is_flagged_not_refused() -> None:
    result = validate_numbers(f"{MIT}, (800) 642-7676", "")
    assert result.ok
    assert result.cleaned.numbers == [
        CleanNumber(MIT_E164, LineType.LANDLINE),
        CleanNumber(TOLL_FREE_E164, LineType.TOLL_FREE),
    ]
    assert result.cleaned.toll_free == [TOLL_FREE_E164]
    assert result.cleaned.has_landline and not result.cleaned.has_wireless

    full = validate_draft(draft(landlines=f"{MIT}, {TOLL_FREE}"), today=TODAY)
    assert full.ok, full.errors
    assert len(full.warnings) == 1
    assert "Toll-free" in full.warnings[0]
    assert "RespOrg" in full.warnings[0]


def test_no_toll_free_warning_without_toll_free_numbers() -> None:
    assert validate_draft(draft(), today=TODAY).warnings == []


def test_numbers_in_open_requests_are_named_in_display_form() -> None:
    result = validate_numbers(f"{MIT}, {NYC}", "", in_open_requests={MIT_E164})
    assert list(result.errors) == [F.LANDLINES]
    message = result.errors[F.LANDLINES]
    assert message.startswith("+1 617-253-1000 is already in another open port request")
    assert "212" not in message  # the free number is not blamed


def test_many_numbers_in_open_requests_are_counted_not_all_listed() -> None:
    pasted = "\n".join(f"617-253-{1000 + i}" for i in range(8))
    busy = {f"+1617253{1000 + i}" for i in range(8)}
    result = validate_numbers(pasted, "", in_open_requests=busy)
    message = result.errors[F.LANDLINES]
    assert "+1 617-253-1000" in message and "+1 617-253-1004" in message
    assert "+1 617-253-1005" not in message
    assert "and 3 more are already in another open port request" in message


def test_wireless_number_in_an_open_request_is_reported_on_the_wireless_box() -> None:
    result = validate_numbers("", SF, in_open_requests={SF_E164})
    assert list(result.errors) == [F.WIRELESS]
    assert "+1 415-981-4000" in result.errors[F.WIRELESS]


def test_a_200_number_paste_keeps_every_number_in_order() -> None:
    lines = [f"617-253-{1000 + i}" for i in range(100)] + [
        f"+1 (212) 736-{5000 + i}" for i in range(100)
    ]
    # Mix every separator the brief allows: commas, spaces and newlines.
    pasted = ",".join(lines[:50]) + "\n" + " ".join(lines[50:120]) + "\n\n" + "\n".join(lines[120:])
    result = validate_numbers(pasted, "")
    assert result.errors == {}
    assert len(result.cleaned.numbers) == 200
    assert [n.e164 for n in result.cleaned.numbers] == [
        *(f"+1617253{1000 + i}" for i in range(100)),
        *(f"+1212736{5000 + i}" for i in range(100)),
    ]
    assert {n.line_type for n in result.cleaned.numbers} == {LineType.LANDLINE}


# --- account: carrier, account number, BTN, PIN -------------------------------------------


@pytest.mark.parametrize("carrier", ["", "   "])
def test_losing_carrier_is_required(carrier: str) -> None:
    result = validate_account(draft(losing_carrier=carrier), result=numbers_result(MIT))
    assert F.LOSING_CARRIER in result.errors
    assert F.LOSING_CARRIER not in result.cleaned.values


def test_losing_carrier_is_squashed() -> None:
    result = validate_account(draft(), result=numbers_result(MIT))
    assert result.ok, result.errors
    assert result.cleaned.values[F.LOSING_CARRIER] == "Verizon Business"


@pytest.mark.parametrize("account", ["", "  "])
def test_account_number_is_required(account: str) -> None:
    result = validate_account(draft(account_number=account), result=numbers_result(MIT))
    assert list(result.errors) == [F.ACCOUNT_NUMBER]
    assert "account number" in result.errors[F.ACCOUNT_NUMBER]


@pytest.mark.parametrize(
    "account", ["#4471-2209", "-44712209", "4471@2209", "4471_2209", "9" * 41, "Acct: 4471"]
)
def test_invalid_account_number_is_refused_without_echoing_it(account: str) -> None:
    result = validate_account(draft(account_number=account), result=numbers_result(MIT))
    assert list(result.errors) == [F.ACCOUNT_NUMBER]
    assert "letters, digits" in result.errors[F.ACCOUNT_NUMBER]
    # Account numbers are secrets: the message shown in Slack must not repeat it.
    assert account not in result.errors[F.ACCOUNT_NUMBER]
    assert F.ACCOUNT_NUMBER not in result.cleaned.values


@pytest.mark.parametrize("account", ["123456789", "ACC-123 456/7.8", "A" * 40, "7"])
def test_valid_account_numbers_are_kept_as_typed(account: str) -> None:
    result = validate_account(draft(account_number=f"  {account} "), result=numbers_result(MIT))
    assert result.ok, result.errors
    assert result.cleaned.values[F.ACCOUNT_NUMBER].reveal() == account


def test_btn_is_required_when_landlines_are_listed() -> None:
    result = validate_account(draft(btn=""), result=numbers_result(MIT))
    assert list(result.errors) == [F.BTN]
    assert "billing telephone number" in result.errors[F.BTN]


def test_btn_is_required_for_toll_free_numbers_too() -> None:
    result = validate_account(draft(btn=""), result=numbers_result(TOLL_FREE))
    assert list(result.errors) == [F.BTN]


def test_btn_is_optional_for_wireless_only() -> None:
    result = validate_account(draft(btn="", pin=PIN), result=numbers_result(wireless=SF))
    assert result.ok, result.errors
    assert F.BTN not in result.cleaned.values


def test_btn_is_normalized_to_e164() -> None:
    result = validate_account(draft(btn="(617) 253-1000"), result=numbers_result(MIT))
    assert result.cleaned.values[F.BTN] == MIT_E164


@pytest.mark.parametrize(
    ("btn", "why"),
    [
        ("617-253-100", "not a complete phone number"),
        ("253-1000", "area code"),
        ("212 555 0123", "fictional"),
        ("billing dept", "doesn't look like a phone number"),
    ],
)
def test_invalid_btn_is_named_as_typed(btn: str, why: str) -> None:
    result = validate_account(draft(btn=btn), result=numbers_result(MIT))
    assert list(result.errors) == [F.BTN]
    assert f'"{btn}"' in result.errors[F.BTN]
    assert why in result.errors[F.BTN]


def test_pin_is_required_when_any_number_is_wireless() -> None:
    result = validate_account(draft(pin="  "), result=numbers_result(MIT, SF))
    assert list(result.errors) == [F.PIN]
    assert "PIN" in result.errors[F.PIN]


def test_pin_is_not_required_for_landlines_only() -> None:
    result = validate_account(draft(pin=""), result=numbers_result(f"{MIT} {TOLL_FREE}"))
    assert result.ok, result.errors
    assert F.PIN not in result.cleaned.values


@pytest.mark.parametrize("pin", ["123", "12 34", "12-34", "A" * 21, "pin!", "ПИН1234"])
def test_pin_format_is_four_to_twenty_letters_or_digits(pin: str) -> None:
    result = validate_account(draft(pin=pin), result=numbers_result(wireless=SF))
    assert list(result.errors) == [F.PIN]
    assert "4 to 20 letters or digits" in result.errors[F.PIN]
    assert pin not in result.errors[F.PIN]  # a PIN is never echoed back
    assert F.PIN not in result.cleaned.values


@pytest.mark.parametrize("pin", ["1234", "0000", "a1B2c3", "Z" * 20])
def test_valid_pins_are_kept(pin: str) -> None:
    result = validate_account(draft(pin=f" {pin} "), result=numbers_result(wireless=SF))
    assert result.ok, result.errors
    assert result.cleaned.values[F.PIN].reveal() == pin


def test_a_pin_given_for_landlines_is_still_checked() -> None:
    result = validate_account(draft(pin="12"), result=numbers_result(MIT))
    assert list(result.errors) == [F.PIN]


# --- contact ------------------------------------------------------------------------------


@pytest.mark.parametrize("company", ["", "   "])
def test_business_needs_a_company_name(company: str) -> None:
    result = validate_contact(draft(account_type="business", company_name=company))
    assert list(result.errors) == [F.COMPANY_NAME]
    assert "company name" in result.errors[F.COMPANY_NAME]


def test_residential_needs_no_company_name() -> None:
    result = validate_contact(draft(account_type="residential", company_name=""))
    assert result.ok, result.errors
    assert result.cleaned.values[F.ACCOUNT_TYPE] is AccountType.RESIDENTIAL
    assert F.COMPANY_NAME not in result.cleaned.values


def test_account_type_is_case_and_space_insensitive_and_company_squashed() -> None:
    result = validate_contact(draft(account_type=" Business "))
    assert result.ok, result.errors
    assert result.cleaned.values[F.ACCOUNT_TYPE] is AccountType.BUSINESS
    assert result.cleaned.values[F.COMPANY_NAME] == "Acme Widgets Inc"


@pytest.mark.parametrize("account_type", ["corporate", "", "biz"])
def test_bad_account_type_is_refused(account_type: str) -> None:
    result = validate_contact(draft(account_type=account_type, company_name=""))
    assert list(result.errors) == [F.ACCOUNT_TYPE]
    assert "residential or business" in result.errors[F.ACCOUNT_TYPE]


def test_rep_name_is_required() -> None:
    result = validate_contact(draft(rep_name="  "))
    assert list(result.errors) == [F.REP_NAME]
    assert "LOA" in result.errors[F.REP_NAME]


@pytest.mark.parametrize("name", ["J", "jane@example.com", "Agent 007", "<b>Jane</b>", "X" * 201])
def test_rep_name_must_look_like_a_name(name: str) -> None:
    result = validate_contact(draft(rep_name=name))
    assert list(result.errors) == [F.REP_NAME]
    assert "full name" in result.errors[F.REP_NAME]


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("  Jane   Doe ", "Jane Doe"),
        ("José Álvarez-O'Brien", "José Álvarez-O'Brien"),
        ("Li Xiaolong", "Li Xiaolong"),
        ("李小龙", "李小龙"),
    ],
)
def test_valid_rep_names_are_squashed(typed: str, kept: str) -> None:
    result = validate_contact(draft(rep_name=typed))
    assert result.ok, result.errors
    assert result.cleaned.values[F.REP_NAME] == kept


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("Jane.Doe@Example.COM", "Jane.Doe@example.com"),
        ("  jane@example.com ", "jane@example.com"),
        ("ops+porting@acme.co.uk", "ops+porting@acme.co.uk"),
    ],
)
def test_rep_email_is_normalized(typed: str, normalized: str) -> None:
    result = validate_contact(draft(rep_email=typed))
    assert result.ok, result.errors
    assert result.cleaned.values[F.REP_EMAIL] == normalized


@pytest.mark.parametrize(
    "email", ["jane@", "jane doe@example.com", "jane@example", "@example.com", "jane@@x.com"]
)
def test_invalid_rep_email_is_named(email: str) -> None:
    result = validate_contact(draft(rep_email=email))
    assert list(result.errors) == [F.REP_EMAIL]
    assert f"“{email}”" in result.errors[F.REP_EMAIL]
    assert F.REP_EMAIL not in result.cleaned.values


def test_rep_email_is_required() -> None:
    result = validate_contact(draft(rep_email=" "))
    assert list(result.errors) == [F.REP_EMAIL]


def test_request_name_is_optional_and_limited_to_120_characters() -> None:
    assert F.NAME not in validate_contact(draft(name="")).cleaned.values
    assert validate_contact(draft(name="n" * 120)).cleaned.values[F.NAME] == "n" * 120
    assert list(validate_contact(draft(name="n" * 121)).errors) == [F.NAME]


# --- address ------------------------------------------------------------------------------

PO_BOXES = [
    "PO Box 12",
    "P.O. Box 12",
    "P. O. Box 12",
    "P.O.Box 12",
    "PO BOX 12",
    "p o box 12",
    "PO Box12",
    "POBox 12",
    "POB 12",
    "P.O.B. 12",
    "Post Office Box 12",
    "post office box 12",
    "POST OFFICE BOX 12",
    "Post Office Drawer 7",
    # "Postbox" is how much of the English-speaking world writes it; with a number it is a box.
    "Postbox 12",
    "Post Box 12",
    "Postal Box 4",
    "Box 12",
    "Box #12",
    "PMB 123",
    "P.M.B. 123",
    "Lock Box 5",
    "Caller Box 9",
    "Firm Caller Box 3",
    "1 Main St, PO Box 12",
    "1 Main St PMB 123",
    # Decision: "Pobox" is the run-together spelling of "PO Box" ("POBox 12"); the validator
    # cannot tell a street of that name (none is known to USPS) from a box, and refusing costs
    # less than a carrier rejection weeks later. So "55 Pobox Ave" is refused.
    "55 Pobox Ave",
    pytest.param(
        "P.O. Drawer 12",
    ),
    pytest.param(
        "PO-Box 12",
    ),
]

STREETS = [
    # Rural-route and highway-contract addresses are real service addresses.
    "RR 2 Box 152",
    "HC 1 Box 3",
    "Rural Route 4 Box 17",
    "123 Boxwood Rd",
    "1 Post Rd",
    "400 Box Elder St",
    "12 Pope Blvd",
    "Suite 500, 1 Main St",
    "12 Box Canyon Rd",
    "45 Boxer Ave",
    "100 Post Office Rd",
    "1 Post Office Sq",
    "8 Post Oak Blvd",
    "50 Postal Way",
    "15 Caller Ave",
    "8 PO Plaza",
    # "PO Drive": a street whose name happens to start with "PO"; no box designator, no box
    # number, so it is a street.
    "PO Drive",
    "1 Main St Apt B",
    "77 Massachusetts Ave",
    pytest.param(
        "2209 Poblano Dr",
    ),
    pytest.param(
        "1 Pobst Rd",
    ),
]


@pytest.mark.parametrize("street", PO_BOXES)
def test_po_boxes_are_refused_and_named(street: str) -> None:
    assert is_po_box(street)
    result = validate_address(draft(street=street))
    assert list(result.errors) == [F.STREET]
    assert f"“{street}” is a PO box" in result.errors[F.STREET]
    assert F.STREET not in result.cleaned.values


@pytest.mark.parametrize("street", STREETS)
def test_real_streets_are_accepted(street: str) -> None:
    assert not is_po_box(street)
    result = validate_address(draft(street=street, street2=""))
    assert result.ok, result.errors
    assert result.cleaned.values[F.STREET] == street


@pytest.mark.parametrize("line2", ["PO Box 12", "PMB 123"])
def test_po_box_on_the_second_line_is_refused_there(line2: str) -> None:
    result = validate_address(draft(street2=line2))
    assert list(result.errors) == [F.STREET2]
    assert f"“{line2}”" in result.errors[F.STREET2]


def test_address_values_are_normalized() -> None:
    result = validate_address(draft(street2="  Suite   500 "))
    assert result.ok, result.errors
    assert result.cleaned.values == {
        F.COUNTRY: "US",
        F.STREET: "77 Massachusetts Ave",
        F.STREET2: "Suite 500",
        F.CITY: "Cambridge",
        F.REGION: "MA",
        F.POSTAL_CODE: "02139-4307",
    }


def test_every_address_part_is_required() -> None:
    blank = Draft()
    result = validate_address(blank)
    assert set(result.errors) == {F.STREET, F.CITY, F.REGION, F.POSTAL_CODE}
    assert F.STREET2 not in result.errors  # the second line is optional


@pytest.mark.parametrize("postal", ["02139", "02139-4307", " 90210 "])
def test_us_zip_codes(postal: str) -> None:
    result = validate_address(draft(postal_code=postal))
    assert result.ok, result.errors
    assert result.cleaned.values[F.POSTAL_CODE] == postal.strip()


@pytest.mark.parametrize("postal", ["1234", "123456", "ABCDE", "02139-43", "021394307", "0213 9"])
def test_bad_us_zip_codes_are_named(postal: str) -> None:
    result = validate_address(draft(postal_code=postal))
    assert list(result.errors) == [F.POSTAL_CODE]
    assert f"“{postal}” isn't a US ZIP code" in result.errors[F.POSTAL_CODE]


@pytest.mark.parametrize("postal", ["K1A0B1", "k1a 0b1", "K1A 0B1", "k1a0B1"])
def test_canadian_postal_codes_are_normalized(postal: str) -> None:
    result = validate_address(draft(country="CA", region="Ontario", postal_code=postal))
    assert result.ok, result.errors
    assert result.cleaned.values[F.POSTAL_CODE] == "K1A 0B1"
    assert result.cleaned.values[F.REGION] == "ON"


@pytest.mark.parametrize("postal", ["02139", "K1A 0B", "KKA 0B1"])
def test_bad_canadian_postal_codes_are_named(postal: str) -> None:
    result = validate_address(draft(country="CA", region="ON", postal_code=postal))
    assert list(result.errors) == [F.POSTAL_CODE]
    assert f"“{postal}” isn't a Canadian postal code" in result.errors[F.POSTAL_CODE]


@pytest.mark.parametrize("region", ["ma", "MA", "Massachusetts", "  massachusetts ", "M.A."])
def test_us_states_are_normalized_to_their_code(region: str) -> None:
    result = validate_address(draft(region=region))
    assert result.ok, result.errors
    assert result.cleaned.values[F.REGION] == "MA"


@pytest.mark.parametrize(("region", "code"), [("District of Columbia", "DC"), ("New York", "NY")])
def test_us_state_names_with_spaces(region: str, code: str) -> None:
    assert validate_address(draft(region=region)).cleaned.values[F.REGION] == code


@pytest.mark.parametrize("region", ["Atlantis", "XX", "Mass"])
def test_unknown_states_are_named(region: str) -> None:
    result = validate_address(draft(region=region))
    assert list(result.errors) == [F.REGION]
    assert result.errors[F.REGION] == f"“{region}” isn't a state we know for US."


def test_canadian_provinces() -> None:
    result = validate_address(draft(country="ca", region="Québec", postal_code="H2X 1Y4"))
    assert result.ok, result.errors
    assert result.cleaned.values[F.REGION] == "QC"
    assert result.cleaned.values[F.COUNTRY] == "CA"
    refused = validate_address(draft(country="CA", region="MA", postal_code="H2X 1Y4"))
    assert refused.errors[F.REGION] == "“MA” isn't a state we know for CA."


def test_other_countries_take_any_region_and_postal_code() -> None:
    result = validate_address(draft(country="GB", region="Greater London", postal_code="sw1a 1aa"))
    assert result.ok, result.errors
    assert result.cleaned.values[F.REGION] == "Greater London"
    assert result.cleaned.values[F.POSTAL_CODE] == "SW1A 1AA"
    too_long = validate_address(draft(country="DE", region="Berlin", postal_code="1" * 13))
    assert list(too_long.errors) == [F.POSTAL_CODE]


@pytest.mark.parametrize(("typed", "code"), [("", "US"), ("  ", "US"), ("us", "US"), ("Ca", "CA")])
def test_country_defaults_to_us_and_is_upper_cased(typed: str, code: str) -> None:
    region, postal = ("ON", "K1A 0B1") if code == "CA" else ("MA", "02139")
    result = validate_address(draft(country=typed, region=region, postal_code=postal))
    assert result.ok, result.errors
    assert result.cleaned.values[F.COUNTRY] == code


@pytest.mark.parametrize("country", ["USA", "U", "U1", "12", "United States"])
def test_country_must_be_a_two_letter_code(country: str) -> None:
    result = validate_address(draft(country=country, region="Somewhere", postal_code="12345"))
    assert list(result.errors) == [F.COUNTRY]
    assert "country code we know" in result.errors[F.COUNTRY]


def test_invalid_country_is_not_a_cleaned_value() -> None:
    result = validate_address(draft(country="USA"))
    assert F.COUNTRY in result.errors
    assert F.COUNTRY not in result.cleaned.values


# --- bill ---------------------------------------------------------------------------------


def test_missing_bill_is_an_error_unless_it_comes_later() -> None:
    refused = validate_bill(None, today=TODAY)
    assert list(refused.errors) == [F.BILL]
    assert "upload later" in refused.errors[F.BILL]
    later = validate_bill(None, today=TODAY, later=True)
    assert later.ok
    assert F.BILL not in later.cleaned.values


@pytest.mark.parametrize(
    "content_type", ["application/pdf", "image/png", "image/jpeg", "IMAGE/PNG"]
)
def test_pdf_and_images_are_accepted(content_type: str) -> None:
    good = bill(content_type=content_type)
    result = validate_bill(good, today=TODAY)
    assert result.ok, result.errors
    assert result.cleaned.values[F.BILL] == good


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/msword", "image/gif", "application/zip", ""]
)
def test_other_file_types_are_refused_and_named(content_type: str) -> None:
    result = validate_bill(bill(filename="bill.docx", content_type=content_type), today=TODAY)
    assert list(result.errors) == [F.BILL]
    assert "“bill.docx” isn't a PDF or an image" in result.errors[F.BILL]
    assert F.BILL not in result.cleaned.values


def test_bill_at_the_size_limit_is_accepted() -> None:
    assert MAX_BILL_BYTES == 10 * 1024 * 1024
    assert validate_bill(bill(size=MAX_BILL_BYTES), today=TODAY).ok


@pytest.mark.parametrize(
    ("size", "shown"), [(MAX_BILL_BYTES + 1, "10.1 MB"), (25 << 20, "25.0 MB")]
)
def test_bill_over_10_mb_is_refused(size: int, shown: str) -> None:
    result = validate_bill(bill(size=size), today=TODAY)
    assert list(result.errors) == [F.BILL]
    assert result.errors[F.BILL].startswith(f"“march-bill.pdf” is {shown}; the limit is 10 MB")


def test_empty_bill_is_refused() -> None:
    result = validate_bill(bill(size=0), today=TODAY)
    assert result.errors == {F.BILL: "“march-bill.pdf” is empty."}


def test_bill_without_issue_date_is_refused() -> None:
    result = validate_bill(bill(issued_on=None), today=TODAY)
    assert list(result.errors) == [F.BILL_ISSUED_ON]
    assert "30 days" in result.errors[F.BILL_ISSUED_ON]
    assert F.BILL not in result.cleaned.values


def test_bill_from_the_future_is_refused() -> None:
    result = validate_bill(bill(days_old=-1), today=TODAY)
    assert list(result.errors) == [F.BILL_ISSUED_ON]
    assert "future" in result.errors[F.BILL_ISSUED_ON]


@pytest.mark.parametrize("days_old", [0, 1, 29, 30])
def test_bill_up_to_30_days_old_is_accepted(days_old: int) -> None:
    assert validate_bill(bill(days_old=days_old), today=TODAY).ok


@pytest.mark.parametrize("days_old", [31, 90])
def test_bill_older_than_30_days_is_refused(days_old: int) -> None:
    result = validate_bill(bill(days_old=days_old), today=TODAY)
    assert list(result.errors) == [F.BILL_ISSUED_ON]
    assert f"This bill is {days_old} days old" in result.errors[F.BILL_ISSUED_ON]


def test_type_and_date_problems_are_both_reported() -> None:
    result = validate_bill(bill(content_type="text/plain", days_old=45), today=TODAY)
    assert set(result.errors) == {F.BILL, F.BILL_ISSUED_ON}


@pytest.mark.parametrize(
    ("issued_on", "problem"),
    [
        (TODAY, None),
        (TODAY - timedelta(days=MAX_DOCUMENT_AGE_DAYS), None),
        (TODAY - timedelta(days=31), "The bill is 31 days old; carriers accept 30 at most."),
        (TODAY - timedelta(days=365), "The bill is 365 days old; carriers accept 30 at most."),
        (None, "The bill's issue date is missing."),
    ],
)
def test_document_age_problem(issued_on: date | None, problem: str | None) -> None:
    assert document_age_problem(issued_on, on=TODAY) == problem


def test_document_age_is_measured_on_the_submission_day() -> None:
    issued = date(2026, 10, 20)
    assert document_age_problem(issued, on=date(2026, 11, 19)) is None  # 30 days
    assert document_age_problem(issued, on=date(2026, 11, 20)) is not None  # 31 days


# --- desired date -------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, -1, -400])
def test_desired_date_today_or_past_is_refused(days: int) -> None:
    result = validate_desired_date(TODAY + timedelta(days=days), today=TODAY)
    assert list(result.errors) == [F.DESIRED_DATE]
    assert "after today" in result.errors[F.DESIRED_DATE]
    assert F.DESIRED_DATE not in result.cleaned.values


@pytest.mark.parametrize("days", [1, 30, 365])
def test_desired_date_in_the_future_is_kept(days: int) -> None:
    wish = TODAY + timedelta(days=days)
    result = validate_desired_date(wish, today=TODAY)
    assert result.ok
    assert result.cleaned.values[F.DESIRED_DATE] == wish


def test_desired_date_is_optional() -> None:
    result = validate_desired_date(None, today=TODAY)
    assert result.ok
    assert F.DESIRED_DATE not in result.cleaned.values


# --- the whole draft ----------------------------------------------------------------------


def test_complete_draft_is_valid_and_normalized() -> None:
    d = draft(wireless=SF, pin=PIN)
    result = validate_draft(d, today=TODAY)
    assert result.ok, result.errors
    assert result.warnings == []
    assert result.cleaned.numbers == [
        CleanNumber(MIT_E164, LineType.LANDLINE),
        CleanNumber(NYC_E164, LineType.LANDLINE),
        CleanNumber(SF_E164, LineType.WIRELESS),
    ]
    values = result.cleaned.values
    assert values[F.LOSING_CARRIER] == "Verizon Business"
    assert values[F.ACCOUNT_NUMBER].reveal() == ACCOUNT
    assert ACCOUNT not in repr(values)
    assert values[F.BTN] == MIT_E164
    assert values[F.PIN].reveal() == PIN
    assert values[F.NAME] == "Boston office move"
    assert values[F.ACCOUNT_TYPE] is AccountType.BUSINESS
    assert values[F.COMPANY_NAME] == "Acme Widgets Inc"
    assert values[F.REP_NAME] == "Jane Doe"
    assert values[F.REP_EMAIL] == "Jane.Doe@example.com"
    assert values[F.STREET] == "77 Massachusetts Ave"
    assert values[F.REGION] == "MA"
    assert values[F.POSTAL_CODE] == "02139-4307"
    assert values[F.COUNTRY] == "US"
    assert values[F.DESIRED_DATE] == TODAY + timedelta(days=21)
    assert values[F.BILL] == d.bill


def test_complete_canadian_draft_normalizes_the_postal_code() -> None:
    d = draft(
        landlines="+1 613-992-4211",
        btn="613-992-4211",
        street="111 Wellington St",
        street2="",
        city="Ottawa",
        region="ontario",
        postal_code="k1a0a6",
        country="ca",
    )
    result = validate_draft(d, today=TODAY, default_region="CA")
    assert result.ok, result.errors
    assert result.cleaned.values[F.POSTAL_CODE] == "K1A 0A6"
    assert result.cleaned.values[F.REGION] == "ON"
    assert result.cleaned.values[F.BTN] == "+16139924211"


def test_empty_draft_reports_every_required_field() -> None:
    result = validate_draft(Draft(), today=TODAY)
    assert not result.ok
    assert set(result.errors) == {
        F.AGREEMENTS,
        F.LANDLINES,
        F.LOSING_CARRIER,
        F.ACCOUNT_NUMBER,
        F.COMPANY_NAME,
        F.REP_NAME,
        F.REP_EMAIL,
        F.STREET,
        F.CITY,
        F.REGION,
        F.POSTAL_CODE,
        F.BILL,
    }


def test_draft_passes_open_requests_through() -> None:
    result = validate_draft(draft(), today=TODAY, in_open_requests=[NYC_E164])
    assert list(result.errors) == [F.LANDLINES]
    assert "+1 212-736-5000" in result.errors[F.LANDLINES]


def test_draft_can_be_saved_with_bill_to_follow() -> None:
    assert validate_draft(draft(bill=None, bill_later=True), today=TODAY).ok
    assert list(validate_draft(draft(bill=None), today=TODAY).errors) == [F.BILL]


def test_draft_repr_hides_pin_and_account_number() -> None:
    d = draft(wireless=SF, pin=PIN)
    for text in (repr(d), str(d), f"{d}", f"{d!r}"):
        assert PIN not in text
        assert "8675309" not in text
        assert "masked" in text


def test_result_repr_hides_pin_and_account_number() -> None:
    result = validate_draft(draft(wireless=SF, pin=PIN), today=TODAY)
    assert result.ok
    text = repr(result)
    assert PIN not in text
    assert "8675309" not in text


# --- LOA fields ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        F.STREET,
        F.STREET2,
        F.CITY,
        F.REGION,
        F.POSTAL_CODE,
        F.COUNTRY,
        F.REP_NAME,
        F.REP_EMAIL,
        F.LANDLINES,
        F.WIRELESS,
        F.LOSING_CARRIER,
        F.ACCOUNT_NUMBER,
        F.BTN,
        F.COMPANY_NAME,
        F.ACCOUNT_TYPE,
    ],
)
def test_loa_certifies_address_rep_numbers_and_account(field: F) -> None:
    assert field in LOA_FIELDS


@pytest.mark.parametrize(
    "field", [F.PIN, F.NAME, F.DESIRED_DATE, F.AGREEMENTS, F.BILL, F.BILL_ISSUED_ON]
)
def test_loa_does_not_certify_pin_name_date_or_bill(field: F) -> None:
    assert field not in LOA_FIELDS


# --- CSR comparison -----------------------------------------------------------------------

CSR = {
    "company_name": "Acme Widgets Inc",
    "street": "77 Massachusetts Ave",
    "city": "Cambridge",
    "account_number": "4471-2209-8813",
}


def test_identical_modulo_case_and_spaces_is_no_difference() -> None:
    entered = {
        "company_name": "ACME  widgets inc",
        "street": " 77 massachusetts   AVE ",
        "city": "cambridge",
        "account_number": "4471-2209-8813",
    }
    assert compare_with_csr(entered, CSR) == []


@pytest.mark.parametrize(
    ("key", "typed", "record"),
    [
        ("company_name", "Acme Inc", "Acme Incorporated"),
        ("company_name", "Acme Widgets, Inc.", "Acme Widgets Inc"),
        ("street", "77 Massachusetts Avenue", "77 Massachusetts Ave"),
        ("street", "1 N. Main Street, Suite 5", "1 North Main St Ste 5"),
    ],
)
def test_lookalikes_are_reported_with_the_lookalike_note(key: str, typed: str, record: str) -> None:
    [difference] = compare_with_csr({key: typed}, {key: record})
    assert difference.field == key
    assert (difference.entered, difference.on_record) == (typed, record)
    assert "look alike" in difference.note
    assert "CSR's spelling" in difference.note


@pytest.mark.parametrize(
    ("key", "typed", "record"),
    [
        ("company_name", "Acme Widgets LLC", "Acme Widgets Inc"),
        ("city", "Boston", "Cambridge"),
        ("street", "", "77 Massachusetts Ave"),
    ],
)
def test_real_differences_get_the_mismatch_note(key: str, typed: str, record: str) -> None:
    [difference] = compare_with_csr({key: typed}, {key: record})
    assert difference.field == key
    assert (difference.entered, difference.on_record) == (typed, record)
    assert "differs from the carrier's record" in difference.note
    assert "look alike" not in difference.note


def test_fields_missing_from_the_csr_are_not_compared() -> None:
    assert (
        compare_with_csr({"city": "Boston", "street": "1 Main St"}, {"city": "", "zip": None}) == []
    )


def test_several_differences_are_all_reported_in_csr_order() -> None:
    entered = {"company_name": "Acme Widgets Incorporated", "city": "Boston"}
    differences = compare_with_csr(entered, CSR)
    assert [d.field for d in differences] == ["company_name", "street", "city", "account_number"]


@pytest.mark.parametrize(
    ("typed", "record"),
    [("4471-2209-8899", "4471-2209-8813"), ("44712209 8813", "4471-2209-8813")],
)
def test_account_numbers_are_reported_masked(typed: str, record: str) -> None:
    [difference] = compare_with_csr({"account_number": typed}, {"account_number": record})
    assert difference.field == "account_number"
    assert difference.entered == "••••" + typed[-4:]
    assert difference.on_record == "••••8813"
    for shown in (difference.entered, difference.on_record, repr(difference)):
        assert "4471" not in shown
        assert "2209" not in shown


def test_custom_secret_keys_are_masked_too() -> None:
    [difference] = compare_with_csr({"pin": "123456"}, {"pin": "654321"}, secret_keys=("pin",))
    assert "123456" not in repr(difference) and "654321" not in repr(difference)
