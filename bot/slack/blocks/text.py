"""Text helpers for the Slack builders: escaping, the ``mrkdwn`` renderer of channel-neutral
wording (:mod:`bot.wording`), the status emoji, and the few block constructors every builder
shares.

Everything here is pure: no I/O, no clock. Strings returned by :func:`escape`, :func:`mrkdwn`
and the status helpers are safe to put into ``mrkdwn`` text objects as they are.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from slack_sdk.models.blocks import Block as SlackBlock
from slack_sdk.models.blocks import (
    ConfirmObject,
    ContextBlock,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.slack import ids
from bot.wording.formats import (
    clock_time,
    day,
    number,
    plural,
    short_day,
    short_sid,
    when,
    window,
)
from bot.wording.links import safe_url
from bot.wording.requests import number_status_label
from bot.wording.rich import Clock, Rich, Span, Style, clock_words
from storage.values import NumberStatus, RequestStatus

TITLE_MAX = 24  # Slack: modal title, submit and close
MAX_BLOCKS_MODAL = 100
MAX_BLOCKS_MESSAGE = 50
MAX_SECTION = 3000

__all__ = [
    "MAX_BLOCKS_MESSAGE",
    "MAX_BLOCKS_MODAL",
    "MAX_SECTION",
    "TITLE_MAX",
    "clock_time",
    "confirm",
    "context",
    "day",
    "escape",
    "field",
    "mention",
    "modal",
    "mrkdwn",
    "number",
    "number_status",
    "plural",
    "request_status",
    "section",
    "short_day",
    "short_sid",
    "slack_date",
    "status_emoji",
    "text_input",
    "truncate",
    "when",
    "window",
]

_WORD_JOINER = "\u2060"  # invisible; stops "@here" from reading as a mention
_BROADCAST = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")


def escape(text: object) -> str:
    """Make outside text safe for ``mrkdwn``.

    ``&``, ``<`` and ``>`` become entities, so ``<!channel>``, ``<@U…>`` and links typed by
    someone stay plain text; ``@here``, ``@channel`` and ``@everyone`` get an invisible joiner
    so that they can never notify anyone; control characters are dropped.
    """
    value = "" if text is None else str(text)
    value = _CONTROL.sub("", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: "@" + _WORD_JOINER + m.group(1), value)


def truncate(text: str, n: int) -> str:
    """``text`` cut to at most ``n`` characters with an ellipsis; never splits an entity."""
    if n < 1:
        return ""
    if len(text) <= n:
        return text
    cut = _ENTITY_TAIL.sub("", text[: n - 1]).rstrip()
    return cut + "…"


def mention(user_id: str, fallback: str = "") -> str:
    """``<@U123>`` for a real Slack user ID, otherwise the escaped fallback name."""
    if _USER_ID.match(user_id or ""):
        return f"<@{user_id}>"
    return escape(fallback or user_id or "someone")


def slack_date(moment: datetime, clock: Clock = Clock.DAY_TIME) -> str:
    """An instant as a Slack date token: each reader sees it in their own time zone
    (``<!date^1796223600^{date_short_pretty} at {time}|Wed Dec 2, 2026 at 2:00 PM UTC>``).
    Where Slack cannot format it (some notifications, old clients) the fallback shows, in UTC
    and saying so. Tokens work in ``mrkdwn`` text only, not in ``plain_text``."""
    if moment.tzinfo is None:
        raise ValueError("an instant needs its time zone")
    fallback = clock_words(moment, UTC, clock)
    return f"<!date^{int(moment.timestamp())}^{clock.value}|{fallback}>"


def mrkdwn(text: Rich | str) -> str:
    """Channel-neutral text (:mod:`bot.wording.rich`) as Slack ``mrkdwn``, every string escaped:
    a name typed as ``<!channel>`` or ``<https://evil|Reset>`` stays words. Instants become
    Slack date tokens (:func:`slack_date`)."""
    if isinstance(text, str):
        return escape(text)
    out: list[str] = []
    for s in text.spans:
        if s.style is Style.STRONG:
            out.append(f"*{escape(s.text)}*" if s.text.strip() else escape(s.text))
        elif s.style is Style.CODE:
            body = escape(s.text).replace("`", "'")
            out.append(f"`{body}`" if body else "")
        elif s.style is Style.MENTION:
            out.append(mention(s.text, s.label))
        elif s.style is Style.LINK:
            url, label = safe_url(s.text), escape(s.label or s.text)
            out.append(f"<{url}|{label.replace('|', '/')}>" if url else label)
        elif s.style is Style.WHEN:
            out.append(_when_token(s))
        else:
            out.append(escape(s.text))
    return "".join(out)


def _when_token(span: Span) -> str:
    try:
        moment = datetime.fromisoformat(span.text)
    except ValueError:
        return escape(span.label)
    return slack_date(moment, span.clock) if moment.tzinfo else escape(span.label)


_REQUEST_EMOJI = {
    RequestStatus.DRAFT: ":memo:",
    RequestStatus.AWAITING_SIGNATURE: ":writing_hand:",
    RequestStatus.IN_REVIEW: ":mag:",
    RequestStatus.QUOTE_PENDING: ":receipt:",
    RequestStatus.SUBMITTED: ":outbox_tray:",
    RequestStatus.FOC_CONFIRMED: ":calendar:",
    RequestStatus.ACTION_REQUIRED: ":warning:",
    RequestStatus.CANCEL_PENDING: ":hourglass_flowing_sand:",
    RequestStatus.COMPLETED: ":white_check_mark:",
    RequestStatus.CANCELLED: ":no_entry_sign:",
    RequestStatus.EXPIRED: ":zzz:",
}

_NUMBER_EMOJI = {
    NumberStatus.PENDING: ":white_circle:",
    NumberStatus.SUBMITTED: ":outbox_tray:",
    NumberStatus.FOC_CONFIRMED: ":calendar:",
    NumberStatus.PORTED: ":white_check_mark:",
    NumberStatus.REJECTED: ":x:",
    NumberStatus.CANCELLED: ":no_entry_sign:",
}


def status_emoji(status: RequestStatus) -> str:
    return _REQUEST_EMOJI[status]


def request_status(status: RequestStatus) -> str:
    """``:calendar: Port date confirmed``."""
    return f"{_REQUEST_EMOJI[status]} {status.label}"


def number_status(status: NumberStatus) -> str:
    """``:calendar: Port date set``."""
    return f"{_NUMBER_EMOJI[status]} {number_status_label(status)}"


# --- block builders shared by the modules of this package --------------------------------


def modal(
    callback_id: str | None,
    title: str,
    blocks: list[SlackBlock],
    metadata: str,
    *,
    submit: str | None = None,
    close: str | None = "Cancel",
) -> View:
    """A modal within Slack's limits (title, submit and close at most 24 characters)."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=truncate(title, TITLE_MAX),
        submit=truncate(submit, TITLE_MAX) if submit else None,
        close=truncate(close, TITLE_MAX) if close else None,
        blocks=blocks[:MAX_BLOCKS_MODAL],
        private_metadata=metadata,
    )


def field(
    block_id: str,
    label: str,
    element: InputInteractiveElement,
    *,
    hint: str | None = None,
    optional: bool = False,
) -> InputBlock:
    """An input block; the element's action id is always :data:`ids.VALUE`."""
    element.action_id = ids.VALUE
    return InputBlock(
        block_id=block_id, label=label, element=element, hint=hint, optional=optional or None
    )


def text_input(
    *, multiline: bool = False, placeholder: str | None = None, max_length: int | None = None
) -> PlainTextInputElement:
    return PlainTextInputElement(
        multiline=multiline or None, placeholder=placeholder, max_length=max_length
    )


def confirm(title: str, text: str, yes: str, no: str = "Back") -> ConfirmObject:
    """A button's "are you sure?" dialog. Its text is plain: outside strings need no escaping
    here, and Slack date tokens do not work in it."""
    return ConfirmObject(
        title=PlainTextObject(text=truncate(title, 100)),
        text=PlainTextObject(text=truncate(text, 300)),
        confirm=PlainTextObject(text=truncate(yes, 30)),
        deny=PlainTextObject(text=truncate(no, 30)),
    )


def section(text: str, block_id: str | None = None) -> SectionBlock:
    body = MarkdownTextObject(text=truncate(text, MAX_SECTION))
    return SectionBlock(block_id=block_id, text=body)


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, MAX_SECTION))])
