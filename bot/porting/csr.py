"""Compare what the customer typed with the losing carrier's Customer Service Record (CSR)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from bot.porting.fields import squash
from storage.values import account_secret


@dataclass(frozen=True)
class CsrDifference:
    field: str
    entered: str
    on_record: str
    note: str


_EQUIVALENTS = {
    "incorporated": "inc",
    "corporation": "corp",
    "company": "co",
    "limited": "ltd",
    "street": "st",
    "avenue": "ave",
    "road": "rd",
    "suite": "ste",
    "boulevard": "blvd",
    "drive": "dr",
    "lane": "ln",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
}


def _loose(text: str) -> str:
    words = re.sub(r"[^\w\s]", " ", text.lower()).split()
    return " ".join(_EQUIVALENTS.get(w, w) for w in words)


def compare_with_csr(
    entered: Mapping[str, str],
    csr: Mapping[str, str],
    *,
    secret_keys: Collection[str] = ("account_number",),
) -> list[CsrDifference]:
    """Differences between what the customer entered and the carrier's Customer Service Record.

    Carriers compare letter by letter, so any difference beyond case and spacing is reported;
    when two values only differ by abbreviation or punctuation the note says so. Values under
    ``secret_keys`` are compared in full but reported masked.
    """
    out: list[CsrDifference] = []
    for key, record in csr.items():
        record = squash(record or "")
        typed = squash(entered.get(key, "") or "")
        if not record or typed.casefold() == record.casefold():
            continue
        if typed and _loose(typed) == _loose(record):
            note = (
                "These look alike, but carriers compare them character by character; "
                "use the CSR's spelling."
            )
        else:
            note = "This differs from the carrier's record; a mismatch here is a common rejection."
        if key in secret_keys:
            typed, record = account_secret(typed).masked, account_secret(record).masked
        out.append(CsrDifference(key, typed, record, note))
    return out
