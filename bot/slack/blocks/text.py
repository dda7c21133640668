"""Text helpers for the Slack builders: escaping, display forms, labels, the next step, and
the few block constructors every builder shares.

Everything here is pure: no I/O, no clock. Strings returned by :func:`escape`, :func:`next_step`
and the status helpers are safe to put into ``mrkdwn`` text objects as they are.
"""

from __future__ import annotations

import re

from slack_sdk.models.blocks import Block as SlackBlock
from slack_sdk.models.blocks import (
    ContextBlock,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    PlainTextInputElement,
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
from bot.wording.rich import Rich, Style
from storage.models import PortRequest
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
    "context",
    "day",
    "escape",
    "field",
    "mention",
    "modal",
    "mrkdwn",
    "next_step",
    "number",
    "number_status",
    "number_status_label",
    "plural",
    "request_status",
    "section",
    "short_day",
    "short_sid",
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


def mrkdwn(text: Rich | str) -> str:
    """Channel-neutral text (:mod:`bot.wording.rich`) as Slack ``mrkdwn``, every string escaped:
    a name typed as ``<!channel>`` or ``<https://evil|Reset>`` stays words."""
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
        else:
            out.append(escape(s.text))
    return "".join(out)


_REQUEST_EMOJI = {
    RequestStatus.DRAFT: ":memo:",
    RequestStatus.AWAITING_SIGNATURE: ":writing_hand:",
    RequestStatus.IN_REVIEW: ":mag:",
    RequestStatus.SUBMITTED: ":outbox_tray:",
    RequestStatus.FOC_CONFIRMED: ":calendar:",
    RequestStatus.ACTION_REQUIRED: ":warning:",
    RequestStatus.CANCEL_PENDING: ":hourglass_flowing_sand:",
    RequestStatus.COMPLETED: ":white_check_mark:",
    RequestStatus.CANCELLED: ":no_entry_sign:",
    RequestStatus.EXPIRED: ":zzz:",
}

_NUMBER_LABELS = {
    NumberStatus.PENDING: ("Not sent yet", ":white_circle:"),
    NumberStatus.SUBMITTED: ("With the carrier", ":outbox_tray:"),
    NumberStatus.FOC_CONFIRMED: ("Port date set", ":calendar:"),
    NumberStatus.PORTED: ("Ported", ":white_check_mark:"),
    NumberStatus.REJECTED: ("Rejected", ":x:"),
    NumberStatus.CANCELLED: ("Cancelled", ":no_entry_sign:"),
}


def status_emoji(status: RequestStatus) -> str:
    return _REQUEST_EMOJI[status]


def request_status(status: RequestStatus) -> str:
    """``:calendar: Port date confirmed``."""
    return f"{_REQUEST_EMOJI[status]} {status.label}"


def number_status_label(status: NumberStatus) -> str:
    return _NUMBER_LABELS[status][0]


def number_status(status: NumberStatus) -> str:
    """``:calendar: Port date set``."""
    label, emoji = _NUMBER_LABELS[status]
    return f"{emoji} {label}"


def _rep(req: PortRequest) -> str:
    name = escape(req.rep_name) if req.rep_name else "your authorized representative"
    return f"{name} ({escape(req.rep_email)})" if req.rep_email else name


def next_step(req: PortRequest) -> str:
    """What happens next, for the customer, in one or two sentences (``mrkdwn``, escaped)."""
    carrier = escape(req.losing_carrier) if req.losing_carrier else "your current carrier"
    match req.status:
        case RequestStatus.DRAFT:
            return (
                "Add a bill from your current carrier, issued in the last 30 days, to finish "
                "this request. Drafts close on their own after 30 days."
            )
        case RequestStatus.AWAITING_SIGNATURE:
            return (
                f"We e-mailed the Letter of Authorization (LOA) to {_rep(req)}. Once it's signed, "
                "our porting team checks everything and sends it to the carrier."
            )
        case RequestStatus.IN_REVIEW:
            return (
                f"Our porting team is checking the details before sending them to {carrier}. "
                "That usually takes a business day or two."
            )
        case RequestStatus.SUBMITTED:
            return (
                f"{carrier} has the request. A firm port date usually comes within one to two "
                "weeks. Keep your current service active in the meantime."
            )
        case RequestStatus.FOC_CONFIRMED:
            on = f"on *{day(req.foc_date)}*" if req.foc_date else "on the confirmed date"
            return (
                f"Your numbers move {on}. Set them up in your account now, and keep your "
                f"service with {carrier} active until the port is done."
            )
        case RequestStatus.ACTION_REQUIRED:
            return (
                "The carrier turned down part of this request. Check `/port status "
                f"{short_sid(req.sid)}` for what to fix; we send it again once it's fixed."
            )
        case RequestStatus.CANCEL_PENDING:
            return (
                "We've asked the carriers to stop the port and will confirm here. Keep your "
                f"service with {carrier} active until then."
            )
        case RequestStatus.COMPLETED:
            return (
                "Your numbers are with us. Make a few test calls and texts, then close the old "
                f"account with {carrier}."
            )
        case RequestStatus.CANCELLED:
            return (
                "This request is closed and nothing will move. Start over any time with "
                "`/port new`."
            )
        case RequestStatus.EXPIRED:
            return (
                "This request waited 30 days without being finished, so we closed it. "
                "Start a new one with `/port new`."
            )
    raise AssertionError(req.status)  # pragma: no cover


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


def section(text: str, block_id: str | None = None) -> SectionBlock:
    body = MarkdownTextObject(text=truncate(text, MAX_SECTION))
    return SectionBlock(block_id=block_id, text=body)


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, MAX_SECTION))])
