"""Bandwidth's Port-out Validation webhook as data: the request read, the answer written.

Bandwidth POSTs a ``PortOutValidationRequest`` (PON, Pin, AccountNumber, ZipCode,
SubscriberName and one or more TelephoneNumber) and wants a ``PortOutValidationResponse``
within 30 seconds: ``Portable`` true, or false with its documented error codes. No answer, or
one it cannot read, counts as an approval.

The request is read with defusedxml (no DTD, no entity, nothing external); the answer is built
with ElementTree, which escapes what came from outside. The PIN and the account number are
compared by the domain and never written back: not in an answer, a message or a ``repr``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

import defusedxml.ElementTree as SafeET  # type: ignore[import-untyped]
from defusedxml import DefusedXmlException

from bot.porting.port_outs import Decision, Offer, Reason, overall
from storage.values import PortOutStatus

REQUEST_ROOT = "PortOutValidationRequest"
ANSWER_ROOT = "PortOutValidationResponse"
MAX_NUMBERS = 1000
# The documented longest value of each field, in characters.
LIMITS = {"PON": 25, "Pin": 10, "AccountNumber": 25, "ZipCode": 15, "SubscriberName": 93}
PENDING_DEFAULTS = ("authorize", "reject")
NAMED_AT_MOST = 20  # numbers named in one error's description; the rest are counted


class Code(IntEnum):
    """Bandwidth's error codes for a denied port-out."""

    ACCOUNT_MISSING = 7510
    ACCOUNT_INVALID = 7511
    PIN_MISSING = 7512
    PIN_INVALID = 7513
    ZIP_MISSING = 7514
    ZIP_INVALID = 7515
    NUMBER_UNKNOWN = 7516  # the request is cancelled
    TOO_MANY_NUMBERS = 7517
    NUMBER_NOT_ACTIVE = 7518
    CUSTOMER_MISMATCH = 7519
    INVALID_REQUEST = 7598
    FATAL = 7599  # the port goes ahead


CODES: dict[Reason, Code] = {
    Reason.NOT_HELD: Code.NUMBER_UNKNOWN,
    Reason.PIN_MISSING: Code.PIN_MISSING,
    Reason.PIN_WRONG: Code.PIN_INVALID,
    Reason.LOCKED: Code.PIN_INVALID,
    Reason.ACCOUNT_MISMATCH: Code.ACCOUNT_INVALID,
    Reason.ZIP_MISMATCH: Code.ZIP_INVALID,
}

NOT_APPROVED_YET = (
    "The account holder has not approved this port-out yet. Submit it again once they have."
)
FATAL_ERROR = "Fatal error: we could not check this port-out, so it goes ahead."


class BadValidationRequest(ValueError):
    """The body is not a port-out validation request we accept; the message says why in one
    line and repeats nothing that was sent."""


class InvalidValidationRequest(BadValidationRequest):
    """A well-formed validation request whose values we refuse (a PIN too long, a number that
    is not one). Bandwidth counts an answer it cannot read as approval, so this one is answered,
    not refused: Portable false with 7598."""


@dataclass(frozen=True, kw_only=True)
class ValidationRequest:
    """What Bandwidth sent, with the numbers in E.164 (``+1XXXXXXXXXX``, in order, once each)."""

    pon: str | None = None
    pin: str | None = field(default=None, repr=False)
    account_number: str | None = field(default=None, repr=False)
    zip_code: str | None = None
    subscriber_name: str | None = None
    numbers: tuple[str, ...]

    def offer(self, carrier: str = "") -> Offer:
        """The request as the domain's :class:`Offer` (Bandwidth does not name the carrier)."""
        return Offer(
            numbers=self.numbers,
            carrier=carrier,
            pin=self.pin,
            account_number=self.account_number,
            postal_code=self.zip_code,
        )


@dataclass(frozen=True)
class ValidationAnswer:
    """What we answer: portable, or not with at least one (code, description)."""

    portable: bool
    pon: str | None = None
    errors: tuple[tuple[int, str], ...] = ()
    valid_numbers: tuple[str, ...] = ()  # E.164; listed in AcceptableValues of a denial

    def __post_init__(self) -> None:
        if self.portable and (self.errors or self.valid_numbers):
            raise ValueError("an approval carries no errors and no acceptable values")
        if not self.portable and not self.errors:
            raise ValueError("a denial needs at least one error code (else it counts as approval)")


# ------------------------------------------------------------------------------ the request
def parse_request(body: bytes) -> ValidationRequest:
    """The request in ``body``; :class:`BadValidationRequest` for anything else."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise BadValidationRequest("a DTD or an entity declaration, which we refuse") from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise BadValidationRequest(f"not well-formed XML (line {line}, column {column})") from None
    except (LookupError, ValueError):  # an encoding Python does not know, or cannot decode
        raise BadValidationRequest("XML in an encoding we cannot read") from None
    if root.tag != REQUEST_ROOT:
        raise BadValidationRequest(f"the root element is not {REQUEST_ROOT}")
    try:
        return ValidationRequest(
            pon=_field(root, "PON"),
            pin=_field(root, "Pin"),
            account_number=_field(root, "AccountNumber"),
            zip_code=_field(root, "ZipCode"),
            subscriber_name=_field(root, "SubscriberName"),
            numbers=_numbers(root),
        )
    except InvalidValidationRequest:
        raise
    except BadValidationRequest as exc:
        raise InvalidValidationRequest(str(exc)) from None


def _field(root: ET.Element, name: str) -> str | None:
    found = root.findall(name)
    if not found:
        return None
    if len(found) > 1:
        raise BadValidationRequest(f"more than one {name}")
    text = _text(found[0], name)
    if len(text) > LIMITS[name]:
        raise BadValidationRequest(f"{name} is longer than {LIMITS[name]} characters")
    return text or None


def _text(element: ET.Element, name: str) -> str:
    if len(element):
        raise BadValidationRequest(f"{name} holds elements, not text")
    return (element.text or "").strip()


def _numbers(root: ET.Element) -> tuple[str, ...]:
    elements = root.findall("TelephoneNumbers/TelephoneNumber")
    if not elements:
        raise BadValidationRequest("no TelephoneNumber in TelephoneNumbers")
    if len(elements) > MAX_NUMBERS:
        raise BadValidationRequest(f"more than {MAX_NUMBERS:,} telephone numbers")
    numbers: dict[str, None] = {}
    for position, element in enumerate(elements, 1):
        e164 = e164_of(_text(element, "TelephoneNumber"))
        if e164 is None:
            raise BadValidationRequest(
                f"telephone number {position} of {len(elements)} is not 10 digits"
            )
        numbers[e164] = None
    return tuple(numbers)


_US_NUMBER = re.compile(r"(?:\+?1)?([0-9]{10})")


def e164_of(text: str) -> str | None:
    """``2223331000``, ``12223331000`` or ``+12223331000`` → ``+12223331000``; else None."""
    match = _US_NUMBER.fullmatch(text)
    return f"+1{match.group(1)}" if match else None


def national(e164: str) -> str:
    """``+12223331000`` → ``2223331000``, the form Bandwidth sends and reads."""
    return e164[2:] if e164.startswith("+1") else e164.lstrip("+")


# ------------------------------------------------------------------------------- the answer
def answer_for(
    request: ValidationRequest, decisions: Sequence[Decision], *, pending_default: str
) -> ValidationAnswer:
    """The answer for the domain's decisions on ``request``'s numbers.

    Authorized: portable. Pending: portable when ``pending_default`` is ``"authorize"`` (the
    account holder is told at once and the porting team can still stop it), else refused with
    7598 until they approve. Rejected: one error per code, naming its numbers, and the numbers
    we hold as the acceptable ones."""
    if pending_default not in PENDING_DEFAULTS:
        raise ValueError(f"pending_default is one of {', '.join(PENDING_DEFAULTS)}")
    status = overall(decisions)
    if status is PortOutStatus.AUTHORIZED:
        return ValidationAnswer(True, request.pon)
    if status is not PortOutStatus.REJECTED:
        if pending_default == "authorize":
            return ValidationAnswer(True, request.pon)
        return ValidationAnswer(
            False, request.pon, ((int(Code.INVALID_REQUEST), NOT_APPROVED_YET),)
        )
    by_code: dict[Code, dict[Reason, dict[str, None]]] = {}
    for decision in decisions:
        if (code := CODES.get(decision.reason)) is not None:
            by_code.setdefault(code, {}).setdefault(decision.reason, {})[decision.number] = None
    errors = tuple(
        (int(code), " ".join(_SAYS[reason](list(numbers)) for reason, numbers in reasons.items()))
        for code, reasons in sorted(by_code.items())
    )
    held = (d.number for d in decisions if d.reason is not Reason.NOT_HELD)
    return ValidationAnswer(False, request.pon, errors, tuple(dict.fromkeys(held)))


def invalid_answer(why: str) -> ValidationAnswer:
    """The answer to a well-formed request with values we refuse: 7598, saying which."""
    return ValidationAnswer(False, None, ((int(Code.INVALID_REQUEST), f"Invalid request: {why}."),))


def failure_answer(pon: str | None) -> ValidationAnswer:
    """What we answer when deciding failed: 7599, after which the port goes ahead."""
    return ValidationAnswer(False, pon, ((int(Code.FATAL), FATAL_ERROR),))


def answer_xml(answer: ValidationAnswer) -> bytes:
    """The answer as Bandwidth reads it (UTF-8, with an XML declaration)."""
    root = ET.Element(ANSWER_ROOT)
    ET.SubElement(root, "Portable").text = "true" if answer.portable else "false"
    if answer.pon:
        ET.SubElement(root, "PON").text = _xml_text(answer.pon)
    if answer.errors:
        errors = ET.SubElement(root, "Errors")
        for code, description in answer.errors:
            error = ET.SubElement(errors, "Error")
            ET.SubElement(error, "Code").text = str(int(code))
            ET.SubElement(error, "Description").text = _xml_text(description)
    if answer.valid_numbers:
        acceptable = ET.SubElement(ET.SubElement(root, "AcceptableValues"), "TelephoneNumbers")
        for number in answer.valid_numbers:
            ET.SubElement(acceptable, "TelephoneNumber").text = _xml_text(national(number))
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(
        root, encoding="utf-8", xml_declaration=False
    )


# Characters XML 1.0 cannot carry at all (ElementTree would write them and break the answer).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


# ------------------------------------------------------------------------------ the words
def _listed(numbers: list[str]) -> str:
    shown = [national(n) for n in numbers[:NAMED_AT_MOST]]
    if len(numbers) > NAMED_AT_MOST:
        return f"{', '.join(shown)} and {len(numbers) - NAMED_AT_MOST} more"
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} and {shown[-1]}"


def _is(numbers: list[str]) -> str:
    return "is" if len(numbers) == 1 else "are"


_SAYS: dict[Reason, Callable[[list[str]], str]] = {
    Reason.NOT_HELD: lambda n: (
        f"{_listed(n)} {_is(n)} not on this account. Check the numbers with the account holder."
    ),
    Reason.PIN_MISSING: lambda n: (
        f"A port-out PIN is required for {_listed(n)}. "
        "Ask the account holder for it and submit again with it."
    ),
    Reason.PIN_WRONG: lambda n: (
        f"The port-out PIN does not match for {_listed(n)}. "
        "Ask the account holder for the right one and submit again."
    ),
    Reason.LOCKED: lambda n: (
        f"{_listed(n)} {_is(n)} locked against porting out. Submit again with the account "
        "holder's port-out PIN, or ask them to remove the lock."
    ),
    Reason.ACCOUNT_MISMATCH: lambda n: (
        f"The account number does not match our records for {_listed(n)}. "
        "Ask the account holder for their account number with us."
    ),
    Reason.ZIP_MISMATCH: lambda n: (
        f"The ZIP code does not match the service address for {_listed(n)}. "
        "Ask the account holder for the ZIP code of their service address."
    ),
}
