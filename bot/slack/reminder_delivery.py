"""The Slack side of a reminder (outbox topic ``slack.reminder``).

The sweep (``bot.delivery.reminders``) queues one outbox row per destination of a reminder,
carrying the reminder's id and the destination (``to``), so a destination that fails is retried
alone and never repeats another. Delivering one, this handler words the message from the
reminder and its subject as they are now (``bot.services.reminders.message_of``: one builder
per kind, counts of days as of today), renders it as Block Kit and posts it:

* ``thread``: the request's card thread (the card's ``SlackLink``); while the card is not
  posted yet the row waits (:class:`RetryLater`), for a day at most. The request's thread
  reminders that fall due within the hour go out as one message (``rsvc.thread_members``
  says which; the others' rows then post nothing), mentioning the requester once, and only
  when one of them asks them to act;
* ``rep``: a DM to the authorized representative, when their e-mail belongs to a Slack user
  other than the requester (no such user: nothing to do);
* ``agents``: the agents channel (``PORTBOT_AGENTS_CHANNEL``), with a link to the card;
* ``channel``: a port-out window's channel (or its creator), or a port-out's card thread
  (else the agents channel).

A reminder that is no longer true when its row is delivered (the request was cancelled while
the row waited for the card, the LOA got signed, a window closed) is dropped: nothing is posted
and the row is not retried (``message_of`` says why; it is logged and kept on the reminder).

Messages carry Slack metadata (``event_type`` ``portbot_reminder``) naming the reminder.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlmodel import col, select

from bot.delivery.outbox import RetryLater
from bot.porting.reminders import Destination
from bot.services import reminders as rsvc
from bot.slack.blocks import reminders as blocks
from bot.slack.delivery import SlackHandler, user_by_email
from bot.wording.reminders import combine
from storage.models import OutboxMessage, SlackLink

log = logging.getLogger(__name__)
CARD_WAIT = timedelta(days=1)


class ReminderDelivery(SlackHandler):
    def _link(
        self, *, request_id: int | None = None, port_out_id: int | None = None
    ) -> SlackLink | None:
        """The Slack card of a request (``request_id``) or else of a port-out
        (``port_out_id``); None without either."""
        if request_id is not None:
            where = col(SlackLink.request_id) == request_id
        elif port_out_id is not None:
            where = col(SlackLink.port_out_id) == port_out_id
        else:
            return None
        with self.ctx.db.read() as s:
            return s.exec(select(SlackLink).where(where)).first()

    def _deliver(self, message: OutboxMessage) -> None:
        p = message.payload
        to = Destination(str(p.get("to")))
        if to is Destination.NOTE:
            raise ValueError(f"unknown reminder destination {to.value!r}")
        if to is Destination.THREAD:
            card = self._link(request_id=message.request_id)
            if card is None or not card.message_ts:
                if self.ctx.now() - message.created_at < CARD_WAIT:
                    raise RetryLater(30, "the request's card is not in Slack yet")
                log.warning("reminder %s dropped: request has no card", p.get("reminder_id"))
                return
            self._thread(int(p["reminder_id"]), card)
            return
        told = rsvc.message_of(self.ctx, int(p["reminder_id"]), to)
        if isinstance(told, rsvc.Dropped):
            log.info("reminder %s for %s not sent: %s", told.reminder_id, to.value, told.why)
            return
        msg = blocks.message(told.notice)
        post: dict[str, Any] = {
            "text": msg.text,
            "blocks": msg.blocks,
            "metadata": blocks.metadata(told.kind, told.subject, told.stage),
        }
        if to is Destination.REP:
            req = told.request
            user = user_by_email(self.client, str(req.rep_email or ""))
            if user is None or user == req.requester_id:
                return  # not in Slack, or already reminded in the thread
            self.client.chat_postMessage(channel=user, **post)
        elif to is Destination.AGENTS:
            if not self.agents_channel:
                log.info("reminder %s: no agents channel configured", p.get("reminder_id"))
                return
            post["blocks"] = self._with_card_link(message.request_id, msg.blocks)
            self.client.chat_postMessage(channel=self.agents_channel, **post)
        else:
            channel, thread_ts = self._place(told)
            if not channel:
                return
            self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, **post)

    def _thread(self, reminder_id: int, card: SlackLink) -> None:
        """The request's thread: this reminder and the request's others due within the hour
        (``rsvc.thread_members``), as one message with one mention at most; nothing when
        another reminder's message told this one already."""
        members = rsvc.thread_members(self.ctx, reminder_id)
        if isinstance(members, rsvc.Covered):
            log.info("reminder %s was told with reminder %s", reminder_id, members.by)
            return
        told = []
        for member in members:
            message = rsvc.message_of(self.ctx, member, Destination.THREAD)
            if isinstance(message, rsvc.Dropped):
                log.info("reminder %s for the thread not sent: %s", member, message.why)
            else:
                told.append(message)
        if not told:
            return
        lead = told[0]
        msg = blocks.message(combine([t.notice for t in told]))
        self.client.chat_postMessage(
            channel=card.channel_id,
            thread_ts=card.message_ts,
            text=msg.text,
            blocks=msg.blocks,
            metadata=blocks.metadata(
                lead.kind, lead.subject, lead.stage, also=[t.kind for t in told[1:]]
            ),
        )

    def _place(self, told: rsvc.ReminderMessage) -> tuple[str | None, str | None]:
        """Where a port-out window's or a port-out's message goes: the window's channel (or
        its creator), the port-out card's thread, else the agents channel."""
        window = told.window
        if window is not None:
            return window.channel_id or window.created_by or self.agents_channel, None
        if told.port_out is not None:
            link = self._link(port_out_id=told.port_out.id)
            if link is not None:
                return link.channel_id or self.agents_channel, link.message_ts
        return self.agents_channel, None

    def _with_card_link(
        self, request_id: int | None, blocks_: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        link = self._link(request_id=request_id)
        if link is None or not link.message_ts or not blocks_:
            return blocks_
        try:
            url = self.client.chat_getPermalink(
                channel=link.channel_id, message_ts=link.message_ts
            )["permalink"]
        except SlackApiError as exc:
            if exc.response.status_code == 429:
                raise
            return blocks_  # the alert still goes out, without the link
        return [*blocks_, blocks.card_link(str(url))]
