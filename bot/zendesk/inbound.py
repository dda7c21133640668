"""``POST /zendesk/webhook``: what agents do on a ticket, applied to its request.

* The signature and its timestamp are checked first (401, nothing runs).
* A public comment by an agent becomes a request comment (``source="zendesk"``), which the
  Slack delivery posts in the card's thread; the Zendesk delivery skips it, so it never comes
  back to the ticket. Comments written by portbot's own API user are ignored (they are our
  own updates, echoed by the trigger), and so are internal notes, which stay in Zendesk.
* A change of the FOC-date field (``ZENDESK_FIELD_FOC_DATE``) becomes ``set_foc`` under the
  same lifecycle rules as the Slack command; when the lifecycle refuses, an internal note on
  the ticket says why.
* Each delivery is applied once. It is known by what its signature covers (the signed
  timestamp and the body: a copy re-sent with another ``X-Zendesk-Webhook-Invocation-Id``,
  which is not signed, is the same delivery) and by its invocation id (Zendesk's own retries).
  A field change older than the request's last port-date change is refused with a note, so a
  late or replayed delivery never reverts a newer date.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot import services as svc
from bot.porting.errors import DomainError
from bot.services.base import Context, utcnow
from bot.services.effects import Topic, enqueue
from bot.zendesk import webhook
from storage import repositories as repo
from storage.models import IdempotencyRecord, OutboxMessage, PortRequest, ZendeskLink

log = logging.getLogger(__name__)


@dataclass
class Inbound:
    ctx: Context
    secret: str
    api_email: str | None = None
    foc_field: int | None = None
    # Signature freshness is a matter of the real clock (a replayed delivery), not of the
    # service's clock, which tests and the demo move forward.
    wall: Callable[[], datetime] = utcnow

    def __post_init__(self) -> None:
        # Zendesk keeps addresses in lower case; ZENDESK_EMAIL may be typed in any case.
        self.api_email = (self.api_email or "").strip().lower() or None

    def handle(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON answer for one webhook delivery."""
        lower = {k.lower(): v for k, v in headers.items()}
        stamp = lower.get(webhook.TIMESTAMP_HEADER.lower())
        try:
            webhook.verify(
                self.secret,
                body,
                lower.get(webhook.SIGNATURE_HEADER.lower()),
                stamp,
                now=self.wall(),
            )
        except webhook.BadSignature:
            return 401, {"error": "bad or stale signature"}
        try:
            event = webhook.parse(body)
        except webhook.InvalidWebhook as exc:
            return 400, {"error": str(exc)}
        sid, ticket_id = self._request_of(event)
        if sid is None:
            return 200, {"result": "ignored", "reason": "no port request for this ticket"}
        assert stamp is not None  # verify() refuses a delivery without one
        keys = _delivery_keys(event.ticket_id, stamp, body, lower)
        if self._seen(keys):
            return 200, {"result": "ignored", "reason": "this delivery was already applied"}
        if event.kind is webhook.EventKind.COMMENT_CREATED:
            answer = self._comment(sid, event)
        else:
            answer = self._fields(sid, ticket_id, event, keys[0], _instant(stamp))
        self._remember(keys, sid)
        return 200, answer

    def _seen(self, keys: list[str]) -> bool:
        with self.ctx.db.read() as s:
            return any(s.get(IdempotencyRecord, k) is not None for k in keys)

    def _remember(self, keys: list[str], sid: str) -> None:
        """Note the delivery as applied, under each of its keys (a race already noted it)."""
        for key in keys:
            try:
                with self.ctx.db.write() as s:
                    if s.get(IdempotencyRecord, key) is None:
                        req = repo.get_request(s, sid=sid)
                        s.add(
                            IdempotencyRecord(
                                key=key,
                                operation="zendesk_webhook",
                                request_id=req.id if req else None,
                                created_at=self.ctx.now(),
                            )
                        )
            except IntegrityError:
                pass

    def _request_of(self, event: webhook.WebhookEvent) -> tuple[str | None, int]:
        with self.ctx.db.read() as s:
            link = s.exec(
                select(ZendeskLink).where(ZendeskLink.ticket_id == event.ticket_id)
            ).first()
            if link is not None and link.request_id is not None:
                req = s.get(PortRequest, link.request_id)
                return (req.sid if req else None), event.ticket_id
            if event.external_id and repo.get_request(s, sid=event.external_id) is not None:
                return event.external_id, event.ticket_id
        return None, event.ticket_id

    def _comment(self, sid: str, event: webhook.WebhookEvent) -> dict[str, Any]:
        comment = event.comment
        assert comment is not None
        author = comment.author
        email = author.email.strip().lower() if author is not None else ""
        if self.api_email and email == self.api_email:
            return {"result": "ignored", "reason": "portbot's own comment"}
        if not comment.public:
            return {"result": "ignored", "reason": "internal note"}
        name = (author.name if author else "") or "Zendesk agent"
        actor_id = f"zendesk:{author.id}" if author and author.id else "zendesk"
        actor = (
            svc.Actor.agent(actor_id, name)
            if author is None or author.is_agent
            else svc.Actor.customer(actor_id, name)
        )
        files = [{"name": a.name, "url": a.url} for a in comment.attachments]
        svc.add_comment(
            self.ctx,
            sid,
            comment.body,
            actor=actor,
            source="zendesk",
            source_id=str(comment.id),
            files=files,
        )
        return {"result": "comment added"}

    def _fields(
        self, sid: str, ticket_id: int, event: webhook.WebhookEvent, key: str, made: datetime
    ) -> dict[str, Any]:
        value = event.field_value(self.foc_field) if self.foc_field else None
        if not value:
            return {"result": "ignored", "reason": "no field portbot follows changed"}
        try:
            foc = date.fromisoformat(value.strip()[:10])
        except ValueError:
            return self._refuse(sid, ticket_id, key, f"“{value}” is not a date (YYYY-MM-DD).")
        with self.ctx.db.read() as s:
            req = repo.get_request(s, sid=sid)
        if req is not None and req.foc_date == foc:
            return {"result": "ignored", "reason": "the FOC date is already set"}
        actor = svc.Actor.agent("zendesk", "Zendesk")
        try:
            svc.set_foc(self.ctx, sid, foc, actor=actor, key=f"{key}:foc", as_of=made)
        except DomainError as exc:
            return self._refuse(sid, ticket_id, key, str(exc))
        return {"result": "foc set", "foc_date": foc.isoformat()}

    def _refuse(self, sid: str, ticket_id: int, key: str, why: str) -> dict[str, Any]:
        """Tell the agents on the ticket, with an internal note, why their change was not
        applied to the port request."""
        text = f"portbot did not apply this change to {sid}: {why}"
        note_key = f"{Topic.ZENDESK_NOTE}:{key}"
        with self.ctx.db.write() as s:
            req = repo.get_request(s, sid=sid)
            exists = s.exec(
                select(OutboxMessage).where(OutboxMessage.dedupe_key == note_key)
            ).first()
            if exists is None:
                enqueue(
                    s,
                    Topic.ZENDESK_NOTE,
                    {"ticket_id": ticket_id, "body": text},
                    key=note_key,
                    now=self.ctx.now(),
                    request_id=req.id if req else None,
                )
        return {"result": "refused", "reason": why}


def _delivery_keys(
    ticket_id: int, stamp: str, body: bytes, headers: Mapping[str, str]
) -> list[str]:
    """The keys a delivery is known by: first what its signature covers (the signed timestamp
    and the body), then Zendesk's invocation id with the body (Zendesk's retries of one
    invocation, whatever their timestamp). The invocation id is not signed: taken with the body,
    a copy sent under a made-up id cannot mark some other delivery as already applied."""
    signed = hashlib.sha256(stamp.encode() + body).hexdigest()
    keys = [f"zendesk:{ticket_id}:signed:{signed}"]
    invocation = headers.get(webhook.INVOCATION_HEADER.lower(), "").strip()
    if invocation:
        retried = hashlib.sha256(invocation[:100].encode() + b"\n" + body).hexdigest()
        keys.append(f"zendesk:{ticket_id}:invocation:{retried}")
    return keys


def _instant(stamp: str) -> datetime:
    """The signed timestamp (verify() has read it already) as an aware UTC instant."""
    moment = datetime.fromisoformat(stamp.strip())
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
