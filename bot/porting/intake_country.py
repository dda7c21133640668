"""The intake's country rules: one request, one country (refusing mixes and countries the
provider does not take), and the account fields, documents and address lines of the numbers'
country as the country table (:mod:`bot.porting.countries`) gives them."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping

from bot.porting.address import validate_address
from bot.porting.countries import (
    Country,
    Need,
    When,
    countries_of,
    mixed_countries,
    requirements_for,
    table,
)
from bot.porting.fields import Cleaned, CleanNumber, Draft, F, Result, blank, squash
from bot.porting.numbers import ParsedNumber, format_display, parse_number
from storage.values import LineType, account_secret, pin_secret

ACCOUNT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .\-/]{0,39}$")
PIN_RE = re.compile(r"^[A-Za-z0-9]{4,20}$")


def numbers_country(numbers: Collection[CleanNumber] | Cleaned) -> str:
    """The country of a request's numbers (the first number's; the intake refuses mixes)."""
    found = numbers.numbers if isinstance(numbers, Cleaned) else numbers
    groups = countries_of(n.e164 for n in found)
    return next(iter(groups), "US")


MixedText = Callable[[Mapping[str, tuple[str, ...]]], str]


def _country_name(code: str) -> str:
    row = table().countries.get(code)
    return row.name if row is not None else code


_WITH_THE = ("United ", "Netherlands", "Philippines", "Czech Republic", "Dominican Republic")


def country_phrase(code: str) -> str:
    """The country's name as it reads after "from": "France", "the United Kingdom"."""
    name = _country_name(code)
    return f"the {name}" if name.startswith(_WITH_THE) else name


def plain_mix(groups: Mapping[str, tuple[str, ...]]) -> str:
    listed = "; ".join(
        f"{_country_name(c)}: {', '.join(format_display(e) for e in found)}"
        for c, found in groups.items()
    )
    return f"One request ports the numbers of one country; open one request each ({listed})."


def check_country(
    result: Result, landlines: str, accepted: Collection[str] | None, mixed_text: MixedText
) -> None:
    """Refuse numbers of several countries, and a country the provider does not accept."""
    at = F.LANDLINES if not blank(landlines) else F.WIRELESS
    numbers = [n.e164 for n in result.cleaned.numbers]
    mixed = mixed_countries(numbers)
    if mixed:
        result.errors[at] = mixed_text(mixed)
        return
    if not numbers:
        return
    country = numbers_country(result.cleaned)
    allowed = frozenset(accepted) if accepted is not None else frozenset(table().countries)
    if country not in allowed or country not in table().countries:
        names = ", ".join(sorted(_country_name(c) for c in allowed))
        result.errors[at] = (
            f"These are numbers from {country_phrase(country)}, and we do not port numbers "
            f"from there. We port numbers from: {names}."
        )
        return
    _check_kinds(result, country)


_KIND_WORDS = {
    LineType.LANDLINE: "landline",
    LineType.WIRELESS: "mobile",
    LineType.TOLL_FREE: "toll-free",
}


def _check_kinds(result: Result, country: str) -> None:
    """Refuse numbers of a kind the country's row says is not ported from there."""
    row = table().countries[country]
    for kind in sorted({n.line_type for n in result.cleaned.numbers} - row.accepted_kinds):
        found = [n.e164 for n in result.cleaned.numbers if n.line_type is kind]
        shown = ", ".join(format_display(e) for e in found[:5])
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        at = F.WIRELESS if kind is LineType.WIRELESS else F.LANDLINES
        result.errors[at] = (
            f"We do not port {_KIND_WORDS[kind]} numbers from {country_phrase(country)}: "
            f"{shown}{more}. "
            "Take them off this request; they stay with your current provider."
        )


# The account fields as the intake has always asked them (the US and Canadian rows of the
# country table): account number always, BTN for landlines, PIN for mobile numbers.
_STANDARD_FIELDS = frozenset(
    {
        (F.ACCOUNT_NUMBER, When.ALWAYS, Need.REQUIRED),
        (F.BTN, When.LANDLINE, Need.REQUIRED),
        (F.PIN, When.WIRELESS, Need.REQUIRED),
    }
)


def standard_fields(country: Country | None) -> bool:
    """Whether a country asks for the account fields the standard form shows (None: unknown
    yet, the standard form)."""
    if country is None:
        return True
    return frozenset((r.field, r.when, r.need) for r in country.fields) == _STANDARD_FIELDS


def country_row(code: str) -> Country | None:
    """The country table's row for ``code``; None when the table has none."""
    try:
        return requirements_for(code)
    except KeyError:
        return None


def country_account(draft: Draft, country: Country, result: Result) -> Result:
    """The account fields of a country with its own: each one its row names, nothing else."""
    values = result.cleaned.values
    kinds = frozenset(n.line_type for n in result.cleaned.numbers)
    typed = {F.ACCOUNT_NUMBER: draft.account_number, F.BTN: draft.btn, F.PIN: draft.pin}
    for rule in country.fields:
        text = typed.get(rule.field, "").strip()
        needed = rule.need is Need.REQUIRED and rule.applies(kinds, business=True)
        if not text:
            if needed:
                result.errors[rule.field] = f"Enter the {rule.label}. {rule.reason}"
            continue
        if rule.pattern is not None and not re.fullmatch(rule.pattern, text.upper()):
            example = f" (like {rule.example})" if rule.example else ""
            result.errors[rule.field] = (
                f"That doesn't look like a {rule.label}{example}. {rule.reason}"
            )
            continue
        if rule.field is F.BTN:
            parsed = parse_number(text, default_region=country.code)
            if isinstance(parsed, ParsedNumber):
                values[F.BTN] = parsed.e164
            else:
                result.errors[F.BTN] = parsed.message
        elif rule.field is F.PIN:
            if rule.pattern is None and not PIN_RE.match(text):
                result.errors[F.PIN] = (
                    f"The {rule.label} should be 4 to 20 letters or digits, with no spaces."
                )
            else:
                values[F.PIN] = pin_secret(text.upper() if rule.pattern else text)
        elif not ACCOUNT_RE.match(text):
            result.errors[F.ACCOUNT_NUMBER] = (
                "Account numbers may use letters, digits, spaces, dots, dashes and slashes "
                "(up to 40 characters). Type it exactly as it appears on the bill."
            )
        else:
            values[F.ACCOUNT_NUMBER] = account_secret(text)
    return result


def validate_service_address(draft: Draft, result: Result | None = None) -> Result:
    """The service address (:func:`validate_address`), with a country of the table that has
    no region line, an optional one, or its own postal-code pattern checked as its row says."""
    result = result or Result()
    validate_address(draft, result)
    row = country_row(draft.country.strip().upper() or "US")
    if row is None or row.code in ("US", "CA"):  # address.py knows these two by heart
        return result
    address = row.address
    if address.region is None or (address.region is not Need.REQUIRED and blank(draft.region)):
        result.errors.pop(F.REGION, None)
    postal = squash(draft.postal_code).upper()
    code = address.postal_code
    if code is None or (code.need is not Need.REQUIRED and not postal):
        result.errors.pop(F.POSTAL_CODE, None)
    elif postal and code.pattern is not None and not re.fullmatch(code.pattern, postal):
        result.cleaned.values.pop(F.POSTAL_CODE, None)
        result.errors[F.POSTAL_CODE] = (
            f"“{postal}” isn't a {code.label} of {row.name}; it looks like "
            f"{' or '.join(code.examples[:2])}."
        )
    return result
