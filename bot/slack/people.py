"""Slack members as Zendesk needs them: a name and, when Slack shows it, an e-mail address.

``users.info`` gives ``profile.email`` only to apps with the ``users:read.email`` scope (the
manifest asks for it). Used when an outbox row is delivered (``bot.zendesk.people``), never
before an ack.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.outbox import RetryLater
from bot.slack.delivery import rate_limit_retried

__all__ = ["SlackMember", "SlackPeople"]

# Answers that mean "no address to be had": Slack does not know this person, or this token may
# not look people up. Trying again would not change them.
_UNKNOWN = frozenset(
    {"user_not_found", "users_not_found", "account_inactive", "missing_scope", "no_permission"}
)


@dataclass(frozen=True)
class SlackMember:
    name: str
    email: str | None


class SlackPeople:
    """``person(user_id)``: the member's name and e-mail address (None when Slack shows none);
    None for a member Slack does not know (or will not show). A rate limit, an outage or another
    error raises :class:`RetryLater`, so the delivery that asked is tried again rather than
    deciding that the person has no address."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def person(self, user_id: str) -> SlackMember | None:
        try:
            with rate_limit_retried():
                user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") in _UNKNOWN:
                return None
            raise RetryLater(60, f"Slack users.info: {exc.response.get('error')}") from None
        except OSError as exc:  # no answer from Slack
            raise RetryLater(60, f"Slack users.info: {type(exc).__name__}") from None
        profile = user.get("profile") or {}
        name = profile.get("real_name") or profile.get("display_name") or user.get("name") or ""
        email = str(profile.get("email") or "").strip() or None
        return SlackMember(name=str(name), email=email)
