"""The Slack side of port-outs (outbox topics ``slack.port_out_event`` and
``slack.account_notice``).

A port-out's first event posts its card where its account lives (the channel, or the person's
DM; numbers nobody holds go to the agents channel) and tells the account's people at once: a
direct message with Approve and Reject to whoever opened the port-ins that brought the numbers.
Later events update the card in place and say what happened in its thread (the deadline's own
notice comes from the reminders, so that one is not said twice). Everything is rendered from the
port-out as it is when delivered.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel import select

from bot.services.port_outs.overview import requesters_of
from bot.services.reminders.rows import policy_of
from bot.slack.blocks import port_outs as views
from bot.slack.blocks.text import mrkdwn
from bot.slack.delivery import SlackHandler
from bot.wording.port_out_notices import account_notice, requested_notice
from bot.wording.port_outs import port_out_news
from storage.models import OutboxMessage, PortOut, PortOutEvent, PortOutWindow, SlackLink

log = logging.getLogger(__name__)


class PortOutDelivery(SlackHandler):
    """Topic ``slack.port_out_event``."""

    def _deliver(self, message: OutboxMessage) -> None:
        payload = message.payload
        with self.ctx.db.read() as s:
            po = s.get(PortOut, payload["port_out_id"])
            event = s.get(PortOutEvent, payload.get("event_id"))
            link = s.exec(
                select(SlackLink).where(SlackLink.port_out_id == payload["port_out_id"])
            ).first()
        if po is None:
            return
        tz, default = self.ctx.calendar.timezone, policy_of(self.ctx).port_out_default
        blocks = views.port_out_card(po, tz, default=default)
        fallback = views.port_out_card_text(po, tz)
        if link is None or link.message_ts is None:
            self._first(po, blocks, fallback, default)
            return
        self.client.chat_update(
            channel=link.channel_id, ts=link.message_ts, text=fallback, blocks=blocks
        )
        if (
            event is None
            or event.action == "arrived"
            or (event.data or {}).get("rule") == "deadline"
        ):
            return
        news = mrkdwn(port_out_news(po, event.action, tz, default=default, actor=event.actor_name))
        self.client.chat_postMessage(channel=link.channel_id, thread_ts=link.message_ts, text=news)

    def _first(self, po: PortOut, blocks: list[Any], fallback: str, default: str) -> None:
        channel = self._channel(po.account)
        if channel is None:
            return
        posted = self.client.chat_postMessage(channel=channel, text=fallback, blocks=blocks)
        with self.ctx.db.write() as s:
            found = s.exec(select(SlackLink).where(SlackLink.port_out_id == po.id)).first()
            found = found or SlackLink(port_out_id=po.id, channel_id=channel)
            found.team_id, found.channel_id, found.message_ts = po.team_id, channel, posted["ts"]
            s.add(found)
        if po.account and self.agents_channel and channel != self.agents_channel:
            self.client.chat_postMessage(
                channel=self.agents_channel, text=f"New port-out: {fallback}"
            )
        if po.account:  # tell the people who brought these numbers in, at once
            notice = views.port_out_notice(po, self.ctx.calendar.timezone, default=default)
            for user in requesters_of(self.ctx, po.numbers):
                if user == po.account:
                    continue  # the card went to their DM already
                dm = self.client.conversations_open(users=user)["channel"]["id"]
                self.client.chat_postMessage(channel=dm, text=fallback, blocks=notice)

    def _channel(self, account: str) -> str | None:
        if account[:1] in ("C", "G"):
            return account
        if account[:1] in ("U", "W"):
            return str(self.client.conversations_open(users=account)["channel"]["id"])
        return self.agents_channel  # nobody here holds the numbers


class AccountNoticeDelivery(SlackHandler):
    """Topic ``slack.account_notice``: protection changed, or a port-out was asked for."""

    def _deliver(self, message: OutboxMessage) -> None:
        payload = message.payload
        tz = self.ctx.calendar.timezone
        account = str(payload.get("account") or "")
        if payload.get("kind") == "requested":
            with self.ctx.db.read() as s:
                window = s.get(PortOutWindow, payload.get("window_id"))
            if window is None or self.agents_channel is None:
                return
            self.client.chat_postMessage(
                channel=self.agents_channel, text=mrkdwn(requested_notice(window, tz))
            )
            return
        unlock_at = payload.get("unlock_at")
        words = account_notice(
            str(payload.get("kind")),
            [str(n) for n in payload.get("numbers") or ()],
            by=str(payload.get("by") or ""),
            unlock_at=datetime.fromisoformat(unlock_at) if unlock_at else None,
            tz=tz,
        )
        channel = account if account[:1] in ("C", "G") else None
        if channel is None and account[:1] in ("U", "W"):
            channel = str(self.client.conversations_open(users=account)["channel"]["id"])
        if channel:
            self.client.chat_postMessage(channel=channel, text=mrkdwn(words))
