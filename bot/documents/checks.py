"""Checks on an uploaded bill, and safe headers for serving a stored document. Pure.

The content decides what a file is, never its name or the type the uploader's browser claimed:
a PNG called ``bill.pdf`` is a PNG, an HTML page called ``bill.pdf`` is refused. Problems come
back as plain sentences in our own words, one per problem, ready to show where the file was
given (callers escape them for Slack like any other text).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from urllib.parse import quote

from bot.porting.rules import DOCUMENT_MAX_AGE_DAYS
from bot.porting.words import plural

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
ACCEPTED = (PDF, PNG, JPEG)
OCTET_STREAM = "application/octet-stream"

MAX_BILL_BYTES = 10 * 1024 * 1024
MAX_BILL_AGE_DAYS = DOCUMENT_MAX_AGE_DAYS

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_EXTENSIONS = {PDF: (".pdf",), PNG: (".png",), JPEG: (".jpg", ".jpeg")}
_NAMED_EXTENSIONS = {".pdf": "PDF", ".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
_HOW_TO_FIX = "Upload the bill as a PDF, or as a photo or screenshot saved as PNG or JPEG."


def sniff(data: bytes) -> str | None:
    """The accepted type of ``data`` by its magic bytes (``application/pdf``, ``image/png``,
    ``image/jpeg``), or None for anything else."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(_PNG_SIGNATURE):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def describe(data: bytes) -> str | None:
    """What an unaccepted file is, in a few words ("a ZIP archive"), when it is easy to tell."""
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            return what
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return "a HEIC photo"
        if brand in (b"avif", b"avis"):
            return "an AVIF image"
        return "a video"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "a WebP image"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")) or any(
        tag in head for tag in (b"<html", b"<head", b"<body", b"<script")
    ):
        return "an HTML page"
    if b"<svg" in head:
        return "an SVG image"
    if head.startswith(b"<?xml"):
        return "an XML document"
    sample = data[:4096]
    if b"\x00" not in sample:
        try:
            sample.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A character cut at the edge of the sample is still text.
            if len(data) <= len(sample) or exc.start < len(sample) - 4:
                return None
        return "a plain text file"
    return None


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"PK\x07\x08", "a ZIP archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an older Microsoft Office file"),
    (b"{\\rtf", "an RTF document"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
)


def check_bill(
    data: bytes,
    *,
    filename: str,
    issued_on: date | None,
    today: date,
    max_bytes: int = MAX_BILL_BYTES,
    max_age_days: int = MAX_BILL_AGE_DAYS,
) -> list[str]:
    """Everything wrong with a billing statement, each as one plain sentence; empty when fine.

    ``today`` is the date in the account's time zone (the age rule counts calendar days).
    """
    problems = check_content(data, filename=filename, max_bytes=max_bytes)
    problems.extend(_date_problems(issued_on, today=today, max_age_days=max_age_days))
    return problems


def check_content(
    data: bytes, *, filename: str, max_bytes: int = MAX_BILL_BYTES, noun: str = "the bill"
) -> list[str]:
    """What is wrong with the file itself (kind by content, size), one sentence each;
    ``noun`` names the file in the advice ("Upload the bill as a PDF…")."""
    fix = _HOW_TO_FIX.replace("the bill", noun)
    if not data:
        return [f"The file is empty. {fix}"]
    problems: list[str] = []
    kind = _kind_problem(data, filename, fix)
    if kind:
        problems.append(kind)
    if len(data) > max_bytes:
        problems.append(_size_problem(len(data), max_bytes))
    return problems


def _kind_problem(data: bytes, filename: str, fix: str = _HOW_TO_FIX) -> str | None:
    if sniff(data) is not None:
        return None
    what = describe(data)
    if what:
        text = f"This file is {what}, not a PDF, PNG or JPEG"
    else:
        text = "We could not tell what kind of file this is; it is not a PDF, PNG or JPEG"
    claimed = _NAMED_EXTENSIONS.get(_extension(filename))
    if claimed:
        text += f" (its name ends in {_extension(filename)}, but we go by what is inside)"
    return f"{text}. {fix}"


def _size_problem(size: int, limit: int) -> str:
    shown, limit_shown = _size_text(size), _size_text(limit)
    if shown == limit_shown:  # "10 MB; the limit is 10 MB" would not say much
        return f"The file is {size:,} bytes; the limit is {limit_shown} ({limit:,} bytes)."
    return f"The file is {shown}; the limit is {limit_shown}."


def _date_problems(issued_on: date | None, *, today: date, max_age_days: int) -> list[str]:
    window = f"the last {plural(max_age_days, 'day', grouped=False)}"
    if issued_on is None:
        return [
            "Tell us the date the bill was issued (it is printed on the bill); carriers want "
            f"one from {window}."
        ]
    if issued_on > today:
        return [
            f"The issue date {issued_on.isoformat()} is in the future; check the date printed "
            "on the bill."
        ]
    age = (today - issued_on).days
    if age > max_age_days:
        return [
            f"The bill was issued on {issued_on.isoformat()}, "
            f"{plural(age, 'day', grouped=False)} ago; "
            f"carriers want one from {window}. Upload your most recent bill."
        ]
    return []


def _size_text(n: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return plural(n, "byte", grouped=False)


def _extension(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    _, dot, ext = name.rpartition(".")
    ext = ext.strip().lower()
    return "." + ext if dot and ext.isalnum() and len(ext) <= 8 else ""


# --- serving a stored document ------------------------------------------------------------

_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._()+ -]+")
_MAX_HEADER_NAME = 150


def safe_download_headers(content_type: str, filename: str) -> dict[str, str]:
    """Headers for sending a stored document back to a browser: always a download, never
    rendered by the browser as a page of ours.

    PDF, PNG and JPEG keep their type (and a matching extension); anything else goes out as
    ``application/octet-stream``. The name is reduced to a safe ASCII form for ``filename=``
    and given in full (UTF-8, percent-encoded) in ``filename*=``.
    """
    served = content_type.split(";", 1)[0].strip().lower()
    if served == "image/jpg":
        served = JPEG
    if served not in ACCEPTED:
        served = OCTET_STREAM
    name = _display_name(filename, served)
    ascii_name = _ascii_name(name)
    disposition = f'attachment; filename="{ascii_name}"'
    if ascii_name != name:
        disposition += f"; filename*=UTF-8''{quote(name, safe='')}"
    return {
        "Content-Type": served,
        "Content-Disposition": disposition,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
        "Cache-Control": "private, no-store",
    }


def _display_name(filename: str, served: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.replace('"', "'").strip().lstrip(".").strip()
    wanted = _EXTENSIONS.get(served)
    if wanted:
        ext = _extension(name)
        if ext not in wanted:  # the content decides, so does the extension the user gets
            if ext in _NAMED_EXTENSIONS:
                name = name[: -len(ext)]
            name = (name or "document") + wanted[0]
    stem, dot, ext = name.rpartition(".")
    if len(name) > _MAX_HEADER_NAME:
        if dot and 0 < len(ext) <= 8:
            name = stem[: _MAX_HEADER_NAME - len(ext) - 1] + "." + ext
        else:
            name = name[:_MAX_HEADER_NAME]
    return name or "document"


def _ascii_name(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    folded_ext = _fold(ext)
    return (_fold(stem) or "document") + ("." + folded_ext if folded_ext else "")


def _fold(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _UNSAFE_ASCII.sub("_", ascii_text).strip(" ._-")
