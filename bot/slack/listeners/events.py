"""Events API: the App Home. Deliveries Slack retries are handled once (by ``event_id``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot import services as svc
from bot.services.queries import OPEN_STATUSES
from bot.slack.blocks import home
from bot.slack.deps import SlackDeps
from bot.slack.errors import guarded
from bot.slack.ids import Event
from storage import repositories as repo


def register(app: App, deps: SlackDeps) -> None:
    ctx = deps.ctx

    @guarded
    def home_opened(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        is_agent = deps.is_agent(user, client)
        viewer = svc.Viewer(user_id=user, is_agent=False, team_id=body.get("team_id", ""))
        mine = svc.list_requests(ctx, viewer, statuses=OPEN_STATUSES, limit=20)
        queues = upcoming = None
        today = ctx.today()
        if is_agent:
            with ctx.db.read() as s:
                queues = repo.count_by_status(s)
                upcoming = repo.upcoming_focs(s, start=today, end=today + timedelta(days=7))
        client.views_publish(
            user_id=user,
            view=home.home_view(
                mine=mine, is_agent=is_agent, queues=queues, upcoming=upcoming, today=today
            ),
        )

    @guarded
    def thread_reply(event: dict[str, Any], client: WebClient) -> None:
        """A person's reply under a request card joins the request's conversation."""
        thread_ts, ts = event.get("thread_ts"), event.get("ts")
        if not thread_ts or thread_ts == ts or event.get("bot_id") or event.get("subtype"):
            return  # not a reply, or a bot (ourselves included), an edit, a join…
        with ctx.db.read() as s:
            req = repo.request_for_thread(
                s, channel_id=event.get("channel", ""), thread_ts=thread_ts
            )
        if req is None:
            return
        actor = deps.actor({"id": event.get("user", "")}, client)
        svc.add_comment(
            ctx,
            req.sid,
            event.get("text", ""),
            actor=actor,
            source="slack",
            source_id=f"{event.get('channel')}:{ts}",
        )
        deps.wake()

    app.event(Event.APP_HOME_OPENED)(home_opened)
    app.event(Event.MESSAGE)(thread_reply)
