"""The Slack side of transfers between accounts (outbox topic ``slack.transfer_event``).

Every event makes sure the transfer's card is in both accounts' channels (a DM for an account
that is a person) and in the agents channel, posted once each and then updated in place from
the transfer as it is when delivered; the agents' copy carries Complete and Cancel while it is
requested. Then what happened is said where it matters:

* **completed** — the destination is told, in its channel, that the numbers are there and that
  their call routing and SMS settings were reset and must be set up again; the source's card
  gets a line in its thread.
* **cancelled** — a line in the thread of both accounts' cards.
* **late** — the agents channel is told the transfer is waiting past its two business days
  (only while it is still requested: a transfer completed meanwhile says nothing).

Cards are updated before anything is said, so a delivery tried again after a failure repeats no
card; where each card lives is kept on the transfer (``slack_cards``).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.slack.blocks import transfers as views
from bot.slack.delivery import SlackHandler
from bot.wording import transfers as words
from storage.models import OutboxMessage
from storage.transfer_models import Transfer
from storage.values import TransferStatus

log = logging.getLogger(__name__)

SOURCE, DESTINATION, AGENTS = "source", "destination", "agents"


class TransferDelivery(SlackHandler):
    """Topic ``slack.transfer_event`` (payload ``transfer_id``, ``event_id``, ``action``)."""

    def _deliver(self, message: OutboxMessage) -> None:
        payload = message.payload
        with self.ctx.db.read() as s:
            transfer = s.get(Transfer, payload.get("transfer_id"))
        if transfer is None:
            return
        cards = self._cards(transfer)
        action = str(payload.get("action") or "")
        if action == "completed" and transfer.status is TransferStatus.COMPLETED:
            if DESTINATION in cards:
                channel = cards[DESTINATION][0]
                text = views.notice(words.arrived(transfer), ":inbox_tray:")
                self.client.chat_postMessage(channel=channel, text=text)
            self._thread(cards, SOURCE, views.notice(words.left(transfer), ":outbox_tray:"))
        elif action == "cancelled" and transfer.status is TransferStatus.CANCELLED:
            text = views.notice(words.cancelled(transfer), ":no_entry_sign:")
            for where in (SOURCE, DESTINATION):
                self._thread(cards, where, text)
        elif action == "late" and transfer.status is TransferStatus.REQUESTED:
            self._late(transfer)

    def _late(self, transfer: Transfer) -> None:
        if self.agents_channel:
            text = views.notice(words.late(transfer, self.ctx.calendar.timezone), ":alarm_clock:")
            self.client.chat_postMessage(channel=self.agents_channel, text=text)

    def _cards(self, transfer: Transfer) -> dict[str, list[str]]:
        """Post the card where it is missing, update it where it is; where each one is."""
        tz = self.ctx.calendar.timezone
        fallback = views.transfer_card_text(transfer)
        cards = {k: list(v) for k, v in (transfer.slack_cards or {}).items()}
        places = {SOURCE: transfer.source, DESTINATION: transfer.destination}
        if self.agents_channel and self.agents_channel not in places.values():
            places[AGENTS] = self.agents_channel
        posted = False
        for where, account in places.items():
            blocks = views.transfer_card(transfer, tz, for_agents=where == AGENTS)
            if where in cards:
                channel, ts = cards[where]
                self.client.chat_update(channel=channel, ts=ts, text=fallback, blocks=blocks)
                continue
            channel_id = self._channel(account)
            if channel_id is None:
                continue
            answer = self.client.chat_postMessage(channel=channel_id, text=fallback, blocks=blocks)
            cards[where] = [channel_id, str(answer["ts"])]
            posted = True
        if posted:
            self._keep(transfer, cards)
        return cards

    def _keep(self, transfer: Transfer, cards: dict[str, list[str]]) -> None:
        with self.ctx.db.write() as s:
            row = s.get(Transfer, transfer.id)
            if row is None:
                return
            row.slack_cards = {**(row.slack_cards or {}), **cards}
            s.add(row)

    def _thread(self, cards: dict[str, list[str]], where: str, text: str) -> None:
        if where in cards:
            channel, ts = cards[where]
            self.client.chat_postMessage(channel=channel, thread_ts=ts, text=text)

    def _channel(self, account: str) -> str | None:
        if account[:1] in ("C", "G"):
            return account
        if account[:1] in ("U", "W"):
            opened: Any = self.client.conversations_open(users=account)
            return str(opened["channel"]["id"])
        log.warning("transfer card: %r is neither a channel nor a person", account[:40])
        return None
