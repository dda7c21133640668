"""Who may take which numbers away: the port-out decision (PRODUCT §4), pure.

A port-out names numbers; each is decided on its own, in this order:

1. **Not held** by any account: refused (nobody here can consent, and the carrier is told
   which numbers are not ours).
2. **Protected**: a number with a port-out PIN (its own, else its account's) needs that PIN; a
   missing or wrong one rejects it. A **locked** number is rejected unless the right PIN came
   with the request. The PIN offered is compared, never repeated.
3. **Account details** the carrier sent (our account code, the service ZIP) must match what is
   on file when both are known.
4. **Inside a window** of the holding account that covers the number, the moment, and the
   carrier and PIN when the window named them: authorized at once.
5. Otherwise **pending**: the account holder is asked, and at the deadline the default applies.

The port-out as a whole is rejected when any number is, authorized when every number is, and
pending otherwise.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.porting import rules
from bot.porting.errors import InvalidInput
from storage.values import PortOutStatus


class Reason(StrEnum):
    """Why a number was decided as it was (what the carrier, the ticket and the card say)."""

    NOT_HELD = "not-held"
    PIN_MISSING = "pin-missing"
    PIN_WRONG = "pin-wrong"
    LOCKED = "locked"
    ACCOUNT_MISMATCH = "account-mismatch"
    ZIP_MISMATCH = "zip-mismatch"
    WINDOW = "window"
    ASK = "ask"  # no window covers it: the holder decides


REJECTING = frozenset(
    {
        Reason.NOT_HELD,
        Reason.PIN_MISSING,
        Reason.PIN_WRONG,
        Reason.LOCKED,
        Reason.ACCOUNT_MISMATCH,
        Reason.ZIP_MISMATCH,
    }
)


@dataclass(frozen=True)
class Holding:
    """What is on file for one held number, as of the moment of the decision."""

    number: str
    account: str
    pin: str | None = None  # the number's PIN, else its account's
    locked: bool = False  # in effect now (an unlock asked for counts only once its wait is over)
    postal_code: str | None = None
    account_code: str | None = None


@dataclass(frozen=True)
class Window:
    window_id: int
    account: str
    numbers: frozenset[str]
    starts_at: datetime
    ends_at: datetime
    carrier: str | None = None
    pin: str | None = None


@dataclass(frozen=True)
class Offer:
    """What the receiving carrier sent."""

    numbers: tuple[str, ...]
    carrier: str = ""
    pin: str | None = None
    account_number: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True)
class Decision:
    number: str
    reason: Reason
    window_id: int | None = None
    account: str = ""

    @property
    def status(self) -> PortOutStatus:
        if self.reason in REJECTING:
            return PortOutStatus.REJECTED
        if self.reason is Reason.WINDOW:
            return PortOutStatus.AUTHORIZED
        return PortOutStatus.PENDING


def lock_in_effect(locked: bool, unlock_at: datetime | None, now: datetime) -> bool:
    """A lock holds until the unlock asked for takes effect."""
    return locked and (unlock_at is None or now < unlock_at)


def same_pin(expected: str, offered: str | None) -> bool:
    """Constant-time comparison of digits (spaces and dashes in what was typed ignored)."""
    if offered is None:
        return False
    given = re.sub(r"[\s-]", "", offered)
    return hmac.compare_digest(expected.encode(), given.encode())


def carrier_key(name: str | None) -> str:
    """A carrier's name for comparison: letters and digits, case folded."""
    return re.sub(r"[^0-9a-z]", "", (name or "").casefold())


def decide_number(
    number: str, holding: Holding | None, offer: Offer, windows: Iterable[Window], now: datetime
) -> Decision:
    if holding is None:
        return Decision(number, Reason.NOT_HELD)
    account = holding.account
    right_pin = holding.pin is not None and same_pin(holding.pin, offer.pin)
    if holding.pin is not None and not right_pin:
        reason = Reason.PIN_MISSING if not offer.pin else Reason.PIN_WRONG
        return Decision(number, reason, account=account)
    if holding.locked and not right_pin:
        return Decision(number, Reason.LOCKED, account=account)
    code, given = holding.account_code, (offer.account_number or "").strip()
    if code and given and carrier_key(code) != carrier_key(given):
        return Decision(number, Reason.ACCOUNT_MISMATCH, account=account)
    zip_on_file, zip_given = holding.postal_code, (offer.postal_code or "").strip()
    if zip_on_file and zip_given and _zip(zip_on_file) != _zip(zip_given):
        return Decision(number, Reason.ZIP_MISMATCH, account=account)
    for w in sorted(windows, key=lambda w: (w.ends_at, w.window_id)):
        if _covers(w, holding, offer, now):
            return Decision(number, Reason.WINDOW, w.window_id, account=account)
    return Decision(number, Reason.ASK, account=account)


def decide(
    offer: Offer,
    holdings: Mapping[str, Holding | None],
    windows: Sequence[Window],
    now: datetime,
) -> list[Decision]:
    """Each number of the offer, decided (the order of the offer kept)."""
    return [decide_number(n, holdings.get(n), offer, windows, now) for n in offer.numbers]


def overall(decisions: Sequence[Decision]) -> PortOutStatus:
    statuses = {d.status for d in decisions}
    if PortOutStatus.REJECTED in statuses:
        return PortOutStatus.REJECTED
    if statuses == {PortOutStatus.AUTHORIZED}:
        return PortOutStatus.AUTHORIZED
    return PortOutStatus.PENDING


def _covers(w: Window, holding: Holding, offer: Offer, now: datetime) -> bool:
    if w.account != holding.account or holding.number not in w.numbers:
        return False
    if not w.starts_at <= now < w.ends_at:
        return False
    if w.carrier and carrier_key(w.carrier) != carrier_key(offer.carrier):
        return False
    return not (w.pin and not same_pin(w.pin, offer.pin))


def _zip(value: str) -> str:
    """US ZIP+4 compares on its first five digits; other postal codes as written."""
    compact = re.sub(r"\s", "", value).upper()
    return compact[:5] if re.fullmatch(r"\d{5}(-?\d{4})?", compact) else compact


# ------------------------------------------------------------------------------- input checks
def checked_pin(text: str) -> str:
    """A port-out PIN as typed → its digits; :class:`InvalidInput` otherwise."""
    fewest, most = rules.PORT_OUT_PIN_DIGITS
    digits = re.sub(r"[\s-]", "", text or "")
    if not digits.isdigit() or not fewest <= len(digits) <= most:
        raise InvalidInput(
            f"A port-out PIN is {fewest} to {most} digits.", {"pin": "Use digits only."}
        )
    return digits


def window_errors(starts_at: datetime, ends_at: datetime, now: datetime) -> dict[str, str]:
    """What is wrong with a window's start and end, by field (empty: nothing)."""
    errors: dict[str, str] = {}
    longest = timedelta(days=rules.PORT_OUT_WINDOW_MAX_DAYS)
    if ends_at <= starts_at:
        errors["ends_at"] = "The window must end after it starts."
    elif ends_at <= now:
        errors["ends_at"] = "That end is already past."
    elif ends_at - starts_at > longest:
        errors["ends_at"] = f"A window lasts at most {rules.PORT_OUT_WINDOW_MAX_DAYS} days."
    if starts_at < now - timedelta(minutes=5) and "ends_at" not in errors:
        errors["starts_at"] = "That start is already past; leave it at now or later."
    return errors
