"""The intake's country rules, pure: one country per request, the accepted list, each
country's account fields and address lines as the country table gives them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.porting import intake
from bot.porting.countries import requirements_for
from bot.porting.fields import Draft, F
from storage.values import LineType

PARIS, LYON_MOBILE, BOSTON = "+33 1 42 68 53 00", "+33 6 12 34 56 78", "+1 617 253 1000"


def test_one_country_per_request_refused_with_the_plain_words_without_a_wording():
    result = intake.validate_numbers(f"{PARIS}\n{BOSTON}", "")
    message = result.errors[F.LANDLINES]
    assert "France: +33 1 42 68 53 00" in message and "United States: +1 617-253-1000" in message


def test_the_wording_given_words_the_mix():
    seen = {}

    def words(groups):
        seen.update(groups)
        return "mixed!"

    result = intake.validate_numbers("", f"{LYON_MOBILE}\n+1 617 253 1002", mixed_text=words)
    assert result.errors[F.WIRELESS] == "mixed!"
    assert seen == {"FR": ("+33612345678",), "US": ("+16172531002",)}


def test_accepted_countries_and_the_table():
    refused = intake.validate_numbers(PARIS, "", accepted_countries={"US"})
    assert refused.errors[F.LANDLINES] == (
        "These are numbers from France, and we do not port numbers from there. "
        "We port numbers from: United States."
    )
    assert intake.validate_numbers(PARIS, "", accepted_countries={"US", "FR"}).ok
    assert F.LANDLINES in intake.validate_numbers("+81 3 3580 3311", "").errors  # no JP row


def test_numbers_country():
    result = intake.validate_numbers(PARIS, "")
    assert intake.numbers_country(result.cleaned) == "FR"
    assert intake.numbers_country(intake.validate_numbers(BOSTON, "").cleaned) == "US"


def test_standard_fields_are_the_us_and_canadian_ones():
    assert intake.standard_fields(requirements_for("US"))
    assert intake.standard_fields(requirements_for("CA"))
    assert intake.standard_fields(None)
    assert not intake.standard_fields(requirements_for("FR"))
    assert not intake.standard_fields(requirements_for("GB"))


def _account(draft: Draft, numbers: str = PARIS, wireless: str = ""):
    result = intake.validate_numbers(numbers, wireless)
    row = intake.country_row(intake.numbers_country(result.cleaned))
    return intake.validate_account(draft, country=row, result=result)


def test_french_account_fields():
    france = requirements_for("FR")
    rio = france.field(F.PIN)
    assert rio is not None
    missing = _account(Draft(losing_carrier="Orange"))
    assert list(missing.errors) == [F.PIN]  # neither the NDI nor the account number is needed
    assert missing.errors[F.PIN] == f"Enter the RIO code. {rio.reason}"
    shaped = _account(Draft(losing_carrier="Orange", pin="1234"))
    assert "(like 02P123456ABC)" in shaped.errors[F.PIN]
    ok = _account(Draft(losing_carrier="Orange", pin="02p123456abc", btn="01 42 68 53 00"))
    assert ok.ok
    assert ok.cleaned.values[F.BTN] == "+33142685300"  # read as a French number
    assert ok.cleaned.values[F.PIN].reveal() == "02P123456ABC"  # type: ignore[attr-defined]


def test_a_country_without_a_field_ignores_what_was_typed_in_it():
    berlin = _account(Draft(losing_carrier="Telekom", btn="not a number", pin="x"), "+49 30 901820")
    assert berlin.ok and F.BTN not in berlin.cleaned.values and F.PIN not in berlin.cleaned.values


def test_the_uk_pac_is_asked_for_mobile_numbers_only():
    landline = _account(Draft(losing_carrier="BT"), "+44 20 7219 3000")
    assert F.PIN not in landline.errors
    mobile = _account(Draft(losing_carrier="EE"), "", "+44 7400 123456")
    assert "PAC" in mobile.errors[F.PIN]


def test_us_rules_unchanged_a_toll_free_number_needs_the_btn():
    result = _account(Draft(losing_carrier="Old", account_number="123"), "+1 800 555 1234")
    assert F.BTN in result.errors and "billing telephone number" in result.errors[F.BTN]


ADDRESS = Draft(street="55 Rue du Faubourg Saint-Honoré", city="Paris", country="FR")


def test_a_french_address_has_no_region_and_a_five_digit_code():
    assert intake.validate_service_address(replace(ADDRESS, postal_code="75008")).ok
    wrong = intake.validate_service_address(replace(ADDRESS, postal_code="7500"))
    assert list(wrong.errors) == [F.POSTAL_CODE]
    assert "Code postal of France" in wrong.errors[F.POSTAL_CODE]


def test_an_irish_eircode_is_optional_but_checked_when_given():
    dublin = replace(ADDRESS, city="Dublin", country="IE", region="Co. Dublin")
    assert intake.validate_service_address(dublin).ok
    assert (
        F.POSTAL_CODE in intake.validate_service_address(replace(dublin, postal_code="12")).errors
    )


def test_the_whole_draft_follows_the_numbers_country():
    draft = Draft(
        agreements=frozenset(a.value for a in intake.Agreement),
        landlines=PARIS,
        losing_carrier="Orange",
        pin="02P123456ABC",
        rep_name="Camille Martin",
        rep_email="camille@acme.example",
        company_name="Acme SARL",
        street="55 Rue du Faubourg Saint-Honoré",
        city="Paris",
        postal_code="75008",
        country="FR",
        bill_later=True,
    )
    assert intake.validate_draft(draft, today=date(2026, 11, 16)).ok
    refused = intake.validate_draft(draft, today=date(2026, 11, 16), accepted_countries={"US"})
    assert F.LANDLINES in refused.errors
    assert {
        n.line_type for n in intake.validate_draft(draft, today=date(2026, 11, 16)).cleaned.numbers
    } == {LineType.LANDLINE}


def test_a_kind_the_country_does_not_port_is_refused_by_name():
    result = intake.validate_numbers("+49 30 901820", "+49 151 23456789")
    assert result.errors == {
        F.WIRELESS: "We do not port mobile numbers from Germany: +49 1512 3456789. "
        "Take them off this request; they stay with your current provider."
    }
    assert intake.validate_numbers("+49 30 901820", "").ok


def test_countries_read_with_their_article():
    from bot.porting.intake_country import country_phrase

    assert country_phrase("GB") == "the United Kingdom"
    assert country_phrase("NL") == "the Netherlands"
    assert country_phrase("FR") == "France"
    refused = intake.validate_numbers("+44 20 7219 3000", "", accepted_countries={"FR"})
    assert "numbers from the United Kingdom" in refused.errors[F.LANDLINES]
