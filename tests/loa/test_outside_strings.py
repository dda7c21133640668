"""Outside strings on the LOA's page and e-mail: HTML-escaped wherever HTML is written."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, date, datetime

from pypdf import PdfReader

from bot.loa import pages
from bot.loa.content import LoaContent
from bot.loa.mail import loa_message
from bot.loa.pdf import Signature, document_hash, render, stamp

SCRIPT = '<script>alert("x")</script>'
SLACKISH = "<!channel> <https://evil.example|Reset password>"
HOSTILE = f"{SCRIPT} {SLACKISH}"
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
EXPIRES = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def _content() -> LoaContent:
    return LoaContent(
        sid="PR" + "0" * 32,
        account_type="business",
        company_name=HOSTILE,
        rep_name=HOSTILE,
        rep_email="jordan@acme.example",
        street_lines=(HOSTILE,),
        city=HOSTILE,
        region="MA",
        postal_code="02139",
        country="US",
        losing_carrier=HOSTILE,
        account_number_masked="••••4567",
        btn="+16172531000",
        numbers=(("+16172531000", "Landline"),),
        created=date(2026, 11, 16),
    )


def _safe(page: str) -> None:
    assert "<script" not in page and "<!channel>" not in page and "<https://evil" not in page
    assert ESCAPED in page and "&lt;!channel&gt;" in page


def test_the_signing_and_thanks_pages_escape_outside_strings():
    sign = pages.sign_page(
        _content(),
        token="tok",
        address=[HOSTILE, "Cambridge, MA 02139"],
        requester_name=HOSTILE,
        expires_at=EXPIRES,
        tz=UTC,
        typed=HOSTILE,
        error=HOSTILE,
    )
    _safe(sign)
    assert f'value="{ESCAPED}' in sign  # the typed name goes back escaped, quotes included
    thanks = pages.thanks_page(
        token="tok",
        name=HOSTILE,
        holder=HOSTILE,
        carrier=HOSTILE,
        requester_name=HOSTILE,
        signed_at=EXPIRES,
        tz=UTC,
    )
    _safe(thanks)
    _safe(pages.state_page(HOSTILE, HOSTILE))


def test_the_e_mail_escapes_its_html_and_keeps_its_text_plain():
    message = loa_message(
        to_name=HOSTILE,
        to_email="jordan@acme.example",
        mail_from="porting@portbot.example",
        holder=HOSTILE,
        carrier=HOSTILE,
        number_count=2,
        sid="PR" + "0" * 32,
        url="https://port.example.com/loa/tok",
        expires_at=EXPIRES,
        pdf=b"%PDF-1.4",
        filename="LOA.pdf",
        requester_name=HOSTILE,
    )
    html = message.get_body(("html",)).get_content()
    _safe(html)
    assert html.count("<a ") == 1 and 'href="https://port.example.com/loa/tok"' in html
    text = message.get_body(("plain",)).get_content()
    assert f"Hello {HOSTILE}," in text and f"away from {HOSTILE} to a new provider" in text
    assert "&lt;" not in text  # plain text is shown as text: nothing to escape


# reportlab's paragraphs read a markup of their own: tags in a name must print as typed.
PDF_HOSTILE = (
    '<a href="https://evil.example">Click</a> <font color="red" size="40">Big</font> &amp;'
)


def test_the_pdf_prints_outside_strings_as_typed_and_links_nowhere():
    content = dataclasses.replace(
        _content(),
        company_name=PDF_HOSTILE,
        rep_name=PDF_HOSTILE,
        street_lines=(PDF_HOSTILE,),
        city=PDF_HOSTILE,
        losing_carrier=PDF_HOSTILE,
    )
    pdf = render(content)
    signed = stamp(
        pdf,
        Signature(
            typed_name=PDF_HOSTILE,
            signed_at=EXPIRES,
            ip="203.0.113.45",
            user_agent=PDF_HOSTILE,
            document_sha256=document_hash(pdf),
        ),
    )
    for document in (pdf, signed):
        reader = PdfReader(io.BytesIO(document))
        text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
        assert '<a href="https://evil.example">Click</a>' in text
        assert '<font color="red" size="40">Big</font> &amp;' in text
        annotations = [page.get("/Annots") for page in reader.pages]
        assert annotations == [None] * len(reader.pages)  # no link was made of it
