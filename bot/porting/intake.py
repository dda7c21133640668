"""Intake validation: a draft as typed → ``{field: message}`` plus the cleaned values.

The modal steps call one validator each; :func:`validate_draft` runs them all before a request
is completed. Messages name the offending value and say what to do, in our own words. Nothing
here reads the clock: ``today`` is passed in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from datetime import date
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email

from bot.porting.address import validate_address as validate_address  # one of the steps
from bot.porting.countries import Country
from bot.porting.fields import (
    Bill,
    CleanNumber,
    Draft,
    Errors,
    F,
    Result,
    blank,
    squash,
)
from bot.porting.intake_country import (
    ACCOUNT_RE,
    PIN_RE,
    MixedText,
    check_country,
    country_account,
    plain_mix,
)
from bot.porting.intake_country import country_row as country_row  # re-exported: the steps'
from bot.porting.intake_country import numbers_country as numbers_country
from bot.porting.intake_country import standard_fields as standard_fields
from bot.porting.intake_country import validate_service_address as validate_service_address
from bot.porting.numbers import ParsedNumber, format_display, parse_number, parse_numbers
from bot.porting.rules import DOCUMENT_MAX_AGE_DAYS
from storage.values import AccountType, LineType, account_secret, pin_secret

MAX_BILL_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_AGE_DAYS = DOCUMENT_MAX_AGE_DAYS
MAX_NUMBERS = 10_000
BILL_TYPES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}


class Agreement(StrEnum):
    """The checklist every customer confirms before we collect anything else."""

    KEEP_ACTIVE = "keep_active"
    MATCH_RECORDS = "match_records"
    DATE_BY_CARRIERS = "date_by_carriers"
    FEES_ARE_YOURS = "fees_are_yours"


AGREEMENT_TEXT = {
    Agreement.KEEP_ACTIVE: "I'll keep service with my current carrier active until the port "
    "is complete. Cancelling early can lose the numbers for good.",
    Agreement.MATCH_RECORDS: "The details I enter match my current carrier's records exactly "
    "(ideally copied from a Customer Service Record).",
    Agreement.DATE_BY_CARRIERS: "I understand the carriers set the port date; the date I ask "
    "for is a wish, not a booking.",
    Agreement.FEES_ARE_YOURS: "Any early-termination or port-away fees from my current carrier "
    "are mine to settle.",
}

# --- step 1: agreements -----------------------------------------------------------------


def validate_agreements(checked: Collection[str]) -> Errors:
    missing = [a for a in Agreement if a.value not in checked]
    if not missing:
        return {}
    return {F.AGREEMENTS: "Please tick every box: each one heads off a common reason ports fail."}


# --- step 2: numbers and account --------------------------------------------------------


def validate_numbers(
    landlines: str,
    wireless: str,
    *,
    default_region: str = "US",
    in_open_requests: Collection[str] = (),
    accepted_countries: Collection[str] | None = None,
    mixed_text: MixedText | None = None,
    result: Result | None = None,
) -> Result:
    """Both pasted lists → E.164 numbers with their line type; problems named as typed.

    One request ports the numbers of one country: numbers of several countries are refused,
    named per country (``mixed_text`` words it; the wording layer's
    ``mixed_countries_text``), and so is a country outside ``accepted_countries`` (None: every
    country of the table)."""
    result = result or Result()
    if blank(landlines) and blank(wireless):
        result.errors[F.LANDLINES] = (
            "Add at least one number to port: landlines here, mobile numbers in the wireless box."
        )
        return result

    seen: dict[str, str] = {}
    for text, fld, wireless_list in ((landlines, F.LANDLINES, False), (wireless, F.WIRELESS, True)):
        if blank(text):
            continue
        parsed = parse_numbers(text, default_region=default_region)
        if parsed.issues:
            result.errors[fld] = parsed.summary()
            continue
        problems: list[str] = []
        for number in parsed.numbers:
            if number.e164 in seen:
                problems.append(f"{number.raw} is also in the {seen[number.e164]} list.")
                continue
            if wireless_list and number.toll_free:
                problems.append(f"{number.raw} is a toll-free number; put it in the landline list.")
                continue
            seen[number.e164] = "wireless" if wireless_list else "landline"
            result.cleaned.numbers.append(
                CleanNumber(number.e164, _line_type(number, wireless_list))
            )
        if problems:
            result.errors[fld] = _join_problems(problems)

    if len(result.cleaned.numbers) > MAX_NUMBERS:
        result.errors[F.LANDLINES] = (
            f"That's {len(result.cleaned.numbers):,} numbers; one request takes at most "
            f"{MAX_NUMBERS:,}. Split them by account."
        )
    if not result.errors:
        check_country(result, landlines, accepted_countries, mixed_text or plain_mix)
    for fld, wireless_list in ((F.LANDLINES, False), (F.WIRELESS, True)):
        busy = [
            n.e164
            for n in result.cleaned.numbers
            if n.e164 in in_open_requests and (n.line_type is LineType.WIRELESS) == wireless_list
        ]
        if busy and fld not in result.errors:
            result.errors[fld] = _busy_message(busy)
    return result


def _busy_message(busy: list[str]) -> str:
    shown = ", ".join(format_display(e) for e in busy[:5])
    more = f" and {len(busy) - 5} more" if len(busy) > 5 else ""
    noun = "is" if len(busy) == 1 else "are"
    return (
        f"{shown}{more} {noun} already in another open port request. "
        "Finish or cancel that one first; carriers refuse overlapping requests."
    )


def _line_type(number: ParsedNumber, wireless_list: bool) -> LineType:
    if number.toll_free:
        return LineType.TOLL_FREE
    return LineType.WIRELESS if wireless_list else LineType.LANDLINE


def _join_problems(problems: list[str], limit: int = 5) -> str:
    text = " ".join(problems[:limit])
    if len(problems) > limit:
        text += f" …and {len(problems) - limit} more."
    return text


_ACCOUNT_RE, _PIN_RE = ACCOUNT_RE, PIN_RE


def validate_account(
    draft: Draft,
    *,
    default_region: str = "US",
    country: Country | None = None,
    result: Result | None = None,
) -> Result:
    """Carrier, account number, BTN and PIN. Needs the numbers step's result for the PIN rule.

    ``country`` is the numbers' row of the country table: a country whose account fields are
    not the standard ones (:func:`standard_fields`) gets its own fields, required as its row
    says, each message carrying the row's reason."""
    result = result or Result()
    values = result.cleaned.values
    carrier = squash(draft.losing_carrier)
    if not carrier:
        result.errors[F.LOSING_CARRIER] = "Which carrier has these numbers today?"
    else:
        values[F.LOSING_CARRIER] = carrier
    if country is not None and not standard_fields(country):
        return country_account(draft, country, result)

    account = draft.account_number.strip()
    if not account:
        result.errors[F.ACCOUNT_NUMBER] = (
            "Enter the account number from your current carrier's bill; "
            "a missing or wrong one is a top reason for rejections."
        )
    elif not _ACCOUNT_RE.match(account):
        result.errors[F.ACCOUNT_NUMBER] = (
            "Account numbers may use letters, digits, spaces, dots, dashes and slashes "
            "(up to 40 characters). Type it exactly as it appears on the bill."
        )
    else:
        values[F.ACCOUNT_NUMBER] = account_secret(account)

    btn = draft.btn.strip()
    if btn:
        parsed = parse_number(btn, default_region=default_region)
        if isinstance(parsed, ParsedNumber):
            values[F.BTN] = parsed.e164
        else:
            result.errors[F.BTN] = parsed.message
    elif result.cleaned.has_landline:
        result.errors[F.BTN] = (
            "Enter the billing telephone number (BTN): the main number your carrier bills "
            "the account under. It's usually printed at the top of the bill."
        )

    pin = draft.pin.strip()
    if result.cleaned.has_wireless and not pin:
        result.errors[F.PIN] = (
            "Wireless numbers need the port-out PIN from your mobile carrier "
            "(some carriers use the last 4 digits of the account holder's SSN)."
        )
    elif pin and not _PIN_RE.match(pin):
        result.errors[F.PIN] = "The PIN should be 4 to 20 letters or digits, with no spaces."
    elif pin:
        values[F.PIN] = pin_secret(pin)
    return result


# --- step 3: representative and service address -----------------------------------------

_NAME_RE = re.compile(r"^[^\d@<>]{2,200}$")


def validate_contact(draft: Draft, result: Result | None = None) -> Result:
    result = result or Result()
    values = result.cleaned.values
    try:
        account_type = AccountType(draft.account_type.strip().lower())
    except ValueError:
        result.errors[F.ACCOUNT_TYPE] = "Choose residential or business."
        account_type = None
    else:
        values[F.ACCOUNT_TYPE] = account_type

    company = squash(draft.company_name)
    if account_type is AccountType.BUSINESS and not company:
        result.errors[F.COMPANY_NAME] = (
            "Business accounts need the company name exactly as your carrier has it "
            "(“Inc” and “Incorporated” count as different)."
        )
    elif company:
        values[F.COMPANY_NAME] = company

    name = squash(draft.rep_name)
    if not name:
        result.errors[F.REP_NAME] = (
            "Who is authorized on the account? The LOA goes to this person to sign."
        )
    elif not _NAME_RE.match(name):
        result.errors[F.REP_NAME] = (
            "Enter the person's full name (letters, not an e-mail or number)."
        )
    else:
        values[F.REP_NAME] = name

    email = draft.rep_email.strip()
    if not email:
        result.errors[F.REP_EMAIL] = "We e-mail the Letter of Authorization to this address."
    else:
        try:
            values[F.REP_EMAIL] = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            result.errors[F.REP_EMAIL] = f"“{email}” doesn't look like an e-mail address."

    name_line = squash(draft.name)
    if len(name_line) > 120:
        result.errors[F.NAME] = "Keep the request name under 120 characters."
    elif name_line:
        values[F.NAME] = name_line
    return result


# --- step 4: bill -----------------------------------------------------------------------


def validate_bill(
    bill: Bill | None, *, today: date, later: bool = False, result: Result | None = None
) -> Result:
    result = result or Result()
    if bill is None:
        if not later:
            result.errors[F.BILL] = (
                "Attach a recent bill from your current carrier, or choose “upload later” to "
                "save the request as a draft."
            )
        return result
    kind = BILL_TYPES.get(bill.content_type.lower())
    if kind is None:
        result.errors[F.BILL] = (
            f"“{bill.filename}” isn't a PDF or an image. Upload the bill as a PDF, PNG or JPEG."
        )
    elif bill.size > MAX_BILL_BYTES:
        result.errors[F.BILL] = (
            f"“{bill.filename}” is {math.ceil(bill.size / 1024 / 1024 * 10) / 10:.1f} MB; "
            "the limit is 10 MB. "
            "A scan at lower resolution, or only the pages with the account details, will do."
        )
    elif bill.size == 0:
        result.errors[F.BILL] = f"“{bill.filename}” is empty."
    if bill.issued_on is None:
        result.errors[F.BILL_ISSUED_ON] = (
            "When was this bill issued? Carriers want one from the last "
            f"{DOCUMENT_MAX_AGE_DAYS} days."
        )
    else:
        age = (today - bill.issued_on).days
        if age < 0:
            result.errors[F.BILL_ISSUED_ON] = (
                "The issue date is in the future; check the date on the bill."
            )
        elif age > MAX_DOCUMENT_AGE_DAYS:
            result.errors[F.BILL_ISSUED_ON] = (
                f"This bill is {age} days old. Carriers accept bills up to {MAX_DOCUMENT_AGE_DAYS} "
                "days old: please attach your latest one."
            )
    if not result.errors.keys() & {F.BILL, F.BILL_ISSUED_ON}:
        result.cleaned.values[F.BILL] = bill
    return result


def validate_desired_date(
    value: date | None, *, today: date, result: Result | None = None
) -> Result:
    result = result or Result()
    if value is None:
        return result
    if value <= today:
        result.errors[F.DESIRED_DATE] = (
            "Pick a day after today, or leave it empty. The carriers set the real port date."
        )
    else:
        result.cleaned.values[F.DESIRED_DATE] = value
    return result


def document_age_problem(issued_on: date | None, *, on: date) -> str | None:
    """Why a bill (or LOA) would be too old to submit on ``on``; None when it is fine."""
    if issued_on is None:
        return "The bill's issue date is missing."
    age = (on - issued_on).days
    if age > MAX_DOCUMENT_AGE_DAYS:
        return f"The bill is {age} days old; carriers accept {MAX_DOCUMENT_AGE_DAYS} at most."
    return None


# --- the whole draft --------------------------------------------------------------------


def validate_draft(
    draft: Draft,
    *,
    today: date,
    default_region: str = "US",
    in_open_requests: Collection[str] = (),
    accepted_countries: Collection[str] | None = None,
) -> Result:
    """Every step at once; what a request needs before it leaves the draft state."""
    result = Result()
    result.errors.update(validate_agreements(draft.agreements))
    validate_numbers(
        draft.landlines,
        draft.wireless,
        default_region=default_region,
        in_open_requests=in_open_requests,
        accepted_countries=accepted_countries,
        result=result,
    )
    country = country_row(numbers_country(result.cleaned)) if result.cleaned.numbers else None
    validate_account(draft, default_region=default_region, country=country, result=result)
    validate_contact(draft, result)
    validate_service_address(draft, result)
    validate_desired_date(draft.desired_date, today=today, result=result)
    validate_bill(draft.bill, today=today, later=draft.bill_later, result=result)
    if result.cleaned.toll_free:
        result.warnings.append(
            "Toll-free numbers move through their RespOrg and usually take a week or two longer."
        )
    return result
