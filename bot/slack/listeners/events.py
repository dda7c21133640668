"""Events API: the App Home, and replies under request cards. Deliveries Slack retries are
handled once (by ``event_id``)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot import services as svc
from bot.services.queries import request_for_thread
from bot.slack.deps import SlackDeps
from bot.slack.errors import bind
from bot.slack.files import slack_file_ref
from bot.slack.ids import Event
from bot.slack.listeners.find import publish_home


def home_opened(
    deps: SlackDeps, event: dict[str, Any], body: dict[str, Any], client: WebClient
) -> None:
    if event.get("tab", "home") != "home":
        return
    publish_home(deps, client, user=event["user"], team=body.get("team_id", ""))


def thread_reply(deps: SlackDeps, event: dict[str, Any], client: WebClient) -> None:
    """A person's reply under a request card joins the request's conversation: its text and
    files, later its edits; a deleted reply is reported to the porting team."""
    subtype = event.get("subtype")
    message = (event.get("message") or {}) if subtype == "message_changed" else event
    if subtype == "message_deleted":
        message = event.get("previous_message") or {}
    elif subtype not in (None, "file_share", "message_changed"):
        return  # joins, topic changes, bot messages…
    thread_ts, ts = message.get("thread_ts"), message.get("ts")
    if not thread_ts or thread_ts == ts or message.get("bot_id") or not message.get("user"):
        return  # not a reply, or written by a bot (ourselves included)
    if subtype == "message_changed" and message.get("text") == (
        (event.get("previous_message") or {}).get("text")
    ):
        return  # Slack added a link preview; the words are the same
    channel = event.get("channel", "")
    sid = request_for_thread(deps.ctx, channel_id=channel, thread_ts=thread_ts)
    if sid is None:
        return
    user_id = message["user"]
    actor = deps.actor({"id": user_id, "name": deps.display_name(user_id, client)}, client)
    source_id = f"{channel}:{ts}"
    if subtype == "message_deleted":
        svc.withdraw_comment(deps.ctx, sid, actor=actor, source="slack", source_id=source_id)
    else:
        edit_of: str | None = None
        files = [slack_file_ref(f) for f in message.get("files") or ()]
        if subtype == "message_changed":  # a comment of its own, naming the one it corrects
            edited = (message.get("edited") or {}).get("ts") or event.get("ts", "")
            source_id, edit_of, files = f"{source_id}:edit:{edited}", source_id, []
        svc.add_comment(
            deps.ctx,
            sid,
            message.get("text", ""),
            actor=actor,
            source="slack",
            source_id=source_id,
            edit_of=edit_of,
            files=files,
        )
    deps.wake()


def register(app: App, deps: SlackDeps) -> None:
    app.event(Event.APP_HOME_OPENED)(bind(home_opened, deps))
    app.event(Event.MESSAGE)(bind(thread_reply, deps))
