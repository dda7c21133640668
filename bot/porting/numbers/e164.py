"""Questions about numbers already stored in E.164 form: display and toll-free."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

__all__ = ["format_display", "is_toll_free"]

_NANP_TOLL_FREE_AREA_CODES = frozenset({"800", "833", "844", "855", "866", "877", "888"})

_INTERNATIONAL = PhoneNumberFormat.INTERNATIONAL


def format_display(e164: str) -> str:
    """Human form for messages, e.g. "+1 617-555-1212"; unreadable input is returned as is."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, _INTERNATIONAL)


def is_toll_free(e164: str) -> bool:
    """True when the E.164 number is a valid toll-free number (800, 833, … in North America)."""
    if e164.startswith("+1"):
        # NANP: decided by the area code alone, no parsing needed.
        return (
            len(e164) == 12
            and e164[1:].isascii()
            and e164[1:].isdigit()
            and e164[2:5] in _NANP_TOLL_FREE_AREA_CODES
            and e164[5] not in "01"
        )
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return False
    return phonenumbers.number_type(number) == PhoneNumberType.TOLL_FREE
