"""``POST /portout/validation`` over real HTTP: credentials before the body, the body's limit,
refusals that never reach ``decide``, the answer as XML, one key per delivered body, and 7599
when deciding fails."""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from bot.bandwidth.route import REALM, credentials_ok, dedupe_key, validation_routes
from bot.bandwidth.validation import ValidationAnswer, ValidationRequest, answer_for
from bot.http_limits import PORTOUT_BODY_LIMIT
from bot.porting.port_outs import Decision, Reason
from bot.sandbox.serving import ServedApp
from tests.bandwidth.test_validation import SAMPLE, request_xml
from tests.web.conftest import Site, raw_post, request

USER, PASSWORD = "bandwidth", "s3cret-Pa55"
PATH = "/portout/validation"


def basic(user: str = USER, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}", "Content-Type": "application/xml"}


class FakeDecide:
    """Records each call; answers with ``answer(request)``, or raises ``error``."""

    def __init__(self, answer=None, error: Exception | None = None) -> None:
        self.calls: list[tuple[ValidationRequest, str]] = []
        self.answer = answer or (lambda req: ValidationAnswer(True, req.pon))
        self.error = error
        self._lock = threading.Lock()

    def __call__(self, req: ValidationRequest, key: str) -> ValidationAnswer:
        with self._lock:
            self.calls.append((req, key))
        if self.error is not None:
            raise self.error
        return self.answer(req)


def serve(decide: FakeDecide, user: str | None = USER, password: str | None = PASSWORD):
    app = Starlette(routes=validation_routes(decide, user=user, password=password))
    return ServedApp(app)


@pytest.fixture
def decide() -> FakeDecide:
    return FakeDecide()


@pytest.fixture
def site(decide) -> Iterator[Site]:
    with serve(decide) as served:
        yield Site(served.url)


def post(site: Site, body: bytes, headers: dict[str, str] | None = None):
    return request(site, "POST", PATH, body, basic() if headers is None else headers)


@pytest.mark.parametrize(
    ("user", "password"), [(None, None), (USER, None), (None, PASSWORD), ("", PASSWORD)]
)
def test_without_both_credentials_configured_it_is_unavailable(user, password):
    decide = FakeDecide()
    with serve(decide, user, password) as served:
        answer = request(Site(served.url), "POST", PATH, SAMPLE, basic())
    assert answer.status == 503
    assert answer.json() == {"error": "port-out validation is not configured"}
    assert decide.calls == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic(password="wrong"),
        basic(user="someone", password=PASSWORD),
        basic(password=PASSWORD + "x"),
        {"Authorization": "Bearer " + PASSWORD},
        {"Authorization": "Basic !!not-base64!!"},
        {"Authorization": "Basic " + base64.b64encode(USER.encode()).decode()},  # no colon
    ],
)
def test_missing_or_wrong_credentials_are_refused_before_deciding(site, decide, headers):
    answer = post(site, SAMPLE, headers)
    assert answer.status == 401
    assert (
        answer.headers["www-authenticate"] == REALM == ('Basic realm="portbot port-out validation"')
    )
    assert b"<" not in answer.body and decide.calls == []


def test_credentials_are_checked_before_the_body_is_read(site, decide):
    # The body never finishes: only a route that answers before reading it answers at all.
    answer = raw_post(site, PATH, [b"<PortOutValidation"], content_length=10_000)
    assert answer.status == 401 and decide.calls == []


def test_the_credentials_check():
    header = basic()["Authorization"]
    assert credentials_ok(header, USER.encode(), PASSWORD.encode())
    assert credentials_ok(header.replace("Basic", "basic"), USER.encode(), PASSWORD.encode())
    assert not credentials_ok(header, USER.encode(), b"other")
    assert not credentials_ok(None, USER.encode(), PASSWORD.encode())
    assert not credentials_ok("Basic ÿÿ", USER.encode(), PASSWORD.encode())


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"<PortOutValidationRequest>", "not well-formed"),
        (b'<!DOCTYPE r [<!ENTITY x "y">]><PortOutValidationRequest/>', "DTD"),
    ],
)
def test_a_body_that_is_not_a_request_is_refused_as_json(site, decide, body, says):
    answer = post(site, body)
    assert answer.status == 400
    assert answer.headers["content-type"] == "application/json"
    error = answer.json()["error"]
    assert error.startswith("not a port-out validation request: ") and says in error
    assert decide.calls == []


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (request_xml(numbers=["222333100"]), "not 10 digits"),
        (request_xml(PON="P" * 26), "PON is longer"),
        (request_xml(Pin="1" * 11), "Pin"),
    ],
)
def test_a_request_with_values_we_refuse_is_answered_not_portable(site, decide, body, says):
    """Bandwidth counts an answer it cannot read (a 400) as approval: a well-formed request
    whose values we refuse gets Portable false with 7598, and nothing is recorded."""
    answer = post(site, body)
    assert answer.status == 200 and answer.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(answer.body)
    assert root.findtext("Portable") == "false"
    assert root.findtext("Errors/Error/Code") == "7598"
    assert says in root.findtext("Errors/Error/Description")
    assert b"11111111111" not in answer.body
    assert decide.calls == []


def test_a_body_over_the_limit_is_refused(site, decide):
    body = SAMPLE.replace(b"</PortOutValidationRequest>", b" " * PORTOUT_BODY_LIMIT)
    answer = post(site, body + b"</PortOutValidationRequest>")
    assert answer.status == 413 and decide.calls == []
    chunked = raw_post(site, PATH, [b" " * 65_536] * 5, headers=basic(), chunked=True)
    assert chunked.status == 413 and decide.calls == []


def test_the_documented_sample_is_decided_and_answered_as_xml(site, decide):
    answer = post(site, SAMPLE)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/xml; charset=utf-8"
    root = ET.fromstring(answer.body)
    assert [(e.tag, e.text) for e in root] == [("Portable", "true"), ("PON", "some_pon")]
    [(req, key)] = decide.calls
    assert req.numbers == ("+12223331000", "+12223331001") and req.pin == "1111"
    assert key == "bandwidth:" + hashlib.sha256(SAMPLE).hexdigest() == dedupe_key(SAMPLE)


def test_a_denial_goes_back_with_its_codes_and_without_the_pin():
    def deny(req):
        first, second = req.numbers
        decisions = [Decision(first, Reason.NOT_HELD), Decision(second, Reason.PIN_WRONG)]
        return answer_for(req, decisions, pending_default="authorize")

    with serve(FakeDecide(deny)) as served:
        answer = post(Site(served.url), SAMPLE.replace(b"1111", b"860391"))
    assert answer.status == 200 and b"860391" not in answer.body and b"777" not in answer.body
    root = ET.fromstring(answer.body)
    assert root.findtext("Portable") == "false"
    assert [e.text for e in root.findall("Errors/Error/Code")] == ["7513", "7516"]
    assert root.findtext("AcceptableValues/TelephoneNumbers/TelephoneNumber") == "2223331001"


def test_a_retried_delivery_carries_the_same_key(site, decide):
    first, second = post(site, SAMPLE), post(site, SAMPLE)
    assert first.body == second.body
    other = post(site, SAMPLE.replace(b"some_pon", b"other_pon"))
    assert other.status == 200
    keys = [key for _, key in decide.calls]
    assert keys[0] == keys[1] != keys[2]


def test_when_deciding_fails_the_port_goes_ahead_and_the_error_is_logged(caplog):
    decide = FakeDecide(error=RuntimeError("database is down"))
    with caplog.at_level(logging.ERROR, "bot.bandwidth.route"), serve(decide) as served:
        answer = post(Site(served.url), SAMPLE)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/xml; charset=utf-8"
    root = ET.fromstring(answer.body)
    assert root.findtext("Portable") == "false" and root.findtext("PON") == "some_pon"
    assert [e.text for e in root.findall("Errors/Error/Code")] == ["7599"]
    [record] = [r for r in caplog.records if r.name == "bot.bandwidth.route"]
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    assert dedupe_key(SAMPLE) in record.getMessage()
    logged = caplog.text
    assert "1111" not in logged and "Subscriber Name" not in logged and "777" not in logged


def test_an_answer_decide_got_wrong_is_a_failure_too():
    decide = FakeDecide(lambda req: None)
    with serve(decide) as served:
        answer = post(Site(served.url), SAMPLE)
    assert answer.status == 200
    assert [e.text for e in ET.fromstring(answer.body).findall("Errors/Error/Code")] == ["7599"]


NUMBER = b"<TelephoneNumbers><TelephoneNumber>2223331000</TelephoneNumber></TelephoneNumbers>"
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(
    st.binary(max_size=600)
    | st.binary(max_size=200).map(
        lambda inner: (
            b"<PortOutValidationRequest><PON>"
            + inner
            + b"</PON>"
            + NUMBER
            + b"</PortOutValidationRequest>"
        )
    )
)
def test_no_body_gets_a_server_error(site, decide, body):
    answer = post(site, body)
    assert answer.status < 500
    assert answer.status in (200, 400)
