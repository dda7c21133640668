"""Zendesk webhooks: the signature (from :mod:`.signing`), and the bodies of our triggers.

Pure: no HTTP, no database, no clock reads.

Signature
    :mod:`bot.zendesk.signing` (``sign``, ``verify`` and the header names are re-exported here).

Body
    Zendesk's own ticket events (``"type": "zen:event-type:ticket.…"``) are read by
    :mod:`bot.zendesk.events`; here, the bodies of the README's triggers ("Connect Zendesk"):
    ``comment_created``, ``ticket_updated`` and ``port_out_request`` (:mod:`.port_outs`).
    Placeholders arrive as strings, so parsing is lenient about types (IDs ``"123"`` or
    ``123``; booleans ``"true"``/``"false"`` or JSON's; tags a space-separated string or a
    list; an unfilled placeholder is ``""``) and strict about keys: ``event`` and
    ``ticket_id`` always, ``comment`` with ``id`` and ``body`` for ``comment_created``; what is
    missing is an :class:`InvalidWebhook` naming it. The caller drops portbot's own comments.

    Free text: Zendesk's Liquid has no JSON filter, and a comment may hold quotes, backslashes
    and line breaks, so the README's bodies write free text through ``| url_encode`` (leaving
    nothing JSON must escape, whether or not Zendesk escapes placeholders itself) and say
    ``"encoding": "url"``; the fields in ``_URL_ENCODED`` are then decoded. Without
    ``encoding`` a body is read as it is; raw line breaks and tabs in a string are accepted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qs, unquote, unquote_plus, urlsplit

from bot.zendesk.signing import (
    MAX_AGE,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    BadSignature,
    sign,
    verify,
)
from storage.values import Secret

__all__ = [
    "INVOCATION_HEADER",
    "MAX_AGE",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "BadSignature",
    "EventKind",
    "InvalidWebhook",
    "PortOutFields",
    "WebhookAuthor",
    "WebhookComment",
    "WebhookEvent",
    "dedupe_key",
    "from_trigger",
    "load",
    "parse",
    "sign",
    "verify",
]

INVOCATION_HEADER = "X-Zendesk-Webhook-Invocation-Id"
MAX_ID = 2**63 - 1  # Zendesk's IDs are 64-bit integers, and so are our columns
MAX_NUMBERS_TEXT = 200_000  # characters of a port-out's numbers (about 12,000 numbers)
_PORT_OUT_TEXT = ("carrier", "spid", "pon", "foc_date", "zip", "subscriber_name")

_AGENT_ROLES = frozenset({"agent", "admin"})
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no", ""})


class InvalidWebhook(ValueError):
    """The body is not the JSON our trigger sends; the message says what is wrong."""


class EventKind(StrEnum):
    COMMENT_CREATED = "comment_created"
    TICKET_UPDATED = "ticket_updated"
    PORT_OUT_REQUEST = "port_out_request"


@dataclass(frozen=True)
class WebhookAuthor:
    id: int | None
    name: str = ""
    email: str = ""
    role: str = ""  # "end-user", "agent", "admin", or "" when the trigger does not send it

    @property
    def is_agent(self) -> bool:
        return self.role in _AGENT_ROLES


@dataclass(frozen=True)
class WebhookAttachment:
    name: str
    url: str


@dataclass(frozen=True)
class WebhookComment:
    id: int
    body: str
    public: bool
    author: WebhookAuthor
    attachments: tuple[WebhookAttachment, ...] = ()


@dataclass(frozen=True)
class PortOutFields:
    """A ``port_out_request`` body; the PIN and account number never show (``Secret``)."""

    numbers: str
    carrier: str = ""
    spid: str = ""
    pon: str = ""
    foc_date: str = ""
    zip: str = ""
    subscriber_name: str = ""
    pin: Secret | None = None
    account_number: Secret | None = None
    author: WebhookAuthor | None = None


@dataclass(frozen=True)
class WebhookEvent:
    kind: EventKind
    ticket_id: int
    external_id: str | None  # the SID for tickets portbot created; None when empty
    status: str | None  # Zendesk's ticket status, lower case ("open", "pending", …)
    comment: WebhookComment | None = None
    fields: Mapping[int, str] = field(default_factory=lambda: MappingProxyType({}))
    tags: tuple[str, ...] = ()
    port_out: PortOutFields | None = None
    actor_id: int | None = None  # who made the change (Zendesk's events say; triggers do not)

    def field_value(self, field_id: int | None) -> str | None:
        """The value of custom field ``field_id`` when the body carried one, else ``None``."""
        if field_id is None:
            return None
        return self.fields.get(field_id)


# --- body ------------------------------------------------------------------------------------


def load(body: bytes) -> dict[str, Any]:
    """The JSON object in ``body``; :class:`InvalidWebhook` when it is not one. Line breaks
    and tabs left raw inside strings are accepted (``strict=False``)."""
    try:
        data = json.loads(body.decode("utf-8"), strict=False)
    except UnicodeDecodeError:
        raise InvalidWebhook("the body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InvalidWebhook(f"the body is not JSON ({exc.msg} at line {exc.lineno})") from None
    except (RecursionError, ValueError):  # nested past the parser's depth; a huge number
        raise InvalidWebhook("the body is not JSON our trigger sends") from None
    if not isinstance(data, dict):
        raise InvalidWebhook("the body must be a JSON object")
    return data


def parse(body: bytes) -> WebhookEvent:
    """The event in a trigger's ``body``; :class:`InvalidWebhook` when it is not the JSON we
    expect."""
    return from_trigger(load(body))


def from_trigger(data: Mapping[str, Any]) -> WebhookEvent:
    """The event in a trigger body already read by :func:`load`."""
    data = _decoded(data)
    raw_kind = _text(_required(data, "event"), "event").lower()
    try:
        kind = EventKind(raw_kind)
    except ValueError:
        allowed = ", ".join(k.value for k in EventKind)
        raise InvalidWebhook(f'"event" is {raw_kind[:40]!r}; expected one of {allowed}') from None

    ticket_id = _int(_required(data, "ticket_id"), "ticket_id")
    if ticket_id is None:
        raise InvalidWebhook('"ticket_id" is empty')
    comment = _comment(data.get("comment"), required=kind is EventKind.COMMENT_CREATED)
    return WebhookEvent(
        kind=kind,
        ticket_id=ticket_id,
        external_id=_text(data.get("external_id"), "external_id").strip() or None,
        status=_text(data.get("status"), "status").strip().lower() or None,
        comment=comment,
        fields=_fields(data.get("fields")),
        tags=_tags(data.get("tags")),
        port_out=_port_out(data) if kind is EventKind.PORT_OUT_REQUEST else None,
    )


def dedupe_key(headers: Mapping[str, str], event: WebhookEvent) -> str:
    """One key per delivery, the same for Zendesk's retries of it.

    Zendesk's invocation ID when the header is there; otherwise a hash of the parsed body (two
    byte-identical bodies parse to the same event, and so get the same key).
    """
    for name, value in headers.items():
        if name.lower() == INVOCATION_HEADER.lower() and value.strip():
            return f"zendesk:{event.ticket_id}:invocation:{value.strip()[:100]}"
    comment = event.comment
    content = {
        "kind": event.kind.value,
        "ticket_id": event.ticket_id,
        "external_id": event.external_id,
        "status": event.status,
        "comment": None
        if comment is None
        else {
            "id": comment.id,
            "body": comment.body,
            "public": comment.public,
            "author": [comment.author.id, comment.author.name, comment.author.email],
            "role": comment.author.role,
        },
        "fields": {str(k): v for k, v in sorted(event.fields.items())},
        "tags": list(event.tags),
    }
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    return f"zendesk:{event.ticket_id}:sha256:{digest}"


_URL_ENCODED = (  # the free-text fields of the README's bodies, by path
    *((key,) for key in ("numbers", "pin", "account_number", *_PORT_OUT_TEXT)),
    ("author", "name"),
    ("comment", "body"),
    ("comment", "author", "name"),
)


def _decoded(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """``data`` with its free-text fields URL-decoded when it says ``"encoding": "url"``
    (objects on the way are copied; ``data`` is left as it is)."""
    encoding = _text(data.get("encoding"), "encoding").strip().lower()
    if encoding in ("", "none"):
        return data
    if encoding != "url":
        raise InvalidWebhook(f'"encoding" is {encoding[:40]!r}; the only one known is "url"')
    top = dict(data)
    for *parents, key in _URL_ENCODED:
        where: Any = top
        for step in parents:  # copy each object on the way down before changing it
            if not isinstance(where.get(step), dict):
                break
            where[step] = where = dict(where[step])
        else:
            if isinstance(where.get(key), str):
                try:
                    where[key] = unquote_plus(where[key], errors="strict")
                except UnicodeDecodeError:
                    shown = ".".join([*parents, key])
                    raise InvalidWebhook(f'"{shown}" is not URL-encoded UTF-8 text') from None
    return top


def _required(data: Mapping[str, Any], key: str, where: str = "") -> Any:
    if key not in data or data[key] is None:
        raise InvalidWebhook(f'"{where}{key}" is missing')
    return data[key]


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | dict | list):
        raise InvalidWebhook(f'"{name}" should be text')
    return str(value)


def _int(value: Any, name: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InvalidWebhook(f'"{name}" should be a number')
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 19:
            raise InvalidWebhook(f'"{name}" should be a number, not {text[:40]!r}')
        number = int(text)
    if not 0 <= number <= MAX_ID:
        raise InvalidWebhook(f'"{name}" is out of range for a Zendesk ID')
    return number


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value, name).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidWebhook(f'"{name}" should be true or false, not {text[:40]!r}')


def _comment(value: Any, *, required: bool) -> WebhookComment | None:
    if value is None or value == "":
        if required:
            raise InvalidWebhook('"comment" is missing')
        return None
    if not isinstance(value, dict):
        raise InvalidWebhook('"comment" should be an object')
    comment_id = _int(_required(value, "id", "comment."), "comment.id")
    if comment_id is None:
        if not required:
            return None  # a ticket update whose trigger had no comment to show
        raise InvalidWebhook('"comment.id" is empty')
    body = _text(_required(value, "body", "comment."), "comment.body")
    return WebhookComment(
        id=comment_id,
        body=body,
        public=_bool(value.get("public", False), "comment.public"),
        author=_author(value.get("author") or {}, "comment.author"),
        attachments=_attachments(value.get("attachments")),
    )


def _author(author: Any, name: str) -> WebhookAuthor:
    if not isinstance(author, dict):
        raise InvalidWebhook(f'"{name}" should be an object')
    return WebhookAuthor(
        id=_int(author.get("id"), f"{name}.id"),
        name=_text(author.get("name"), f"{name}.name").strip(),
        email=_text(author.get("email"), f"{name}.email").strip().lower(),
        role=_text(author.get("role"), f"{name}.role").strip().lower(),
    )


def _port_out(data: Mapping[str, Any]) -> PortOutFields:
    """A ``port_out_request`` body's fields; never a PIN or an account number in a message."""
    numbers = _text(_required(data, "numbers"), "numbers")
    if len(numbers) > MAX_NUMBERS_TEXT:
        raise InvalidWebhook(f'"numbers" is longer than {MAX_NUMBERS_TEXT:,} characters')
    text = {k: _text(data.get(k), k).strip() for k in _PORT_OUT_TEXT}
    secret = {k: _text(data.get(k), k).strip() for k in ("pin", "account_number")}
    if too_long := [k for k, v in (text | secret).items() if len(v) > 1000]:
        raise InvalidWebhook(f'"{too_long[0]}" is longer than 1,000 characters')
    return PortOutFields(
        numbers=numbers,
        **text,
        pin=Secret(secret["pin"]) if secret["pin"] else None,
        account_number=Secret(secret["account_number"]) if secret["account_number"] else None,
        author=_author(data["author"], "author") if data.get("author") else None,
    )


def _attachments(value: Any) -> tuple[WebhookAttachment, ...]:
    """A comment's files: a list of ``{"name"|"file_name", "url"|"content_url"}`` objects, or a
    string of links separated by spaces (what a Liquid loop over the attachments writes).
    Only http(s) links are kept; a link's name is its ``name`` parameter or its last part."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items: list[Any] = value.split()
    elif isinstance(value, list):
        items = value
    else:
        raise InvalidWebhook('"comment.attachments" should be a list or a string of links')
    found: list[WebhookAttachment] = []
    for item in items[:20]:
        if isinstance(item, dict):
            url = _text(item.get("url") or item.get("content_url"), "attachment url").strip()
            name = _text(item.get("name") or item.get("file_name"), "attachment name").strip()
        else:
            url, name = _text(item, "attachment").strip(), ""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        name = name or parse_qs(parts.query).get("name", [""])[0]
        name = name or unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]) or "file"
        found.append(WebhookAttachment(name=name[:200], url=url))
    return tuple(found)


def _fields(value: Any) -> Mapping[int, str]:
    if value is None or value == "":
        return MappingProxyType({})
    if not isinstance(value, dict):
        raise InvalidWebhook('"fields" should be an object of field ID to value')
    out: dict[int, str] = {}
    for key, raw in value.items():
        field_id = _int(key, f"fields.{key}")
        if field_id is None:
            raise InvalidWebhook('"fields" has an empty field ID')
        text = "" if raw is None else _text(raw, f"fields.{key}").strip()
        out[field_id] = text
    return MappingProxyType(out)


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        items = [_text(v, "tags") for v in value]
    else:
        items = _text(value, "tags").replace(",", " ").split()
    return tuple(dict.fromkeys(t.strip().lower() for t in items if t.strip()))
