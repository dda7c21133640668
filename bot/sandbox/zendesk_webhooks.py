"""What agents do in the simulated Zendesk, and the signed webhook a trigger sends about it.

``SimWebhooks`` adds the agent side to ``ZendeskState``: ``agent_comment``, ``set_field`` and
``set_status`` change a ticket as an agent working in Zendesk would, and, once ``webhook(url,
secret)`` is configured, each change is POSTed to ``url`` the way a Zendesk trigger with a
webhook action delivers it (the body is described in ``zendesk_sim``'s module docstring).
Deliveries are kept (``webhooks``), can be held back (``deliver_webhooks = False``, then
``pending_webhooks`` / ``flush_webhooks``) and sent again (``redeliver``) to test duplicates,
stale timestamps and wrong secrets.

``port_out_ticket`` and ``edit_port_out`` play the trigger "portbot: port-out request" (its body
is in ``bot.zendesk.port_outs``): a ticket tagged ``port_out_request`` and not ``portbot``
sends its port-out fields when it is created and each time it is updated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.zendesk_state import Json, iso, new_token
from bot.sandbox.zendesk_tickets import SimTickets

ACCOUNT_ID = "9000001"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Zendesk's webhook signature: base64 of HMAC-SHA256 over ``timestamp + body``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class WebhookAttempt:
    """One POST of a delivery: the signed timestamp and how the receiver answered."""

    at: float
    timestamp: str
    status: int | None  # None: no HTTP answer (see ``error``)
    error: str | None = None


@dataclass
class WebhookDelivery:
    """One webhook invocation: the exact body bytes, where it goes, and each attempt."""

    webhook_id: str
    invocation_id: str
    event: str
    body: bytes
    url: str
    secret: str = field(repr=False)
    attempts: list[WebhookAttempt] = field(default_factory=list)

    @property
    def payload(self) -> Json:
        return json.loads(self.body)


@dataclass
class _Target:
    url: str
    secret: str
    webhook_id: str
    api_updates: bool


class SimWebhooks(SimTickets):
    """Agent actions and webhook deliveries (see the module docstring)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.deliver_webhooks = True  # False: keep deliveries queued until flush_webhooks()
        self._target: _Target | None = None
        self._deliveries: list[WebhookDelivery] = []
        self._invocations = itertools.count(8_000_000_001)
        self._port_out_fields: dict[int, dict[str, str]] = {}

    def webhook(
        self,
        url: str | None,
        secret: str = "",
        *,
        webhook_id: str = "01HZSIMWEBHOOK0000000000001",
        api_updates: bool = False,
    ) -> None:
        """POST each agent change to ``url`` (loopback only), signed with ``secret``.

        ``api_updates=True`` also reports changes made through the API, as a trigger without a
        "current user is not ..." condition would, so echo loops can be tested. ``None``
        stops webhooks.
        """
        where = urlsplit(url or "")
        if url is not None and (where.scheme != "http" or where.hostname not in _LOOPBACK):
            raise ValueError(f"webhooks go to http:// loopback addresses only, not {url!r}")
        with self._lock:
            self._target = _Target(url, secret, webhook_id, api_updates) if url else None

    @property
    def webhooks(self) -> list[WebhookDelivery]:
        """Every delivery so far, sent or held back, in order."""
        with self._lock:
            return list(self._deliveries)

    def pending_webhooks(self) -> list[WebhookDelivery]:
        """Deliveries never attempted (``deliver_webhooks`` was off)."""
        return [d for d in self.webhooks if not d.attempts]

    def flush_webhooks(self) -> list[WebhookAttempt]:
        """Send every pending delivery, oldest first."""
        return [self._post_webhook(d) for d in self.pending_webhooks()]

    def redeliver(
        self, n: int = -1, *, timestamp: str | None = None, secret: str | None = None
    ) -> WebhookAttempt:
        """Send delivery ``n`` (index into ``webhooks``) again: same body and invocation id.

        ``timestamp`` replaces the fresh signing time (a stale one tests replay windows);
        ``secret`` signs with another secret (tests forged calls).
        """
        return self._post_webhook(self.webhooks[n], timestamp=timestamp, secret=secret)

    # ------------------------------------------------------------------ agent actions
    def agent(self, name: str = "Agent Name") -> Json:
        """The agent user with this name (created on first use)."""
        with self._lock:
            return self._render_user(self._agent_user(name))

    def agent_comment(
        self,
        ticket_id: int,
        body: str,
        public: bool = True,
        author: str = "Agent Name",
        *,
        status: str | None = None,
        files: Sequence[tuple[str, bytes, str]] = (),
    ) -> Json:
        """Add a comment as agent ``author`` (optionally changing the status), with ``files``
        (name, content, content type) attached as an agent would; returns it."""
        spec: Json = {"comment": {"body": body, "public": public}}
        if files:
            with self._lock:
                token = new_token()
                for name, content, ctype in files:
                    self._store_upload(token, name, ctype, content)
            spec["comment"]["uploads"] = [token]
        if status is not None:
            spec["status"] = status
        _, comment = self._agent_update(ticket_id, spec, author)
        assert comment is not None
        return comment

    def set_field(
        self, ticket_id: int, field_id: int, value: object, *, author: str = "Agent Name"
    ) -> Json:
        """Set one custom field as an agent; returns the ticket."""
        ticket, _ = self._agent_update(
            ticket_id, {"custom_fields": [{"id": field_id, "value": value}]}, author
        )
        return ticket

    def set_status(self, ticket_id: int, status: str, *, author: str = "Agent Name") -> Json:
        """Change the status as an agent; returns the ticket."""
        ticket, _ = self._agent_update(ticket_id, {"status": status}, author)
        return ticket

    def _agent_update(self, ticket_id: int, spec: Json, author: str) -> tuple[Json, Json | None]:
        with self._lock:
            actor = self._agent_user(author)
            ticket, comment = self._update_ticket(int(ticket_id), spec, actor)
            if comment is not None:
                stored = self._comments[ticket["id"]][-1]
                stored["via"] = comment["via"] = {"channel": "web"}
            delivery = self._emit(ticket, comment, actor, by_agent=True)
            shown = self._render_ticket(ticket)
        if delivery is not None and self.deliver_webhooks:
            self._post_webhook(delivery)
        return shown, comment

    def port_out_ticket(
        self,
        fields: Mapping[str, object],
        *,
        author: str = "Agent Name",
        subject: str = "Port-out request",
        tags: Sequence[str] = ("port_out_request",),
    ) -> Json:
        """Open a ticket as agent ``author``, with ``tags`` and the port-out ``fields`` (keys as
        in the trigger's body: ``numbers``, ``carrier``, ``pin``, ``foc_date``...); returns it.
        The trigger fires when the tags hold ``port_out_request`` and not ``portbot``."""
        with self._lock:
            actor = self._agent_user(author)
            spec: Json = {"subject": subject, "comment": {"body": subject}, "tags": list(tags)}
            ticket = self._create_ticket(spec, actor)
            ticket["via"] = {"channel": "web"}
            self._port_out_fields[ticket["id"]] = {k: str(v) for k, v in fields.items()}
            delivery = self._port_out_trigger(ticket, actor)
            shown = self._render_ticket(ticket)
        if delivery is not None and self.deliver_webhooks:
            self._post_webhook(delivery)
        return shown

    def edit_port_out(
        self, ticket_id: int, fields: Mapping[str, object], *, author: str = "Agent Name"
    ) -> Json:
        """Change some port-out fields of a ticket as an agent (the trigger fires again while
        the ticket is not tagged ``portbot``); returns the ticket."""
        with self._lock:
            actor = self._agent_user(author)
            ticket, _ = self._update_ticket(int(ticket_id), {}, actor)
            known = self._port_out_fields.setdefault(ticket["id"], {})
            known.update({k: str(v) for k, v in fields.items()})
            delivery = self._port_out_trigger(ticket, actor)
            shown = self._render_ticket(ticket)
        if delivery is not None and self.deliver_webhooks:
            self._post_webhook(delivery)
        return shown

    def _port_out_trigger(self, ticket: Json, actor: Json) -> WebhookDelivery | None:
        """The port-out trigger's delivery for ``ticket`` (lock held), if it fires."""
        target = self._target
        tags = set(ticket["tags"])
        if target is None or "port_out_request" not in tags or "portbot" in tags:
            return None
        payload: Json = {"event": "port_out_request", "ticket_id": str(ticket["id"])}
        payload.update(self._port_out_fields.get(ticket["id"], {}))
        payload["author"] = {k: str(v) for k, v in _person(actor).items()}
        delivery = WebhookDelivery(
            target.webhook_id,
            str(next(self._invocations)),
            "port_out_request",
            json.dumps(payload).encode(),
            target.url,
            target.secret,
        )
        self._deliveries.append(delivery)
        return delivery

    def _agent_user(self, name: str) -> Json:
        slug = re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".") or "agent"
        email = f"{slug}@agents.portbot.test"
        return self._user_by_email(email) or self._new_user(name, email, "agent")

    # ------------------------------------------------------------------ deliveries
    def _emit(
        self, ticket: Json, comment: Json | None, actor: Json, *, by_agent: bool
    ) -> WebhookDelivery | None:
        """Queue the webhook for one change (lock held); ``None`` when none is configured."""
        target = self._target
        if target is None or not (by_agent or target.api_updates):
            return None
        payload: Json = {
            "event": "comment_created" if comment else "ticket_updated",
            "ticket_id": ticket["id"],
            "external_id": ticket["external_id"],
            "status": ticket["status"],
            "tags": list(ticket["tags"]),
            "fields": {str(f["id"]): f["value"] for f in ticket["custom_fields"]},
            "updated_at": ticket["updated_at"],
            "actor": _person(actor),
            "comment": None,
        }
        if comment is not None:
            author = self._users[comment["author_id"]]
            payload["comment"] = {"id": comment["id"], "body": comment["body"]}
            payload["comment"].update(public=comment["public"], author=_person(author))
            # As the README's trigger body writes them: a Liquid loop, links separated by spaces.
            links = [a["content_url"] for a in comment.get("attachments") or ()]
            payload["comment"]["attachments"] = " ".join(links)
        delivery = WebhookDelivery(
            target.webhook_id,
            str(next(self._invocations)),
            payload["event"],
            json.dumps(payload).encode(),
            target.url,
            target.secret,
        )
        self._deliveries.append(delivery)
        return delivery

    def _post_webhook(
        self,
        delivery: WebhookDelivery,
        *,
        timestamp: str | None = None,
        secret: str | None = None,
    ) -> WebhookAttempt:
        """POST one delivery, signed; never called with the lock held."""
        stamp = timestamp or iso(time.time())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Zendesk Webhook",
            "X-Zendesk-Account-Id": ACCOUNT_ID,
            "X-Zendesk-Webhook-Id": delivery.webhook_id,
            "X-Zendesk-Webhook-Invocation-Id": delivery.invocation_id,
            "X-Zendesk-Webhook-Signature": webhook_signature(
                delivery.secret if secret is None else secret, stamp, delivery.body
            ),
            "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        }
        # the URL was checked in webhook(): plain http on a loopback address
        request = urllib.request.Request(delivery.url, delivery.body, headers, method="POST")  # noqa: S310
        status: int | None = None
        error: str | None = None
        try:
            with _OPENER.open(request, timeout=10) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            status, error = exc.code, exc.reason and str(exc.reason)
        except (urllib.error.URLError, OSError) as exc:
            error = str(getattr(exc, "reason", exc))
        attempt = WebhookAttempt(time.time(), stamp, status, error)
        with self._lock:
            delivery.attempts.append(attempt)
        return attempt


def _person(user: Json) -> Json:
    return {k: user[k] for k in ("id", "name", "email", "role")}
