"""Sending the LOA out (outbox topic ``loa.send``).

A row is queued whenever a request starts waiting for a signature, and when someone presses
"Resend LOA". Delivering it issues a fresh signing link (the older one stops working) and sends
it to the authorized representative by e-mail (when SMTP is set up) and by Slack DM (when their
address belongs to someone in the workspace). The request's thread hears about it through the
``loa_sent`` timeline event, which the Slack delivery posts there like any other: one line, no
link (the link is personal).

* A request that no longer waits for a signature gets nothing; nor does a row queued before a
  link that another row already sent.
* Slack rate limits become :class:`RetryLater`. When nothing reached the representative the row
  fails and is retried (with a new link each time); when one channel worked, the other's error
  is logged and the row is done, so the representative does not get the same letter twice.
* When there is no way to reach them at all (no public URL, or no e-mail and not a Slack user,
  or the mail server refuses the address for good) the timeline says so, in public.

Nothing here logs the link or its token.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import ConfigError, Settings
from bot.loa.mail import Mailer, MailError, MailRefused, loa_message
from bot.services.base import Context
from bot.services.effects import Topic
from bot.services.loa import (
    IssuedLink,
    NoLongerAwaiting,
    issue_link,
    link_went_out_since,
    record_not_sent,
)
from bot.slack.blocks.text import escape
from bot.slack.delivery import rate_limit_retried, user_by_email
from storage import repositories as repo
from storage.documents import DocumentStore
from storage.models import OutboxMessage, PortRequest
from storage.values import RequestStatus

log = logging.getLogger(__name__)

TOPIC = Topic.LOA_SEND
Handler = Callable[[OutboxMessage], None]
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def loa_store(settings: Settings, ctx: Context) -> DocumentStore:
    """Where LOA documents are kept: ``PORTBOT_FILES_DIR``, or the database without it."""
    return DocumentStore(ctx.db, settings.files_dir)


def mailer_for(settings: Settings) -> Mailer | None:
    """The SMTP sender, when ``SMTP_URL`` is set (it then needs ``PORTBOT_MAIL_FROM``)."""
    if settings.smtp_url is None:
        return None
    if not settings.portbot_mail_from:
        raise ConfigError(
            "PORTBOT_MAIL_FROM: required when SMTP_URL is set (the address LOA e-mails come "
            "from, e.g. porting@example.com)"
        )
    return Mailer(settings.smtp_url.get_secret_value(), settings.portbot_mail_from)


def loa_handlers(settings: Settings, ctx: Context, client: WebClient | None) -> dict[str, Handler]:
    """The outbox handler for ``loa.send``, ready to merge into the runtime's handlers."""
    return {
        TOPIC: LoaDelivery(
            ctx,
            store=loa_store(settings, ctx),
            public_url=settings.portbot_public_url,
            ttl=settings.loa_ttl,
            mailer=mailer_for(settings),
            client=client,
        )
    }


class LoaDelivery:
    def __init__(
        self,
        ctx: Context,
        *,
        store: DocumentStore,
        public_url: str | None,
        ttl: timedelta,
        mailer: Mailer | None,
        client: WebClient | None,
    ) -> None:
        self.ctx = ctx
        self.store = store
        self.public_url = public_url
        self.ttl = ttl
        self.mailer = mailer
        self.client = client

    def __call__(self, message: OutboxMessage) -> None:
        with rate_limit_retried():
            self._deliver(message)

    def _deliver(self, message: OutboxMessage) -> None:
        sid = str(message.payload.get("sid") or "")
        source = f"outbox:{message.id}"
        with self.ctx.db.read() as s:
            req = repo.get_request(s, sid=sid)
        if req is None or req.status is not RequestStatus.AWAITING_SIGNATURE:
            return
        event_id = message.payload.get("event_id")
        if link_went_out_since(self.ctx, sid, event_id=event_id, source=source):
            return
        if not self.public_url:
            record_not_sent(
                self.ctx,
                sid,
                reason="the signing page has no public address yet (PORTBOT_PUBLIC_URL). "
                "The porting team can resend it once that is set.",
                revoke=False,
            )
            log.warning("LOA for %s not sent: PORTBOT_PUBLIC_URL is not set", sid)
            return
        rep_user = self._slack_user(req.rep_email)
        if self.mailer is None and rep_user is None:
            record_not_sent(
                self.ctx,
                sid,
                reason="e-mail is not set up here and no one in this Slack workspace has that "
                "address. Ask the porting team to send the letter another way.",
                revoke=False,
            )
            return
        via = [v for v, on in (("e-mail", self.mailer), ("Slack DM", rep_user)) if on]
        try:
            link = issue_link(
                self.ctx,
                sid,
                store=self.store,
                ttl=self.ttl,
                public_url=self.public_url,
                via=via,
                source=source,
            )
        except NoLongerAwaiting:
            return
        self._send(req, link, rep_user)

    def _send(self, req: PortRequest, link: IssuedLink, rep_user: str | None) -> None:
        delivered: list[str] = []
        failures: list[Exception] = []
        refused: str | None = None
        if self.mailer is not None:
            try:
                self.mailer.send(self._email(req, link))
                delivered.append("e-mail")
            except MailRefused as exc:
                refused = str(exc)
            except (MailError, OSError) as exc:
                failures.append(exc)
        if rep_user is not None:
            try:
                self._dm(req, link, rep_user)
                delivered.append("Slack DM")
            except SlackApiError as exc:
                failures.append(exc)
        if delivered:
            for exc in failures:
                log.warning("LOA for %s went by %s; another channel failed: %s",
                            req.sid, " and ".join(delivered), _describe(exc))  # fmt: skip
            return
        if failures:
            raise failures[0]
        record_not_sent(
            self.ctx,
            req.sid,
            reason=f"{refused or 'it was refused'}. Check the representative's e-mail address.",
            revoke=True,
        )

    def _email(self, req: PortRequest, link: IssuedLink) -> EmailMessage:
        assert self.mailer is not None
        content = link.content
        return loa_message(
            to_name=req.rep_name,
            to_email=req.rep_email,
            mail_from=self.mailer.mail_from,
            holder=content.holder,
            carrier=content.losing_carrier,
            number_count=len(content.numbers),
            sid=req.sid,
            url=link.url,
            expires_at=link.expires_at,
            pdf=link.pdf,
            filename=link.filename,
            requester_name=req.requester_name,
            tz=self.ctx.calendar.tz,
        )

    def _slack_user(self, email: str) -> str | None:
        """The Slack user with this address, or None (not found, or lookups not allowed)."""
        return None if self.client is None else user_by_email(self.client, email)

    def _dm(self, req: PortRequest, link: IssuedLink, user_id: str) -> None:
        assert self.client is not None
        content = link.content
        count = len(content.numbers)
        numbers = f"{count:,} number" + ("" if count == 1 else "s")
        asked = (
            f"<@{req.requester_id}>"
            if _USER_ID.match(req.requester_id or "")
            else escape(req.requester_name or "Someone")
        )
        local = self.ctx.calendar.to_local(link.expires_at)
        until = f"{local:%a %b %-d, %Y at %-I:%M %p} {local.tzname()}"
        url = link.url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
        text = (
            f":writing_hand: *Please sign the Letter of Authorization for "
            f"{escape(content.holder)}*\n"
            f"{asked} asked to move {numbers} away from {escape(content.losing_carrier)} and "
            "named you as the person who can authorize it. Carriers release numbers only with "
            "a signed letter.\n"
            f"<{url}|Review and sign the letter>: the link works until {until} and is meant "
            "for you alone, so please don't share it.\n"
            "Once it's signed, the porting team checks the request and sends it to the carrier."
        )
        channel = self.client.conversations_open(users=user_id)["channel"]["id"]
        self.client.chat_postMessage(channel=channel, text=text, unfurl_links=False)


def _describe(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return f"Slack {exc.response.get('error') or exc.response.status_code}"
    return f"{type(exc).__name__}: {str(exc)[:200]}"
