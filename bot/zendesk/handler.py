"""What every Zendesk outbox handler of portbot's own tickets shares: the context, the gateway,
the ticket options and where new tickets go (``group_id``, ``assignee_id``); a rate limit
turned into :class:`~bot.delivery.outbox.RetryLater`; and a ticket created once, by an
idempotency key derived from its ``external_id``."""

from __future__ import annotations

from typing import Any

from bot.delivery.outbox import RetryLater
from bot.services.base import Context
from bot.zendesk.gateway import Gateway, RateLimited
from bot.zendesk.mapping import TicketOptions
from storage.models import OutboxMessage


class RateLimitedHandler:
    """An outbox handler that talks to Zendesk: subclasses write :meth:`_deliver`; Zendesk's
    rate limit becomes :class:`~bot.delivery.outbox.RetryLater` at its ``Retry-After``."""

    def __call__(self, message: OutboxMessage) -> None:
        try:
            self._deliver(message)
        except RateLimited as exc:
            raise RetryLater(exc.retry_after, "Zendesk rate limit") from None

    def _deliver(self, message: OutboxMessage) -> None:
        raise NotImplementedError


class TicketHandler(RateLimitedHandler):
    """A handler of portbot's own tickets (port-outs, transfers): where new ones go, and
    :meth:`_create`."""

    def __init__(
        self,
        ctx: Context,
        gateway: Gateway,
        options: TicketOptions,
        *,
        group_id: int | None = None,
        assignee_id: int | None = None,
    ) -> None:
        self.ctx = ctx
        self.gateway = gateway
        self.options = options
        self.group_id = group_id
        self.assignee_id = assignee_id

    def _create(self, ticket: dict[str, Any], external_id: str) -> int:
        """Create a ticket (placed as configured) with an idempotency key: a retried create
        within Zendesk's two hours gives the same ticket."""
        ticket = {"external_id": external_id, **ticket}
        if self.group_id is not None:
            ticket["group_id"] = self.group_id
        if self.assignee_id is not None:
            ticket["assignee_id"] = self.assignee_id
        return self.gateway.create_ticket(ticket, idempotency_key=f"portbot-{external_id}")
