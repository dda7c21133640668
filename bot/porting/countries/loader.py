"""The country table's files → frozen values, checked on the way in.

Every row must be complete: each country names the kinds of numbers it ports, its fields and
documents (from closed sets), its address layout with a postal-code pattern that accepts the
row's own examples, and for every fact the sources that support it, or ``unconfirmed = true``.
Anything else fails to load with :class:`CountryDataError` naming the file and the entry.

:func:`load_table` parses text (tests give it their own); :func:`table` reads the package's
files once and keeps the result.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, TypeVar

import phonenumbers

from bot.porting.calendar import BusinessCalendar
from bot.porting.countries.model import (
    ADDRESS_PARTS,
    COUNTRY_FIELDS,
    Address,
    Country,
    Document,
    DocumentRule,
    FieldRule,
    KindRule,
    Milestone,
    Need,
    PostalCode,
    Source,
    Span,
    When,
)
from bot.porting.fields import F
from bot.porting.strict import StrictTable
from storage.values import LineType

__all__ = ["CountryDataError", "Defaults", "Table", "load_table", "table"]

SHARED_FILE = "_shared.toml"
INTERNATIONAL = "international"
DAYS_PER_WEEK = 5  # a week of business days
_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")
_EVENTS = ("submitted", *(m.value for m in Milestone))
_E = TypeVar("_E", LineType, F, When, Need, Document)


class CountryDataError(ValueError):
    """A file of the country table is incomplete or names something unknown."""


@dataclass(frozen=True, slots=True)
class Defaults:
    """The platform guide's figures: step timings and lead times by kind."""

    milestones: Mapping[Milestone, tuple[str, Span]]  # milestone -> (counted after, span)
    lead_times: Mapping[str, Span]  # LineType value or "international" -> span
    sources: Mapping[str, Source]


@dataclass(frozen=True, slots=True)
class Table:
    countries: Mapping[str, Country]  # by code, alphabetical
    defaults: Defaults


class _Entry(StrictTable):
    """One TOML table of the country data, read strictly: wrong types, missing and unknown keys
    are errors."""

    error = CountryDataError

    def enum(self, key: str, cls: type[_E]) -> _E:
        value = self.get(key, str)
        try:
            return cls(value)
        except ValueError:
            raise self.fail(f"{key!r}: unknown value {value!r}") from None

    def maybe_enum(self, key: str, cls: type[_E]) -> _E | None:
        return self.enum(key, cls) if key in self.data else None

    def entries(self, key: str) -> list[_Entry]:
        items = self.get(key, list, [])
        return [_Entry(item, f"{self.where} {key}[{i}]") for i, item in enumerate(items)]

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.fail(f"unknown keys {', '.join(unknown)}")


def _sources_of(entry: _Entry, known: Mapping[str, Source]) -> tuple[tuple[str, ...], bool]:
    """A fact's sources and its ``unconfirmed`` mark; one of the two must be there."""
    ids = entry.get("sources", list)
    unconfirmed = entry.get("unconfirmed", bool, False)
    for sid in ids:
        if not isinstance(sid, str) or sid not in known:
            raise entry.fail(f"unknown source {sid!r}")
    if not ids and not unconfirmed:
        raise entry.fail("no source: name one, or mark the fact `unconfirmed = true`")
    return tuple(ids), unconfirmed


def _source_list(entry: _Entry) -> dict[str, Source]:
    found: dict[str, Source] = {}
    for item in entry.entries("sources"):
        sid = item.text("id")
        if not _SOURCE_ID.match(sid) or sid in found:
            raise item.fail(f"source id {sid!r} is malformed or repeated")
        url = item.text("url")
        if not url.startswith("https://"):
            raise item.fail(f"source {sid!r}: the URL must start with https://")
        found[sid] = Source(sid, url, item.text("supports"))
        item.done()
    return found


def _span(entry: _Entry, known: Mapping[str, Source]) -> Span:
    weeks = entry.get("weeks", list, None)
    days = entry.get("business_days", list, None)
    if (weeks is None) == (days is None):
        raise entry.fail("give exactly one of `weeks` or `business_days`")
    pair = weeks if weeks is not None else days
    ok = len(pair) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
    if not ok or not 0 < pair[0] <= pair[1]:
        raise entry.fail("a span is two whole numbers, lowest first, both above zero")
    scale = DAYS_PER_WEEK if weeks is not None else 1
    sources, unconfirmed = _sources_of(entry, known)
    span = Span(pair[0] * scale, pair[1] * scale, entry.text("stated"), sources, unconfirmed)
    entry.done()
    return span


def _pattern(entry: _Entry, key: str) -> str | None:
    value = entry.get(key, str, None)
    if value is None:
        return None
    try:
        re.compile(value)
    except re.error as exc:
        raise entry.fail(f"{key!r} does not compile: {exc}") from None
    return str(value)


def _kinds(row: _Entry, known: Mapping[str, Source]) -> tuple[KindRule, ...]:
    rules: list[KindRule] = []
    for e in row.entries("kinds"):
        kind = e.enum("kind", LineType)
        if any(r.kind is kind for r in rules):
            raise e.fail(f"kind {kind.value!r} listed twice")
        sources, unconfirmed = _sources_of(e, known)
        rules.append(
            KindRule(kind, e.get("accepted", bool), sources, unconfirmed, e.text("note", ""))
        )
        e.done()
    if not any(r.accepted for r in rules):
        raise row.fail("no kind of number is accepted")
    return tuple(rules)


def _fields(row: _Entry, known: Mapping[str, Source]) -> tuple[FieldRule, ...]:
    rules: list[FieldRule] = []
    for e in row.entries("fields"):
        name = e.enum("field", F)
        if name not in COUNTRY_FIELDS:
            allowed = ", ".join(sorted(f.value for f in COUNTRY_FIELDS))
            raise e.fail(f"{name.value!r} is not a country field ({allowed})")
        if any(r.field is name for r in rules):
            raise e.fail(f"field {name.value!r} listed twice")
        pattern, example = _pattern(e, "pattern"), e.get("example", str, None)
        if pattern is not None and (example is None or not re.fullmatch(pattern, example)):
            raise e.fail(f"the pattern of {name.value!r} must accept its example")
        sources, unconfirmed = _sources_of(e, known)
        rules.append(
            FieldRule(
                name,
                e.enum("when", When),
                e.enum("need", Need),
                e.text("label"),
                e.text("reason"),
                sources,
                unconfirmed,
                pattern,
                example,
            )
        )
        e.done()
    return tuple(rules)


def _documents(row: _Entry, known: Mapping[str, Source]) -> tuple[DocumentRule, ...]:
    rules: list[DocumentRule] = []
    for e in row.entries("documents"):
        doc = e.enum("document", Document)
        if any(r.document is doc for r in rules):
            raise e.fail(f"document {doc.value!r} listed twice")
        age = e.get("max_age_days", int, None)
        if age is not None and age <= 0:
            raise e.fail("max_age_days must be above zero")
        sources, unconfirmed = _sources_of(e, known)
        rules.append(
            DocumentRule(
                doc, e.enum("when", When), e.enum("need", Need), e.text("reason"),
                sources, unconfirmed, age,
            )
        )  # fmt: skip
        e.done()
    for must in (Document.LOA, Document.BILL):
        rule = next((r for r in rules if r.document is must), None)
        if rule is None or rule.need is not Need.REQUIRED or rule.when is not When.ALWAYS:
            raise row.fail(f"every country requires the {must.value!r} document, always")
    return tuple(rules)


def _address(row: _Entry, known: Mapping[str, Source]) -> Address:
    e = _Entry(row.get("address", dict), f"{row.where} address")
    fmt = e.text("format")
    names = {name for _, name, _, _ in string.Formatter().parse(fmt) if name is not None}
    allowed = {f.value for f in ADDRESS_PARTS}
    if not names <= allowed or not {"street", "city"} <= names:
        raise e.fail(f"the format may use {sorted(allowed)} and must use street and city")
    region = e.maybe_enum("region", Need)
    postal: PostalCode | None = None
    if "postal_code" in e.data:
        p = _Entry(e.get("postal_code", dict), f"{e.where} postal_code")
        pattern = _pattern(p, "pattern")
        examples = tuple(p.get("examples", list))
        if pattern is None or not examples:
            raise p.fail("a postal code needs a pattern and at least one example")
        for ex in examples:
            if not isinstance(ex, str) or not re.fullmatch(pattern, ex):
                raise p.fail(f"the pattern does not accept the example {ex!r}")
        postal = PostalCode(p.enum("need", Need), p.text("label"), pattern, examples)
        p.done()
    if (region is not None) != ("region" in names):
        raise e.fail("the format uses {region} exactly when `region` is set")
    if (postal is not None) != ("postal_code" in names):
        raise e.fail("the format uses {postal_code} exactly when a postal code is described")
    label = e.text("region_label", "") if region is not None else ""
    if region is not None and not label:
        raise e.fail("a region needs a `region_label`")
    sources, _ = _sources_of(e, known)
    address = Address(
        fmt, region, label, postal, e.get("local_to_numbers", bool), sources, e.text("note", "")
    )
    e.done()
    return address


def parse_country(
    data: Mapping[str, Any], where: str, shared: Mapping[str, Source], expected_code: str
) -> Country:
    """One row from its parsed TOML; ``shared`` are the sources every row may name."""
    row = _Entry(dict(data), where)
    code = row.text("code")
    if code != expected_code or code not in phonenumbers.SUPPORTED_REGIONS:
        raise row.fail(f"code {code!r} must be the file's name and a phone region")
    own = _source_list(row)
    if own.keys() & shared.keys():
        raise row.fail(f"sources shadow shared ones: {sorted(own.keys() & shared.keys())}")
    known = {**shared, **own}
    holiday_country, timezone = row.text("holiday_country"), row.text("timezone")
    try:
        BusinessCalendar(country=holiday_country, timezone=timezone)
    except ValueError as exc:
        raise row.fail(str(exc)) from None
    kinds = _kinds(row, known)
    accepted = {k.kind for k in kinds if k.accepted}
    lead_times: dict[LineType, Span] = {}
    for key, value in row.get("lead_times", dict, {}).items():
        kind = LineType(key) if key in LineType._value2member_map_ else None
        if kind is None or kind not in accepted:
            raise row.fail(f"lead time for {key!r}, which is not an accepted kind")
        lead_times[kind] = _span(_Entry(value, f"{where} lead_times.{key}"), known)
    fee_sources = tuple(row.get("fee_quote_sources", list))
    if not fee_sources or any(s not in known for s in fee_sources):
        raise row.fail("fee_quote_sources must name known sources")
    country = Country(
        code=code,
        name=row.text("name"),
        holiday_country=holiday_country,
        timezone=timezone,
        kinds=kinds,
        fields=_fields(row, known),
        documents=_documents(row, known),
        address=_address(row, known),
        fee_quote_required=row.get("fee_quote_required", bool),
        fee_quote_sources=fee_sources,
        lead_times=MappingProxyType(lead_times),
        sources=MappingProxyType({}),
        note=row.text("note", ""),
    )
    row.done()
    named = _named_sources(country)
    unused = sorted(set(own) - named)
    if unused:
        raise row.fail(f"sources never named by a fact: {unused}")
    sources = MappingProxyType({sid: known[sid] for sid in sorted(named)})
    return _with_sources(country, sources)


def _named_sources(country: Country) -> set[str]:
    groups: Iterable[tuple[str, ...]] = (
        country.fee_quote_sources,
        country.address.sources,
        *(r.sources for r in country.kinds),
        *(r.sources for r in country.fields),
        *(r.sources for r in country.documents),
        *(s.sources for s in country.lead_times.values()),
    )
    return {sid for group in groups for sid in group}


def _with_sources(country: Country, sources: Mapping[str, Source]) -> Country:
    return replace(country, sources=sources)


def parse_shared(data: Mapping[str, Any], where: str = SHARED_FILE) -> Defaults:
    root = _Entry(dict(data), where)
    sources = _source_list(root)
    milestones: dict[Milestone, tuple[str, Span]] = {}
    for key, value in root.get("milestones", dict).items():
        entry = _Entry(value, f"{where} milestones.{key}")
        if key not in Milestone._value2member_map_ or key == Milestone.PORTED:
            raise entry.fail("only acknowledged and foc_confirmed have fixed timings")
        after = entry.text("after")
        if after not in _EVENTS or after == key:
            raise entry.fail(f"`after` must be another event: {list(_EVENTS)}")
        milestones[Milestone(key)] = (after, _span(entry, sources))
    lead: dict[str, Span] = {}
    for key, value in root.get("lead_times", dict).items():
        if key not in (*LineType._value2member_map_, INTERNATIONAL):
            raise root.fail(f"lead_times.{key}: unknown kind")
        lead[key] = _span(_Entry(value, f"{where} lead_times.{key}"), sources)
    missing = {*LineType._value2member_map_, INTERNATIONAL} - lead.keys()
    if missing or len(milestones) != 2:
        raise root.fail(f"incomplete defaults (lead times missing: {sorted(missing)})")
    root.done()
    return Defaults(MappingProxyType(milestones), MappingProxyType(lead), MappingProxyType(sources))


def load_table(files: Mapping[str, str]) -> Table:
    """The table from file name → TOML text: ``_shared.toml`` and one ``<code>.toml`` a row."""
    if SHARED_FILE not in files:
        raise CountryDataError(f"{SHARED_FILE} is missing")
    defaults = parse_shared(_toml(files[SHARED_FILE], SHARED_FILE))
    countries: dict[str, Country] = {}
    for name in sorted(files):
        if name == SHARED_FILE:
            continue
        stem = name.removesuffix(".toml")
        if not re.fullmatch(r"[a-z]{2}", stem):
            raise CountryDataError(f"{name}: country files are named <code>.toml, e.g. fr.toml")
        countries[stem.upper()] = parse_country(
            _toml(files[name], name), name, defaults.sources, stem.upper()
        )
    if not countries:
        raise CountryDataError("the table has no country")
    return Table(MappingProxyType(countries), defaults)


def _toml(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CountryDataError(f"{name}: {exc}") from None


def package_files() -> dict[str, str]:
    """The table's files as shipped in the package."""
    folder = resources.files("bot.porting.countries").joinpath("data")
    return {
        item.name: item.read_text(encoding="utf-8")
        for item in folder.iterdir()
        if item.name.endswith(".toml")
    }


@lru_cache(maxsize=1)
def table() -> Table:
    """The package's table, read and checked once."""
    return load_table(package_files())
