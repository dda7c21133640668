"""Side effects as outbox rows: every topic named once, one way to queue a row.

A use case never talks to Slack, Zendesk or a mail server. It queues a row with :func:`enqueue`
in its own transaction, naming a :class:`Topic`; after the commit the outbox delivers it through
the handler the assembly (``bot.server``) registered for that topic. Payloads carry ids; the
handlers render from the state the rows point at when they deliver.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from bot import trace
from storage.models import OutboxMessage
from storage.values import OutboxStatus


class Topic(StrEnum):
    """Every kind of outbox row. The part before the dot is the destination: each destination
    is delivered by a lane of its own, so one that is down holds up nobody else."""

    SLACK_REQUEST_EVENT = "slack.request_event"
    """A request changed: post or update its card, add the event to its thread."""
    SLACK_REMINDER = "slack.reminder"
    """A reminder for a thread, a representative's DM, the agents channel or a channel."""
    SLACK_ALERT = "slack.alert"
    """A delivery was set aside as dead: tell the agents channel."""
    ZENDESK_REQUEST_EVENT = "zendesk.request_event"
    """A request changed: create its ticket once, then one minimal update per change."""
    ZENDESK_NOTE = "zendesk.note"
    """An internal note for the agents on a ticket (a reminder, a refused change)."""
    SLACK_PORT_OUT_EVENT = "slack.port_out_event"
    """A port-out arrived or changed: post or update its card in the account's channel, and
    on arrival tell the account's people at once."""
    SLACK_ACCOUNT_NOTICE = "slack.account_notice"
    """An account's protection changed (locked, unlocking, PIN set), or a port-out was asked
    for: tell the account's channel, and the agents when they must act."""
    ZENDESK_PORT_OUT_EVENT = "zendesk.port_out_event"
    """A port-out arrived or changed: create its ticket once, then a note per decision."""
    ZENDESK_PORT_OUT_REQUEST = "zendesk.port_out_request"
    """A customer asked for a port-out: open a ticket for the agents (tags portbot, port_out)."""
    SLACK_TRANSFER_EVENT = "slack.transfer_event"
    """A transfer between two accounts was asked for, completed, cancelled or is late: its
    cards in both accounts' channels and the agents channel, and what happened."""
    ZENDESK_TRANSFER_EVENT = "zendesk.transfer_event"
    """A transfer changed: create its ticket once (tags portbot, transfer), then a note."""
    LOA_SEND = "loa.send"
    """Render the Letter of Authorization, issue a signing link, send it to the signer."""

    @property
    def destination(self) -> str:
        return self.value.split(".", 1)[0]


def outbox_values(
    topic: Topic,
    payload: dict[str, Any],
    *,
    key: str,
    now: datetime,
    request_id: int | None = None,
) -> dict[str, Any]:
    """Column values of one new row (for bulk inserts of many rows in one statement)."""
    return {
        "request_id": request_id,
        "topic": Topic(topic).value,
        "payload": payload,
        "dedupe_key": key,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "trace_id": trace.current(),
    }


def enqueue(
    session: Session,
    topic: Topic,
    payload: dict[str, Any],
    *,
    key: str,
    now: datetime,
    request_id: int | None = None,
) -> OutboxMessage:
    """Queue one side effect in the caller's transaction. ``key`` is unique over all rows: a
    second row with the same key fails the transaction (callers that may repeat themselves
    choose a key that names what they do once)."""
    row = OutboxMessage(**outbox_values(topic, payload, key=key, now=now, request_id=request_id))
    session.add(row)
    return row
