"""Zendesk webhooks: signatures (HMAC-SHA256 over timestamp + body) and the trigger's body."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.zendesk.webhook import (
    INVOCATION_HEADER,
    BadSignature,
    EventKind,
    InvalidWebhook,
    dedupe_key,
    parse,
    sign,
    verify,
)

SECRET = "dGhpcyBpcyBhIHdlYmhvb2sgc2VjcmV0"
STAMP = "2026-11-22T10:00:00Z"
NOW = datetime(2026, 11, 22, 10, 0, 30, tzinfo=UTC)
SID = "PR0123456789abcdef0123456789abcdef"

# What Zendesk sends for the comment trigger of the module docstring: every placeholder a string.
COMMENT_BODY = (
    "{\n"
    '  "event": "comment_created",\n'
    '  "ticket_id": "4821",\n'
    f'  "external_id": "{SID}",\n'
    '  "status": "Open",\n'
    '  "comment": {\n'
    '    "id": "39001",\n'
    '    "body": "The carrier called: they need the BTN.\\nCan you confirm it?",\n'
    '    "public": "true",\n'
    '    "author": {"id": "772", "name": "Dana Reyes", "email": "Dana@Porting.Example",'
    ' "role": "Agent"}\n'
    "  },\n"
    '  "tags": "portbot port_in port_status_submitted"\n'
    "}"
).encode()

FIELDS_BODY = json.dumps(
    {
        "event": "ticket_updated",
        "ticket_id": "4821",
        "external_id": SID,
        "status": "pending",
        "fields": {"360011": "foc_confirmed", "360012": "2026-12-02", "360013": ""},
        "tags": "portbot port_in",
    }
).encode()


def _signed(body: bytes, stamp: str = STAMP, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# --- verify ----------------------------------------------------------------------------------


def test_a_good_signature_passes() -> None:
    verify(SECRET, COMMENT_BODY, _signed(COMMENT_BODY), STAMP, now=NOW)


def test_sign_matches_the_documented_formula() -> None:
    assert sign(SECRET, COMMENT_BODY, STAMP) == _signed(COMMENT_BODY)


def test_a_known_vector() -> None:
    # base64(HMAC-SHA256("secret", "2026-11-22T10:00:00Z" + "{}")), computed independently.
    expected = base64.b64encode(
        hmac.new(b"secret", b"2026-11-22T10:00:00Z{}", hashlib.sha256).digest()
    ).decode()
    verify("secret", b"{}", expected, STAMP, now=NOW)


def test_an_empty_body_can_be_signed() -> None:
    verify(SECRET, b"", _signed(b""), STAMP, now=NOW)


def test_the_wrong_secret_is_refused() -> None:
    with pytest.raises(BadSignature, match="does not match"):
        verify(SECRET, COMMENT_BODY, _signed(COMMENT_BODY, secret="another-secret"), STAMP, now=NOW)


def test_a_tampered_body_is_refused() -> None:
    signature = _signed(COMMENT_BODY)
    tampered = COMMENT_BODY.replace(b'"public": "true"', b'"public": "false"')
    assert tampered != COMMENT_BODY
    with pytest.raises(BadSignature):
        verify(SECRET, tampered, signature, STAMP, now=NOW)


def test_a_tampered_timestamp_is_refused() -> None:
    signature = _signed(COMMENT_BODY)
    with pytest.raises(BadSignature, match="does not match"):
        verify(SECRET, COMMENT_BODY, signature, "2026-11-22T10:00:01Z", now=NOW)


@pytest.mark.parametrize(
    ("signature", "timestamp", "missing"),
    [
        (None, STAMP, "X-Zendesk-Webhook-Signature header"),
        ("", STAMP, "X-Zendesk-Webhook-Signature header"),
        ("c2ln", None, "X-Zendesk-Webhook-Signature-Timestamp"),
        ("c2ln", "", "X-Zendesk-Webhook-Signature-Timestamp"),
    ],
)
def test_missing_headers_are_refused(
    signature: str | None, timestamp: str | None, missing: str
) -> None:
    with pytest.raises(BadSignature, match=missing):
        verify(SECRET, COMMENT_BODY, signature, timestamp, now=NOW)


def test_no_secret_refuses_everything() -> None:
    with pytest.raises(BadSignature, match="secret"):
        verify("", COMMENT_BODY, _signed(COMMENT_BODY, secret=""), STAMP, now=NOW)


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 22, 10, 5, 1, tzinfo=UTC),  # five minutes and a second later: stale
        datetime(2026, 11, 22, 9, 54, 59, tzinfo=UTC),  # sent "from the future"
        datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
    ],
)
def test_stale_and_future_timestamps_are_refused(now: datetime) -> None:
    with pytest.raises(BadSignature, match="too far"):
        verify(SECRET, COMMENT_BODY, _signed(COMMENT_BODY), STAMP, now=now)


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 22, 10, 5, 0, tzinfo=UTC),
        datetime(2026, 11, 22, 9, 55, 0, tzinfo=UTC),
    ],
)
def test_timestamps_at_the_edge_are_accepted(now: datetime) -> None:
    verify(SECRET, COMMENT_BODY, _signed(COMMENT_BODY), STAMP, now=now)


def test_max_age_can_be_changed() -> None:
    later = NOW + timedelta(minutes=20)
    with pytest.raises(BadSignature):
        verify(SECRET, COMMENT_BODY, _signed(COMMENT_BODY), STAMP, now=later)
    verify(
        SECRET, COMMENT_BODY, _signed(COMMENT_BODY), STAMP, now=later, max_age=timedelta(hours=1)
    )


@pytest.mark.parametrize("stamp", ["2026-11-22T10:00:00+00:00", "2026-11-22T05:00:00-05:00"])
def test_timestamps_with_offsets_are_understood(stamp: str) -> None:
    verify(SECRET, COMMENT_BODY, _signed(COMMENT_BODY, stamp), stamp, now=NOW)


def test_an_unreadable_timestamp_is_refused() -> None:
    with pytest.raises(BadSignature, match="ISO 8601"):
        verify(SECRET, COMMENT_BODY, _signed(COMMENT_BODY, "yesterday"), "yesterday", now=NOW)


@pytest.mark.parametrize("signature", ["not base64 at all!", "ünïcode", "c2ln"])
def test_garbage_signatures_are_refused(signature: str) -> None:
    with pytest.raises(BadSignature):
        verify(SECRET, COMMENT_BODY, signature, STAMP, now=NOW)


def test_bad_signature_is_a_value_error() -> None:
    assert issubclass(BadSignature, ValueError)
    assert issubclass(InvalidWebhook, ValueError)


# --- parse -----------------------------------------------------------------------------------


def test_parse_a_comment_with_string_placeholders() -> None:
    event = parse(COMMENT_BODY)
    assert event.kind is EventKind.COMMENT_CREATED
    assert event.ticket_id == 4821
    assert event.external_id == SID
    assert event.status == "open"
    assert event.tags == ("portbot", "port_in", "port_status_submitted")
    comment = event.comment
    assert comment is not None
    assert comment.id == 39001
    assert comment.body == "The carrier called: they need the BTN.\nCan you confirm it?"
    assert comment.public is True
    assert comment.author.id == 772
    assert comment.author.name == "Dana Reyes"
    assert comment.author.email == "dana@porting.example"
    assert comment.author.role == "agent" and comment.author.is_agent


def test_parse_field_changes() -> None:
    event = parse(FIELDS_BODY)
    assert event.kind is EventKind.TICKET_UPDATED
    assert event.comment is None
    assert event.status == "pending"
    assert dict(event.fields) == {360011: "foc_confirmed", 360012: "2026-12-02", 360013: ""}
    assert event.field_value(360012) == "2026-12-02"
    assert event.field_value(999) is None and event.field_value(None) is None


def test_parse_accepts_real_json_types_too() -> None:
    body = {
        "event": "COMMENT_CREATED",
        "ticket_id": 17,
        "external_id": "",
        "comment": {"id": 5, "body": "hello", "public": False, "author": {"id": 9}},
        "tags": ["Portbot", "port_in", "portbot"],
        "fields": {"12": None},
    }
    event = parse(json.dumps(body).encode())
    assert event.kind is EventKind.COMMENT_CREATED
    assert event.ticket_id == 17
    assert event.external_id is None  # a ticket portbot did not create
    assert event.status is None
    assert event.comment is not None and event.comment.public is False
    assert event.comment.author.role == "" and not event.comment.author.is_agent
    assert event.tags == ("portbot", "port_in")
    assert dict(event.fields) == {12: ""}


@pytest.mark.parametrize(("raw", "public"), [("false", False), ("FALSE", False), ("True", True)])
def test_booleans_from_placeholders(raw: str, public: bool) -> None:
    body = json.loads(COMMENT_BODY)
    body["comment"]["public"] = raw
    event = parse(json.dumps(body).encode())
    assert event.comment is not None and event.comment.public is public


def test_a_comment_without_public_is_treated_as_private() -> None:
    body = json.loads(COMMENT_BODY)
    del body["comment"]["public"]
    event = parse(json.dumps(body).encode())
    assert event.comment is not None and event.comment.public is False


def test_an_update_with_an_empty_comment_placeholder_has_no_comment() -> None:
    body = json.loads(FIELDS_BODY)
    body["comment"] = {"id": "", "body": "", "public": ""}
    assert parse(json.dumps(body).encode()).comment is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "not JSON"),
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "UTF-8"),
        (b"[1, 2]", "JSON object"),
        (b'"comment_created"', "JSON object"),
        (b'{"ticket_id": "1"}', '"event" is missing'),
        (b'{"event": "ticket_deleted", "ticket_id": "1"}', "expected one of"),
        (b'{"event": "ticket_updated"}', '"ticket_id" is missing'),
        (b'{"event": "ticket_updated", "ticket_id": ""}', '"ticket_id" is empty'),
        (b'{"event": "ticket_updated", "ticket_id": "{{ticket.id}}"}', '"ticket_id" should be'),
        (b'{"event": "ticket_updated", "ticket_id": true}', '"ticket_id" should be'),
        (b'{"event": "comment_created", "ticket_id": "1"}', '"comment" is missing'),
        (
            b'{"event": "comment_created", "ticket_id": "1", "comment": {"body": "x"}}',
            '"comment.id" is missing',
        ),
        (
            b'{"event": "comment_created", "ticket_id": "1", "comment": {"id": "2"}}',
            '"comment.body" is missing',
        ),
        (
            b'{"event": "comment_created", "ticket_id": "1", "comment": {"id": "", "body": "x"}}',
            '"comment.id" is empty',
        ),
        (
            b'{"event": "comment_created", "ticket_id": "1",'
            b' "comment": {"id": "2", "body": "x", "public": "maybe"}}',
            "true or false",
        ),
        (b'{"event": "ticket_updated", "ticket_id": "1", "comment": "hi"}', "should be an object"),
        (b'{"event": "ticket_updated", "ticket_id": "1", "fields": ["a"]}', '"fields" should be'),
        (b'{"event": "ticket_updated", "ticket_id": "1", "fields": {"x": "1"}}', "fields.x"),
        (b'{"event": "ticket_updated", "ticket_id": "1", "status": {"a": 1}}', '"status"'),
    ],
)
def test_bad_bodies_get_a_clear_message(body: bytes, message: str) -> None:
    with pytest.raises(InvalidWebhook) as caught:
        parse(body)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_parsed_events_are_frozen() -> None:
    event = parse(FIELDS_BODY)
    with pytest.raises(AttributeError):
        event.ticket_id = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.fields[1] = "x"  # type: ignore[index]


# --- dedupe keys -----------------------------------------------------------------------------


def test_dedupe_key_prefers_the_invocation_id_in_any_case() -> None:
    event = parse(COMMENT_BODY)
    assert dedupe_key({INVOCATION_HEADER: "8350205582"}, event) == (
        "zendesk:4821:invocation:8350205582"
    )
    assert dedupe_key({"x-zendesk-webhook-invocation-id": "8350205582"}, event) == (
        "zendesk:4821:invocation:8350205582"
    )


def test_dedupe_key_without_the_header_hashes_the_body() -> None:
    event = parse(COMMENT_BODY)
    key = dedupe_key({"Content-Type": "application/json"}, event)
    assert key.startswith("zendesk:4821:sha256:") and len(key) <= 200
    # The same body again (a retry) gives the same key; a different body a different one.
    assert dedupe_key({}, parse(COMMENT_BODY)) == key
    assert dedupe_key({}, parse(COMMENT_BODY.replace(b"39001", b"39002"))) != key
    assert dedupe_key({INVOCATION_HEADER: "  "}, event) == key  # a blank header is no header


def test_dedupe_key_keeps_long_ids_short() -> None:
    key = dedupe_key({INVOCATION_HEADER: "9" * 500}, parse(FIELDS_BODY))
    assert len(key) <= 200
