"""The country table as Markdown, for the README (a test keeps the two equal)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.porting.countries.loader import Table, table
from bot.porting.countries.model import (
    Country,
    Document,
    DocumentRule,
    FieldRule,
    KindRule,
    Milestone,
    Need,
    Span,
    When,
)
from bot.porting.countries.timelines import expected_span
from storage.values import LineType

__all__ = ["UNCONFIRMED_MARK", "render_markdown_table"]

UNCONFIRMED_MARK = "†"

_KIND = {
    LineType.LANDLINE: "landline",
    LineType.WIRELESS: "mobile",
    LineType.TOLL_FREE: "toll-free",
}
_DOC = {
    Document.LOA: "LOA",
    Document.CSR: "CSR",
    Document.BILL: "bill",
    Document.PROOF_OF_ADDRESS: "proof of address",
    Document.COMPANY_REGISTRATION: "company registration",
    Document.SIGNER_ID: "signer's ID",
    Document.POWER_OF_ATTORNEY: "power of attorney",
}
_WHEN = {
    When.ALWAYS: "",
    When.LANDLINE: "landline",
    When.WIRELESS: "mobile",
    When.TOLL_FREE: "toll-free",
    When.BUSINESS: "business",
    When.RESIDENTIAL: "residential",
}
_HEADER = (
    "| Country | Numbers | Fields | Documents | Address | Lead time to port | Fee quote "
    "| Sources |",
    "|---|---|---|---|---|---|---|---|",
)


def _mark(unconfirmed: bool) -> str:
    return UNCONFIRMED_MARK if unconfirmed else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _kinds(rules: Iterable[KindRule]) -> str:
    shown = [f"{_KIND[r.kind]}{_mark(r.unconfirmed)}" for r in rules if r.accepted]
    refused = [f"no {_KIND[r.kind]}" for r in rules if not r.accepted]
    return ", ".join(shown + refused)


def _qualifiers(when: When, need: Need, extra: str = "") -> str:
    parts = [p for p in (_WHEN[when], "" if need is Need.REQUIRED else need.value, extra) if p]
    return f" ({', '.join(parts)})" if parts else ""


def _field(rule: FieldRule) -> str:
    return f"{rule.label}{_qualifiers(rule.when, rule.need)}{_mark(rule.unconfirmed)}"


def _document(rule: DocumentRule) -> str:
    age = f"≤ {rule.max_age_days} days" if rule.max_age_days else ""
    return f"{_DOC[rule.document]}{_qualifiers(rule.when, rule.need, age)}{_mark(rule.unconfirmed)}"


def _address(row: Country) -> str:
    a = row.address
    layout = a.format.replace("{street2}\n", "").replace("\n", " / ")
    parts = [f"`{layout}`"]
    if a.postal_code is not None:
        optional = "" if a.postal_code.need is Need.REQUIRED else ", optional"
        parts.append(f"{a.postal_code.label} `{a.postal_code.pattern}`{optional}")
    if a.local_to_numbers:
        parts.append("in the numbers' area")
    return "; ".join(parts)


def _span(span: Span) -> str:
    return f"{span.stated}{_mark(span.unconfirmed)}"


def _lead(row: Country, data: Table) -> str:
    parts = []
    for kind in (LineType.LANDLINE, LineType.WIRELESS, LineType.TOLL_FREE):
        if kind not in row.accepted_kinds:
            continue
        span = expected_span(kind, row.code, Milestone.PORTED, data=data)
        parts.append(f"{_KIND[kind]}: {_span(span)}")
    return "; ".join(parts)


def _row(row: Country, data: Table) -> str:
    cells = (
        f"{row.name} ({row.code})",
        _kinds(row.kinds),
        ", ".join(_field(f) for f in row.fields) or "—",
        ", ".join(_document(d) for d in row.documents),
        _address(row),
        _lead(row, data),
        "yes" if row.fee_quote_required else "no",
        ", ".join(f"[{s.id}]({s.url})" for s in row.sources.values()),
    )
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def render_markdown_table(data: Table | None = None) -> str:
    """The table, one row a country, then the legend; ends with a newline."""
    t = data if data is not None else table()
    lines = [*_HEADER, *(_row(row, t) for row in t.countries.values())]
    lines += [
        "",
        f"{UNCONFIRMED_MARK} not confirmed by a source we could read: the customer is asked "
        "for the document anyway and an agent confirms. Fields in brackets apply only to "
        "that kind of number or account. Lead times are business days (a week is five) "
        "from submission.",
    ]
    return "\n".join(lines) + "\n"
