"""A Zendesk Support API simulator on loopback, for tests, benches and ``portbot demo``.

``ZendeskSimulator`` is a real HTTP server (stdlib, daemon thread) on ``127.0.0.1`` at an
ephemeral port; ``sim.url`` (``http://127.0.0.1:PORT``) is what ``ZENDESK_URL`` points at. It
answers the endpoints portbot uses in Zendesk's JSON wire format, records every call, injects
faults, plays the agent's side and sends signed webhooks.

Endpoints (``.json`` optional): ``POST/GET /api/v2/tickets`` (create, list with
``?external_id=``), ``GET/PUT /api/v2/tickets/{id}``, ``GET /api/v2/tickets/{id}/comments``,
``POST /api/v2/uploads?filename=``, ``POST /api/v2/users/create_or_update``,
``GET /api/v2/users/search`` (``?query=email:x`` or ``?email=``), ``GET /api/v2/users/{id}``,
``GET /api/v2/users/me`` and ``GET /api/v2/search`` (recorded like any call; ``sim.searches()``
lists them so benches can check that hot paths never search). Lists use cursor pagination
(``meta``/``links``) when ``page[size]`` is given, offset pagination (``next_page``,
``previous_page``, ``count``) otherwise.

The account's private app (``sim.app_id``) serves its RSA public key at
``GET /api/v2/apps/{app_id}/public_key.pem`` without authentication, as Zendesk does;
``sim.sidebar_token(installation_id=…, user_id=…, exp=…)`` signs the JWT Zendesk posts to a
signed-URL sidebar, and ``sim.public_key_fetches()`` counts the key's downloads.

Webhook body. ``sim.webhook(url, secret)`` makes every agent action (``agent_comment``,
``set_field``, ``set_status``) POST one JSON object, the kind of body an admin writes into a
trigger's webhook action with placeholders::

    {
      "event": "comment_created",      # or "ticket_updated" (a change without a comment)
      "ticket_id": 7,
      "external_id": "PR-4F2A",        # null when the ticket has none
      "status": "open",                # the ticket after the change
      "tags": ["portbot", "port_in"],
      "fields": {"360001": "2024-06-03"},   # every custom field: id as a string -> value
      "updated_at": "2024-05-01T12:00:00Z",
      "actor": {"id": 1002, "name": "Dana", "email": "dana@agents.portbot.test", "role": "agent"},
      "comment": {                     # null for "ticket_updated"
        "id": 10005, "body": "FOC moved to Friday", "public": true,
        "author": {"id": 1002, "name": "Dana", "email": "dana@agents.portbot.test",
                   "role": "agent"}
      }
    }

Headers: ``X-Zendesk-Webhook-Signature`` = base64(HMAC-SHA256(secret, timestamp + raw body)),
``X-Zendesk-Webhook-Signature-Timestamp`` (ISO-8601 UTC, ``2024-05-01T12:00:00Z``),
``X-Zendesk-Webhook-Id``, ``X-Zendesk-Webhook-Invocation-Id`` (kept on ``redeliver``) and
``X-Zendesk-Account-Id``. ``webhook_signature(secret, timestamp, body)`` computes the signature.

``port_out_ticket(fields)`` opens a ticket tagged ``port_out_request`` and posts the
``port_out_request`` body of the trigger described in ``bot.zendesk.port_outs``;
``edit_port_out`` changes its fields and posts it again until the ticket is tagged ``portbot``.

The simulator is split by responsibility; this module assembles it and keeps the public names:

* ``zendesk_state``: the account (tickets, comments, users, uploads), seeding, fault
  configuration and inspection (``Call``, ``Upload``, ``ApiError``).
* ``zendesk_tickets``: Zendesk's rules for creating and updating tickets, comments and users.
* ``zendesk_webhooks``: agent actions and signed webhook deliveries.
* ``zendesk_apps``: the private app's key pair and the signed-URL tokens of its sidebar.
* ``zendesk_http``: the loopback HTTP server, gates, auth, routes and call recording.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from bot.sandbox.zendesk_apps import AGENT_ID, APP_ID, INSTALLATION_ID
from bot.sandbox.zendesk_http import SimHttp
from bot.sandbox.zendesk_state import IDEMPOTENCY_WINDOW, STATUSES, ApiError, Call, Json, Upload
from bot.sandbox.zendesk_webhooks import WebhookAttempt, WebhookDelivery, webhook_signature

__all__ = [
    "AGENT_ID",
    "APP_ID",
    "IDEMPOTENCY_WINDOW",
    "INSTALLATION_ID",
    "STATUSES",
    "ApiError",
    "Call",
    "Json",
    "Upload",
    "WebhookAttempt",
    "WebhookDelivery",
    "ZendeskSimulator",
    "webhook_signature",
]


class ZendeskSimulator(SimHttp):
    """Zendesk's Support API on ``127.0.0.1:<ephemeral>``; ``sim.url`` is ``ZENDESK_URL``.

    Usage: ``with ZendeskSimulator(email="bot@acme.test", token="t0ken") as sim: ...``.

    Faults: ``fail(route, status, times)``, ``rate_limit(retry_after, times, route)``,
    ``hang_after_write(route, seconds, times)``, ``down()``/``recover()``, ``latency(s)``.
    A route is ``"VERB /path/glob"`` or a path glob (``"PUT /api/v2/tickets/*"``, ``"*"``).

    Deliberate differences from Zendesk:

    * Ids are small and sequential (tickets from 1, users from 1001, comments and audits from
      10001, attachments from 50001); times have one-second resolution.
    * Authentication is checked only when ``email`` and ``token`` are given, and only API
      tokens (``email/token:token``) are understood.
    * A failed or faulted request changes nothing, except under ``hang_after_write``.
    * Search matches only ``type:``, ``external_id:``, ``status:``, ``tags:``, ``subject:``
      terms and plain words, and sees writes at once (Zendesk's index lags by minutes).
    * Upload tokens never expire; an unknown or already used token in ``comment.uploads`` is
      ignored, as Zendesk does, so check ``sim.comments(id)[-1]["attachments"]``.
    * Agent actions are applied at once and deliver their webhook before returning (from a
      background thread for API changes with ``api_updates=True``); failed deliveries are not
      retried unless ``redeliver`` is called.
    """

    def __init__(
        self,
        *,
        email: str | None = None,
        token: str | None = None,
        ticket_fields: Iterable[int] = (),
        clock: Callable[[], float] = time.time,
        idempotency_window: float = IDEMPOTENCY_WINDOW,
    ) -> None:
        super().__init__(
            email=email,
            token=token,
            ticket_fields=ticket_fields,
            clock=clock,
            idempotency_window=idempotency_window,
        )
