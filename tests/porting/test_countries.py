"""The country table: every row complete and sourced, the vocabulary closed, bad data refused."""

from __future__ import annotations

import re

import phonenumbers
import pytest

from bot.porting.countries import (
    COUNTRY_FIELDS,
    DOCUMENT_INTAKE,
    Collect,
    CountryDataError,
    Document,
    Need,
    When,
    calendar_for,
    load_table,
    requirements_for,
    table,
)
from bot.porting.countries.loader import package_files
from bot.porting.fields import F
from storage.values import LineType

REQUIRED_COUNTRIES = {"US", "CA", "GB", "IE", "AU", "FR", "DE", "ES", "NL", "MX", "BR"}
ROWS = list(table().countries.values())


def test_the_table_has_every_country_the_issue_names():
    assert set(table().countries) >= REQUIRED_COUNTRIES


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.code)
def test_every_row_is_complete(row):
    assert row.code in phonenumbers.SUPPORTED_REGIONS
    assert row.name and row.accepted_kinds
    docs = {d.document: d for d in row.documents}
    for must in (Document.LOA, Document.BILL):
        assert docs[must].need is Need.REQUIRED and docs[must].when is When.ALWAYS
    assert docs[Document.BILL].max_age_days is not None
    assert row.address.format and "{street}" in row.address.format
    assert row.fee_quote_sources
    # every fact has a source, or says plainly that it has none
    facts = [*row.kinds, *row.fields, *row.documents, *row.lead_times.values()]
    for fact in facts:
        assert fact.sources or fact.unconfirmed, fact
        assert all(sid in row.sources for sid in fact.sources)
    for source in row.sources.values():
        assert source.url.startswith("https://") and source.supports.strip()


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.code)
def test_fields_and_documents_come_from_closed_sets_that_the_intake_knows(row):
    for rule in row.fields:
        assert rule.field in COUNTRY_FIELDS and isinstance(rule.field, F)
        assert rule.reason.strip() and rule.label.strip()
        if rule.pattern:
            assert re.fullmatch(rule.pattern, rule.example or "")
    for rule in row.documents:
        collect, slot = DOCUMENT_INTAKE[rule.document]
        if collect is Collect.FIELD:
            assert F(slot) in F  # an existing intake field (the bill)
        else:
            assert slot in {"loa", *(d.value for d in Document)}
        assert rule.reason.strip()


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.code)
def test_postal_code_patterns_compile_and_accept_their_samples(row):
    postal = row.address.postal_code
    if postal is None:
        pytest.skip(f"{row.code} has no postal codes")
    assert postal.examples
    for sample in postal.examples:
        assert re.fullmatch(postal.pattern or "", sample), sample
    assert not re.fullmatch(postal.pattern or "", "not a postcode")


def test_postal_code_patterns_tell_formats_apart():
    def accepts(code: str, value: str) -> bool:
        postal = requirements_for(code).address.postal_code
        assert postal is not None and postal.pattern
        return re.fullmatch(postal.pattern, value) is not None

    assert accepts("US", "02139-4307") and not accepts("US", "SW1A 1AA")
    assert accepts("GB", "SW1A 1AA") and not accepts("GB", "02139")
    assert accepts("CA", "K1A 0B1") and not accepts("CA", "K1A 0B")
    assert accepts("NL", "1012 AB") and not accepts("NL", "0123 AB")
    assert accepts("ES", "28013") and not accepts("ES", "53001")
    assert accepts("BR", "01310-100") and accepts("BR", "01310100")


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.code)
def test_every_country_has_a_holiday_calendar(row):
    calendar = calendar_for(row.code)
    assert calendar.country == row.holiday_country
    # at least New Year's Day is a holiday everywhere in the table
    from datetime import date

    assert calendar.is_holiday(date(2027, 1, 1)) or calendar.is_holiday(date(2026, 12, 31))


def test_unconfirmed_facts_are_marked_and_still_ask_for_the_document():
    ireland = requirements_for("ie")
    assert ireland.unconfirmed
    proof = ireland.document(Document.PROOF_OF_ADDRESS)
    assert proof is not None and proof.unconfirmed and proof.need is Need.REQUIRED
    assert not requirements_for("US").unconfirmed


def test_what_a_request_needs_depends_on_its_kinds_and_account_type():
    france = requirements_for("FR")
    business = france.documents_for(frozenset({LineType.LANDLINE}), business=True)
    residential = france.documents_for(frozenset({LineType.LANDLINE}), business=False)
    assert Document.COMPANY_REGISTRATION in {d.document for d in business}
    assert Document.COMPANY_REGISTRATION not in {d.document for d in residential}
    rio = france.field(F.PIN)
    assert rio is not None and rio.label == "RIO code" and rio.when is When.ALWAYS

    us = requirements_for("US")
    landline = {r.field for r in us.fields_for(frozenset({LineType.LANDLINE}), False)}
    wireless = {r.field for r in us.fields_for(frozenset({LineType.WIRELESS}), False)}
    assert landline == {F.ACCOUNT_NUMBER, F.BTN}
    assert wireless == {F.ACCOUNT_NUMBER, F.PIN}

    assert LineType.WIRELESS not in requirements_for("DE").accepted_kinds
    assert requirements_for("MX").document(Document.POWER_OF_ATTORNEY) is not None


def test_the_fee_quote_flag_is_data():
    assert not requirements_for("US").fee_quote_required
    assert requirements_for("FR").fee_quote_required


def test_requirements_for_an_unknown_country_is_a_key_error():
    with pytest.raises(KeyError):
        requirements_for("JP")


# -- bad data is refused, naming the file and the entry -------------------------------------


def _files_with(name: str, old: str, new: str) -> dict[str, str]:
    files = package_files()
    assert old in files[name], f"{old!r} not in {name}"
    files[name] = files[name].replace(old, new, 1)
    return files


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('document = "csr"', 'document = "passport_photo"', "unknown value 'passport_photo'"),
        ('field = "btn"', 'field = "company_name"', "is not a country field"),
        ('sources = ["talkdesk-guide"]', "sources = []", "no source"),
        ('sources = ["talkdesk-guide"]', 'sources = ["nowhere"]', "unknown source 'nowhere'"),
        ("pattern = '\\d{5}(?:-\\d{4})?'", "pattern = '\\d{4}'", "does not accept the example"),
        ("pattern = '\\d{5}(?:-\\d{4})?'", "pattern = '(\\d{5}'", "does not compile"),
        ('code = "US"', 'code = "XX"', "must be the file's name"),
        ('holiday_country = "US"', 'holiday_country = "QQ"', "unknown holiday country"),
        ('kind = "landline"\naccepted = true', 'kind = "satellite"\naccepted = true', "unknown"),
        ('name = "United States"', 'name = "United States"\ncolour = "red"', "unknown keys"),
        ('url = "https://twilio.com/en-us/guidelines/us/porting"', 'url = "http://x"', "https"),
        ("weeks = [1, 2]", "weeks = [2, 1]", "lowest first"),
        ('document = "loa"', 'document = "signer_id"', "requires the 'loa' document"),
        ("{city}, {region} {postal_code}", "{city} {postal_code}", "uses {region} exactly"),
    ],
)
def test_bad_rows_are_refused(old, new, message):
    with pytest.raises(CountryDataError, match=re.escape(message)) as caught:
        load_table(_files_with("us.toml", old, new))
    assert str(caught.value).startswith("us.toml")


def test_a_source_nobody_names_is_refused():
    extra = '[[sources]]\nid = "spare"\nurl = "https://example.com"\nsupports = "nothing"\n\n'
    files = _files_with("us.toml", "[[sources]]\n", extra + "[[sources]]\n")
    with pytest.raises(CountryDataError, match="never named"):
        load_table(files)


def test_the_package_data_is_what_the_table_reads():
    files = package_files()
    assert "_shared.toml" in files
    assert {name.removesuffix(".toml").upper() for name in files} - {"_SHARED"} == set(
        table().countries
    )
