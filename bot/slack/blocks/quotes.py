"""The fee quote in Slack: the thread message with Accept and Decline, and the card's lines.

Pure builders. The words are :mod:`bot.wording.quotes`; every outside string is escaped.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ConfirmObject

from bot.services.base import Snapshot
from bot.slack.blocks.text import context, escape, mrkdwn, section
from bot.slack.ids import Action
from bot.wording import quotes as words
from storage.models import PortRequest, TimelineEvent
from storage.values import RequestStatus


def _zone(tz: tzinfo | str | None) -> str:
    return tz if isinstance(tz, str) else "UTC"


def answer_buttons(sid: str) -> ActionsBlock:
    """Accept and Decline; declining closes the request, so it asks first."""
    decline_confirm = ConfirmObject(
        title="Decline the quote?",
        text="The request will be cancelled and nothing goes to the carrier.",
        confirm="Decline",
        deny="Keep it",
        style="danger",
    )
    return ActionsBlock(
        elements=[
            ButtonElement(text="Accept", action_id=Action.QUOTE_ACCEPT, value=sid, style="primary"),
            ButtonElement(
                text="Decline",
                action_id=Action.QUOTE_DECLINE,
                value=sid,
                style="danger",
                confirm=decline_confirm,
            ),
        ]
    )


def quote_message(req: PortRequest, tz: tzinfo | str | None) -> list[Block] | None:
    """The quote with its buttons while it waits for an answer, or None."""
    quote = words.quote_of(req)
    if quote is None or req.status is not RequestStatus.QUOTE_PENDING or not quote.open:
        return None
    return [section(mrkdwn(words.offer(quote, _zone(tz)))), answer_buttons(req.sid)]


def thread_message(
    event: TimelineEvent | None, req: PortRequest, text: str, tz: tzinfo | str | None = None
) -> dict[str, Any]:
    """The keyword arguments of the thread post for ``event``: the quote's own message carries
    the offer and its buttons while the quote still waits; every other event is ``text``."""
    if event is not None and event.action == "send_quote":
        blocks = quote_message(req, tz)
        if blocks:
            return {"text": text, "blocks": [section(text), *blocks]}
    return {"text": text}


def answered_message(req: PortRequest, said: str, tz: tzinfo | str | None) -> dict[str, Any]:
    """The quote's thread message once answered: what it said, and the answer, no buttons."""
    quote = words.quote_of(req)
    state = words.status_text(quote, _zone(tz)) if quote else "answered"
    blocks = [section(said), context(escape(f"Fee quote {state}."))]
    return {"text": said, "blocks": blocks}


def status_quote(snap: Snapshot, tz: tzinfo | str | None = None) -> list[Block]:
    """``/port status`` and Details: the quote's field, and while it waits, Accept and Decline
    (the buttons re-check who may answer, as the thread's do)."""
    found: list[Block] = [section(f) for f in quote_fields(snap, tz)]
    quote = words.quote_of(snap.request)
    if quote is not None and quote.open and snap.status is RequestStatus.QUOTE_PENDING:
        found.append(answer_buttons(snap.sid))
    return found


def quote_fields(snap: Snapshot, tz: tzinfo | str | None = None) -> list[str]:
    """The card's field for the quote (price, state, charge), or nothing without a quote."""
    lines = words.lines(words.quote_of(snap.request), _zone(tz))
    if not lines:
        return []
    return ["*Fee quote*\n" + "\n".join(escape(line) for line in lines)]
