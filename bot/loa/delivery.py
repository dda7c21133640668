"""Sending the LOA out (outbox topic ``loa.send``).

A row is queued whenever a request starts waiting for a signature, and when someone presses
"Resend LOA". Delivering it issues a fresh signing link (the older one stops working) and sends
it to the authorized representative by e-mail (when SMTP is set up) and by Slack DM (when their
address belongs to someone in the workspace). The request's thread hears about it through the
``loa_sent`` timeline event, which the Slack delivery posts there like any other: one line, no
link (the link is personal). The chat comes in as a :class:`Messenger` (Slack's is
``bot.slack.delivery.DirectMessages``, given by the assembly); the words are
:mod:`bot.wording.loa`'s.

* A request that no longer waits for a signature gets nothing; nor does a row queued before a
  link that another row already sent.
* A chat's rate limit is a :class:`RetryLater`. When nothing reached the representative the row
  fails and is retried (with a new link each time); when one channel worked, the other's error
  is logged and the row is done, so the representative does not get the same letter twice.
* When there is no way to reach them at all (no public URL, or no e-mail and not a Slack user,
  or the mail server refuses the address for good) the timeline says so, in public.

Nothing here logs the link or its token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from typing import Protocol

from bot.config import ConfigError, Settings
from bot.delivery.outbox import NotDelivered, RetryLater
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
from bot.wording import loa as words
from bot.wording.loa import DirectMessage
from storage import repositories as repo
from storage.documents import DocumentStore
from storage.models import OutboxMessage, PortRequest
from storage.values import RequestStatus

log = logging.getLogger(__name__)

Handler = Callable[[OutboxMessage], None]


class Messenger(Protocol):
    """Direct messages in a chat where the representative may have an account."""

    name: str
    """How the timeline names the way the letter went, e.g. ``Slack DM``."""

    def recipient(self, email: str) -> str | None:
        """Who in the chat has this address, or None (nobody, or lookups are not allowed).
        A rate limit is raised as :class:`~bot.delivery.outbox.RetryLater`."""
        ...

    def send(self, recipient: str, message: DirectMessage) -> None:
        """Send ``message`` to ``recipient``; raises :class:`~bot.delivery.outbox.NotDelivered`
        when the chat refused it (a rate limit as
        :class:`~bot.delivery.outbox.RetryLater`)."""
        ...


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


def loa_handlers(
    settings: Settings, ctx: Context, messenger: Messenger | None
) -> dict[str, Handler]:
    """The outbox handler for ``loa.send``, ready to merge into the runtime's handlers;
    ``messenger`` reaches representatives in a chat (``None``: by e-mail only)."""
    return {
        Topic.LOA_SEND: LoaDelivery(
            ctx,
            store=loa_store(settings, ctx),
            public_url=settings.portbot_public_url,
            ttl=settings.loa_ttl,
            mailer=mailer_for(settings),
            messenger=messenger,
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
        messenger: Messenger | None,
    ) -> None:
        self.ctx = ctx
        self.store = store
        self.public_url = public_url
        self.ttl = ttl
        self.mailer = mailer
        self.messenger = messenger

    def __call__(self, message: OutboxMessage) -> None:
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
                reason=words.NOT_SENT_NO_PUBLIC_URL,
                revoke=False,
            )
            log.warning("LOA for %s not sent: PORTBOT_PUBLIC_URL is not set", sid)
            return
        rep_user = self._chat_user(req.rep_email)
        if self.mailer is None and rep_user is None:
            record_not_sent(self.ctx, sid, reason=words.NOT_SENT_NO_CHANNEL, revoke=False)
            return
        via = ["e-mail"] if self.mailer is not None else []
        if self.messenger is not None and rep_user is not None:
            via.append(self.messenger.name)
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
        if self.messenger is not None and rep_user is not None:
            try:
                self.messenger.send(rep_user, self._message(req, link))
                delivered.append(self.messenger.name)
            except (NotDelivered, RetryLater, OSError) as exc:  # refused, rate limit, network
                failures.append(exc)
        if delivered:
            for failure in failures:
                log.warning("LOA for %s went by %s; another channel failed: %s",
                            req.sid, " and ".join(delivered), _describe(failure))  # fmt: skip
            return
        if failures:
            raise failures[0]
        record_not_sent(
            self.ctx,
            req.sid,
            reason=words.not_sent_refused(refused),
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

    def _chat_user(self, email: str) -> str | None:
        """The representative's account in the chat, or None (not found, or no chat)."""
        return None if self.messenger is None else self.messenger.recipient(email)

    def _message(self, req: PortRequest, link: IssuedLink) -> DirectMessage:
        content = link.content
        return words.signing_message(
            holder=content.holder,
            carrier=content.losing_carrier,
            number_count=len(content.numbers),
            requester_id=req.requester_id,
            requester_name=req.requester_name,
            url=link.url,
            expires_at=link.expires_at,
            tz=self.ctx.calendar.tz,
        )


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"
