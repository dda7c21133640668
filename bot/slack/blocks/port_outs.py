"""Port-outs in Slack (PRODUCT §4): the window, PIN, request and reject modals and their
readers, the port-out's card and notice, and the lists of windows and numbers.

Pure builders. The words come from :mod:`bot.wording.port_outs` and are rendered with
:func:`~bot.slack.blocks.text.mrkdwn`, which escapes every outside string (carrier and
subscriber names, numbers as the carrier sent them); what a person typed elsewhere goes only
into ``plain_text``. No PIN and no account number appears in any block here: the one message
that carries them is :func:`bot.wording.port_out_notices.request_details`, shown to its asker alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from functools import partial
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    DatePickerElement,
    DateTimePickerElement,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.porting.rules import PORT_OUT_PIN_DIGITS
from bot.porting.rules import PORT_OUT_WINDOW_MAX_DAYS as MAX_DAYS
from bot.services.port_outs import REJECT_REASONS
from bot.slack import ids
from bot.slack.blocks.text import (
    MAX_SECTION,
    context,
    escape,
    modal,
    mrkdwn,
    section,
    text_input,
    truncate,
    when,
)
from bot.slack.blocks.text import field as input_field
from bot.slack.state import State
from bot.wording.formats import numbers_list
from bot.wording.port_outs import (
    REJECT_CHOICES,
    number_line,
    numbers_heading,
    port_out_line,
    port_out_news,
    port_out_next,
    port_out_summary,
    window_words,
)
from bot.wording.rich import code, rich
from storage.models import HeldNumber, PortOut, PortOutWindow
from storage.values import PortOutStatus, WindowStatus

__all__ = [
    "PinForm",
    "RejectForm",
    "RequestForm",
    "WindowForm",
    "numbers_blocks",
    "pin_modal",
    "port_out_card",
    "port_out_card_text",
    "port_out_notice",
    "read_pin",
    "read_reject",
    "read_request",
    "read_window",
    "reject_modal",
    "request_modal",
    "window_modal",
    "windows_blocks",
]

P = PortOutStatus
B = ids.Block
MAX_WINDOWS = 15  # windows listed with a Revoke button each
MAX_PENDING = 10  # pending port-outs listed, two blocks each
MAX_NUMBER_ROWS = 300  # numbers listed by /port numbers, 20 to a section
_ROWS_PER_SECTION = 20
_HINT_MAX = 2000
_PIN_FEWEST, _PIN_MOST = PORT_OUT_PIN_DIGITS
_PIN_HINT = f"{_PIN_FEWEST} to {_PIN_MOST} digits."
_NUMBERS_HINT = "One per line, or separated by commas. Only numbers your account holds."
_NO_WINDOW = (
    "No window is open, so port-outs wait for your approval. Open one with "
    "`/port portout authorize`."
)
_PROTECT = (
    "Protect numbers with `/port portout pin` or `/port portout lock`; let some go with "
    "`/port portout authorize`."
)
_EMOJI = {
    P.PENDING: ":hourglass_flowing_sand:",
    P.AUTHORIZED: ":white_check_mark:",
    P.REJECTED: ":no_entry:",
    P.PORTED: ":outbox_tray:",
    P.CANCELLED: ":no_entry_sign:",
}
_SOURCES = {
    "agent": "logged by the porting team",
    "zendesk": "from a Zendesk ticket",
    "bandwidth": "from Bandwidth's port-out validation",
}


# --- modals ----------------------------------------------------------------------------------


def _hint(default: str, extra: str) -> str:
    return truncate(f"{default} {extra}".strip(), _HINT_MAX)


def _numbers_field(hint: str, *, optional: bool = False) -> Block:
    box = text_input(multiline=True, placeholder="+1 617 555 0100")
    return input_field(B.PORTOUT_NUMBERS, "Numbers", box, hint=hint, optional=optional)


def _pin_field(block_id: ids.Block, label: str, hint: str, *, optional: bool = False) -> Block:
    return input_field(block_id, label, text_input(max_length=20), hint=hint, optional=optional)


def _when_field(block_id: ids.Block, label: str, hint: str, *, optional: bool = False) -> Block:
    return input_field(block_id, label, DateTimePickerElement(), hint=hint, optional=optional)


def window_modal(*, numbers_hint: str = "", private_metadata: str = "") -> View:
    """Open a port-out window: numbers, start and end, optional receiving carrier and PIN."""
    blocks: list[Block] = [
        section(
            "Let numbers move to another carrier between two moments. A port-out for them "
            "that arrives inside the window (from that carrier, quoting that PIN, if you name "
            "them) is authorized at once. Outside it, port-outs wait for your approval."
        ),
        _numbers_field(_hint(_NUMBERS_HINT, numbers_hint)),
        _when_field(B.PORTOUT_STARTS_AT, "From", "Leave empty to start now.", optional=True),
        _when_field(B.PORTOUT_ENDS_AT, "Until", f"At most {MAX_DAYS} days after the start."),
        input_field(
            B.PORTOUT_CARRIER,
            "Receiving carrier",
            text_input(max_length=120, placeholder="Any carrier"),
            hint="Name it to let only that carrier take the numbers.",
            optional=True,
        ),
        _pin_field(
            B.PORTOUT_PIN,
            "PIN for this window",
            f"{_PIN_HINT} The carrier must quote it. We store it encrypted and never show it.",
            optional=True,
        ),
        context("Times are in your Slack time zone."),
    ]
    view_id, title = ids.View.PORTOUT_WINDOW, "Open a port-out window"
    return modal(view_id, title, blocks, private_metadata, submit="Open window")


def pin_modal(*, numbers_hint: str = "", private_metadata: str = "") -> View:
    """Set a port-out PIN for some numbers, or for every number of the account."""
    blocks: list[Block] = [
        section(
            "A port-out PIN protects numbers: a carrier that asks to take them must quote it, "
            "or the request is refused. We store it encrypted, and nobody sees it again, here "
            "or anywhere else."
        ),
        _numbers_field(
            _hint("Leave empty for every number of the account.", numbers_hint), optional=True
        ),
        _pin_field(B.PORTOUT_PIN, "Port-out PIN", _PIN_HINT),
        _pin_field(B.PORTOUT_PIN_AGAIN, "The PIN again", "To be sure it is the one you meant."),
    ]
    return modal(ids.View.PORTOUT_PIN, "Port-out PIN", blocks, private_metadata, submit="Set PIN")


def request_modal(*, numbers_hint: str = "", private_metadata: str = "") -> View:
    """A customer asks to move numbers to another carrier: numbers, carrier, wished date."""
    blocks: list[Block] = [
        section(
            "Moving numbers to another carrier? Tell us which, and where to. We open a port-out "
            "window for them and show you, and only you, what the new carrier will ask for: "
            "the account number, a one-time PIN and the service address."
        ),
        _numbers_field(_hint(_NUMBERS_HINT, numbers_hint)),
        input_field(
            B.PORTOUT_CARRIER,
            "New carrier",
            text_input(max_length=120, placeholder="The company the numbers move to"),
        ),
        input_field(
            B.PORTOUT_WISHED_DATE,
            "Wished port date",
            DatePickerElement(placeholder="Any date is fine"),
            hint="A wish: the new carrier sets the date. The window stays open a little past "
            "it, for a late date.",
            optional=True,
        ),
    ]
    view_id, title = ids.View.PORTOUT_REQUEST, "Move numbers away"
    return modal(view_id, title, blocks, private_metadata, submit="Ask for port-out")


def reject_modal(port_out_id: str) -> View:
    """Reject a pending port-out: a reason from the short catalog and an optional comment.
    ``private_metadata`` is the port-out's public id."""
    options = [
        Option(value=value, text=REJECT_CHOICES.get(value) or words.rstrip("."))
        for value, words in REJECT_REASONS.items()
    ]
    blocks: list[Block] = [
        section(
            "The numbers stay on your account, and the new carrier is told the request was refused."
        ),
        input_field(B.PORTOUT_REASON, "Why?", RadioButtonsElement(options=options)),
        input_field(
            B.PORTOUT_REASON_TEXT,
            "Anything to add?",
            text_input(multiline=True, max_length=500),
            hint="The porting team and the ticket see it. Never paste a PIN.",
            optional=True,
        ),
    ]
    view_id, title = ids.View.PORTOUT_REJECT, "Reject port-out"
    return modal(view_id, title, blocks, port_out_id, submit="Reject it", close="Back")


# --- what was submitted ----------------------------------------------------------------------


@dataclass(frozen=True)
class WindowForm:
    numbers_text: str
    starts_at: datetime | None
    ends_at: datetime | None
    carrier: str
    pin: str = field(repr=False)


@dataclass(frozen=True)
class PinForm:
    numbers_text: str
    pin: str = field(repr=False)
    pin_again: str = field(repr=False)


@dataclass(frozen=True)
class RequestForm:
    numbers_text: str
    carrier: str
    wished_date: date | None


@dataclass(frozen=True)
class RejectForm:
    port_out_id: str
    reason: str | None
    reason_text: str


def _instant(view: Mapping[str, Any], block: ids.Block) -> datetime | None:
    """A ``datetimepicker``'s answer (epoch seconds) as an aware UTC instant."""
    values = (view.get("state") or {}).get("values") or {}
    raw = ((values.get(block.value) or {}).get(ids.VALUE) or {}).get("selected_date_time")
    return datetime.fromtimestamp(int(raw), UTC) if raw not in (None, "") else None


def read_window(view: Mapping[str, Any]) -> WindowForm:
    s = State(dict(view))
    starts, ends = _instant(view, B.PORTOUT_STARTS_AT), _instant(view, B.PORTOUT_ENDS_AT)
    carrier, pin = s.text(B.PORTOUT_CARRIER).strip(), s.text(B.PORTOUT_PIN)
    return WindowForm(s.text(B.PORTOUT_NUMBERS), starts, ends, carrier, pin)


def read_pin(view: Mapping[str, Any]) -> PinForm:
    s = State(dict(view))
    return PinForm(s.text(B.PORTOUT_NUMBERS), s.text(B.PORTOUT_PIN), s.text(B.PORTOUT_PIN_AGAIN))


def read_request(view: Mapping[str, Any]) -> RequestForm:
    s = State(dict(view))
    numbers, carrier = s.text(B.PORTOUT_NUMBERS), s.text(B.PORTOUT_CARRIER).strip()
    return RequestForm(numbers, carrier, s.day(B.PORTOUT_WISHED_DATE))


def read_reject(view: Mapping[str, Any]) -> RejectForm:
    """The port-out's public id comes back in ``private_metadata``."""
    s, port_out_id = State(dict(view)), str(view.get("private_metadata") or "")
    reason, text = s.choice(B.PORTOUT_REASON), s.text(B.PORTOUT_REASON_TEXT).strip()
    return RejectForm(port_out_id, reason, text)


# --- the card and the notice -----------------------------------------------------------------


def _confirm(title: str, text: str, yes: str, no: str = "Back") -> ConfirmObject:
    return ConfirmObject(
        title=PlainTextObject(text=truncate(title, 100)),
        text=PlainTextObject(text=truncate(text, 300)),
        confirm=PlainTextObject(text=yes),
        deny=PlainTextObject(text=no),
    )


def _button(
    label: str, action: ids.Action, value: str, style: str | None = None, *ask: str
) -> ButtonElement:
    """A button; ``ask`` (title, text, yes, no): the confirm dialog, whose text is plain."""
    confirm = _confirm(*ask) if ask else None
    return ButtonElement(text=label, action_id=action, value=value, style=style, confirm=confirm)


def _buttons(po: PortOut) -> list[ButtonElement]:
    pid, shown, A = po.public_id, numbers_list(list(po.numbers or ()), 5), ids.Action
    out: list[ButtonElement] = []
    if po.status is P.PENDING:
        ask: tuple[str, ...] = ("Let them go?", f"{shown} may move to the new carrier.", "Approve")
        out.append(_button("Approve", A.PORTOUT_APPROVE, pid, "primary", *ask))
        out.append(_button("Reject", A.PORTOUT_REJECT_OPEN, pid))
    if po.status is P.AUTHORIZED:  # only an authorized port-out can be marked ported
        ask = ("Mark as ported?", f"{shown} leave the account for good.", "Mark ported")
        out.append(_button("Mark ported", A.PORTOUT_PORTED, pid, None, *ask))
    if po.status in (P.PENDING, P.AUTHORIZED):
        stay = f"Nothing moves: {shown} stay on the account."
        ask = ("Cancel this port-out?", stay, "Cancel it", "Keep it")
        out.append(_button("Cancel", A.PORTOUT_CANCEL, pid, "danger", *ask))
    return out


def _footer(po: PortOut, tz: tzinfo | str | None) -> Block:
    source = _SOURCES.get(po.source, "")
    parts = [mrkdwn(rich(code(po.public_id))), escape(source)]
    if po.created_at:
        parts.append(f"arrived {when(po.created_at, tz)}")
    return context(" · ".join(p for p in parts if p))


def _with_buttons(po: PortOut, blocks: list[Block]) -> list[dict[str, Any]]:
    buttons = _buttons(po)
    if buttons:
        block_id = truncate(f"port-portout-{po.public_id}", 255)
        blocks.append(ActionsBlock(block_id=block_id, elements=buttons))
    return [b.to_dict() for b in blocks]


def port_out_card(po: PortOut, tz: tzinfo | str | None, *, default: str) -> list[dict[str, Any]]:
    """The port-out's card in the account's channel, re-rendered in place on every change:
    the summary, what happens next and the buttons its status allows (value: the public id).
    ``default``: what happens at the deadline (``authorize`` or ``reject``)."""
    blocks: list[Block] = [
        section(f"{_EMOJI[po.status]} {mrkdwn(port_out_summary(po, tz))}"),
        section(f"*Next:* {mrkdwn(port_out_next(po, tz, default=default))}"),
        _footer(po, tz),
    ]
    return _with_buttons(po, blocks)


def port_out_card_text(po: PortOut, tz: tzinfo | str | None = None) -> str:
    """The notification and screen-reader fallback of the card and the notice (mrkdwn)."""
    return truncate(mrkdwn(rich("Port-out: ", port_out_line(po, tz))), MAX_SECTION)


def port_out_notice(po: PortOut, tz: tzinfo | str | None, *, default: str) -> list[dict[str, Any]]:
    """The message (account channel, DM) telling the customer about a port-out as soon as it
    arrives, or what it became; the same buttons as the card."""
    action = "arrived" if po.status is P.PENDING else po.status.value
    news = port_out_news(po, action, tz, default=default)
    return _with_buttons(po, [section(f"{_EMOJI[po.status]} {mrkdwn(news)}"), _footer(po, tz)])


# --- lists -----------------------------------------------------------------------------------


def _window_block(w: PortOutWindow, tz: tzinfo | str | None) -> SectionBlock:
    shown = numbers_list(list(w.numbers or ()), 10)
    closes = f"The window for {shown} closes now. Port-outs for them then wait for your approval."
    ask = ("Revoke this window?", closes, "Revoke", "Keep it")
    revoke = _button("Revoke", ids.Action.PORTOUT_REVOKE, w.public_id, "danger", *ask)
    text = MarkdownTextObject(text=truncate(mrkdwn(window_words(w, tz)), MAX_SECTION))
    return SectionBlock(text=text, accessory=revoke)


def windows_blocks(
    windows: Sequence[PortOutWindow], port_outs: Sequence[PortOut], tz: tzinfo | str | None
) -> list[Block]:
    """Open windows, each with a Revoke button, and the port-outs waiting for an answer, each
    with Approve and Reject (``/port portout list`` and the App Home)."""
    opened = [w for w in windows if w.status is WindowStatus.OPEN]
    blocks: list[Block] = [section("*Open port-out windows*")]
    blocks.extend(_window_block(w, tz) for w in opened[:MAX_WINDOWS])
    if not opened:
        blocks.append(section(_NO_WINDOW))
    elif len(opened) > MAX_WINDOWS:
        blocks.append(context(f"…and {len(opened) - MAX_WINDOWS:,} more."))
    pending = [po for po in port_outs if po.status is P.PENDING]
    blocks.append(section("*Port-outs waiting for an answer*"))
    for po in pending[:MAX_PENDING]:
        blocks.append(section(mrkdwn(port_out_line(po, tz))))
        blocks.append(
            ActionsBlock(
                block_id=truncate(f"port-portout-list-{po.public_id}", 255),
                elements=[b for b in _buttons(po) if b.action_id != ids.Action.PORTOUT_CANCEL],
            )
        )
    if not pending:
        blocks.append(section("None."))
    elif len(pending) > MAX_PENDING:
        blocks.append(context(f"…and {len(pending) - MAX_PENDING:,} more."))
    return blocks


def numbers_blocks(
    rows: Sequence[HeldNumber],
    account_locked: bool,
    account_pin: bool,
    tz: tzinfo | str | None,
    *,
    account_unlock_at: datetime | None = None,
) -> list[Block]:
    """The numbers an account holds, with their protection (``/port numbers``); never a PIN."""
    head = numbers_heading(
        len(rows), account_locked, account_pin, tz, account_unlock_at=account_unlock_at
    )
    blocks: list[Block] = [section(f"*Numbers on this account*\n{mrkdwn(head)}")]
    shown = rows[:MAX_NUMBER_ROWS]
    line = partial(
        number_line,
        tz=tz,
        account_locked=account_locked,
        account_pin=account_pin,
        account_unlock_at=account_unlock_at,
    )
    for start in range(0, len(shown), _ROWS_PER_SECTION):
        chunk = shown[start : start + _ROWS_PER_SECTION]
        blocks.append(section("\n".join(f"• {mrkdwn(line(r))}" for r in chunk)))
    if len(rows) > len(shown):
        blocks.append(context(f"…and {len(rows) - len(shown):,} more."))
    blocks.append(context(_PROTECT))
    return blocks
