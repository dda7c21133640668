"""Every country of the table has its letter: language, certified fields, date format, accents.

Each country's letter is drawn for a business request with that country's numbers and address,
and read back from the PDF (pypdf's text extraction) to check what a carrier would read.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from bot.loa.content import content_of
from bot.loa.pdf import BOTTOM, MARGIN, render, stamp
from bot.loa.templates import TEMPLATES, US, template_for, template_of
from bot.porting.countries import countries, requirements_for
from bot.porting.fields import F
from storage.models import PortNumber, PortRequest
from storage.values import AccountType, LineType, RequestStatus, Secret
from tests.loa.test_pdf import positions, signature_for

TODAY = date(2026, 11, 16)
PIN = "02P123456ABC"  # a RIO-shaped code: it must never be printed
ACCOUNT = "8402715539"


@dataclass(frozen=True)
class Case:
    numbers: dict[LineType, str]  # a number of each kind the country ports
    city: str
    region: str
    postal_code: str
    date: str  # TODAY as the letter writes it
    words: tuple[str, ...]  # words of the letter's language, accented ones among them
    address: str  # the address's last line before the country, as the country writes it


CASES: dict[str, Case] = {
    "US": Case(
        {LineType.LANDLINE: "+16172530000", LineType.WIRELESS: "+16172530001",
         LineType.TOLL_FREE: "+18005550100"},
        "Cambridge", "MA", "02139", "November 16, 2026",
        ("Letter of Authorization", "By signing this letter, I confirm that:"),
        "Cambridge, MA 02139",
    ),
    "CA": Case(
        {LineType.LANDLINE: "+14165550123", LineType.WIRELESS: "+14165550124"},
        "Montréal", "QC", "h2x 1y4", "2026-11-16",
        ("Letter of Authorization", "Date (YYYY-MM-DD)"),
        "Montréal QC H2X 1Y4",
    ),
    "GB": Case(
        {LineType.LANDLINE: "+442079460000", LineType.WIRELESS: "+447400123456"},
        "London", "", "ec1a 1bb", "16 November 2026",
        ("Letter of Authority", "authorises", "Installation address"),
        "EC1A 1BB",
    ),
    "IE": Case(
        {LineType.LANDLINE: "+35312345678", LineType.WIRELESS: "+353871234567"},
        "Dublin", "", "D02 X285", "16 November 2026",
        ("Letter of Authority", "authorises"),
        "D02 X285",
    ),
    "AU": Case(
        {LineType.LANDLINE: "+61291234567", LineType.TOLL_FREE: "+611800123456"},
        "Sydney", "NSW", "2000", "16 November 2026",
        ("Letter of Authority", "authorises"),
        "Sydney NSW 2000",
    ),
    "FR": Case(
        {LineType.LANDLINE: "+33142685300", LineType.TOLL_FREE: "+33800123456"},
        "Lyon", "", "69002", "16/11/2026",
        ("Mandat de portabilité", "titulaire du compte", "Numéros à transférer", "Représentant"),
        "69002 Lyon",
    ),
    "DE": Case(
        {LineType.LANDLINE: "+493090182000", LineType.TOLL_FREE: "+498001234567"},
        "Berlin", "", "10117", "16.11.2026",
        ("Rufnummernportierung", "Anschlussinhaber", "Geschäftskunde", "für"),
        "10117 Berlin",
    ),
    "ES": Case(
        {LineType.LANDLINE: "+34912345678", LineType.WIRELESS: "+34612345678"},
        "Madrid", "Madrid", "28039", "16/11/2026",
        ("portabilidad", "números de teléfono", "España", "Dirección del servicio"),
        "28039 Madrid Madrid",
    ),
    "MX": Case(
        {LineType.LANDLINE: "+525512345678", LineType.WIRELESS: "+525512345679"},
        "Ciudad de México", "CDMX", "06082", "16/11/2026",
        ("portabilidad", "números telefónicos", "México", "Domicilio del servicio"),
        "06082 Ciudad de México, CDMX",
    ),
    "NL": Case(
        {LineType.LANDLINE: "+31201234567", LineType.TOLL_FREE: "+31800123456"},
        "Amsterdam", "", "1012 AB", "16-11-2026",
        ("nummerbehoud", "contracthouder", "Over te zetten nummers"),
        "1012 AB Amsterdam",
    ),
    "BR": Case(
        {LineType.LANDLINE: "+551133334444", LineType.WIRELESS: "+5511987654321"},
        "São Paulo", "SP", "01310-100", "16/11/2026",
        ("portabilidade", "autorização", "Não há outro pedido", "Endereço de instalação"),
        "São Paulo-SP",
    ),
}  # fmt: skip


def request_in(code: str, **overrides: object) -> tuple[PortRequest, list[PortNumber]]:
    case = CASES[code]
    fields: dict[str, object] = {
        "sid": "PR" + "0123456789abcdef" * 2,
        "status": RequestStatus.AWAITING_SIGNATURE,
        "account_type": AccountType.BUSINESS,
        "company_name": "Société Générale & Fils <SARL>",
        "rep_name": "Zoë Müller-Núñez",
        "rep_email": "zoe@example.com",
        "losing_carrier": "Télécom Ñandú",
        "account_number": Secret(ACCOUNT, keep_last=4),
        "pin": Secret(PIN),
        "btn": None,
        "street": "12 rue de l'Église",
        "city": case.city,
        "region": case.region,
        "postal_code": case.postal_code,
        "country": code,
    }
    fields.update(overrides)
    numbers = [
        PortNumber(request_id=1, position=i, e164=e164, line_type=kind)
        for i, (kind, e164) in enumerate(case.numbers.items())
    ]
    return PortRequest(**fields), numbers


def letter_of(code: str, **overrides: object) -> tuple[str, bytes]:
    req, numbers = request_in(code, **overrides)
    pdf = render(content_of(req, numbers, today=TODAY))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    return " ".join("\n".join(pages).split()), pdf


def test_every_country_of_the_table_has_its_letter() -> None:
    assert set(countries()) <= set(TEMPLATES)
    assert set(CASES) == set(countries())  # this file covers them all
    for code in countries():
        assert template_for(code).country == code


@pytest.mark.parametrize("code", sorted(CASES))
def test_the_letter_speaks_the_countrys_language(code: str) -> None:
    case, tpl = CASES[code], TEMPLATES[code]
    text, _ = letter_of(code)
    assert tpl.title in text
    for word in case.words:
        assert word in text, word
    assert f"{tpl.labels.date}: {case.date}" in text  # the country's date format, with its hint
    if tpl.bilingual:  # the English version under each paragraph
        assert "By signing this letter, I confirm that:" in text
        assert "This letter asks Télécom Ñandú to release" in text
    else:
        assert tpl.language == "en"
    others = {t.title for t in TEMPLATES.values()} - {tpl.title}
    assert not [title for title in others if title in text]


@pytest.mark.parametrize("code", sorted(CASES))
def test_the_letter_certifies_the_countrys_fields(code: str) -> None:
    case, tpl = CASES[code], TEMPLATES[code]
    labels = tpl.labels
    text, pdf = letter_of(code)
    for label in (labels.company, labels.representative, labels.service_address,
                  labels.losing_carrier, labels.account_number, labels.numbers):  # fmt: skip
        assert " ".join(label.split()) in text, label
    for value in ("Société Générale & Fils <SARL>", "Zoë Müller-Núñez", "12 rue de l'Église",
                  case.address, "Télécom Ñandú", "****5539"):  # fmt: skip
        assert value in text, value
    assert tpl.country_name in text
    for e164 in case.numbers.values():
        assert tpl.format_number(e164) in text
    row = requirements_for(code)
    kinds = frozenset(case.numbers)
    for rule in row.fields_for(kinds, business=True):
        assert getattr(labels, rule.field.value) in text, rule.field
    pin_rule = row.field(F.PIN)
    if pin_rule is not None and pin_rule.applies(kinds, business=True):
        assert labels.code_given in text
        assert any(c.field is F.PIN for c in tpl.certifications)
    else:
        assert labels.code_given not in text
    assert PIN not in text and ACCOUNT not in text and PIN.encode() not in pdf


@pytest.mark.parametrize(
    ("code", "code_word"), [("GB", "PAC"), ("FR", "RIO"), ("MX", "NIP"), ("US", "PIN")]
)
def test_the_port_out_code_is_certified_only_when_the_request_needs_it(
    code: str, code_word: str
) -> None:
    tpl = TEMPLATES[code]
    with_code, _ = letter_of(code)
    assert tpl.labels.pin in with_code and tpl.labels.code_given in with_code
    assert with_code.count(code_word) >= 2  # the row and the certification
    landline = CASES[code].numbers[LineType.LANDLINE]
    req, _ = request_in(code)
    one = [PortNumber(request_id=1, position=0, e164=landline, line_type=LineType.LANDLINE)]
    only_landline = render(content_of(req, one, today=TODAY))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(only_landline)).pages)
    if code == "FR":  # the RIO is asked for every French line
        assert tpl.labels.pin in text
    else:
        assert tpl.labels.pin not in text and tpl.labels.code_given not in text


def test_the_letter_follows_the_numbers_country_then_the_address() -> None:
    req, numbers = request_in("FR", country="US", city="Boston", region="MA", postal_code="02110")
    content = content_of(req, numbers, today=TODAY)
    assert content.number_country == "FR" and template_of(content).country == "FR"
    text = " ".join(PdfReader(io.BytesIO(render(content))).pages[0].extract_text().split())
    assert "Boston, MA 02110 United States" in text  # the US layout, the table's name

    unknown = [PortNumber(request_id=1, position=0, e164="+999123", line_type=LineType.LANDLINE)]
    content = content_of(req, unknown, today=TODAY)
    assert content.number_country == "" and template_of(content) is US
    req_gb, _ = request_in("GB")
    assert template_of(content_of(req_gb, unknown, today=TODAY)).country == "GB"

    mixed = [
        PortNumber(request_id=1, position=i, e164=e164, line_type=LineType.LANDLINE)
        for i, e164 in enumerate(("+16172530000", "+33142685300", "+33142685301"))
    ]
    assert content_of(req, mixed, today=TODAY).number_country == "FR"  # most of them


def test_digit_grouping_and_page_words_follow_the_language() -> None:
    req, _ = request_in("DE")
    numbers = [
        PortNumber(request_id=1, position=i, e164=f"+4930901{i:05d}", line_type=LineType.LANDLINE)
        for i in range(1000)
    ]
    pdf = render(content_of(req, numbers, today=TODAY))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    text = " ".join("\n".join(pages).split())
    assert "1.000 (Festnetz: 1.000)" in text and "(1.000 Rufnummern)" in text
    assert "+49 30 90100999" in text and "1,000" not in text
    for i in range(1, len(pages) + 1):
        assert f"Seite {i} von {len(pages)}" in text
    assert "Fortsetzung" in pages[1]
    assert TEMPLATES["FR"].count_phrase(1000) == "1\u00a0000 numéros de téléphone"
    assert TEMPLATES["MX"].count_phrase(1) == "1 número telefónico"


@pytest.mark.parametrize("code", sorted(CASES))
def test_the_signature_block_and_stamp_fit_every_letter(code: str) -> None:
    tpl = TEMPLATES[code]
    width = tpl.page_size[0] - 2 * MARGIN
    assert stringWidth(tpl.labels.signature_heading, "Helvetica-Bold", 9) <= width
    _, pdf = letter_of(code)
    last = len(PdfReader(io.BytesIO(pdf)).pages) - 1
    captions = {text: (x, y) for text, x, y in positions(pdf, last)}
    assert captions[tpl.labels.printed_name] == pytest.approx((MARGIN, BOTTOM + 6), abs=0.5)
    signed = stamp(pdf, signature_for(pdf, typed_name="Zoë Müller-Núñez"))
    names = [
        (x, y) for text, x, y in positions(signed, last)
        if text == "Zoë Müller-Núñez" and y < BOTTOM + 100
    ]  # fmt: skip
    assert sorted(names, key=lambda p: -p[1]) == [
        pytest.approx((MARGIN + 4, BOTTOM + 60), abs=0.5),
        pytest.approx((MARGIN + 4, BOTTOM + 20), abs=0.5),
    ]


def test_a_missing_carrier_reads_right_in_both_languages() -> None:
    text, _ = letter_of("DE", losing_carrier="")
    assert "bei dem bisherigen Anbieter beantragt" in text
    assert "asks the current carrier to release" in text
    text, _ = letter_of("BR", losing_carrier="")
    assert "solicita-se que a operadora atual libere" in text
