"""The letters' files → :class:`~bot.loa.templates.model.LoaTemplate` values, checked on the way in.

One file a country, ``data/<code>.toml``. A file may start from another with ``base = "gb"``:
its tables (``labels``, ``line_types``) are merged key by key, anything else it gives replaces
the base's. Everything is checked when the file is read; :class:`LetterDataError` names the file
and what is wrong:

- the paragraphs use only the placeholders ``{holder}``, ``{carrier}``, ``{count}`` and
  ``{days}`` (the days a signed letter is accepted, filled in here); the English versions of a
  bilingual letter leave out ``{count}``, which is in the letter's language, and their
  ``{carrier}`` becomes ``{carrier_en}`` (the words for an unknown carrier are English there);
- a bilingual letter has an English version of every paragraph; an English one has none;
- a letter not in English sets every label and line-type word itself (no English left over);
- every field the country's row lists has its label set in the file, and the country's
  port-out code (``pin``) is certified by a paragraph with ``field = "pin"``;
- every character is in Windows-1252, the encoding of the PDF standard fonts (Helvetica),
  so the letter's own words never show as boxes (and none is the bullet, which reportlab
  writes as a code that reads back as a control character).

Paragraph texts are written as plain text and escaped here for reportlab's paragraph markup.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from string import Formatter
from types import MappingProxyType
from typing import Any
from xml.sax.saxutils import escape

import phonenumbers
from reportlab.lib.pagesizes import A4, LETTER

from bot.loa.content import LINE_TYPE_LABELS
from bot.loa.templates.model import Clause, Labels, LoaTemplate, NumberStyle
from bot.porting.countries import COUNTRY_FIELDS, When, table
from bot.porting.fields import F
from bot.porting.rules import DOCUMENT_MAX_AGE_DAYS
from bot.porting.strict import StrictTable

__all__ = ["LANGUAGES", "LetterDataError", "load_templates", "package_files", "templates"]

LANGUAGES = frozenset({"en", "fr", "de", "es", "nl", "pt"})
FONT_ENCODING = "cp1252"  # WinAnsiEncoding, what reportlab's standard fonts draw
# In Windows-1252 but written by reportlab as a code PDF readers extract as a control character.
_UNREADABLE = frozenset({"\u2022"})  # the bullet
PAGE_SIZES: Mapping[str, tuple[float, float]] = MappingProxyType({"A4": A4, "LETTER": LETTER})
_PLACEHOLDERS = frozenset({"holder", "carrier", "count", "days"})
_EN_PLACEHOLDERS = _PLACEHOLDERS - {"count"}
_LABEL_KEYS = frozenset(Labels.__dataclass_fields__)
_FIELD_LABELS: Mapping[F, str] = MappingProxyType(
    {F.ACCOUNT_NUMBER: "account_number", F.BTN: "btn", F.PIN: "pin"}
)
_EN_STYLE = '<font name="Helvetica-Oblique" size="8" color="#555555">'
_KEYS = frozenset(
    {
        "base", "country", "language", "bilingual", "language_note", "country_name", "title",
        "intro", "authorization", "certify_heading", "certifications", "labels", "line_types",
        "date_pattern", "months", "thousands", "count_words", "count_item", "number_style",
        "page_size", "number_columns", "address_format",
    }
)  # fmt: skip


class LetterDataError(ValueError):
    """A letter's file is incomplete, or says something the PDF could not show."""


class _File(StrictTable):
    """A letter's file, read strictly; every text it gives must be drawable."""

    error = LetterDataError

    def text(self, key: str, default: object = ...) -> str:
        return self.drawable(super().text(key, default), key)

    def drawable(self, value: str, where: str) -> str:
        try:
            value.encode(FONT_ENCODING)
        except UnicodeEncodeError as exc:
            bad = value[exc.start : exc.end]
            raise self.fail(f"{where}: {bad!r} cannot be drawn with the standard fonts") from None
        if unreadable := sorted(set(value) & _UNREADABLE):
            raise self.fail(f"{where}: {unreadable} would not read back from the PDF")
        return value


def _merged(name: str, files: Mapping[str, Mapping[str, Any]], seen: tuple[str, ...] = ()) -> dict:
    data = dict(files[name])
    base = data.pop("base", None)
    if base is None:
        return data
    parent = f"{base}.toml"
    if not isinstance(base, str) or parent not in files or parent in (*seen, name):
        raise LetterDataError(f"{name}: base {base!r} is not another letter's file")
    merged = _merged(parent, files, (*seen, name))
    for key in ("labels", "line_types"):
        if key in data:
            data[key] = {**merged.get(key, {}), **data[key]}
    for key in ("language_note", "address_format"):
        merged.pop(key, None)  # about the base's own country: never inherited
    return {**merged, **data}


def _paragraph(f: _File, value: object, where: str, bilingual: bool) -> tuple[str, dict[str, Any]]:
    """(markup, the rest of the entry) from ``"text"`` or ``{text = ..., en = ...}``."""
    if not isinstance(value, str | dict):
        raise f.fail(f"{where}: a paragraph is a text or a table with `text`")
    entry: dict[str, Any] = {"text": value} if isinstance(value, str) else dict(value)
    text, en = entry.pop("text", None), entry.pop("en", None)
    if not isinstance(text, str) or not text.strip():
        raise f.fail(f"{where}: a paragraph needs its text")
    _check_placeholders(f, text, where, _PLACEHOLDERS)
    markup = _escape(f.drawable(text, where))
    if bilingual:
        if not isinstance(en, str) or not en.strip():
            raise f.fail(f"{where}: a bilingual letter gives each paragraph in English (`en`)")
        _check_placeholders(f, en, f"{where} (en)", _EN_PLACEHOLDERS)
        english = _escape(f.drawable(en, where)).replace("{carrier}", "{carrier_en}")
        markup += f"<br/>{_EN_STYLE}{english}</font>"
    elif en is not None:
        raise f.fail(f"{where}: `en` is only for bilingual letters")
    return markup, entry


def _check_placeholders(f: _File, text: str, where: str, allowed: frozenset[str]) -> None:
    try:
        names = {name for _, name, _, _ in Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise f.fail(f"{where}: {exc} (write a literal brace twice)") from None
    if not names <= allowed:
        raise f.fail(f"{where}: unknown placeholders {sorted(names - allowed)}")


def _escape(text: str) -> str:
    days = str(DOCUMENT_MAX_AGE_DAYS)
    return escape(" ".join(text.split())).replace("{days}", days)


def _clauses(f: _File, bilingual: bool) -> tuple[Clause, ...]:
    items = f.get("certifications", list)
    if not items:
        raise f.fail("no certifications")
    clauses = []
    for i, item in enumerate(items):
        where = f"certifications[{i}]"
        markup, rest = _paragraph(f, item, where, bilingual)
        field_name, when = rest.pop("field", None), rest.pop("when", None)
        if rest:
            raise f.fail(f"{where}: unknown keys {sorted(rest)}")
        field_value = _member(f, F, field_name, where) if field_name is not None else None
        if field_value is not None and field_value not in COUNTRY_FIELDS:
            raise f.fail(f"{where}: {field_name!r} is not a country field")
        when_value = _member(f, When, when, where) if when is not None else None
        clauses.append(Clause(markup, field_value, when_value))
    return tuple(clauses)


def _member(f: _File, cls: type[F] | type[When], value: object, where: str) -> Any:
    try:
        return cls(value if isinstance(value, str) else repr(value))
    except ValueError:
        raise f.fail(f"{where}: unknown value {value!r}") from None


def _style(f: _File) -> NumberStyle:
    value = f.text("number_style")
    try:
        return NumberStyle(value)
    except ValueError:
        raise f.fail(f"number_style is one of {[s.value for s in NumberStyle]}") from None


def _labels(f: _File, english: bool) -> Labels:
    given = f.get("labels", dict, {})
    unknown = set(given) - _LABEL_KEYS
    if unknown:
        raise f.fail(f"unknown labels {sorted(unknown)}")
    if not english and set(given) != _LABEL_KEYS:
        missing = sorted(_LABEL_KEYS - set(given))
        raise f.fail(f"a letter not in English sets every label: {missing}")
    for key, value in given.items():
        if not isinstance(value, str) or not value.strip():
            raise f.fail(f"label {key!r} must be text")
        f.drawable(value, f"labels.{key}")
    try:
        given.get("page", "{page}{pages}").format(page=1, pages=2)
    except (KeyError, IndexError, ValueError):
        raise f.fail("labels.page may use {page} and {pages} only") from None
    return Labels(**given)


def _line_types(f: _File, english: bool) -> Mapping[str, str]:
    words = f.get("line_types", dict, {})
    known = set(LINE_TYPE_LABELS.values())
    if not set(words) <= known or (not english and set(words) != known):
        raise f.fail(f"line_types names each of {sorted(known)} (all of them unless in English)")
    return MappingProxyType({k: f.drawable(str(v), f"line_types.{k}") for k, v in words.items()})


def parse_template(name: str, data: Mapping[str, Any]) -> LoaTemplate:
    """One letter from its (merged) TOML data."""
    f = _File(data, name)
    unknown = set(data) - _KEYS
    if unknown:
        raise f.fail(f"unknown keys {sorted(unknown)}")
    code = f.text("country")
    if f"{code.lower()}.toml" != name or code not in phonenumbers.SUPPORTED_REGIONS:
        raise f.fail(f"country {code!r} must be the file's name and a phone region")
    language = f.text("language")
    if language not in LANGUAGES:
        raise f.fail(f"language {language!r} is not one of {sorted(LANGUAGES)}")
    english, bilingual = language == "en", f.get("bilingual", bool)
    if english and bilingual:
        raise f.fail("an English letter is not bilingual")
    months = tuple(f.drawable(str(m), "months") for m in f.get("months", list, []))
    pattern = f.text("date_pattern")
    if months and len(months) != 12:
        raise f.fail("months lists the twelve months, January first")
    try:
        pattern.format(day=1, month=2, year=2026, month_name="x")
    except (KeyError, IndexError, ValueError):
        raise f.fail("date_pattern may use {day} {month} {year} and {month_name}") from None
    if "{month_name}" in pattern and not months:
        raise f.fail("date_pattern uses {month_name}: give `months`")
    count_words = f.get("count_words", list)
    if len(count_words) != 2 or any("{n}" not in str(w) for w in count_words):
        raise f.fail("count_words is [one, many], each with {n}")
    size = f.text("page_size")
    if size not in PAGE_SIZES:
        raise f.fail(f"page_size is one of {sorted(PAGE_SIZES)}")
    columns = f.get("number_columns", int)
    if not 1 <= columns <= 6:
        raise f.fail("number_columns is 1 to 6")
    template = LoaTemplate(
        country=code,
        language=language,
        bilingual=bilingual,
        country_name=f.text("country_name"),
        title=f.text("title"),
        intro=_paragraph(f, f.data.get("intro"), "intro", bilingual)[0],
        authorization=tuple(
            _paragraph(f, p, f"authorization[{i}]", bilingual)[0]
            for i, p in enumerate(f.get("authorization", list))
        ),
        certify_heading=_paragraph(f, f.data.get("certify_heading"), "heading", bilingual)[0],
        certifications=_clauses(f, bilingual),
        labels=_labels(f, english),
        date_pattern=pattern,
        months=months,
        thousands=f.drawable(f.get("thousands", str), "thousands"),  # may be a no-break space
        count_words=(f.drawable(str(count_words[0]), "count_words"), str(count_words[1])),
        count_item=f.text("count_item"),
        line_type_words=_line_types(f, english),
        number_style=_style(f),
        page_size=PAGE_SIZES[size],
        number_columns=columns,
        address_format=f.text("address_format", ""),
        language_note=f.text("language_note"),
    )
    _check_against_row(f, template)
    return template


def _check_against_row(f: _File, template: LoaTemplate) -> None:
    """The fields the country's row lists are named in the file, and its code is certified."""
    row = table().countries.get(template.country)
    if row is None:
        return  # a letter for a country outside the table: nothing to check it against
    labels = f.data.get("labels", {})
    for rule in row.fields:
        key = _FIELD_LABELS[rule.field]
        if key not in labels:
            raise f.fail(f"the country asks for {rule.field.value!r}: set labels.{key}")
    if row.field(F.PIN) is not None and not any(c.field is F.PIN for c in template.certifications):
        raise f.fail("the country asks for a port-out code: certify it (a `field = 'pin'` one)")


def load_templates(files: Mapping[str, str]) -> Mapping[str, LoaTemplate]:
    """The letters from file name → TOML text, by country code (alphabetical)."""
    parsed: dict[str, Mapping[str, Any]] = {}
    for name, text in files.items():
        try:
            parsed[name] = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise LetterDataError(f"{name}: {exc}") from None
    found = {}
    for name in sorted(parsed, key=lambda n: ("base" in parsed[n], n)):  # bases first
        template = parse_template(name, _merged(name, parsed))
        found[template.country] = template
    return MappingProxyType(dict(sorted(found.items())))


def package_files() -> dict[str, str]:
    """The letters' files as shipped in the package."""
    folder = resources.files("bot.loa.templates").joinpath("data")
    return {
        item.name: item.read_text(encoding="utf-8")
        for item in folder.iterdir()
        if item.name.endswith(".toml")
    }


@lru_cache(maxsize=1)
def templates() -> Mapping[str, LoaTemplate]:
    """The package's letters, read and checked once."""
    return load_templates(package_files())
