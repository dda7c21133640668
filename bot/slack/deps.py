"""What the Slack listeners need, passed in (no module-global app or state)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Actor, Viewer
from bot.services.base import Context
from bot.services.intake_flow import Bills
from bot.slack.agents import AgentDirectory
from storage.documents import DocumentStore


@dataclass
class SlackDeps:
    ctx: Context
    agents: AgentDirectory
    agents_channel: str | None = None
    wake: Callable[[], None] = field(default=lambda: None)  # nudge the outbox after a change
    documents: DocumentStore | None = None  # where bills are kept (see ``bills``)
    _names: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def bills(self) -> Bills:
        """The intake's last step, with the store the assembly handed over: listeners pass it
        the bill's details and bytes, never the store."""
        return Bills(self.ctx, self.documents)

    def display_name(self, user_id: str, client: WebClient) -> str:
        """The name people know a user by (``users.info``, remembered); the id if Slack can't
        tell. Only for work done after the ack: it may call Slack."""
        if (known := self._names.get(user_id)) is not None:
            return known
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError:
            return user_id
        profile = user.get("profile") or {}
        name = (
            profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id
        )
        if len(self._names) >= 10_000:
            self._names.clear()
        self._names[user_id] = name
        return name

    def is_agent(self, user_id: str, client: WebClient | None = None) -> bool:
        return self.agents.is_agent(user_id, client)

    def actor(self, user: dict[str, Any], client: WebClient | None = None) -> Actor:
        user_id = user.get("id") or user.get("user_id") or ""
        name = user.get("name") or user.get("username") or user.get("user_name") or ""
        if self.is_agent(user_id, client):
            return Actor.agent(user_id, name)
        return Actor.customer(user_id, name)

    def viewer(
        self, user_id: str, team_id: str, channel_id: str | None, client: WebClient | None = None
    ) -> Viewer:
        return Viewer(
            user_id=user_id,
            is_agent=self.is_agent(user_id, client),
            team_id=team_id,
            channel_ids=frozenset({channel_id}) if channel_id else frozenset(),
        )

    def viewer_of(
        self, body: dict[str, Any], channel_id: str | None, client: WebClient | None = None
    ) -> Viewer:
        """Who pressed a button or submitted a modal, seeing requests as from ``channel_id``
        (the channel of the message, or the one the modal was opened from)."""
        return self.viewer(body["user"]["id"], team_of(body), channel_id, client)


def team_of(body: dict[str, Any]) -> str:
    """The workspace of an interaction (button or modal) as Slack names it."""
    return (body.get("team") or {}).get("id", "") or (body.get("user") or {}).get("team_id", "")


def dump_meta(**values: str) -> str:
    """``private_metadata``: ids only, well under Slack's 3,000 characters."""
    return json.dumps(values, separators=(",", ":"))


def load_meta(view: dict[str, Any]) -> dict[str, str]:
    raw = view.get("private_metadata") or "{}"
    try:
        data = json.loads(raw)
    except ValueError:
        return {"session": raw}
    return data if isinstance(data, dict) else {}
