"""The Slack side of a request event (outbox topic ``slack.request_event``).

The first event of a request posts its card where ``/port new`` ran (a DM has no room for a
card, so then the agents channel) and a short notice in the agents channel; later events update
the card in place and put what happened in the card's thread. Every message is rendered from the
request as it is now, so a delivery that was held up shows the current state.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import select

from bot.delivery.outbox import NotDelivered, RetryLater
from bot.services.base import Context, Snapshot, snapshot
from bot.services.effects import Topic
from bot.services.tickets import ticket_url
from bot.slack.blocks import cards, text
from bot.slack.blocks import quotes as quote_blocks
from bot.slack.blocks.text import mrkdwn
from bot.wording import news
from bot.wording.loa import DirectMessage
from bot.wording.rich import Rich, link, mention, rich, strong
from storage import repositories as repo
from storage.models import OutboxMessage, PortRequest, SlackLink, TimelineEvent

log = logging.getLogger(__name__)


def _card_channel(channel_id: str, agents_channel: str | None) -> str | None:
    if channel_id[:1] in ("C", "G"):
        return channel_id
    return agents_channel


def _file_links(event: TimelineEvent) -> Rich:
    """Files that came with a ticket comment, as links under the message."""
    files = (event.data or {}).get("files") or ()
    return rich(
        *(
            rich("\n:paperclip: ", link(str(f["url"]), str(f.get("name") or "file")))
            for f in files
            if str(f.get("url", "")).startswith(("https://", "http://"))
        )
    )


def thread_line(event: TimelineEvent, req: PortRequest | None = None) -> str:
    """A public change as one line in the card's thread: who, by name (the person who made
    the change is not mentioned: they know), and what happened. When the change asks the
    requester to act (``news.asks_the_requester``), a second line mentions them and says
    what to do; other changes mention nobody."""
    line = rich(event.actor_name or "portbot", ": ", event.detail, _file_links(event))
    if req is not None and news.asks_the_requester(event, req.requester_id):
        who = mention(req.requester_id, req.requester_name)
        line = rich(line, "\n", who, " ", news.ask_of(event, req))
    return mrkdwn(line)


@contextmanager
def rate_limit_retried() -> Iterator[None]:
    """Turn Slack's rate limit (HTTP 429, or ``ratelimited``) raised inside into the outbox's
    "try again at ``Retry-After``"; any other Slack error goes on as a failed try."""
    try:
        yield
    except SlackApiError as exc:
        response = exc.response
        if response.status_code == 429 or response.get("error") == "ratelimited":
            retry_after = float(response.headers.get("Retry-After", 30))
            raise RetryLater(retry_after, "Slack rate limit") from None
        raise


# users.lookupByEmail answers that mean "no DM": nobody has the address, or this token may not
# look people up (the scope is missing, say). The thread or the e-mail still carries the message.
_NOT_IN_SLACK = frozenset({"users_not_found", "user_not_found"})
_LOOKUP_OFF = frozenset(
    {"missing_scope", "not_allowed_token_type", "no_permission", "account_inactive"}
)


def user_by_email(client: WebClient, email: str) -> str | None:
    """The ID of the live, human Slack user with this address, or None: no such user, or the
    token cannot look people up (logged once per try). Other errors are raised, a rate limit
    among them, so the delivery is tried again."""
    if "@" not in email:
        return None
    try:
        user = client.users_lookupByEmail(email=email).get("user") or {}
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error in _LOOKUP_OFF:
            log.warning("cannot look up Slack users by e-mail (%s): no direct message", error)
        if error in _NOT_IN_SLACK or error in _LOOKUP_OFF:
            return None
        raise
    if user.get("deleted") or user.get("is_bot") or not user.get("id"):
        return None
    return str(user["id"])


class SlackHandler:
    """An outbox handler that talks to Slack: subclasses write ``_deliver``; a rate limit
    becomes a retry at ``Retry-After``, other Slack errors count as a failed try."""

    def __init__(
        self, ctx: Context, client: WebClient, *, agents_channel: str | None = None
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.agents_channel = agents_channel

    def __call__(self, message: OutboxMessage) -> None:
        with rate_limit_retried():
            self._deliver(message)

    def _deliver(self, message: OutboxMessage) -> None:
        raise NotImplementedError


class SlackDelivery(SlackHandler):
    """Topic ``slack.request_event``: the request's card, posted once and updated, and each
    public change in its thread."""

    def _deliver(self, message: OutboxMessage) -> None:
        sid = message.payload["sid"]
        with self.ctx.db.read() as s:
            req = repo.get_request(s, sid=sid)
            if req is None:
                return
            snap = snapshot(s, req, events=5)
            link = s.exec(select(SlackLink).where(SlackLink.request_id == req.id)).first()
            event = s.get(TimelineEvent, message.payload.get("event_id"))
        tz, ticket = self.ctx.calendar.timezone, ticket_url(self.ctx, req)
        where = link.channel_id if link else _card_channel(req.channel_id, self.agents_channel)
        # The card where the customer sees it carries their buttons; the team's copy theirs.
        team_view = where is not None and where == self.agents_channel
        blocks = cards.request_card(snap, tz=tz, ticket_url=ticket, for_agents=team_view)
        fallback = cards.card_text(snap)
        if link is None or link.message_ts is None:
            link = self._post_card(req, blocks, fallback, snap=snap, ticket=ticket)
        else:
            self.client.chat_update(
                channel=link.channel_id, ts=link.message_ts, text=fallback, blocks=blocks
            )
            if link.agents_channel_id and link.agents_message_ts:
                self.client.chat_update(
                    channel=link.agents_channel_id,
                    ts=link.agents_message_ts,
                    **self._notice(snap, link.channel_id, link.message_ts, ticket),
                )
        from_slack = event is not None and (event.data or {}).get("source") == "slack"
        if (
            event is not None
            and event.public
            and event.action != "open"
            and not from_slack
            and link.message_ts
        ):
            self.client.chat_postMessage(
                channel=link.channel_id,
                thread_ts=link.message_ts,
                **quote_blocks.thread_message(event, req, thread_line(event, req), tz),
            )

    def _notice(self, snap: Snapshot, channel: str, ts: str, ticket: str | None) -> dict[str, Any]:
        """The agents channel's copy of the card: the team's buttons, the ticket, and a link
        to the card in the customer's channel."""
        card = self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
        tz = self.ctx.calendar.timezone
        blocks = cards.request_card(snap, tz=tz, ticket_url=ticket, for_agents=True, card_link=card)
        return {"text": cards.notice_text(snap), "blocks": blocks}

    def _post_card(
        self,
        req: PortRequest,
        blocks: list,
        fallback: str,
        *,
        snap: Snapshot,
        ticket: str | None,
    ) -> SlackLink:
        channel = _card_channel(req.channel_id, self.agents_channel)
        if channel is None:  # opened from a DM with no agents channel: the requester's DM
            channel = self._requester_dm(req)
        try:
            posted = self.client.chat_postMessage(channel=channel, text=fallback, blocks=blocks)
        except SlackApiError as exc:
            # Trying again cannot help: the card goes where the team sees it, with the reason.
            reason = str(exc.response.get("error"))
            if reason not in _CANNOT_POST or channel == self.agents_channel:
                raise
            wanted = channel
            channel = self.agents_channel or self._requester_dm(req)
            posted = self.client.chat_postMessage(channel=channel, text=fallback, blocks=blocks)
            self.client.chat_postMessage(
                channel=channel, thread_ts=posted["ts"], text=misplaced_text(wanted, reason)
            )
            log.warning("the card of %s went to %s: %s in %s", req.sid, channel, reason, wanted)
        notice_ts = None
        if self.agents_channel and self.agents_channel != channel:
            notice = self.client.chat_postMessage(
                channel=self.agents_channel, **self._notice(snap, channel, posted["ts"], ticket)
            )
            notice_ts = notice["ts"]
        with self.ctx.db.write() as s:
            found = s.exec(select(SlackLink).where(SlackLink.request_id == req.id)).first()
            found = found or SlackLink(request_id=req.id, channel_id=channel)
            found.team_id, found.channel_id, found.message_ts = req.team_id, channel, posted["ts"]
            found.agents_channel_id = self.agents_channel if notice_ts else None
            found.agents_message_ts = notice_ts
            s.add(found)
        return found

    def _requester_dm(self, req: PortRequest) -> str:
        return str(self.client.conversations_open(users=req.requester_id)["channel"]["id"])


# chat.postMessage answers for a channel the card can never reach as things stand.
_CANNOT_POST = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
_WHY = {
    "not_in_channel": "portbot is not a member of it",
    "channel_not_found": "portbot cannot see it (a private channel it was not invited to, or "
    "one that was deleted)",
    "is_archived": "it is archived",
}


def misplaced_text(channel: str, reason: str) -> str:
    """Said under a card that could not go to its channel: where it belonged, and why."""
    why = _WHY.get(reason, "Slack refused it")
    return (
        f":warning: This card belongs in <#{text.escape(channel)}>, but {why} "
        f"(`{text.escape(reason)}`), so it is here and its updates follow here. To have the "
        "next requests' cards there, type `/invite @portbot` in that channel."
    )


_WHAT: dict[str, str] = {
    Topic.SLACK_REQUEST_EVENT: "the Slack card and thread update",
    Topic.ZENDESK_REQUEST_EVENT: "the Zendesk ticket update",
    Topic.ZENDESK_NOTE: "the internal note on the Zendesk ticket",
    Topic.SLACK_REMINDER: "a reminder in Slack",
    Topic.LOA_SEND: "sending the Letter of Authorization",
}


_DESTINATION: dict[str, str] = {"slack": "Slack", "zendesk": "Zendesk", "loa": "LOA delivery"}


def _when(iso: object) -> str:
    """An instant as Slack shows it, in each reader's own time zone (UTC as the fallback)."""
    try:
        when = datetime.fromisoformat(str(iso)).astimezone(UTC)
    except ValueError:
        return text.escape(str(iso))
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _deliveries(n: object) -> str:
    return f"{n} deliver{'y' if n == 1 else 'ies'}"


def outage_text(payload: dict) -> str:
    """The agents' message when a destination stops answering, gives up, or is back."""
    name = _DESTINATION.get(str(payload.get("lane")), text.escape(str(payload.get("lane"))))
    since = _when(payload.get("since"))
    kind = payload.get("kind")
    if kind == "down":
        return (
            f":warning: {name} is not answering since {since}: "
            f"{_deliveries(payload.get('waiting', 0))} waiting. portbot keeps trying, and says "
            "here when it is back."
        )
    if kind == "gave_up":
        return (
            f":warning: {name} has not answered since {since}: portbot set aside "
            f"{_deliveries(payload.get('dead', 0))} that waited longer than it tries "
            "(`portbot outbox list` shows them). When it is back, "
            "`portbot outbox retry --all-dead` sends them."
        )
    dead = int(payload.get("dead") or 0)
    return (
        f":white_check_mark: {name} is back: {payload.get('delivered', 0)} delivered after the "
        f"outage that began {since}."
        + (
            f" {_deliveries(dead)} set aside during it: `portbot outbox retry --all-dead` "
            "sends them."
            if dead
            else ""
        )
    )


def alert_text(payload: dict) -> str:
    """The agents' message for a delivery that was set aside (outbox topic ``slack.alert``),
    or for a destination's outage (``kind`` in the payload)."""
    if payload.get("kind"):
        return outage_text(payload)
    what = _WHAT.get(str(payload.get("topic")), f"a delivery ({payload.get('topic')})")
    sid = payload.get("sid")
    error = text.escape(str(payload.get("error") or "no error recorded"))
    return (
        f":warning: portbot gave up on {what}"
        + (f" for {sid}" if sid else "")
        + f" after {payload.get('attempts')} tries. Last error: {error}\n"
        f"When the cause is fixed, run `portbot outbox retry {payload.get('row_id')}` "
        "(or `portbot outbox list` to see everything set aside)."
    )


class AlertDelivery:
    """Posts dead-letter alerts in the agents channel."""

    def __init__(self, client: WebClient, *, agents_channel: str) -> None:
        self.client = client
        self.agents_channel = agents_channel

    def __call__(self, message: OutboxMessage) -> None:
        with rate_limit_retried():
            self.client.chat_postMessage(
                channel=self.agents_channel, text=alert_text(message.payload)
            )


class DirectMessages:
    """Slack direct messages to people found by their e-mail address: what the LOA delivery
    needs of a chat (``bot.loa.delivery.Messenger``). Rate limits become :class:`RetryLater`."""

    name = "Slack DM"

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def recipient(self, email: str) -> str | None:
        with rate_limit_retried():
            return user_by_email(self.client, email)

    def send(self, recipient: str, message: DirectMessage) -> None:
        try:
            with rate_limit_retried():
                channel = self.client.conversations_open(users=recipient)["channel"]["id"]
                self.client.chat_postMessage(
                    channel=channel, text=direct_message_text(message), unfurl_links=False
                )
        except SlackApiError as exc:  # a rate limit left rate_limit_retried as RetryLater
            raise NotDelivered(f"Slack refused the DM: {exc.response.get('error')}") from exc


def direct_message_text(message: DirectMessage) -> str:
    """A direct message as Slack text: its icon and title in bold, then its body."""
    icon = f":{message.icon}: " if message.icon else ""
    return f"{icon}{mrkdwn(rich(strong(message.title)))}\n{mrkdwn(message.body)}"
