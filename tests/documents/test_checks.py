"""Bill checks go by content; problems are specific; served documents are never active content."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.documents.checks import (
    JPEG,
    MAX_BILL_BYTES,
    PDF,
    PNG,
    check_bill,
    describe,
    safe_download_headers,
    sniff,
)

TODAY = date(2026, 11, 22)
FRESH = TODAY - timedelta(days=3)
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


def check(data, *, filename="bill.pdf", issued_on=FRESH, **kw):
    return check_bill(data, filename=filename, issued_on=issued_on, today=TODAY, **kw)


# --- sniff ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF_BYTES, PDF),
        (PNG_BYTES, PNG),
        (JPEG_BYTES, JPEG),
        (b"\xff\xd8\xff\xe1" + b"Exif", JPEG),
        (b"", None),
        (b"%PD", None),
        (b" %PDF-1.4", None),  # the signature must start the file
        (b"\x89PNG\r\n", None),  # a truncated signature is not a PNG
        (b"\xff\xd8", None),
        (b"GIF89a....", None),
        (b"PK\x03\x04....", None),
        (b"<html><body>%PDF-</body></html>", None),
    ],
)
def test_sniff_by_magic_bytes(data, expected):
    assert sniff(data) == expected


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"PK\x03\x04\x14\x00\x00\x00", "a ZIP archive"),
        (b"GIF89a\x01\x00\x01\x00", "a GIF image"),
        (b"GIF87a\x01\x00", "a GIF image"),
        (b"\xef\xbb\xbf  <!DOCTYPE html>\n<html>", "an HTML page"),
        (b"\n<html lang='en'><head>", "an HTML page"),
        (b"<script>alert(1)</script>", "an HTML page"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">', "an SVG image"),
        (b'<?xml version="1.0"?><invoice/>', "an XML document"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "a HEIC photo"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "a WebP image"),
        (b"II*\x00\x08\x00", "a TIFF image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "an older Microsoft Office file"),
        (b"MZ\x90\x00", "a Windows program"),
        (b"Account 1234\nAmount due: $42.00\n", "a plain text file"),
        (bytes(range(256)) * 4, None),
    ],
)
def test_describe_names_what_it_is(data, what):
    assert describe(data) == what


# --- content decides ------------------------------------------------------------------------


@pytest.mark.parametrize("data", [PDF_BYTES, PNG_BYTES, JPEG_BYTES])
def test_a_good_fresh_bill_has_no_problems(data):
    assert check(data) == []


def test_a_pdf_named_png_is_accepted_as_pdf():
    assert check(PDF_BYTES, filename="scan.png") == []
    assert sniff(PDF_BYTES) == PDF


def test_a_png_named_pdf_is_accepted_as_png():
    assert check(PNG_BYTES, filename="bill.pdf") == []
    assert sniff(PNG_BYTES) == PNG


def test_an_html_file_named_bill_pdf_is_refused():
    (problem,) = check(b"<!doctype html><html><body>Pay here</body></html>", filename="bill.pdf")
    assert problem.startswith("This file is an HTML page, not a PDF, PNG or JPEG")
    assert "its name ends in .pdf" in problem


def test_a_zip_is_named_as_such():
    (problem,) = check(b"PK\x03\x04" + b"\x00" * 100, filename="bills.zip")
    assert problem.startswith("This file is a ZIP archive, not a PDF, PNG or JPEG.")
    assert "its name" not in problem  # .zip does not pretend to be anything


def test_a_gif_is_refused():
    (problem,) = check(b"GIF89a" + b"\x00" * 40, filename="bill.gif")
    assert "a GIF image, not a PDF, PNG or JPEG" in problem


def test_an_unrecognised_file_is_refused_plainly():
    (problem,) = check(b"\x00\x01\x02\x03\xfe\xfd" * 10, filename="bill.jpg")
    assert "could not tell what kind of file this is" in problem
    assert "its name ends in .jpg" in problem


def test_the_name_in_the_message_is_only_a_short_extension():
    (problem,) = check(b"GIF89a", filename="<script>.pdf")
    assert "<script>" not in problem and ".pdf" in problem
    (problem,) = check(b"GIF89a", filename="bill.p<d>f")
    assert "its name" not in problem


def test_an_empty_file_is_refused():
    problems = check(b"")
    assert problems == [
        "The file is empty. Upload the bill as a PDF, or as a photo or screenshot saved as PNG "
        "or JPEG."
    ]


# --- size -----------------------------------------------------------------------------------


def test_exactly_ten_megabytes_is_accepted():
    data = b"%PDF-" + b"0" * (MAX_BILL_BYTES - 5)
    assert len(data) == 10 * 1024 * 1024
    assert check(data) == []


def test_one_byte_over_ten_megabytes_is_refused_with_exact_numbers():
    data = b"%PDF-" + b"0" * (MAX_BILL_BYTES - 4)
    assert check(data) == ["The file is 10,485,761 bytes; the limit is 10 MB (10,485,760 bytes)."]


def test_a_big_file_says_how_big():
    data = b"\x89PNG\r\n\x1a\n" + b"0" * int(12.4 * 1024 * 1024)
    assert check(data) == ["The file is 12.4 MB; the limit is 10 MB."]


def test_the_limit_can_be_changed():
    assert check(PDF_BYTES * 100, max_bytes=1024) == ["The file is 3.4 KB; the limit is 1 KB."]


def test_all_problems_are_listed_together():
    problems = check(b"PK\x03\x04" + b"0" * MAX_BILL_BYTES, issued_on=None)
    assert len(problems) == 3
    assert "ZIP archive" in problems[0]
    assert "the limit is 10 MB" in problems[1]
    assert "date the bill was issued" in problems[2]


# --- issue date -----------------------------------------------------------------------------


def test_issued_thirty_days_ago_is_accepted():
    assert check(PDF_BYTES, issued_on=TODAY - timedelta(days=30)) == []


def test_issued_today_is_accepted():
    assert check(PDF_BYTES, issued_on=TODAY) == []


def test_issued_thirty_one_days_ago_is_refused():
    assert check(PDF_BYTES, issued_on=TODAY - timedelta(days=31)) == [
        "The bill was issued on 2026-10-22, 31 days ago; carriers want one from the last 30 "
        "days. Upload your most recent bill."
    ]


def test_old_bill_message_names_date_and_age():
    (problem,) = check_bill(
        PDF_BYTES, filename="bill.pdf", issued_on=date(2026, 9, 1), today=date(2026, 11, 22)
    )
    assert problem.startswith(
        "The bill was issued on 2026-09-01, 82 days ago; carriers want one from the last 30 days"
    )


def test_an_issue_date_in_the_future_is_refused():
    (problem,) = check(PDF_BYTES, issued_on=TODAY + timedelta(days=1))
    assert problem == (
        "The issue date 2026-11-23 is in the future; check the date printed on the bill."
    )


def test_a_missing_issue_date_is_asked_for():
    (problem,) = check(PDF_BYTES, issued_on=None)
    assert "Tell us the date the bill was issued" in problem and "last 30 days" in problem


def test_the_age_limit_can_be_changed():
    assert check(PDF_BYTES, issued_on=TODAY - timedelta(days=8), max_age_days=7)
    assert check(PDF_BYTES, issued_on=TODAY - timedelta(days=7), max_age_days=7) == []


# --- serving documents back ------------------------------------------------------------------


@pytest.mark.parametrize("content_type", [PDF, PNG, JPEG])
def test_accepted_types_keep_their_type_as_an_attachment(content_type):
    headers = safe_download_headers(content_type, "bill.pdf")
    assert headers["Content-Type"] == content_type
    assert headers["Content-Disposition"].startswith("attachment; ")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "sandbox"


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html",
        "text/html; charset=utf-8",
        "image/svg+xml",
        "application/xhtml+xml",
        "application/javascript",
        "text/xml",
        "application/zip",
        "",
        "APPLICATION/PDF\r\nX-Evil: 1",
    ],
)
def test_anything_else_is_served_as_octet_stream(content_type):
    headers = safe_download_headers(content_type, "bill.html")
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"].startswith("attachment; ")
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_type_parameters_and_case_are_normalised():
    assert safe_download_headers("Application/PDF; name=x", "a.pdf")["Content-Type"] == PDF
    assert safe_download_headers("image/jpg", "a.jpg")["Content-Type"] == JPEG


def test_the_extension_follows_the_content():
    assert 'filename="bill.png"' in safe_download_headers(PNG, "bill.pdf")["Content-Disposition"]
    assert 'filename="scan.jpg"' in safe_download_headers(JPEG, "scan")["Content-Disposition"]
    assert 'filename="a.jpeg"' in safe_download_headers(JPEG, "a.jpeg")["Content-Disposition"]


@pytest.mark.parametrize(
    "filename",
    [
        'bill"; filename="evil.html',
        "bill\r\nSet-Cookie: session=1.pdf",
        "../../etc/passwd",
        "C:\\Windows\\bill.pdf",
        "bill\x00.pdf",
        "",
        "...",
    ],
)
def test_hostile_names_are_sanitised(filename):
    headers = safe_download_headers(PDF, filename)
    value = headers["Content-Disposition"]
    assert "\r" not in value and "\n" not in value and "\x00" not in value
    assert value.count('"') == 2  # only the quotes around the ASCII name
    assert "/" not in value.split("filename*=")[0] and "\\" not in value
    ascii_name = value.split('filename="', 1)[1].split('"', 1)[0]
    assert ascii_name.endswith(".pdf") and ascii_name != ".pdf"
    assert all(32 <= ord(ch) < 127 for ch in value)


def test_non_ascii_names_get_an_ascii_fallback_and_a_utf8_form():
    value = safe_download_headers(PDF, "Facture février.pdf")["Content-Disposition"]
    assert 'filename="Facture fevrier.pdf"' in value
    assert "filename*=UTF-8''Facture%20f%C3%A9vrier.pdf" in value
    value = safe_download_headers(PDF, "請求書.pdf")["Content-Disposition"]
    assert 'filename="document.pdf"' in value and "filename*=UTF-8''%E8%AB%8B" in value


def test_plain_names_have_no_utf8_form():
    value = safe_download_headers(PDF, "march-bill.pdf")["Content-Disposition"]
    assert value == 'attachment; filename="march-bill.pdf"'


def test_very_long_names_are_shortened_keeping_the_extension():
    value = safe_download_headers(PDF, "b" * 1000 + ".pdf")["Content-Disposition"]
    name = value.split('filename="', 1)[1].split('"', 1)[0]
    assert len(name) <= 150 and name.endswith(".pdf")
