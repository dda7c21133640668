"""Phone numbers pasted by customers: split, validate, normalise to E.164.

Pure domain code: no I/O, no logging, no clock. Only the standard library and
``phonenumbers`` are used.

Customers paste lists of numbers into a Slack modal in every shape imaginable:
one per line, comma separated, or only separated by spaces even though the
numbers themselves contain spaces ("617 555 1212 617 555 1213").
:func:`parse_numbers` turns such a paste into valid, de-duplicated E.164
numbers and reports every value it refuses exactly as the customer typed it.

Performance (see ``bench/numbers.py`` and ``bench/README.md``): a value is
parsed once; validity and the number's type come from one
``phonenumbers.number_type`` call, which costs the same as ``is_valid_number``
(both find the region, then run the same pattern matcher); the region of a North
American number is cached by area code; fictional and toll-free checks are
string comparisons. Splitting a space-separated list tries several runs of
tokens, and rejects most of them by length before asking for validity.

Layout: :mod:`.model` (the values handed out), :mod:`.split` (pasted text into
values), :mod:`.classify` (one value: valid number or the reason it is refused),
:mod:`.messages` (the sentences for the customer), :mod:`.parse` (the two entry
points that tie them together) and :mod:`.e164` (questions about stored numbers).
This module only re-exports the public API.
"""

from __future__ import annotations

from bot.porting.numbers.e164 import format_display, is_toll_free
from bot.porting.numbers.model import NumberIssue, NumberKind, ParsedNumber, ParseResult, Problem
from bot.porting.numbers.parse import parse_number, parse_numbers
from bot.porting.numbers.split import split_pasted

__all__ = [
    "NumberIssue",
    "NumberKind",
    "ParseResult",
    "ParsedNumber",
    "Problem",
    "format_display",
    "is_toll_free",
    "parse_number",
    "parse_numbers",
    "split_pasted",
]
