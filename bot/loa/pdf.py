"""The LOA as a PDF: :func:`render` draws the unsigned letter, :func:`stamp` signs it.

**Deterministic.** reportlab's invariant mode fixes the creation date and document id: the same
content and template give the same bytes, so :func:`document_hash` of the unsigned letter names
exactly what the representative saw. (A reportlab upgrade may change the bytes: keep the file.)

**Where the signature goes.** The signature block is the last flowable, pushed to the bottom of the
frame on the last page, so the page size and the constants below fix its place. :func:`stamp`
writes there after checking ``/Creator`` (:data:`CREATOR`), so a letter of another layout is
refused rather than stamped in the wrong place: change :data:`CREATOR` with the layout.

**The stamp** puts the typed name on the signature and printed-name lines and the date on the date
line; on every page, lines naming the signer, UTC time, IP address and the SHA-256 of the unsigned
letter (plus the browser on the last page); the same record goes in the document information.
The page count does not change.

Only the PDF standard fonts are used (nothing embedded, small files). They draw Windows-1252,
which covers the letters' own words in every language they are written in (é, ü, ß, ñ, ã, ç,
œ: the templates' loader refuses anything else); names from outside with characters beyond it
(Polish "Ł", Hungarian "ő", CJK) show as boxes, and the document information keeps them exact.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    ListFlowable,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import TopPadder

from bot.loa.content import LoaContent
from bot.loa.templates import Labels, LoaTemplate, template_of
from bot.wording.formats import one_line

__all__ = ["CREATOR", "Signature", "document_hash", "render", "stamp"]

CREATOR = "portbot LOA, layout 1"

# Layout (points). The signature block's slots below depend on these: see the module docstring.
MARGIN = 54.0  # left, right and top
BOTTOM = 72.0  # the frame's bottom edge; the signature block sits on it
SIG_HEIGHT = 100.0

_PAGE_LINE_Y = 44.0  # render's footer
_STAMP_LINES_Y = (31.0, 22.0, 13.0)  # stamp's record lines

_FONT, _BOLD, _SCRIPT = "Helvetica", "Helvetica-Bold", "Times-Italic"
_GREY = colors.HexColor("#555555")
_RULE = colors.HexColor("#999999")
_NUM_FONT_SIZE, _NUM_ROW_HEIGHT, _NUM_PAD = 8.0, 11.0, 3.0
_LABEL_W, _GUTTER = 92.0, 14.0
_NO_PADDING = [
    (f"{side}PADDING", (0, 0), (-1, -1), 0) for side in ("LEFT", "RIGHT", "TOP", "BOTTOM")
]

_BODY = ParagraphStyle("loa-body", fontName=_FONT, fontSize=9.5, leading=12.5, spaceAfter=5)
_STYLES = {
    "title": ParagraphStyle("loa-title", fontName=_BOLD, fontSize=15, leading=19, spaceAfter=8),
    "h2": ParagraphStyle("loa-h2", fontName=_BOLD, fontSize=10.5, leading=14, spaceBefore=8,
                         spaceAfter=4),
    "body": _BODY,
    "dateline": ParagraphStyle("loa-dateline", parent=_BODY, spaceAfter=8),
    "item": ParagraphStyle("loa-item", parent=_BODY, spaceAfter=3),
    "label": ParagraphStyle("loa-label", fontName=_BOLD, fontSize=8.5, leading=11.5,
                            textColor=_GREY),
    "value": ParagraphStyle("loa-value", fontName=_FONT, fontSize=9.5, leading=11.5),
}  # fmt: skip


# --------------------------------------------------------------------------------------- render


def render(content: LoaContent, *, template: LoaTemplate | None = None) -> bytes:
    """The unsigned LOA for ``content``; the template defaults to the request's
    (:func:`~bot.loa.templates.template_of`: the numbers' country's)."""
    tpl = template or template_of(content)
    page_w, page_h = tpl.page_size
    width = page_w - 2 * MARGIN
    out = io.BytesIO()
    frame = Frame(MARGIN, BOTTOM, width, page_h - MARGIN - BOTTOM, 0, 0, 0, 0, id="body")
    doc = BaseDocTemplate(
        out,
        pagesize=tpl.page_size,
        pageTemplates=[PageTemplate(id="loa", frames=[frame])],
        title=f"{tpl.title} ({content.sid})",
        author="portbot",
        subject=content.sid,
        creator=CREATOR,
        invariant=1,
        pageCompression=1,
    )
    running = f"{tpl.title} · {content.sid}"
    doc.build(_story(content, tpl, width), canvasmaker=partial(_PagedCanvas, running, tpl.labels))
    return out.getvalue()


def _story(content: LoaContent, tpl: LoaTemplate, width: float) -> list[Flowable]:
    labels, s = tpl.labels, _STYLES
    words = _placeholders(content, tpl)
    story: list[Flowable] = [
        Paragraph(escape(tpl.title), s["title"]),
        Paragraph(
            f"<b>{escape(labels.date)}:</b> {escape(tpl.format_date(content.created))}&nbsp;"
            f"&nbsp;&nbsp;&nbsp;<b>{escape(labels.request)}:</b> {escape(content.sid)}",
            s["dateline"],
        ),
        Paragraph(tpl.intro.format_map(words), s["body"]),
        Spacer(0, 4),
        _details(content, tpl, width),
        Paragraph(escape(labels.numbers), s["h2"]),
        _numbers_table(content, tpl, width),
        Spacer(0, 10),
    ]
    # What is signed stays on the signature page with the signature (unless it cannot fit).
    items = [
        Paragraph(text.format_map(words), s["item"]) for text in tpl.certifications_for(content)
    ]
    story.append(
        KeepTogether(
            [
                *(Paragraph(text.format_map(words), s["body"]) for text in tpl.authorization),
                Paragraph(tpl.certify_heading.format_map(words), s["h2"]),
                ListFlowable(items, bulletType="1", bulletFontSize=9.5, leftIndent=16),
                Spacer(0, 10),
                TopPadder(_SignatureBlock(labels)),
            ]
        )
    )
    return story


def _placeholders(content: LoaContent, tpl: LoaTemplate) -> dict[str, str]:
    return {
        "holder": escape(content.holder or tpl.labels.not_given),
        "carrier": escape(content.losing_carrier or tpl.labels.carrier_unknown),
        "carrier_en": escape(content.losing_carrier or Labels().carrier_unknown),  # bilingual
        "count": escape(tpl.count_phrase(len(content.numbers))),
    }


def _details(content: LoaContent, tpl: LoaTemplate, width: float) -> Table:
    """Two columns of label/value pairs: the people and the numbers on the left, the account on
    the right."""
    labels = tpl.labels
    left: list[tuple[str, str | tuple[str, ...]]] = [
        (labels.account_type, labels.business if content.is_business else labels.residential),
        (labels.company if content.is_business else labels.person, content.holder),
        (labels.representative, content.rep_name),
        (labels.email, content.rep_email),
        (labels.number_count, tpl.number_summary(content)),
    ]
    right: list[tuple[str, str | tuple[str, ...]]] = [
        (labels.service_address, tpl.address_lines(content)),
        (labels.losing_carrier, content.losing_carrier),
        *tpl.account_rows(content),  # account number, billing number, the port-out code's row
    ]
    half = (width - _GUTTER) / 2
    outer = Table(
        [[_pairs(left, labels, half), "", _pairs(right, labels, half)]],
        colWidths=[half, _GUTTER, half],
        hAlign="LEFT",
    )
    outer.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), *_NO_PADDING]))
    return outer


def _pairs(rows: list[tuple[str, str | tuple[str, ...]]], labels: Labels, width: float) -> Table:
    data = [
        [Paragraph(escape(label), _STYLES["label"]), _value(value, labels)] for label, value in rows
    ]
    table = Table(data, colWidths=[_LABEL_W, width - _LABEL_W], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                *_NO_PADDING,
                ("RIGHTPADDING", (0, 0), (0, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dddddd")),
            ]
        )
    )
    return table


def _value(value: str | tuple[str, ...], labels: Labels) -> Paragraph:
    lines = (value,) if isinstance(value, str) else value
    text = "<br/>".join(escape(line) for line in lines if line)
    return Paragraph(text or f"<i>{escape(labels.not_given)}</i>", _STYLES["value"])


def _numbers_table(content: LoaContent, tpl: LoaTemplate, width: float) -> Table:
    """The numbers, several (#, number, type) groups a row; the header row repeats on each page."""
    labels = tpl.labels
    shown = [
        (tpl.format_number(e164), tpl.line_type_word(label)) for e164, label in content.numbers
    ]

    def w(text: str, font: str = _FONT) -> float:
        return stringWidth(text, font, _NUM_FONT_SIZE) + 2 * _NUM_PAD

    index_w = max(w(tpl.grouped(len(shown))), w(labels.index, _BOLD))
    type_w = max(w(labels.line_type, _BOLD), *(w(word) for word in {word for _, word in shown}))
    number_w = max(w(labels.number, _BOLD), *(w(number) for number, _ in shown))
    across = min(tpl.number_columns, max(1, int(width // (index_w + number_w + type_w))))
    number_w = max(number_w, width / across - index_w - type_w)  # groups share the full width
    groups = min(across, len(shown))

    rows = math.ceil(len(shown) / groups)
    data: list[list[str]] = [[labels.index, labels.number, labels.line_type] * groups]
    for r in range(rows):
        row: list[str] = []
        for i in range(r * groups, r * groups + groups):
            row += [tpl.grouped(i + 1), *shown[i]] if i < len(shown) else ["", "", ""]
        data.append(row)
    style = [
        ("FONT", (0, 0), (-1, -1), _FONT, _NUM_FONT_SIZE),
        ("FONT", (0, 0), (-1, 0), _BOLD, _NUM_FONT_SIZE),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e4e4")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f4f4")]),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, _RULE),
        ("BOX", (0, 0), (-1, -1), 0.5, _RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), _NUM_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _NUM_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    for g in range(groups):
        style.append(("ALIGN", (3 * g, 0), (3 * g, -1), "RIGHT"))
        style.append(("TEXTCOLOR", (3 * g, 1), (3 * g, -1), _GREY))
        if g:
            style.append(("LINEBEFORE", (3 * g, 0), (3 * g, -1), 0.5, _RULE))
    return Table(
        data,
        colWidths=[index_w, number_w, type_w] * groups,
        rowHeights=[_NUM_ROW_HEIGHT] * len(data),
        repeatRows=1,
        hAlign="LEFT",
        style=TableStyle(style),
    )


class _SignatureBlock(Flowable):
    """Empty lines for the signature, the date and the printed name; fixed height."""

    def __init__(self, labels: Labels) -> None:
        super().__init__()
        self._labels = labels

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = availWidth, SIG_HEIGHT
        return self.width, self.height

    def draw(self) -> None:
        c, labels = self.canv, self._labels
        c.setFont(_BOLD, 9)
        c.drawString(0, SIG_HEIGHT - 10, labels.signature_heading)
        c.setLineWidth(0.6)
        c.setFont(_FONT, 7.5)
        c.setFillColor(_GREY)
        captions = (labels.signature, labels.signed_on, labels.printed_name)
        for (x, y, length), caption in zip(_slots(self.width), captions, strict=True):
            c.line(x, y, x + length, y)
            c.drawString(x, y - 10, caption)


def _slots(width: float) -> tuple[tuple[float, float, float], ...]:
    """(x, y, length) of the signature, date and printed-name lines from the block's lower left.
    Stamping writes on these lines: changing them means a new :data:`CREATOR`."""
    return ((0, 56, width * 0.62), (width * 0.68, 56, width * 0.32), (0, 16, width * 0.62))


class _PagedCanvas(Canvas):
    """Holds pages back until the end, so each can say "Page 2 of 7" and carry a running head."""

    def __init__(self, running: str, labels: Labels, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._running, self._labels = running, labels
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        pages = len(self._held)
        for state in self._held:
            self.__dict__.update(state)
            self._decorate(self._pageNumber, pages)
            super().showPage()
        super().save()

    def _decorate(self, page: int, pages: int) -> None:
        page_w, page_h = self._pagesize
        self.saveState()
        self.setFont(_FONT, 7.5)
        self.setFillColor(_GREY)
        if page > 1:
            head = f"{self._running} ({self._labels.continued})"
            self.drawString(MARGIN, page_h - MARGIN + 14, head)
        self.drawString(MARGIN, _PAGE_LINE_Y, self._running)
        numbering = self._labels.page.format(page=page, pages=pages)
        self.drawRightString(page_w - MARGIN, _PAGE_LINE_Y, numbering)
        self.restoreState()


# ---------------------------------------------------------------------------------------- stamp


@dataclass(frozen=True, slots=True)
class Signature:
    """What the signing page recorded. ``document_sha256`` is :func:`document_hash` of the
    unsigned letter the representative was shown."""

    typed_name: str
    signed_at: datetime
    ip: str
    user_agent: str
    document_sha256: str

    def __post_init__(self) -> None:
        if not self.typed_name.strip():
            raise ValueError("a signature needs the typed name")
        if self.signed_at.tzinfo is None or self.signed_at.utcoffset() is None:
            raise ValueError("signed_at must be an aware datetime")
        if len(self.document_sha256) != 64 or set(self.document_sha256) - set("0123456789abcdef"):
            raise ValueError("document_sha256 must be 64 lowercase hex characters")


def document_hash(pdf: bytes) -> str:
    """SHA-256 of the PDF's bytes, as 64 lowercase hex characters."""
    return hashlib.sha256(pdf).hexdigest()


def stamp(pdf: bytes, signature: Signature) -> bytes:
    """The signed letter: ``pdf`` (an unsigned :func:`render` output) with ``signature`` on it.

    Raises ``ValueError`` when ``signature.document_sha256`` is not the hash of ``pdf`` (the
    representative signed another document, or this one is already stamped) or when ``pdf`` was
    not drawn with this layout.
    """
    if document_hash(pdf) != signature.document_sha256:
        raise ValueError("the signature is for another document (SHA-256 differs)")
    reader = PdfReader(io.BytesIO(pdf))
    info: Mapping[str, object] = reader.metadata or {}
    if info.get("/Creator") != CREATOR or "/PortbotSignedBy" in info:
        raise ValueError(f"not an unsigned portbot LOA of this layout ({info.get('/Creator')!r})")
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    overlay = PdfReader(io.BytesIO(_overlay(sizes, signature)))
    writer = PdfWriter(clone_from=reader)
    for page, layer in zip(writer.pages, overlay.pages, strict=True):
        page.merge_page(layer)
        page.compress_content_streams()
    when = signature.signed_at.astimezone(UTC)
    writer.add_metadata(
        {
            "/ModDate": f"D:{when:%Y%m%d%H%M%S}+00'00'",
            "/PortbotSignedBy": signature.typed_name,
            "/PortbotSignedAt": when.isoformat(),
            "/PortbotSignerIP": signature.ip,
            "/PortbotSignerUserAgent": signature.user_agent,
            "/PortbotUnsignedSHA256": signature.document_sha256,
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _overlay(sizes: list[tuple[float, float]], sig: Signature) -> bytes:
    """One transparent page per page of the letter, carrying the stamp."""
    out = io.BytesIO()
    c = Canvas(out, pagesize=sizes[0], invariant=1, pageCompression=1)
    when = sig.signed_at.astimezone(UTC)
    record = (
        f"Signed electronically by {one_line(sig.typed_name)} on "
        f"{when:%Y-%m-%d %H:%M:%S} UTC from IP address {one_line(sig.ip)}.",
        f"SHA-256 of the unsigned document: {sig.document_sha256}",
    )
    for number, (page_w, page_h) in enumerate(sizes, start=1):
        c.setPageSize((page_w, page_h))
        lines: tuple[str, ...] = record
        if number == len(sizes):
            _sign(c, page_w, sig, when)
            lines = (*record, f"Browser: {one_line(sig.user_agent) or 'not recorded'}")
        c.setFillColor(colors.black)
        for y, text in zip(_STAMP_LINES_Y, lines, strict=False):
            _draw_fitted(c, MARGIN, y, text, _FONT, 6.5, page_w - 2 * MARGIN)
        c.showPage()
    c.save()
    return out.getvalue()


def _sign(c: Canvas, page_w: float, sig: Signature, when: datetime) -> None:
    """Write on the signature block's lines (see :func:`_slots`), 4 pt above each."""
    name = one_line(sig.typed_name)
    signed, dated, printed = _slots(page_w - 2 * MARGIN)
    for (x, y, length), text, font, size, ink in (
        (signed, name, _SCRIPT, 18, "#1a2a6c"),
        (dated, f"{when:%Y-%m-%d}", _FONT, 11, "#000000"),
        (printed, name, _FONT, 11, "#000000"),
    ):
        c.setFillColor(colors.HexColor(ink))
        _draw_fitted(c, MARGIN + x + 4, BOTTOM + y + 4, text, font, size, length - 8)


def _draw_fitted(
    c: Canvas, x: float, y: float, text: str, font: str, size: float, width: float
) -> None:
    """Draw ``text``, shrunk (down to 7 pt) and then cut so that it fits ``width``."""
    natural = stringWidth(text, font, size)
    size = size if natural <= width else max(7.0, size * width / natural)
    c.setFont(font, size)
    c.drawString(x, y, _fit(text, font, size, width))


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text``, cut with an ellipsis when it is wider than ``width``."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "...", font, size) > width:
        text = text[:-1]
    return text + "..."
