"""Turn settings into a ready service context: keys installed, database open and current."""

from __future__ import annotations

from bot.config import Settings
from bot.services.base import Context
from bot.services.effects import Topic
from bot.services.reminders import reconcile
from storage import crypto
from storage.db import Database


def open_database(settings: Settings) -> Database:
    crypto.configure(settings.keyring())
    return Database(settings.db_url)


def build_context(settings: Settings, *, upgrade: bool | None = None) -> Context:
    """A service context; SQLite schemas are brought up to date, PostgreSQL ones must be."""
    db = open_database(settings)
    db.ensure_schema(auto_upgrade=upgrade)
    topics = tuple(
        topic
        for topic, wanted in (
            (Topic.SLACK_REQUEST_EVENT, settings.slack_bot_token is not None),
            (Topic.ZENDESK_REQUEST_EVENT, settings.zendesk_enabled),
        )
        if wanted
    )
    reachable = settings.smtp_url is not None or settings.slack_bot_token is not None
    return Context(
        db=db,
        calendar=settings.calendar,
        default_region=settings.portbot_country,
        effect_topics=topics,
        # The LOA goes out by e-mail, or by Slack DM when the representative is a Slack user;
        # either way its link needs the address people reach portbot at.
        loa_topic=Topic.LOA_SEND if settings.portbot_public_url and reachable else None,
        reminders=settings.reminder_policy,
        reconcile=reconcile,
        zendesk_site=zendesk_site(settings),
        countries=settings.countries,
    )


def zendesk_site(settings: Settings) -> str | None:
    """The Zendesk account's web address, for links to its tickets: the subdomain's site, else
    ``ZENDESK_URL`` (a proxy or a simulator); None without tickets."""
    if not settings.zendesk_enabled:
        return None
    if settings.zendesk_subdomain:
        return f"https://{settings.zendesk_subdomain}.zendesk.com"
    return settings.zendesk_url
