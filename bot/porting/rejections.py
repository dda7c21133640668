"""The catalog of port rejection reasons: what the losing carrier means and how to fix it.

Pure data and lookups, no I/O. The code values are stable: they are stored in the database and
used in Zendesk tags, so never rename one (add a new code instead). Texts are shown to customers
in Slack and on the Zendesk sidebar, so they are short, plain and in the second person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "CATALOG",
    "RESUBMIT_NOTE",
    "FixField",
    "Rejection",
    "RejectionCode",
    "choices",
    "fields_to_fix",
    "get",
]


class RejectionCode(StrEnum):
    """Why the losing carrier turned a port request down (stable, stored values)."""

    BUSINESS_RELATIONSHIP = "business_relationship"  # unpaid balance / port-away fee
    DATA_MISMATCH = "data_mismatch"
    NAME_MISMATCH = "name_mismatch"
    ADDRESS_MISMATCH = "address_mismatch"
    COMPANY_NAME_MISMATCH = "company_name_mismatch"
    NUMBER_INACTIVE = "number_inactive"
    UNAUTHORIZED_SIGNATURE = "unauthorized_signature"
    WRONG_PIN = "wrong_pin"
    ACCOUNT_NUMBER = "account_number"  # incorrect or missing
    INVALID_BTN = "invalid_btn"
    NOT_PORTABLE = "not_portable"  # offer a new number or call forwarding
    RESOLD_ACCOUNT = "resold_account"
    GOOGLE_VOICE_LOCKED = "google_voice_locked"
    PENDING_ORDER = "pending_order"  # number in another port / open change order on the account
    PARTIAL_PORT = "partial_port"  # porting the main BTN while others stay; new BTN needed
    OTHER = "other"


class FixField(StrEnum):
    """What the fix flow asks the customer to provide or correct (maps to intake fields).

    Declaration order is the intake's order; :func:`fields_to_fix` returns fields in it.
    """

    ACCOUNT_NUMBER = "account_number"
    PIN = "pin"
    BTN = "btn"
    ACCOUNT_HOLDER = "account_holder"  # person's or company's name on the account
    SERVICE_ADDRESS = "service_address"
    AUTHORIZED_REP = "authorized_rep"
    NUMBERS = "numbers"
    BILL = "bill"  # a document: billing statement, CSR or the carrier's porting instructions
    NEW_LOA = "new_loa"  # a fresh signature is needed
    CONFIRMATION = "confirmation"  # "I paid", "I unlocked Google Voice", "the number works again"


@dataclass(frozen=True)
class Rejection:
    """One catalog entry: the carrier's reason in plain words and the customer's fix."""

    code: RejectionCode
    title: str  # short, e.g. "Wrong wireless PIN"
    meaning: str  # plain language: what the losing carrier is telling us
    fix: tuple[str, ...]  # the exact steps the customer takes, imperative, in order
    ask_for: tuple[FixField, ...]  # what the fix flow asks the customer for
    needs_new_signature: bool  # True when fixing it changes data the LOA certifies
    customer_can_fix: bool  # False e.g. for NOT_PORTABLE (offer alternatives instead)


RESUBMIT_NOTE = (
    "Once you've done this, we send the request to the carrier again. Their review starts "
    "over, so expect a new port date."
)
"""Shown with every fix: a resubmission restarts the carrier's clock."""

_SIGN_NEW_LOA = (
    "Sign the new authorization letter we send, or have your authorized representative sign it."
)

_ENTRIES: tuple[Rejection, ...] = (
    Rejection(
        code=RejectionCode.DATA_MISMATCH,
        title="Details don't match the carrier's records",
        meaning=(
            "Some details we sent (name, service address, ZIP code or account details) differ "
            "from your carrier's Customer Service Record (CSR). Carriers compare them exactly, "
            "so even small differences count."
        ),
        fix=(
            "Ask your current carrier for a copy of your CSR. Their porting team can send it.",
            "Compare it with your request: account holder, service address, ZIP code, "
            "account number and billing telephone number (BTN).",
            "Correct every field that differs so it reads exactly like the CSR.",
            _SIGN_NEW_LOA,
        ),
        ask_for=(
            FixField.ACCOUNT_NUMBER,
            FixField.BTN,
            FixField.ACCOUNT_HOLDER,
            FixField.SERVICE_ADDRESS,
            FixField.NEW_LOA,
        ),
        needs_new_signature=True,
        customer_can_fix=True,
    ),
    Rejection(
        code=RejectionCode.NAME_MISMATCH,
        title="Account holder name doesn't match",
        meaning=(
            "The name on your authorization letter isn't the account holder name on your "
            "carrier's Customer Service Record (CSR)."
        ),
        fix=(
            "Ask your current carrier how the account holder's name is written on your CSR.",
            "Enter that name letter for letter in the fix form.",
            _SIGN_NEW_LOA,
        ),
        ask_for=(FixField.ACCOUNT_HOLDER, FixField.NEW_LOA),
        needs_new_signature=True,
        customer_can_fix=True,
    ),
    Rejection(
        code=RejectionCode.ADDRESS_MISMATCH,
        title="Service address doesn't match",
        meaning=(
            "The service address or ZIP code we sent differs from the one on your carrier's "
            "Customer Service Record (CSR). That's where the line is installed, which may not "
            "be your billing address."
        ),
        fix=(
            "Ask your current carrier for the service address on your CSR.",
            "Enter it exactly as shown, with suite or unit and ZIP code. PO boxes can't be used.",
            _SIGN_NEW_LOA,
        ),
        ask_for=(FixField.SERVICE_ADDRESS, FixField.NEW_LOA),
        needs_new_signature=True,
        customer_can_fix=True,
    ),
    Rejection(
        code=RejectionCode.COMPANY_NAME_MISMATCH,
        title="Company name doesn't match",
        meaning=(
            "The business name we sent isn't the one on your carrier's Customer Service Record "
            "(CSR). Small things count, such as Inc versus Incorporated or a missing comma."
        ),
        fix=(
            "Ask your current carrier how your business name is written on your CSR.",
            "Enter it exactly as shown, including punctuation and endings like LLC or Inc.",
            _SIGN_NEW_LOA,
        ),
        ask_for=(FixField.ACCOUNT_HOLDER, FixField.NEW_LOA),
        needs_new_signature=True,
        customer_can_fix=True,
    ),
    Rejection(
        code=RejectionCode.ACCOUNT_NUMBER,
        title="Account number wrong or missing",
        meaning=(
            "Your carrier couldn't match the account number we sent to these phone numbers, "
            "or no account number was given."
        ),
        fix=(
            "Ask your current carrier which account number these phone numbers belong to. "
            "Your CSR shows it too.",
            "Enter it in the fix form exactly as the carrier gives it.",
            _SIGN_NEW_LOA,
        ),
        ask_for=(FixField.ACCOUNT_NUMBER, FixField.NEW_LOA),
        needs_new_signature=True,
        customer_can_fix=True,
    ),
    Rejection(
        code=RejectionCode.WRONG_PIN,
        title="Wrong wireless PIN",
        meaning=(
            "The PIN or passcode we sent for your wireless numbers isn't the one your carrier "
            "has on file, so they won't release the numbers."
        ),
        fix=(
            "Get the port-out PIN from your wireless carrier. Some carriers use the last 4 "
            "digits of the account holder's Social Security number instead.",
            "Enter the PIN in the fix form soon, as some carriers' PINs expire.",
        ),
        ask_for=(FixField.PIN,),
        needs_new_signature=False,
        customer_can_fix=True,
    ),
    Rejection(
        code=RejectionCode.INVALID_BTN,
        title="Billing telephone number not valid",
        meaning=(
            "The billing telephone number (BTN) we sent isn't the main number your carrier "
            "files the account under. An account with many lines is known by one BTN."
        ),
        fix=(
            "Ask your current carrier for the account's billing telephone number (BTN). "
            "It's also on your CSR.",
            "Enter it in the fix form.",
            _SIGN_NEW_LOA,
        ),
        ask_for=(FixField.BTN, FixField.NEW_LOA),
        needs_new_signature=True,
        customer_can_fix=True,
    ),
    Rejection(
        code=RejectionCode.UNAUTHORIZED_SIGNATURE,
        title="Signer not authorized on the account",
        meaning=(
            "The person who signed the authorization letter isn't someone your carrier lists "
            "as allowed to change or close the account."
        ),
        fix=(
            "Ask your current carrier who is authorized on the account.",
            "Name that person as the authorized representative, or have the carrier add the "
            "person who signed.",
            "Have the authorized person sign the new letter we send them.",
        ),
        ask_for=(FixField.AUTHORIZED_REP, FixField.NEW_LOA),
        needs_new_signature=True,
        customer_can_fix=True,
    ),
    Rejection(
        code=RejectionCode.NUMBER_INACTIVE,
        title="Number not in service",
        meaning=(
            "Your carrier says these numbers aren't active on the account. Only working numbers "
            "can move, so a disconnected or suspended number can't port."
        ),
        fix=(
            "Call your current carrier and ask them to reactivate the numbers listed.",
            "Keep the service and the account open until we tell you the port is complete.",
            "Tell us here once the numbers work again.",
        ),
        ask_for=(FixField.CONFIRMATION,),
        needs_new_signature=False,
        customer_can_fix=True,
    ),
    Rejection(
        code=RejectionCode.PENDING_ORDER,
        title="Another order is open on the number",
        meaning=(
            "The number is already part of another port request, or the account has a change "
            "order in progress or a port freeze. No new port can start until that clears."
        ),
        fix=(
            "Ask your current carrier what is open on the account, and check whether you asked "
            "another provider to port the same number.",
            "Let that order finish or have it cancelled, and ask the carrier to lift any freeze.",
            "Tell us here once nothing else is pending.",
        ),
        ask_for=(FixField.CONFIRMATION,),
        needs_new_signature=False,
        customer_can_fix=True,
    ),
    Rejection(
        code=RejectionCode.PARTIAL_PORT,
        title="Main number leaving while others stay",
        meaning=(
            "You're moving the account's billing telephone number (BTN) but leaving other "
            "numbers with the carrier. The numbers that stay need a new BTN before the port."
        ),
        fix=(
            "Decide whether every number on that account should move to us.",
            "If yes, add the remaining numbers to this request.",
            "If not, ask your carrier to make one of the staying numbers the new BTN, and tell "
            "us which one.",
            _SIGN_NEW_LOA,
        ),
        ask_for=(FixField.BTN, FixField.NUMBERS, FixField.NEW_LOA, FixField.CONFIRMATION),
        needs_new_signature=True,
        customer_can_fix=True,
    ),
    Rejection(
        code=RejectionCode.BUSINESS_RELATIONSHIP,
        title="Unpaid balance or port-away fee",
        meaning=(
            "Your carrier won't release the numbers until the account is settled. Usually you "
            "owe a balance, or the carrier asks a fee before it lets numbers go."
        ),
        fix=(
            "Ask your current carrier what is owed on the account, including any port-away fee.",
            "Pay it in full and keep the receipt or confirmation number.",
            "Tell us here once it's paid.",
        ),
        ask_for=(FixField.CONFIRMATION,),
        needs_new_signature=False,
        customer_can_fix=True,
    ),
    Rejection(
        code=RejectionCode.RESOLD_ACCOUNT,
        title="Resold account",
        meaning=(
            "Your provider resells another carrier's lines, and that carrier's records are the "
            "ones that count. Details from your bill may not match them."
        ),
        fix=(
            "Ask your provider for the underlying carrier's Customer Service Record (CSR), or "
            "for written steps to port the numbers away.",
            "Upload the CSR or the steps in the fix form.",
            "Correct any details that differ from the CSR.",
            _SIGN_NEW_LOA,
        ),
        ask_for=(
            FixField.ACCOUNT_NUMBER,
            FixField.ACCOUNT_HOLDER,
            FixField.SERVICE_ADDRESS,
            FixField.BILL,
            FixField.NEW_LOA,
        ),
        needs_new_signature=True,
        customer_can_fix=True,
    ),
    Rejection(
        code=RejectionCode.GOOGLE_VOICE_LOCKED,
        title="Google Voice number still locked",
        meaning=(
            "Google Voice only lets a number leave after its owner unlocks it for porting. "
            "Yours is still locked."
        ),
        fix=(
            "Sign in to Google Voice with the Google account that owns the number.",
            "Open the Google Voice settings and unlock the number for porting.",
            "Tell us here once it's unlocked.",
        ),
        ask_for=(FixField.CONFIRMATION,),
        needs_new_signature=False,
        customer_can_fix=True,
    ),
    Rejection(
        code=RejectionCode.NOT_PORTABLE,
        title="Number can't be ported",
        meaning=(
            "These numbers can't be moved to us, usually because of the area they belong to. "
            "It isn't something you or your carrier can change, but you can keep taking calls."
        ),
        fix=(
            "Choose how to keep taking calls: get a new number from us, or forward calls from "
            "your current line.",
            "For a new number, tell us the area or city you'd like it in.",
            "For forwarding, keep your current line and ask your carrier to forward its calls "
            "to a number we give you.",
        ),
        ask_for=(),
        needs_new_signature=False,
        customer_can_fix=False,
    ),
    Rejection(
        code=RejectionCode.OTHER,
        title="Other reason",
        meaning=(
            "The carrier gave a reason that isn't on our list. Your porting agent explains it "
            "in this thread."
        ),
        fix=(
            "Read the agent's note in this thread.",
            "Send the details or documents they ask for, or tell us here when it's sorted.",
        ),
        ask_for=(FixField.CONFIRMATION,),
        needs_new_signature=False,
        customer_can_fix=True,
    ),
)

CATALOG: Mapping[RejectionCode, Rejection] = MappingProxyType({r.code: r for r in _ENTRIES})
"""Every :class:`RejectionCode` with its entry, in the order shown to agents (OTHER last)."""


def get(code: str | RejectionCode) -> Rejection:
    """The catalog entry for ``code``; strings are matched case-insensitively.

    Raises ``KeyError`` naming the valid codes when ``code`` is unknown.
    """
    if isinstance(code, RejectionCode):
        return CATALOG[code]
    if not isinstance(code, str):
        raise TypeError(f"rejection code must be a string, got {type(code).__name__}")
    normalized = code.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return CATALOG[RejectionCode(normalized)]
    except ValueError:
        valid = ", ".join(c.value for c in CATALOG)
        raise KeyError(f"unknown rejection code {code!r}; valid codes: {valid}") from None


def choices() -> list[tuple[str, str]]:
    """``(code value, title)`` pairs for a Slack select menu; OTHER comes last."""
    ordered = [r for r in CATALOG.values() if r.code is not RejectionCode.OTHER]
    ordered.append(CATALOG[RejectionCode.OTHER])
    return [(r.code.value, r.title) for r in ordered]


def fields_to_fix(codes: Iterable[str | RejectionCode]) -> tuple[FixField, ...]:
    """Union of ``ask_for`` over ``codes``, de-duplicated, in :class:`FixField` order.

    The order does not depend on the order of ``codes``, so the fix form is always laid out
    like the intake. Unknown codes raise ``KeyError`` (see :func:`get`).
    """
    wanted = {field for code in codes for field in get(code).ask_for}
    return tuple(field for field in FixField if field in wanted)
