"""The letters' data files: what the loader refuses, and what it does with what it accepts."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import astuple
from datetime import date

import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from bot.loa.content import content_of
from bot.loa.pdf import render
from bot.loa.templates import TEMPLATES, LetterDataError, LoaTemplate, load_templates
from bot.loa.templates.loader import FONT_ENCODING, package_files
from tests.loa.test_country_templates import request_in

FILES = package_files()


def with_change(name: str, old: str, new: str) -> dict[str, str]:
    files = dict(FILES)
    assert old in files[name], old
    files[name] = files[name].replace(old, new, 1)
    return files


def test_the_package_files_load_and_every_country_has_one() -> None:
    loaded = load_templates(FILES)
    assert set(loaded) == set(TEMPLATES) == {name.removesuffix(".toml").upper() for name in FILES}
    for tpl in loaded.values():
        assert tpl.language_note.strip()
        for text in (tpl.title, tpl.intro, *tpl.authorization, tpl.certify_heading):
            text.encode(FONT_ENCODING)  # the standard fonts draw every character
        assert "{days}" not in tpl.authorization[1] and "30" in tpl.authorization[1]


@pytest.mark.parametrize(
    ("name", "old", "new", "error"),
    [
        ("fr.toml", 'en = "By signing this letter, I confirm that:"', "", "in English"),
        ("de.toml", "({count}) von {carrier}", "({count}) von {name}", "unknown placeholders"),
        ("es.toml", "the numbers listed above from", "the {count} listed above from",
         "unknown placeholders"),
        ("nl.toml", 'pin = "Overstapcode"', 'pin = "Overstapcőde"', "cannot be drawn"),
        ("br.toml", 'continued = "continuação"\n', "", "sets every label"),
        ("gb.toml", 'pin = "PAC (porting authorisation code)"\n', "", "set labels.pin"),
        ("mx.toml", 'field = "pin"\n', "", "certify it"),
        ("gb.toml", 'field = "pin"\n', 'field = "bill"\n', "not a country field"),
        ("ie.toml", 'base = "gb"', 'base = "ie"', "not another letter's file"),
        ("au.toml", 'base = "gb"', 'base = "zz"', "not another letter's file"),
        ("de.toml", 'language = "de"', 'language = "pl"', "is not one of"),
        ("us.toml", 'bilingual = false', "bilingual = true", "not bilingual"),
        ("us.toml", 'thousands = ","', 'thousands = ","\nfooter = "x"', "unknown keys"),
        ("nl.toml", '"{day:02d}-{month:02d}-{year}"', '"{dag}-{month}"', "date_pattern"),
        ("ca.toml", 'date = "Date (YYYY-MM-DD)"', 'page = "{page} / {total}"', "labels.page"),
        ("es.toml", 'Toll-free = "Gratuito"\n', "", "line_types"),
        ("us.toml", "in this letter\nare exactly", "in this {letter}\nare exactly",
         "unknown placeholders"),
    ],
)  # fmt: skip
def test_the_loader_refuses_what_the_letter_could_not_say(
    name: str, old: str, new: str, error: str
) -> None:
    with pytest.raises(LetterDataError, match=re.escape(name) + ".*" + re.escape(error)):
        load_templates(with_change(name, old, new))


def test_a_file_cannot_claim_another_country() -> None:
    with pytest.raises(LetterDataError, match="must be the file's name"):
        load_templates(with_change("nl.toml", 'country = "NL"', 'country = "BE"'))


def test_paragraphs_are_escaped_and_english_versions_name_the_carrier_in_english() -> None:
    files = with_change(
        "fr.toml",
        "Cette lettre demande à {carrier}",
        "Cette <b>lettre</b> & demande à {carrier}",
    )
    fr = load_templates(files)["FR"]
    assert "Cette &lt;b&gt;lettre&lt;/b&gt; &amp; demande" in fr.intro
    assert "{carrier_en}" in fr.intro and fr.intro.count("{carrier}") == 1
    req, numbers = request_in("FR")
    pdf = render(content_of(req, numbers, today=date(2026, 11, 16)), template=fr)
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "Cette <b>lettre</b> & demande à Télécom Ñandú" in text


def test_bases_share_words_but_not_their_notes() -> None:
    gb, ie, au, us, ca = (TEMPLATES[c] for c in ("GB", "IE", "AU", "US", "CA"))
    assert ie.title == au.title == gb.title and ie.labels.representative == gb.labels.representative
    assert ie.labels.service_address == "Service address" != gb.labels.service_address
    assert ca.intro == us.intro and ca.address_format and not us.address_format
    assert "Quebec" in ca.language_note and "Quebec" not in us.language_note
    req, numbers = request_in("CA")
    content = content_of(req, numbers, today=date(2026, 11, 16))
    assert ca.address_lines(content)[-2:] == ("Montréal QC  H2X 1Y4", "Canada")  # Canada Post
    assert us.address_lines(content)[-2:] == ("Montréal QC H2X 1Y4", "Canada")  # the table's


def _strings(tpl: LoaTemplate) -> Iterator[str]:
    for value in (*astuple(tpl.labels), tpl.title, tpl.intro, *tpl.authorization,
                  tpl.certify_heading, *(c.text for c in tpl.certifications),
                  *tpl.line_type_words.values(), *tpl.count_words, *tpl.months,
                  tpl.thousands, tpl.country_name, tpl.count_phrase(1234567)):  # fmt: skip
        yield re.sub(r"<[^>]+>", "", value)


def test_every_character_of_every_letter_reads_back_from_the_pdf() -> None:
    """Drawn in the letter's three faces, each non-ASCII character the letters use comes back
    from the PDF's text as itself: é ü ß ñ ã ç and the no-break space among them."""
    chars = sorted({c for tpl in TEMPLATES.values() for s in _strings(tpl) for c in s if c > "~"})
    assert {"é", "ü", "ñ", "ã", "ç", "\u00a0"} <= set(chars)
    line = "".join(chars)
    out = io.BytesIO()
    canvas = Canvas(out, invariant=1)
    for i, font in enumerate(("Helvetica", "Helvetica-Bold", "Helvetica-Oblique")):
        canvas.setFont(font, 10)
        canvas.drawString(50, 700 - 20 * i, f"[{line}]")
    canvas.save()
    drawn = re.findall(r"\[(.*?)\]", PdfReader(io.BytesIO(out.getvalue())).pages[0].extract_text())
    assert drawn == [line.replace("\u00a0", " ")] * 3  # pypdf reads the no-break space as one
    with pytest.raises(LetterDataError, match="would not read back"):
        load_templates(with_change("fr.toml", 'index = "#"', 'index = "\u2022"'))
