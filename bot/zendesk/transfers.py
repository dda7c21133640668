"""Transfers between accounts on Zendesk (outbox topic ``zendesk.transfer_event``): one ticket per
transfer for the porting team, then an internal note per later event.

The first delivery for a transfer makes sure its one ticket exists: the id kept on the transfer
(``transfers.ticket_id``) first, then a lookup by ``external_id`` (the transfer's ``TR…`` id: a
create that timed out may have succeeded), only then a create with an ``Idempotency-Key``. The
ticket's first comment is an internal note with the transfer as it stands (what moves, from
where to where, who asked, how to complete it); tags ``portbot``, ``transfer`` and
``transfer_status_<status>``; no requester, so Zendesk makes the API user (the porting team) the
requester. Completion, cancellation and the late alert each add one internal note and move the
status tag, worded from the transfer as it is at delivery (a note whose news is no longer true
is left out).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.wording import transfers as words
from bot.wording.formats import clip
from bot.zendesk.handler import TicketHandler
from bot.zendesk.mapping import TAG_APP
from storage.models import OutboxMessage
from storage.transfer_models import Transfer, TransferEvent
from storage.values import TransferStatus

log = logging.getLogger(__name__)

TAG_TRANSFER = "transfer"
STATUS_TAG_PREFIX = "transfer_status_"
_MAX_COMMENT = 60_000  # Zendesk takes 64 KB per comment; room for the JSON around it


def status_tag(status: TransferStatus) -> str:
    return STATUS_TAG_PREFIX + status.value


def tag_changes(status: TransferStatus) -> dict[str, list[str]]:
    """``additional_tags`` for the current status and ``remove_tags`` for every other one."""
    return {
        "additional_tags": [TAG_APP, TAG_TRANSFER, status_tag(status)],
        "remove_tags": [status_tag(s) for s in TransferStatus if s is not status],
    }


def _note(body: str) -> dict[str, Any]:
    return {"body": clip(body, _MAX_COMMENT), "public": False}


class TransferTicketDelivery(TicketHandler):
    """Outbox topic ``zendesk.transfer_event``: a transfer's one ticket, then one note per
    change. ``group_id`` and ``assignee_id`` place the ticket; ``options.timezone`` shows
    times."""

    def _deliver(self, message: OutboxMessage) -> None:
        payload = message.payload
        with self.ctx.db.read() as s:
            transfer = s.get(Transfer, payload.get("transfer_id"))
            event = s.get(TransferEvent, payload.get("event_id"))
        if transfer is None:
            return
        ticket_id, made = self.ensure_ticket(transfer)
        if event is None or event.action == "requested":
            return  # the first note says it
        body = words.event_note(transfer, event, self.options.timezone)
        if not body:
            return  # no longer true (a late alert for a transfer completed meanwhile)
        if made and event.action != "late":
            return  # the ticket was made just now, from the transfer as it is: it says so
        self.gateway.update_ticket(
            ticket_id, {"comment": _note(body), **tag_changes(transfer.status)}
        )

    def ensure_ticket(self, transfer: Transfer) -> tuple[int, bool]:
        """The transfer's ticket, and whether this call made it."""
        if transfer.ticket_id is not None:
            return transfer.ticket_id, False
        found = self.gateway.find_ticket(transfer.public_id)
        made = found is None
        if found is None:
            ticket: dict[str, Any] = {
                "subject": clip(words.subject(transfer), 150),
                "comment": _note(words.ticket_body(transfer, self.options.timezone)),
                "tags": [TAG_APP, TAG_TRANSFER, status_tag(transfer.status)],
            }
            found = self._create(ticket, transfer.public_id)
            log.info("transfer %s: Zendesk ticket %s", transfer.public_id[:10], found)
        with self.ctx.db.write() as s:
            row = s.get(Transfer, transfer.id)
            if row is not None and row.ticket_id is None:
                row.ticket_id = found
                s.add(row)
        return found, made


__all__ = ["STATUS_TAG_PREFIX", "TAG_TRANSFER", "TransferTicketDelivery", "status_tag"]
