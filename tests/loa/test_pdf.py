"""The LOA PDF: what it shows, what it never shows, long lists, determinism and the stamp."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pypdf import PdfReader
from pypdf.generic import StreamObject
from reportlab.pdfgen.canvas import Canvas

from bot.loa.content import LoaContent, content_of
from bot.loa.pdf import BOTTOM, CREATOR, MARGIN, Signature, document_hash, render, stamp
from bot.loa.templates import CA, GB, TEMPLATES, US, template_for
from storage.models import PortNumber, PortRequest
from storage.values import AccountType, LineType, RequestStatus, Secret

SID = "PR" + "0123456789abcdef" * 2
PIN = "917364"
ACCOUNT = "8402715539"  # masked as ••••5539
TODAY = date(2026, 11, 16)
SIGNED_AT = datetime(2026, 11, 17, 10, 4, 5, tzinfo=timezone(timedelta(hours=-5)))  # 15:04:05 UTC
LINE_TYPES = (LineType.LANDLINE, LineType.WIRELESS, LineType.TOLL_FREE)


def make_request(**overrides: object) -> PortRequest:
    fields: dict[str, object] = {
        "sid": SID,
        "status": RequestStatus.AWAITING_SIGNATURE,
        "account_type": AccountType.BUSINESS,
        "company_name": "Harbor & Pine <Logistics> LLC",
        "rep_name": "Dana Okafor-Lindqvist",
        "rep_email": "dana@harborpine.example",
        "losing_carrier": "Northwind Telecom",
        "account_number": Secret(ACCOUNT, keep_last=4),
        "pin": Secret(PIN),
        "btn": "+16175550100",
        "street": "77 Massachusetts Ave",
        "street2": "Building 10, Floor 2",
        "city": "Cambridge",
        "region": "MA",
        "postal_code": "02139",
        "country": "US",
    }
    fields.update(overrides)
    return PortRequest(**fields)


def make_numbers(count: int, start: int = 0) -> list[PortNumber]:
    # 617-253-xxxx: a real, assigned exchange, so the numbers are valid (not fictional 555-01xx).
    return [
        PortNumber(
            request_id=1,
            position=i,
            e164=f"+1617253{start + i:04d}",
            line_type=LINE_TYPES[i % 3],
        )
        for i in range(count)
    ]


def loa(count: int = 3, **overrides: object) -> LoaContent:
    return content_of(make_request(**overrides), make_numbers(count), today=TODAY)


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def all_text(pdf: bytes) -> str:
    return "\n".join(pages_text(pdf))


def flat(text: str) -> str:
    """Whitespace runs as single spaces: a label that wraps in its cell still reads as one."""
    return " ".join(text.split())


def content_streams(pdf: bytes) -> bytes:
    """Every page's content stream, decompressed."""
    return b"\n".join(page.get_contents().get_data() for page in PdfReader(io.BytesIO(pdf)).pages)


def positions(pdf: bytes, page_index: int) -> list[tuple[str, float, float]]:
    """(text, x, y) in page space for every piece of text drawn on a page."""
    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((text.strip(), x, y))

    PdfReader(io.BytesIO(pdf)).pages[page_index].extract_text(visitor_text=visit)
    return found


def signature_for(pdf: bytes, **overrides: object) -> Signature:
    fields: dict[str, object] = {
        "typed_name": "Dana Okafor-Lindqvist",
        "signed_at": SIGNED_AT,
        "ip": "203.0.113.45",
        "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15",
        "document_sha256": document_hash(pdf),
    }
    fields.update(overrides)
    return Signature(**fields)


# ------------------------------------------------------------------------------------- content


def test_content_holds_plain_values_and_no_secret() -> None:
    content = loa(3)
    assert content.account_number_masked == "••••5539"
    assert content.numbers == (
        ("+16172530000", "Landline"),
        ("+16172530001", "Wireless"),
        ("+16172530002", "Toll-free"),
    )
    assert content.street_lines == ("77 Massachusetts Ave", "Building 10, Floor 2")
    assert content.holder == "Harbor & Pine <Logistics> LLC"
    dumped = repr(content)
    assert PIN not in dumped and ACCOUNT not in dumped
    with pytest.raises(AttributeError):
        content.sid = "PR" + "f" * 32  # type: ignore[misc]


def test_content_orders_numbers_by_position_and_needs_one() -> None:
    numbers = make_numbers(3)
    numbers[0].position, numbers[2].position = 9, -1
    content = content_of(make_request(), numbers, today=TODAY)
    assert [e164 for e164, _ in content.numbers] == ["+16172530002", "+16172530001", "+16172530000"]
    with pytest.raises(ValueError, match="no numbers"):
        content_of(make_request(), [], today=TODAY)


def test_missing_account_number_is_shown_as_not_given() -> None:
    content = loa(1, account_number=None, btn=None)
    assert content.account_number_masked == ""
    assert "not given" in all_text(render(content))


# ----------------------------------------------------------------------------------------- pdf


def test_the_fields_appear() -> None:
    text = all_text(render(loa(3)))
    for expected in (
        "Letter of Authorization to Port Telephone Numbers",
        "November 16, 2026",
        SID,
        "Business",
        "Harbor & Pine <Logistics> LLC",  # markup characters come out as typed
        "Dana Okafor-Lindqvist",
        "dana@harborpine.example",
        "77 Massachusetts Ave",
        "Building 10, Floor 2",
        "Cambridge, MA 02139",
        "United States",
        "Northwind Telecom",
        "****5539",
        "+16175550100",
        "+16172530000",
        "+16172530001",
        "+16172530002",
        "Toll-free",
        "3 (1 landline, 1 wireless, 1 toll-free)",
        "By signing this letter, I confirm that:",
        "Printed name",
        "Page 1 of 1",
    ):
        assert expected in text, expected


def test_no_pin_and_no_full_account_number_anywhere() -> None:
    pdf = render(loa(40))
    signed = stamp(pdf, signature_for(pdf))
    for document in (pdf, signed):
        reader = PdfReader(io.BytesIO(document))
        places = {
            "bytes": document,
            "streams": content_streams(document),
            "text": all_text(document).encode(),
            "info": repr(dict(reader.metadata or {})).encode(),
        }
        for where, data in places.items():
            for secret in (PIN, ACCOUNT, ACCOUNT[:-4]):
                assert secret.encode() not in data, (where, secret)
                assert secret.encode("utf-16-be") not in data, (where, secret)
        streams = every_stream(document)
        assert b"+16172530039" in streams  # the decoding works: the last number is there
        assert PIN.encode() not in streams and ACCOUNT.encode() not in streams


def every_stream(pdf: bytes) -> bytes:
    """Every stream object of the file (content, fonts, metadata), decoded."""
    reader = PdfReader(io.BytesIO(pdf))
    objects = (reader.get_object(i) for i in range(1, int(reader.trailer["/Size"])))
    return b"\n".join(o.get_data() for o in objects if isinstance(o, StreamObject))


def test_a_thousand_numbers_flow_over_pages_with_the_header_repeated() -> None:
    content = loa(1000)
    pdf = render(content)
    texts = pages_text(pdf)
    assert 4 <= len(texts) <= 8, len(texts)
    text = "\n".join(texts)
    missing = [e164 for e164, _ in content.numbers if e164 not in text]
    assert missing == []
    assert "1,000 telephone numbers" in text
    pages_with_numbers = [t for t in texts if "+1617253" in t]
    assert len(pages_with_numbers) >= 4
    for page_text in pages_with_numbers:
        lines = page_text.splitlines()
        assert lines.count("Number") >= 4 and lines.count("Type") >= 4  # 4 groups a row
    for i, page_text in enumerate(texts, start=1):
        assert f"Page {i} of {len(texts)}" in page_text
    assert "continued" in texts[1]
    assert "Printed name" in texts[-1]  # the signature block ends the letter


def test_business_and_residential() -> None:
    business = flat(all_text(render(loa(2))))
    assert "Account holder (company)" in business
    assert "Harbor & Pine <Logistics> LLC (the account holder)" in business

    residential_content = loa(2, account_type=AccountType.RESIDENTIAL, company_name="Ignored Inc")
    assert residential_content.company_name == ""
    residential = flat(all_text(render(residential_content)))
    assert "Residential" in residential
    assert "Ignored Inc" not in residential and "Account holder (company)" not in residential
    assert "Dana Okafor-Lindqvist (the account holder)" in residential


def test_same_input_same_bytes() -> None:
    first, second = render(loa(250)), render(loa(250))
    assert first == second
    assert document_hash(first) == document_hash(second)
    assert len(document_hash(first)) == 64
    assert document_hash(render(loa(250, rep_name="Someone Else"))) != document_hash(first)


def test_unknown_country_falls_back_to_us() -> None:
    assert template_for("PL") is US
    assert template_for("") is US
    assert template_for(" gb ") is GB
    assert {"US", "CA", "GB"} <= set(TEMPLATES)
    # The numbers are American: the US letter, with the French address laid out the French way.
    text = all_text(render(loa(2, country="fr", city="Lyon", region="", postal_code="69002")))
    assert US.title in text
    assert "69002 Lyon" in text and "\nFrance" in text
    text = all_text(render(loa(2, country="PL", city="Kraków", region="", postal_code="30-001")))
    assert US.title in text and "Kraków 30-001" in text and "\nPL" in text  # the US layout


def test_the_gb_template_has_its_own_title_layout_and_words() -> None:
    request = make_request(country="GB", city="London", region="", postal_code="ec1a 1bb")
    numbers = make_numbers(5)
    for number in numbers:
        number.e164 = number.e164.replace("+1617253", "+44207946")  # London: the GB letter
    pdf = render(content_of(request, numbers, today=TODAY))
    text = all_text(pdf)
    assert GB.title in text and US.title not in text
    assert "16 November 2026" in text
    assert "Installation address" in text and "EC1A 1BB" in text and "United Kingdom" in text
    assert "Mobile" in text and "Freephone" in text
    assert "+44 20 7946 0000" in text  # grouped the international way
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4


def test_the_ca_template_lays_out_the_address_and_date_its_way() -> None:
    content = loa(2, country="CA", city="Montréal", region="QC", postal_code="h2x 1y4")
    text = all_text(render(content, template=CA))
    assert "2026-11-16" in text and "Canada" in text
    assert "Montréal QC" in text and "H2X 1Y4" in text


def test_an_explicit_template_wins_over_the_country() -> None:
    assert GB.title in all_text(render(loa(1), template=GB))


# --------------------------------------------------------------------------------------- stamp


@pytest.mark.parametrize("count", [1, 300])
def test_stamp_writes_the_record_on_every_page(count: int) -> None:
    pdf = render(loa(count))
    signature = signature_for(pdf)
    signed = stamp(pdf, signature)
    unsigned_pages, signed_pages = pages_text(pdf), pages_text(signed)
    assert len(signed_pages) == len(unsigned_pages)  # no page added
    for page in signed_pages:
        assert "Signed electronically by Dana Okafor-Lindqvist on 2026-11-17 15:04:05 UTC" in page
        assert "from IP address 203.0.113.45" in page
        assert f"SHA-256 of the unsigned document: {document_hash(pdf)}" in page
    assert "Safari/605.1.15" in signed_pages[-1]
    assert "2026-11-17" in signed_pages[-1]
    info = PdfReader(io.BytesIO(signed)).metadata
    assert info["/PortbotSignedBy"] == "Dana Okafor-Lindqvist"
    assert info["/PortbotSignerIP"] == "203.0.113.45"
    assert info["/PortbotUnsignedSHA256"] == document_hash(pdf)
    assert info["/PortbotSignedAt"] == "2026-11-17T15:04:05+00:00"
    assert stamp(pdf, signature) == signed  # deterministic too


@pytest.mark.parametrize(("count", "template"), [(1, US), (300, US), (40, GB)])
def test_the_stamp_lands_on_the_signature_block(count: int, template: object) -> None:
    pdf = render(loa(count), template=template)  # type: ignore[arg-type]
    last = len(PdfReader(io.BytesIO(pdf)).pages) - 1
    captions = {text: (x, y) for text, x, y in positions(pdf, last)}
    # The block sits on the frame's bottom: "Signature" caption 10 pt under its line at 56.
    assert captions["Signature"] == pytest.approx((MARGIN, BOTTOM + 46), abs=0.5)
    assert captions["Printed name"] == pytest.approx((MARGIN, BOTTOM + 6), abs=0.5)
    signed = stamp(pdf, signature_for(pdf))
    names = [
        (x, y)
        for text, x, y in positions(signed, last)
        if text == "Dana Okafor-Lindqvist" and y < BOTTOM + 100  # not the one in the details
    ]
    assert sorted(names, key=lambda p: -p[1]) == [
        pytest.approx((MARGIN + 4, BOTTOM + 60), abs=0.5),  # on the signature line
        pytest.approx((MARGIN + 4, BOTTOM + 20), abs=0.5),  # on the printed-name line
    ]


def test_a_long_name_is_shrunk_to_fit() -> None:
    pdf = render(loa(1))
    name = "Maximiliane Alexandra Konstantinopoulou-Vanderbilt-Montgomery " * 3
    signed = stamp(pdf, signature_for(pdf, typed_name=name))
    assert "Maximiliane Alexandra" in pages_text(signed)[-1]


def test_stamp_refuses_what_it_must_not_sign() -> None:
    pdf = render(loa(2))
    other = render(loa(3))
    with pytest.raises(ValueError, match="another document"):
        stamp(pdf, signature_for(other))
    signed = stamp(pdf, signature_for(pdf))
    with pytest.raises(ValueError, match="not an unsigned portbot LOA"):
        stamp(signed, signature_for(signed))  # already signed
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.drawString(72, 720, "some other PDF")
    canvas.save()
    foreign = buffer.getvalue()
    with pytest.raises(ValueError, match="not an unsigned portbot LOA"):
        stamp(foreign, signature_for(foreign))
    assert PdfReader(io.BytesIO(pdf)).metadata.creator == CREATOR


def test_signature_checks_its_own_fields() -> None:
    pdf = render(loa(1))
    with pytest.raises(ValueError, match="aware"):
        signature_for(pdf, signed_at=datetime(2026, 11, 17, 15, 4, 5))
    with pytest.raises(ValueError, match="typed name"):
        signature_for(pdf, typed_name="   ")
    with pytest.raises(ValueError, match="64 lowercase hex"):
        signature_for(pdf, document_sha256="ABC")
    assert signature_for(pdf, signed_at=SIGNED_AT.astimezone(UTC)).signed_at == SIGNED_AT
