"""The log format: a request's id on its lines and in the reference a person is shown; JSON
lines with the same facts as keys. (``portbot serve`` writing JSON for uvicorn's lines too is
tested on the real process, in ``tests/slack/test_serve.py``.)"""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot import logs, trace
from bot.slack.errors import new_ref
from tests.web.conftest import request


@pytest.fixture
def written() -> tuple[logging.Logger, io.StringIO, logging.StreamHandler]:  # type: ignore[type-arg]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestStamp())
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield logger, stream, handler
    logger.removeHandler(handler)


def test_json_lines_carry_the_request_the_facts_and_the_traceback(written):
    logger, stream, handler = written
    handler.setFormatter(logs.formatter("json"))
    with trace.bound("ABCDE12345"):
        logger.info("POST %s %s", "/slack/events", 200, extra={"route": "/slack/events", "ms": 4.2})
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logger.exception("it failed")
    logger.info("outside")
    first, failed, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "POST /slack/events 200" and first["logger"] == "tests.logs"
    assert first["request_id"] == "ABCDE12345" and first["route"] == "/slack/events"
    assert first["ms"] == 4.2 and first["level"] == "INFO" and first["time"].endswith("+00:00")
    assert failed["request_id"] == "ABCDE12345" and "RuntimeError: boom" in failed["exception"]
    assert "request_id" not in outside


def test_text_lines_end_their_first_line_with_the_request(written):
    logger, stream, handler = written
    handler.setFormatter(logs.formatter("text"))
    with trace.bound("ABCDE12345"):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logger.exception("it failed")
    head, *traceback = stream.getvalue().splitlines()
    assert head.endswith("ERROR tests.logs it failed [req ABCDE12345]")
    assert traceback[-1] == "RuntimeError: boom"


def test_the_reference_a_person_quotes_is_the_request_id():
    with trace.bound("ABCDE12345"):
        assert new_ref() == "ABCDE12345"
    assert len(new_ref()) == 10  # outside a request: a fresh one


def test_an_loa_page_that_fails_shows_the_id_its_log_lines_carry(site, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("bot.loa.web.inspect_link", broken)
    caplog.set_level(logging.INFO)
    answer = request(site, "GET", "/loa/some-token")
    assert answer.status == 500
    request_id = answer.headers["x-request-id"]
    assert request_id.encode() in answer.body  # the reference on the page
    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert request_id in failure.getMessage()
    (line,) = [r for r in caplog.records if getattr(r, "route", None) == "/loa/{token}"]
    assert line.request_id == request_id and line.status == 500  # type: ignore[attr-defined]
    assert all("some-token" not in r.getMessage() for r in caplog.records)


def test_health_checks_log_quietly_and_failures_loudly(site, caplog):
    caplog.set_level(logging.INFO)
    request(site, "GET", "/healthz")
    request(site, "GET", "/metrics")  # 401: no token
    routes = [(r.route, r.status) for r in caplog.records if hasattr(r, "route")]
    assert routes == [("/metrics", 401)]
