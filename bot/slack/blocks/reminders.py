"""Reminder messages in Slack: a :class:`~bot.wording.reminders.Notice` as mrkdwn and blocks,
and the message metadata that names the reminder.

Pure: the words come from ``bot.wording.reminders`` (one builder per kind); here they are
rendered with :func:`~bot.slack.blocks.text.mrkdwn`, which escapes every outside string, and
the notice's neutral actions become buttons with our action ids. Blocks are built as the plain
dicts Slack receives (the ``slack_sdk.models`` round trip costs more than the rest of a
delivery); a golden test checks them against ``slack_sdk``'s own serialisation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.porting.reminders import ReminderKind
from bot.slack import ids
from bot.slack.blocks.text import MAX_SECTION, mrkdwn, truncate
from bot.wording.reminders import Action, Notice, Verb
from bot.wording.rich import code, link, rich

Block = dict[str, Any]
METADATA_TYPE = "portbot_reminder"

__all__ = ["METADATA_TYPE", "Message", "card_link", "message", "metadata", "reminder_of"]

BUTTONS: Mapping[Verb, ids.Action] = {
    Verb.DETAILS: ids.Action.STATUS,
    Verb.RESEND_LOA: ids.Action.RESEND_LOA,
    Verb.RESUME: ids.Action.RESUME,
    Verb.CANCEL: ids.Action.CANCEL,
}


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[Block] = field(default_factory=list)


def message(notice: Notice) -> Message:
    """``text`` (mrkdwn, also the notification) and ``blocks``: the body (a section per part
    of a combined notice), the buttons (their value is the request's sid) and a footer naming
    the request."""
    body = mrkdwn(notice.body)
    blocks = [_section(mrkdwn(part)) for part in notice.sections] or [_section(body)]
    if notice.actions:
        buttons = [_button(a, notice.ref or "") for a in notice.actions]
        block_id = f"port-reminder-{notice.ref}"
        blocks.append({"type": "actions", "block_id": block_id, "elements": buttons})
    if notice.ref:
        blocks.append(_context(mrkdwn(rich(code(notice.ref), " · a reminder from portbot"))))
    return Message(text=body, blocks=blocks)


def card_link(url: str) -> Block:
    """A context block linking to the request's card (under the agents' alerts)."""
    return _context(mrkdwn(rich(link(url, "Open the card"))))


def metadata(
    kind: ReminderKind,
    subject: str,
    stage: object = None,
    *,
    also: Sequence[ReminderKind] = (),
) -> dict[str, Any]:
    """Slack message metadata naming the reminder (tests and support find messages by it);
    ``also``: the kinds of the other reminders told in the same message (``kinds`` lists
    them all, comma-separated)."""
    payload = {"kind": kind.value, "subject": subject}
    if stage is not None:
        payload["stage"] = str(stage)
    if also:
        payload["kinds"] = ",".join(k.value for k in (kind, *also))
    return {"event_type": METADATA_TYPE, "event_payload": payload}


def reminder_of(post: Mapping[str, Any]) -> dict[str, Any] | None:
    """The reminder a ``chat.postMessage`` call's arguments carry (what :func:`metadata` put
    in: kind, subject, stage), or None for any other message. Slack's form encoding sends the
    metadata as a JSON string."""
    meta = post.get("metadata")
    if isinstance(meta, str):
        meta = json.loads(meta)
    if not isinstance(meta, dict) or meta.get("event_type") != METADATA_TYPE:
        return None
    return dict(meta.get("event_payload") or {})


def _button(action: Action, sid: str) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(action.label, 75), "emoji": True},
        "action_id": BUTTONS[action.verb].value,
        "value": sid,
    }
    if action.style:
        button["style"] = action.style
    return button


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION)}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 3000)}]}
