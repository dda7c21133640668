"""The Slack side of a reminder (outbox topic ``slack.reminder``).

The sweep (``bot.delivery.reminders``) renders each reminder into one outbox row per
destination, so a destination that fails is retried alone and never repeats another:

* ``thread``: the request's card thread (the card's ``SlackLink``); while the card is not
  posted yet the row waits (:class:`RetryLater`), for a day at most;
* ``rep``: a DM to the authorized representative, when their e-mail belongs to a Slack user
  other than the requester (no such user: nothing to do);
* ``agents``: the agents channel (``PORTBOT_AGENTS_CHANNEL``), with a link to the card;
* ``channel``: a given channel (and thread), for port-out windows and port-outs.

Messages carry Slack metadata (``event_type`` ``portbot_reminder``) naming the reminder.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlmodel import select

from bot.delivery.outbox import RetryLater
from bot.slack.delivery import SlackHandler, user_by_email
from storage.models import OutboxMessage, SlackLink

log = logging.getLogger(__name__)
TOPIC = "slack.reminder"
CARD_WAIT = timedelta(days=1)


class ReminderDelivery(SlackHandler):
    def _link(self, request_id: int | None) -> SlackLink | None:
        if request_id is None:
            return None
        with self.ctx.db.read() as s:
            return s.exec(select(SlackLink).where(SlackLink.request_id == request_id)).first()

    def _deliver(self, message: OutboxMessage) -> None:
        p = message.payload
        to = p.get("to")
        post: dict[str, Any] = {"text": p["text"], "blocks": p.get("blocks") or None}
        if p.get("metadata"):
            post["metadata"] = p["metadata"]
        if to == "thread":
            link = self._link(message.request_id)
            if link is None or not link.message_ts:
                if self.ctx.now() - message.created_at < CARD_WAIT:
                    raise RetryLater(30, "the request's card is not in Slack yet")
                log.warning("reminder %s dropped: request has no card", p.get("reminder_id"))
                return
            self.client.chat_postMessage(channel=link.channel_id, thread_ts=link.message_ts, **post)
        elif to == "rep":
            user = user_by_email(self.client, str(p.get("email") or ""))
            if user is None or user == p.get("requester"):
                return  # not in Slack, or already reminded in the thread
            self.client.chat_postMessage(channel=user, **post)
        elif to == "agents":
            if not self.agents_channel:
                log.info("reminder %s: no agents channel configured", p.get("reminder_id"))
                return
            post["blocks"] = self._with_card_link(message.request_id, post["blocks"])
            self.client.chat_postMessage(channel=self.agents_channel, **post)
        elif to == "channel":
            channel = p.get("channel") or self.agents_channel
            if not channel:
                return
            self.client.chat_postMessage(channel=channel, thread_ts=p.get("thread_ts"), **post)
        else:
            raise ValueError(f"unknown reminder destination {to!r}")

    def _with_card_link(
        self, request_id: int | None, blocks: list[dict[str, Any]] | None
    ) -> list[dict[str, Any]] | None:
        link = self._link(request_id)
        if link is None or not link.message_ts or not blocks:
            return blocks
        try:
            url = self.client.chat_getPermalink(
                channel=link.channel_id, message_ts=link.message_ts
            )["permalink"]
        except SlackApiError as exc:
            if exc.response.status_code == 429:
                raise
            return blocks  # the alert still goes out, without the link
        safe = str(url).replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
        card = {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"<{safe}|Open the card>"}],
        }
        return [*blocks, card]
