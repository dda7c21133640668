"""Zendesk's own ticket events, read into what the trigger bodies already mean to portbot.

Pure: no HTTP, no database, no clock reads.

An admin can subscribe a webhook to Zendesk's events instead of writing triggers: no Liquid,
and Zendesk writes the JSON itself. Every event body has the same frame (developer.zendesk.com,
Webhooks → Event types → "Webhook event types", and "Ticket events" for the ``detail`` and
``event`` of each ticket event)::

    {
      "type": "zen:event-type:ticket.comment_added",
      "account_id": 22129848,
      "id": "cbe4028c-7239-495d-b020-f22348516046",    # the event's own id
      "time": "2025-01-08T10:12:07.672717030Z",
      "zendesk_event_version": "2022-11-06",
      "subject": "zen:ticket:5158",
      "detail": {"id": "5158", "external_id": "PR…", "status": "OPEN", "tags": [...], ...},
      "event": {"comment": {"id": "…", "body": "…", "is_public": true,
                            "author": {"id": "…", "is_staff": true, "name": "Dana"}}}
    }

IDs come as strings, statuses in capitals. Three ticket events mean something to portbot:

* ``ticket.comment_added`` (``event.comment``) is a ``comment_created``: the same use case as
  the README's comment trigger. ``is_staff`` stands for the author's role (``agent`` or
  ``end-user``). The event carries no e-mail address: the caller knows portbot's own comments
  by ids, ``detail.actor_id`` (who made the update: portbot's API user also writes comments on
  a customer's behalf) and the author's.
* ``ticket.custom_field_changed`` (``event.custom_field.id``, ``event.current``: the value,
  or ``{"value": …}``) is a ``ticket_updated`` carrying that one field.
* ``ticket.status_changed`` (``event.current``, ``event.previous``) is read but not used:
  the trigger path has no use for Zendesk's status either (portbot keeps its own lifecycle).

Any other event type, ticket or not, is :class:`Ignored`: authentic and well formed, it is
answered 2xx and logged, never refused (a 4xx would show the admin a failing webhook). A body
that names one of the three but lacks what that event always carries is
:class:`~bot.zendesk.webhook.InvalidWebhook` (400).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.zendesk.webhook import (
    MAX_ID,
    EventKind,
    InvalidWebhook,
    WebhookAuthor,
    WebhookComment,
    WebhookEvent,
)

__all__ = [
    "COMMENT_ADDED",
    "CUSTOM_FIELD_CHANGED",
    "PREFIX",
    "STATUS_CHANGED",
    "Ignored",
    "TicketEvent",
    "is_event",
    "read",
]

PREFIX = "zen:event-type:"
COMMENT_ADDED = f"{PREFIX}ticket.comment_added"
CUSTOM_FIELD_CHANGED = f"{PREFIX}ticket.custom_field_changed"
STATUS_CHANGED = f"{PREFIX}ticket.status_changed"
_TICKET_SUBJECT = "zen:ticket:"


@dataclass(frozen=True)
class TicketEvent:
    """An event portbot acts on, as the trigger body that means the same (``ticket``)."""

    type: str
    event_id: str  # Zendesk's id for the event ("" when the body has none)
    time: datetime | None  # when it happened in Zendesk, when the body says so
    ticket: WebhookEvent


@dataclass(frozen=True)
class Ignored:
    """An authentic event portbot has no use for, and why (for the answer and the log)."""

    type: str
    ticket_id: int | None
    reason: str


def is_event(data: Mapping[str, Any]) -> bool:
    """Whether ``data`` (a JSON object) is one of Zendesk's event bodies, not a trigger's."""
    kind = data.get("type")
    return isinstance(kind, str) and kind.startswith(PREFIX)


def read(data: Mapping[str, Any]) -> TicketEvent | Ignored:
    """The event in ``data`` (:func:`is_event` is true of it)."""
    kind = str(data["type"]).strip()
    short = kind.removeprefix(PREFIX)
    if not short.startswith("ticket."):
        return Ignored(kind, None, f"portbot does not use {short[:60]} events")
    ticket_id = _ticket_id(data)
    if kind not in (COMMENT_ADDED, CUSTOM_FIELD_CHANGED, STATUS_CHANGED):
        return Ignored(kind, ticket_id, f"portbot does not use {short[:60]} events")
    change = data.get("event")
    if not isinstance(change, dict):
        raise InvalidWebhook(f'"event" should be an object for {short}')
    detail = data.get("detail")
    if not isinstance(detail, dict):
        detail = {}
    if kind == STATUS_CHANGED:
        now = _text(change.get("current"), "event.current").lower() or "(none)"
        was = _text(change.get("previous"), "event.previous").lower() or "(none)"
        why = f"the ticket's status went from {was[:20]} to {now[:20]}; portbot keeps its own"
        return Ignored(kind, ticket_id, why)
    base: dict[str, Any] = {
        "ticket_id": ticket_id,
        "external_id": _text(detail.get("external_id"), "detail.external_id").strip() or None,
        "status": _text(detail.get("status"), "detail.status").strip().lower() or None,
        "tags": _tags(detail.get("tags")),
        "actor_id": _id(detail["actor_id"], "detail.actor_id") if detail.get("actor_id") else None,
    }
    if kind == COMMENT_ADDED:
        ticket = WebhookEvent(EventKind.COMMENT_CREATED, comment=_comment(change), **base)
    else:
        field_id, value = _custom_field(change)
        ticket = WebhookEvent(EventKind.TICKET_UPDATED, fields={field_id: value}, **base)
    event_id = _text(data.get("id"), "id").strip()[:100]
    return TicketEvent(kind, event_id, _time(data.get("time")), ticket)


# --- parts -----------------------------------------------------------------------------------


def _ticket_id(data: Mapping[str, Any]) -> int:
    """The ticket's id: ``detail.id``, else the number in ``subject`` (``zen:ticket:5158``)."""
    detail = data.get("detail")
    if isinstance(detail, dict) and detail.get("id") not in (None, ""):
        return _id(detail["id"], "detail.id")
    subject = data.get("subject")
    if isinstance(subject, str) and subject.startswith(_TICKET_SUBJECT):
        return _id(subject.removeprefix(_TICKET_SUBJECT), "subject")
    raise InvalidWebhook('a ticket event needs its ticket: "detail.id" or "subject" is missing')


def _comment(change: Mapping[str, Any]) -> WebhookComment:
    comment = change.get("comment")
    if not isinstance(comment, dict):
        raise InvalidWebhook('"event.comment" is missing')
    if "body" not in comment or comment["body"] is None:
        raise InvalidWebhook('"event.comment.body" is missing')
    author = comment.get("author")
    if not isinstance(author, dict):
        author = {}
    staff = _flag(author.get("is_staff"), "event.comment.author.is_staff")
    return WebhookComment(
        id=_id(comment.get("id"), "event.comment.id"),
        body=_text(comment["body"], "event.comment.body"),
        public=_flag(comment.get("is_public"), "event.comment.is_public"),
        author=WebhookAuthor(
            id=_id(author["id"], "event.comment.author.id") if author.get("id") else None,
            name=_text(author.get("name"), "event.comment.author.name").strip(),
            role="agent" if staff else "end-user",
        ),
    )


def _custom_field(change: Mapping[str, Any]) -> tuple[int, str]:
    field = change.get("custom_field")
    if not isinstance(field, dict) or field.get("id") in (None, ""):
        raise InvalidWebhook('"event.custom_field.id" is missing')
    value = change.get("current")
    if isinstance(value, dict):  # {"value": …} in some of Zendesk's examples
        value = value.get("value")
    if isinstance(value, list):  # a multi-select: its option tags
        value = " ".join(_text(v, "event.current") for v in value)
    return _id(field["id"], "event.custom_field.id"), _text(value, "event.current").strip()


def _id(value: Any, name: str) -> int:
    ok = isinstance(value, int | str) and not isinstance(value, bool)
    text = str(value).strip() if ok else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > MAX_ID:
        raise InvalidWebhook(f'"{name}" should be a Zendesk ID, not {str(value)[:40]!r}')
    return int(text)


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        raise InvalidWebhook(f'"{name}" should be text')
    return str(value).lower() if isinstance(value, bool) else str(value)


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value, name).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise InvalidWebhook(f'"{name}" should be true or false')


def _tags(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else str(value or "").split()
    return tuple(dict.fromkeys(str(t).strip().lower() for t in items if str(t).strip()))


def _time(value: Any) -> datetime | None:
    """The event's ``time`` as an aware UTC instant (nanoseconds cut to microseconds)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # fromisoformat takes at most six fraction digits on some Pythons
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidWebhook(f'"time" is not ISO 8601: {value[:40]!r}') from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
