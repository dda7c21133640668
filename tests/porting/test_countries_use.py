"""Grouping numbers by country, the mixed-country refusal, "usually by" dates,
PORTBOT_COUNTRIES, and the README's copy of the table."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.porting.calendar import BusinessCalendar
from bot.porting.countries import (
    UNKNOWN_REGION,
    Milestone,
    calendar_for,
    counted_after,
    countries_of,
    country_of,
    expected_by,
    expected_by_any,
    expected_span,
    mixed_countries,
    parse_countries,
    render_markdown_table,
    table,
)
from bot.wording.countries import country_name, mixed_countries_text, usually_by
from storage.values import LineType

US_1, US_2 = "+16175551212", "+16175551213"
FR_1, FR_2 = "+33142685300", "+33142685301"
GB_1 = "+442079460000"
CA_1 = "+14165550123"
README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- countries-table:start -->", "<!-- countries-table:end -->"


# -- grouping -------------------------------------------------------------------------------


def test_country_of_reads_the_region_including_north_american_area_codes():
    assert country_of(US_1) == "US"
    assert country_of(CA_1) == "CA"
    assert country_of(FR_1) == "FR"
    assert country_of("not a number") == UNKNOWN_REGION


def test_numbers_of_one_country_are_not_mixed():
    assert dict(countries_of([FR_1, FR_2, FR_1])) == {"FR": (FR_1, FR_2)}
    assert not mixed_countries([FR_1, FR_2])
    assert not mixed_countries([])


def test_mixed_countries_name_each_number_under_its_country_in_order():
    groups = mixed_countries([US_1, FR_1, GB_1, FR_2, US_2])
    assert dict(groups) == {"US": (US_1, US_2), "FR": (FR_1, FR_2), "GB": (GB_1,)}
    # US and Canada share +1 but are separate countries for carriers
    assert set(mixed_countries([US_1, CA_1])) == {"US", "CA"}


def test_the_refusal_names_the_numbers_per_country_and_suggests_one_request_each():
    text = mixed_countries_text(mixed_countries([US_1, FR_1, GB_1, FR_2]))
    assert "3 countries" in text
    assert "• United States: +1 617-555-1212\n" in text
    assert "• France: +33 1 42 68 53 00, +33 1 42 68 53 01\n" in text
    assert "• United Kingdom: +44 20 7946 0000\n" in text
    assert "separate request for each" in text


def test_the_refusal_shortens_long_lists_and_shows_unknown_countries_by_code():
    many = [f"+3314268530{i}" for i in range(8)]
    text = mixed_countries_text({"FR": many, "JP": ["+81312345678"]})
    assert "and 3 more" in text
    assert "• JP: +81 3-1234-5678" in text
    assert country_name("fr") == "France"


# -- expected dates -------------------------------------------------------------------------


def test_acknowledgment_skips_a_weekend_and_an_observed_us_holiday():
    # Thursday July 2 2026; Friday July 3 is the observed Independence Day
    us = calendar_for("US")
    got = expected_by(LineType.LANDLINE, "US", Milestone.ACKNOWLEDGED, date(2026, 7, 2), us)
    assert (got.earliest, got.latest) == (date(2026, 7, 6), date(2026, 7, 8))
    assert counted_after(Milestone.ACKNOWLEDGED) == "submitted"


def test_the_firm_date_counts_from_the_acknowledgment():
    us = calendar_for("US")
    got = expected_by(LineType.LANDLINE, "US", Milestone.FOC_CONFIRMED, date(2026, 7, 8), us)
    assert (got.earliest, got.latest) == (date(2026, 7, 13), date(2026, 7, 17))
    assert counted_after(Milestone.FOC_CONFIRMED) == "acknowledged"


def test_a_french_port_follows_french_holidays():
    # Thu Apr 30 2026 + 8-15 business days: May 1, May 8 and Ascension (May 14) are holidays
    france = calendar_for("FR")
    got = expected_by(LineType.LANDLINE, "FR", Milestone.PORTED, date(2026, 4, 30), france)
    assert (got.earliest, got.latest) == (date(2026, 5, 15), date(2026, 5, 27))
    # the same span on the US calendar lands earlier: the French holidays are what moved it
    us = BusinessCalendar()
    on_us = expected_by(LineType.LANDLINE, "FR", Milestone.PORTED, date(2026, 4, 30), us)
    assert on_us.earliest == date(2026, 5, 12)


def test_lead_times_by_kind_and_the_international_fallback():
    us = calendar_for("US")
    start = date(2026, 3, 2)  # a Monday
    wireless = expected_by(LineType.WIRELESS, "US", Milestone.PORTED, start, us)
    landline = expected_by(LineType.LANDLINE, "US", Milestone.PORTED, start, us)
    assert (wireless.earliest, wireless.latest) == (date(2026, 3, 9), date(2026, 3, 16))
    assert landline.latest == date(2026, 3, 30)
    both = expected_by_any(
        [LineType.WIRELESS, LineType.LANDLINE], "US", Milestone.PORTED, start, us
    )
    assert both == landline

    fallback = expected_span(LineType.WIRELESS, "BR", Milestone.PORTED)
    assert (fallback.low, fallback.high, fallback.unconfirmed) == (20, 40, True)
    german = expected_span(LineType.LANDLINE, "DE", Milestone.PORTED)
    assert (german.low, german.high, german.unconfirmed) == (45, 45, False)


def test_usually_by_words():
    one = usually_by(Milestone.PORTED, expected_by(
        LineType.LANDLINE, "ES", Milestone.PORTED, date(2026, 3, 2), calendar_for("ES")
    ))  # fmt: skip
    assert one == "The numbers usually move by Mon Mar 16, 2026."
    span = expected_by(
        LineType.LANDLINE, "US", Milestone.ACKNOWLEDGED, date(2026, 7, 2), calendar_for("US")
    )
    assert usually_by(Milestone.ACKNOWLEDGED, span) == (
        "The losing carrier usually answers between Mon Jul 6, 2026 and Wed Jul 8, 2026."
    )


def test_unknown_countries_have_no_estimate():
    with pytest.raises(KeyError):
        expected_by(LineType.LANDLINE, "JP", Milestone.PORTED, date(2026, 3, 2), BusinessCalendar())


# -- PORTBOT_COUNTRIES ----------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "  ", " , "])
def test_no_setting_means_every_country_in_the_table(text):
    assert parse_countries(text) == frozenset(table().countries)


def test_the_setting_takes_codes_in_any_case_and_separator():
    assert parse_countries("fr, gb us;DE") == {"FR", "GB", "US", "DE"}


def test_unknown_codes_are_named_with_the_known_ones():
    with pytest.raises(ValueError, match=r'"JP", "XX" are not in the porting country table') as e:
        parse_countries("US, JP, xx")
    assert "AU, BR, CA" in str(e.value)
    with pytest.raises(ValueError, match=r'^"USA" is not'):
        parse_countries("USA")


# -- the README's copy of the table ---------------------------------------------------------


def test_the_markdown_table_has_a_row_per_country_and_marks_the_unconfirmed():
    text = render_markdown_table()
    rows = [line for line in text.splitlines() if line.startswith("| ") and "(" in line]
    assert len(rows) == len(table().countries)
    ireland = next(line for line in rows if line.startswith("| Ireland (IE)"))
    assert "proof of address†" in ireland
    assert "[twilio-intl](https://support.twilio.com/" in ireland
    germany = next(line for line in rows if line.startswith("| Germany (DE)"))
    assert "no mobile" in germany and "45 business days" in germany


def test_the_readme_shows_the_table_as_the_data_renders_it():
    readme = README.read_text(encoding="utf-8")
    if START not in readme:
        pytest.skip(
            "README has no country table yet: the lead merges /tmp/readme/countries.md "
            f"(between {START} and {END}); until then there is nothing to compare"
        )
    match = re.search(re.escape(START) + r"\n(.*?)" + re.escape(END), readme, re.DOTALL)
    assert match is not None, f"{START} without {END}"
    assert match.group(1) == render_markdown_table()
