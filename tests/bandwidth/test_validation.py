"""Bandwidth's port-out validation XML: the documented request read, the answers written in the
documented shapes, every refusal's code, and nothing secret or unescaped in what we write."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.bandwidth.validation import (
    CODES,
    FATAL_ERROR,
    NOT_APPROVED_YET,
    BadValidationRequest,
    ValidationAnswer,
    ValidationRequest,
    answer_for,
    answer_xml,
    failure_answer,
    parse_request,
)
from bot.porting.port_outs import REJECTING, Decision, Reason

# The documented sample, byte for byte as Bandwidth shows it.
SAMPLE = b"""<?xml version="1.0"?>
<PortOutValidationRequest>
    <PON>some_pon</PON>
    <Pin>1111</Pin>
    <AccountNumber>777</AccountNumber>
    <ZipCode>62025</ZipCode>
    <SubscriberName>Subscriber Name</SubscriberName>
    <TelephoneNumbers>
        <TelephoneNumber>2223331000</TelephoneNumber>
        <TelephoneNumber>2223331001</TelephoneNumber>
    </TelephoneNumbers>
</PortOutValidationRequest>
"""
A, B, C = "+12223331000", "+12223331001", "+12223331002"
PIN, ACCOUNT = "860391", "ACCT-55512"  # neither is a substring of any number or code used here


def request_xml(numbers=("2223331000",), **fields: str) -> bytes:
    """A request built by ElementTree, so whatever the fields hold is escaped."""
    root = ET.Element("PortOutValidationRequest")
    for name, value in fields.items():
        ET.SubElement(root, name).text = value
    numbers_element = ET.SubElement(root, "TelephoneNumbers")
    for number in numbers:
        ET.SubElement(numbers_element, "TelephoneNumber").text = number
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def secret_request(*numbers: str) -> ValidationRequest:
    return ValidationRequest(
        pon="PON-1", pin=PIN, account_number=ACCOUNT, zip_code="62025", numbers=numbers or (A,)
    )


def read(answer: ValidationAnswer) -> ET.Element:
    root = ET.fromstring(answer_xml(answer))
    assert root.tag == "PortOutValidationResponse"
    return root


def codes(root: ET.Element) -> list[int]:
    return [int(code.text or "") for code in root.findall("Errors/Error/Code")]


# ------------------------------------------------------------------------------ the request
def test_the_documented_sample_is_read_whole():
    assert parse_request(SAMPLE) == ValidationRequest(
        pon="some_pon",
        pin="1111",
        account_number="777",
        zip_code="62025",
        subscriber_name="Subscriber Name",
        numbers=(A, B),
    )


def test_only_numbers_are_required_and_missing_or_empty_fields_are_none():
    body = b"<PortOutValidationRequest><Pin/><PON>  </PON><TelephoneNumbers>"
    body += b"<TelephoneNumber>2223331000</TelephoneNumber></TelephoneNumbers>"
    body += b"</PortOutValidationRequest>"
    assert parse_request(body) == ValidationRequest(numbers=(A,))


def test_numbers_with_the_country_code_count_once_in_their_order():
    body = request_xml(numbers=["2223331001", "12223331000", "+12223331001", " 2223331002\n"])
    assert parse_request(body).numbers == (B, A, C)


def test_the_request_as_the_domains_offer():
    offer = parse_request(SAMPLE).offer(carrier="Other Co")
    assert (offer.numbers, offer.carrier) == ((A, B), "Other Co")
    assert (offer.pin, offer.account_number, offer.postal_code) == ("1111", "777", "62025")


def test_the_request_does_not_show_its_pin_or_account_number():
    shown = repr(parse_request(request_xml(Pin=PIN, AccountNumber=ACCOUNT, PON="p")))
    assert "p" in shown and PIN not in shown and ACCOUNT not in shown


def test_fields_at_their_documented_length_are_read():
    body = request_xml(
        PON="P" * 25,
        Pin="9" * 10,
        AccountNumber="7" * 25,
        ZipCode="Z" * 15,
        SubscriberName="S" * 93,
    )
    parsed = parse_request(body)
    assert (parsed.pon, parsed.subscriber_name) == ("P" * 25, "S" * 93)
    assert len(parse_request(request_xml(numbers=["2223331000"] * 1000)).numbers) == 1


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<PortOutValidationRequest><PON>&lol3;</PON><TelephoneNumbers>
<TelephoneNumber>2223331000</TelephoneNumber></TelephoneNumbers></PortOutValidationRequest>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<PortOutValidationRequest><PON>&x;</PON></PortOutValidationRequest>"""
NUMBERS = b"<TelephoneNumbers><TelephoneNumber>2223331000</TelephoneNumber></TelephoneNumbers>"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "not well-formed"),
        (b"<PortOutValidationRequest><PON>x</PortOutValidationRequest>", "not well-formed"),
        (SAMPLE.replace(b"</TelephoneNumbers>", b""), "not well-formed"),
        (b"\x00\xff garbage", "not well-formed"),
        (BOMB, "DTD or an entity"),
        (EXTERNAL, "DTD or an entity"),
        (b'<!DOCTYPE r SYSTEM "http://example.invalid/x.dtd"><r/>', "DTD or an entity"),
        (b'<?xml version="1.0" encoding="x-unknown"?><r/>', "encoding"),
        (SAMPLE.replace(b"PortOutValidationRequest", b"PortInRequest"), "root element"),
        (b"<ns:PortOutValidationRequest xmlns:ns='urn:x'/>", "root element"),
        (b"<PortOutValidationRequest><PON>x</PON></PortOutValidationRequest>", "no Telephone"),
        (request_xml(numbers=[]), "no TelephoneNumber"),
        (request_xml(numbers=["222333100"]), "1 of 1 is not 10 digits"),
        (request_xml(numbers=["2223331000", "222333100011"]), "2 of 2 is not 10 digits"),
        (request_xml(numbers=["22233310OO"]), "not 10 digits"),
        (request_xml(numbers=["+2223331000"]), "not 10 digits"),
        (request_xml(numbers=["222-333-1000"]), "not 10 digits"),
        (request_xml(numbers=["\uff12" * 10]), "not 10 digits"),  # fullwidth digits
        (request_xml(numbers=[""]), "not 10 digits"),
        (request_xml(numbers=["2223331000"] * 1001), "more than 1,000"),
        (request_xml(PON="P" * 26), "PON is longer than 25"),
        (request_xml(Pin="1" * 11), "Pin is longer than 10"),
        (request_xml(AccountNumber="7" * 26), "AccountNumber is longer than 25"),
        (request_xml(ZipCode="6" * 16), "ZipCode is longer than 15"),
        (request_xml(SubscriberName="S" * 94), "SubscriberName is longer than 93"),
        (SAMPLE.replace(b"<Pin>1111</Pin>", b"<Pin>1</Pin><Pin>2</Pin>"), "more than one Pin"),
        (SAMPLE.replace(b"some_pon", b"a<b>c</b>"), "PON holds elements"),
    ],
)
def test_what_is_not_a_request_we_accept_is_refused_in_one_line(body, says):
    with pytest.raises(BadValidationRequest) as refused:
        parse_request(body)
    assert says in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_refusal_never_repeats_the_pin_or_the_numbers():
    for body in (
        request_xml(Pin="98765432109"),
        request_xml(Pin="9876543", numbers=["987654321"]),
        request_xml(Pin="9876543", PON="P" * 30),
    ):
        with pytest.raises(BadValidationRequest) as refused:
            parse_request(body)
        assert "98765" not in str(refused.value)


def test_a_deeply_nested_field_is_refused_not_a_crash():
    body = b"<PortOutValidationRequest><PON>" + b"<a>" * 50_000 + b"</a>" * 50_000 + b"</PON>"
    with pytest.raises(BadValidationRequest, match="PON holds elements"):
        parse_request(body + NUMBERS + b"</PortOutValidationRequest>")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=200).map(str.encode))
def test_any_bytes_are_a_request_or_a_refusal(body):
    try:
        parsed = parse_request(body)
    except BadValidationRequest as exc:
        assert "\n" not in str(exc)
    else:
        assert parsed.numbers


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["PON", "Pin", "AccountNumber", "ZipCode", "SubscriberName"]),
        st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30),
    ),
    st.lists(st.from_regex(r"\+?1?[0-9]{9,11}", fullmatch=True), max_size=4),
)
def test_near_requests_are_read_or_refused_and_what_is_read_is_what_was_sent(fields, numbers):
    try:
        parsed = parse_request(request_xml(numbers=numbers, **fields))
    except BadValidationRequest:
        return
    assert parsed.pon == (fields.get("PON", "").strip() or None)
    assert parsed.subscriber_name == (fields.get("SubscriberName", "").strip() or None)
    assert all(n.startswith("+1") and len(n) == 12 for n in parsed.numbers)


# ------------------------------------------------------------------------------- the answer
def test_an_approval_is_the_documented_shape():
    root = read(
        answer_for(
            parse_request(SAMPLE), [Decision(A, Reason.WINDOW)] * 2, pending_default="reject"
        )
    )
    assert [(e.tag, e.text) for e in root] == [("Portable", "true"), ("PON", "some_pon")]


def test_a_denial_is_the_documented_shape():
    decisions = [Decision(A, Reason.NOT_HELD), Decision(B, Reason.PIN_WRONG)]
    root = read(answer_for(parse_request(SAMPLE), decisions, pending_default="authorize"))
    assert [e.tag for e in root] == ["Portable", "PON", "Errors", "AcceptableValues"]
    assert (root.findtext("Portable"), root.findtext("PON")) == ("false", "some_pon")
    assert [[e.tag for e in error] for error in root.findall("Errors/Error")] == [
        ["Code", "Description"]
    ] * 2
    assert codes(root) == [7513, 7516]
    acceptable = root.find("AcceptableValues")
    assert acceptable is not None and [e.tag for e in acceptable] == ["TelephoneNumbers"]
    listed = [e.text for e in acceptable.findall("TelephoneNumbers/TelephoneNumber")]
    assert listed == ["2223331001"]


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        (Reason.NOT_HELD, 7516),
        (Reason.PIN_MISSING, 7512),
        (Reason.PIN_WRONG, 7513),
        (Reason.LOCKED, 7513),
        (Reason.ACCOUNT_MISMATCH, 7511),
        (Reason.ZIP_MISMATCH, 7515),
    ],
)
def test_each_refusal_has_its_code_and_names_its_numbers(reason, code):
    decisions = [Decision(A, reason), Decision(B, Reason.WINDOW), Decision(C, reason)]
    answer = answer_for(secret_request(A, B, C), decisions, pending_default="authorize")
    assert not answer.portable
    [(got, description)] = answer.errors
    assert got == code
    assert "2223331000 and 2223331002" in description and "2223331001" not in description


def test_every_refusing_reason_has_a_code():
    assert set(CODES) == set(REJECTING)


def test_a_lock_says_that_the_holders_pin_is_needed():
    [(_, description)] = answer_for(
        secret_request(), [Decision(A, Reason.LOCKED)], pending_default="authorize"
    ).errors
    assert "2223331000 is locked" in description and "port-out PIN" in description


def test_one_error_per_code_however_many_reasons_share_it():
    decisions = [
        Decision(A, Reason.PIN_WRONG),
        Decision(B, Reason.LOCKED),
        Decision(C, Reason.PIN_WRONG),
        Decision("+12223331003", Reason.NOT_HELD),
    ]
    answer = answer_for(secret_request(), decisions, pending_default="authorize")
    assert [code for code, _ in answer.errors] == [7513, 7516]
    pin = answer.errors[0][1]
    assert "2223331000 and 2223331002" in pin and "2223331001 is locked" in pin
    assert answer.valid_numbers == (A, B, C)  # every number but the one we do not hold


def test_a_long_list_is_named_in_part_and_counted():
    numbers = [f"+1222333{n:04}" for n in range(50)]
    answer = answer_for(
        secret_request(*numbers),
        [Decision(n, Reason.NOT_HELD) for n in numbers],
        pending_default="authorize",
    )
    description = answer.errors[0][1]
    assert "2223330019 and 30 more are not on this account" in description
    assert "2223330020" not in description and answer.valid_numbers == ()


def test_authorized_when_every_number_is():
    answer = answer_for(
        secret_request(A, B),
        [Decision(A, Reason.WINDOW), Decision(B, Reason.WINDOW)],
        pending_default="reject",
    )
    assert answer == ValidationAnswer(True, "PON-1")


def test_pending_follows_the_default():
    decisions = [Decision(A, Reason.WINDOW), Decision(B, Reason.ASK)]
    assert answer_for(secret_request(A, B), decisions, pending_default="authorize") == (
        ValidationAnswer(True, "PON-1")
    )
    refused = answer_for(secret_request(A, B), decisions, pending_default="reject")
    assert refused == ValidationAnswer(False, "PON-1", ((7598, NOT_APPROVED_YET),))
    assert "not approved" in NOT_APPROVED_YET and "again" in NOT_APPROVED_YET
    with pytest.raises(ValueError, match="pending_default"):
        answer_for(secret_request(A), decisions, pending_default="maybe")


def test_the_failure_answer_lets_the_port_go_ahead():
    root = read(failure_answer("PON-1"))
    assert (root.findtext("Portable"), codes(root)) == ("false", [7599])
    assert root.findtext("Errors/Error/Description") == FATAL_ERROR


def test_an_answer_is_either_an_approval_or_a_denial_with_a_code():
    with pytest.raises(ValueError):
        ValidationAnswer(False, "p")
    with pytest.raises(ValueError):
        ValidationAnswer(True, "p", ((7513, "x"),))


def test_no_answer_ever_holds_the_pin_or_the_account_number():
    request = secret_request(A, B)
    reasons = list(Reason)
    for (first, second), default in itertools.product(
        itertools.product(reasons, repeat=2), ("authorize", "reject")
    ):
        decisions = [Decision(A, first, account="acct"), Decision(B, second, account="acct")]
        data = answer_xml(answer_for(request, decisions, pending_default=default))
        assert PIN.encode() not in data and ACCOUNT.encode() not in data
        assert b"<Pin" not in data and b"<AccountNumber" not in data


HOSTILE = "<script>]]>&amp;\"'"


def test_outside_strings_are_escaped_and_come_back_as_they_were():
    parsed = parse_request(request_xml(PON=HOSTILE, SubscriberName=f"{HOSTILE} & Sons"))
    assert (parsed.pon, parsed.subscriber_name) == (HOSTILE, f"{HOSTILE} & Sons")
    answer = ValidationAnswer(False, parsed.pon, ((7598, f"about {HOSTILE}"),))
    data = answer_xml(answer)
    assert b"<script>" not in data and b"]]>" not in data
    root = ET.fromstring(data)
    assert root.findtext("PON") == HOSTILE
    assert root.findtext("Errors/Error/Description") == f"about {HOSTILE}"


def test_characters_xml_cannot_carry_are_left_out_so_the_answer_stays_readable():
    root = read(ValidationAnswer(False, "a\x00b\x1b", ((7598, "x\ufffey\x08"),)))
    assert root.findtext("PON") == "ab"
    assert root.findtext("Errors/Error/Description") == "xy"


def test_the_answer_declares_utf8():
    data = answer_xml(ValidationAnswer(True, "café"))
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert "café".encode() in data
