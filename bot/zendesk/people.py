"""Who a Slack person is in Zendesk: the requester of the tickets they open and the author of
their thread replies.

A customer talks in Slack; on the ticket they are a Zendesk **end user**, found once and kept
in ``zendesk_people`` (per Slack workspace and user):

1. Slack gives their e-mail address (``users.info``, ``profile.email``; the app's
   ``users:read.email`` scope): the end user with that address, created when there is none.
   An existing user is used as Zendesk has them (their name is not changed).
2. Slack gives no address (no scope, a hidden address, a person Slack no longer knows), or the
   address belongs to a Zendesk agent or admin (a customer's words must not appear under an
   agent's name, and that agent's own comments must keep reaching Slack): an end user known by
   the external id ``slack:<team>:<user>``, named as in Slack, without an e-mail address.
   Zendesk cannot e-mail such a user. Looked up again after :data:`RECHECK`, in case Slack
   gives an address by then.
3. Zendesk refuses both (a permanent 4xx): ``None``; the caller falls back to writing as
   portbot's API user, naming the person, so nothing is lost.

The lookup happens when an outbox row is delivered, never before a Slack ack. A Slack or
Zendesk that cannot answer now raises (the row is tried again later) and nothing is kept.

Every Zendesk user in the table speaks through Slack, so a public comment written by one of
them on a ticket is a copy portbot made: :func:`speaks_in_slack` lets the webhook drop it
instead of echoing it into the thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlmodel import select

from bot.services.base import Context
from bot.zendesk.errors import Rejected
from bot.zendesk.gateway import Gateway, ZendeskUser
from storage.models import ZendeskPerson

__all__ = ["RECHECK", "Directory", "People", "SlackPerson", "external_id", "speaks_in_slack"]

log = logging.getLogger(__name__)

RECHECK = timedelta(days=1)
"""How long a person without an e-mail address keeps their Slack-id end user before Slack is
asked again."""


class SlackPerson(Protocol):
    """What Slack says about a member (``bot.slack.people.SlackMember``)."""

    @property
    def name(self) -> str: ...

    @property
    def email(self) -> str | None: ...


class Directory(Protocol):
    """Slack's members (``bot.slack.people.SlackPeople``), passed in by the assembly."""

    def person(self, user_id: str) -> SlackPerson | None:
        """The member, or None when Slack does not know them. Raises
        :class:`~bot.delivery.outbox.RetryLater` when Slack cannot answer now."""
        ...


@dataclass(frozen=True)
class _Found:
    user: ZendeskUser
    by_email: bool


def external_id(team_id: str, slack_user_id: str) -> str:
    """The external id of an end user known only by their Slack id."""
    return f"slack:{team_id}:{slack_user_id}" if team_id else f"slack:{slack_user_id}"


def speaks_in_slack(ctx: Context, zendesk_user_id: int) -> bool:
    """Whether this Zendesk user is a Slack person portbot writes for (their public comments
    on a ticket are copies of what they wrote in Slack)."""
    with ctx.db.read() as s:
        query = select(ZendeskPerson.id).where(ZendeskPerson.zendesk_user_id == zendesk_user_id)
        return s.exec(query.limit(1)).first() is not None


class People:
    """Slack person → Zendesk end user id, looked up once (see the module docstring)."""

    def __init__(self, ctx: Context, gateway: Gateway, directory: Directory | None) -> None:
        self.ctx = ctx
        self.gateway = gateway
        self.directory = directory

    def user_id(self, team_id: str, slack_user_id: str, name: str = "") -> int | None:
        """The Zendesk end user id of this Slack person; None when Zendesk refuses to have one.
        ``name`` is used when Slack gives none."""
        if not slack_user_id:
            return None
        kept = self._kept(team_id, slack_user_id)
        if kept is not None and (kept.by_email or self.ctx.now() - kept.resolved_at < RECHECK):
            return kept.zendesk_user_id
        member = self.directory.person(slack_user_id) if self.directory is not None else None
        shown = (member.name if member else "") or name or slack_user_id
        try:
            found = self._by_email(member.email if member else None, shown)
            if found is None:
                found = self._by_slack_id(team_id, slack_user_id, shown)
        except Rejected as exc:
            log.warning("no Zendesk user for Slack user %s: %s", slack_user_id, exc)
            return kept.zendesk_user_id if kept is not None else None
        return self._keep(team_id, slack_user_id, found)

    def _by_email(self, email: str | None, name: str) -> _Found | None:
        if not email:
            return None
        try:
            user = self.gateway.find_user(email=email)
            if user is None:
                user = self.gateway.create_user(name, email=email)
        except Rejected as exc:  # an address Zendesk will not take: the Slack id will do
            log.info("Zendesk refused a Slack user's e-mail address: %s", exc)
            return None
        if user.role != "end-user":
            return None  # an agent's or admin's address: not theirs to speak as
        return _Found(user, by_email=True)

    def _by_slack_id(self, team_id: str, slack_user_id: str, name: str) -> _Found:
        known_as = external_id(team_id, slack_user_id)
        user = self.gateway.find_user(external_id=known_as)
        if user is None:
            user = self.gateway.create_user(name, external_id=known_as)
        return _Found(user, by_email=False)

    def _kept(self, team_id: str, slack_user_id: str) -> ZendeskPerson | None:
        with self.ctx.db.read() as s:
            return s.exec(
                select(ZendeskPerson).where(
                    ZendeskPerson.team_id == team_id, ZendeskPerson.slack_user_id == slack_user_id
                )
            ).first()

    def _keep(self, team_id: str, slack_user_id: str, found: _Found) -> int:
        """Write the row (or bring it up to date); a worker that wrote it first wins."""
        try:
            with self.ctx.db.write() as s:
                row = s.exec(
                    select(ZendeskPerson).where(
                        ZendeskPerson.team_id == team_id,
                        ZendeskPerson.slack_user_id == slack_user_id,
                    )
                ).first()
                if row is None:
                    row = ZendeskPerson(
                        team_id=team_id, slack_user_id=slack_user_id, zendesk_user_id=0
                    )
                row.zendesk_user_id = found.user.id
                row.by_email = found.by_email
                row.resolved_at = self.ctx.now()
                s.add(row)
        except sa.exc.IntegrityError:
            kept = self._kept(team_id, slack_user_id)
            if kept is not None:
                return kept.zendesk_user_id
        return found.user.id
