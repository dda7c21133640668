"""Pieces every sidebar view shares: sections, facts, the recent timeline, the Slack link, and
rich text with people shown by name.

Pure: values in, HTML out, every value escaped (:func:`~bot.sidebar.forms.esc`, or
:func:`bot.wording.rich.html` for rich text).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from urllib.parse import quote, urlencode

from bot.sidebar.forms import esc
from bot.wording.formats import clip, one_line, when
from bot.wording.links import safe_url
from bot.wording.rich import Rich, Span, Style
from bot.wording.rich import html as rich_html
from storage.models import SlackLink
from storage.values import Role

__all__ = [
    "Entry",
    "facts",
    "heading",
    "named",
    "section",
    "slack_line",
    "timeline",
]

DETAIL_MAX = 300  # characters of an event's detail shown in the timeline
SLACK_REDIRECT = "https://slack.com/app_redirect"


@dataclass(frozen=True)
class Entry:
    """One timeline event, as any subject's timeline has it."""

    at: datetime
    role: Role
    actor_name: str
    actor_id: str
    action: str
    detail: str
    public: bool = True


def heading(title: str, *, kind: str, sid: str, status: str, status_class: str) -> str:
    """The view's head: what it is (focusable, for the script to move focus to), its id and
    status."""
    return (
        f'<header class="pb-head pb-{kind}">\n'
        f'<h1 class="pb-title" id="pb-title" tabindex="-1">{esc(title)}</h1>\n'
        f'<p class="pb-id"><code>{esc(sid)}</code></p>\n'
        f'<p class="pb-status pb-status-{esc(status_class)}">{esc(status)}</p>\n'
        "</header>"
    )


def section(name: str, title: str, body: str) -> str:
    """A titled part of the view (``pb-<name>``)."""
    return (
        f'<section class="pb-section pb-{name}" aria-labelledby="pb-{name}-title">\n'
        f'<h2 class="pb-section-title" id="pb-{name}-title">{esc(title)}</h2>\n{body}\n'
        "</section>"
    )


def facts(pairs: Iterable[tuple[str, str]]) -> str:
    """A definition list: each term escaped here, each value already HTML."""
    rows = [f"<dt>{esc(term)}</dt>\n<dd>{value}</dd>" for term, value in pairs if value]
    return '<dl class="pb-facts">\n' + "\n".join(rows) + "\n</dl>" if rows else ""


def who(entry: Entry) -> str:
    """Who made a change, by name: portbot for its own moves."""
    if entry.role is Role.SYSTEM:
        return "portbot"
    return one_line(entry.actor_name) or entry.actor_id or "someone"


def timeline(entries: Sequence[Entry], tz: tzinfo | str | None) -> str:
    """The events, newest first, each with its time, who made it, and what it was; internal
    ones are marked."""
    if not entries:
        return '<p class="pb-empty">Nothing has happened yet.</p>'
    items = []
    for entry in reversed(entries):
        detail = clip(one_line(entry.detail) or entry.action.replace("_", " "), DETAIL_MAX)
        internal = "" if entry.public else '<span class="pb-tag">Internal</span> '
        items.append(
            f'<li class="pb-event"><time datetime="{esc(entry.at.isoformat())}">'
            f"{esc(when(entry.at, tz))}</time> · {esc(clip(who(entry), 120))}<br>\n"
            f"{internal}{esc(detail)}</li>"
        )
    return '<ol class="pb-timeline">\n' + "\n".join(items) + "\n</ol>"


def slack_href(link: SlackLink, workspace: str | None = None) -> tuple[str, str]:
    """Where the subject's card lives in Slack, and the words of the link: the card's thread
    when the workspace's address is known (``https://acme.slack.com/``, Slack's permalink
    form), else the channel (Slack opens it in the agent's workspace)."""
    base = safe_url(workspace or "")
    if base and link.message_ts:
        ts = link.message_ts.replace(".", "")
        channel = quote(link.channel_id, safe="")
        return f"{base.rstrip('/')}/archives/{channel}/p{ts}", "Open the thread in Slack"
    query = {"channel": link.channel_id} | ({"team": link.team_id} if link.team_id else {})
    return f"{SLACK_REDIRECT}?{urlencode(query)}", "Open its channel in Slack"


def slack_line(link: SlackLink | None, workspace: str | None = None) -> str:
    """The link to the subject's card and thread in Slack, or a line saying there is none."""
    if link is None:
        return '<p class="pb-slack">No Slack card yet.</p>'
    href, words = slack_href(link, workspace)
    return (
        f'<p class="pb-slack"><a class="pb-link" href="{esc(href)}" target="_blank" '
        f'rel="noopener noreferrer">{esc(words)}</a></p>'
    )


def named(text: Rich, names: Mapping[str, str]) -> Rich:
    """``text`` with each mention shown by the person's name (from the timeline) where it
    has none: outside Slack, a user id means nothing to the reader."""
    spans: list[Span] = []
    for span in text.spans:
        if span.style is Style.MENTION and not span.label:
            span = replace(span, label=names.get(span.text) or span.text or "someone")
        spans.append(span)
    return Rich(tuple(spans))


def rich(text: Rich | str) -> str:
    """Rich text as HTML, escaped, its line breaks kept."""
    return rich_html(text).replace("\n", "<br>\n")
