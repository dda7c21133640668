"""Transfers between sub-accounts in Slack: the ``/port transfer`` modal and its reader, the
transfer's card (the same in both accounts' channels; the porting team's copy with Complete and
Cancel), and the words of its notices.

Pure builders. The words come from :mod:`bot.wording.transfers`, rendered with
:func:`~bot.slack.blocks.text.mrkdwn` (every outside string escaped); an account shows as a
channel link (``<#C…>``) or a mention (``<@U…>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConversationFilter,
    ConversationSelectElement,
)
from slack_sdk.models.views import View

from bot.porting.transfers import BUSINESS_DAYS
from bot.slack import ids
from bot.slack.blocks.text import (
    MAX_SECTION,
    confirm,
    context,
    escape,
    modal,
    mrkdwn,
    section,
    text_input,
    truncate,
)
from bot.slack.blocks.text import field as input_field
from bot.slack.state import State
from bot.wording import transfers as words
from bot.wording.formats import numbers_list
from storage.transfer_models import Transfer
from storage.values import TransferStatus

B, A, S = ids.Block, ids.Action, TransferStatus
_EMOJI = {
    TransferStatus.REQUESTED: ":arrows_counterclockwise:",
    TransferStatus.COMPLETED: ":white_check_mark:",
    TransferStatus.CANCELLED: ":no_entry_sign:",
}
_LEAD = {S.REQUESTED: "*Next:* ", S.COMPLETED: "", S.CANCELLED: ""}
INTRO = (
    "Move numbers between two of your accounts (channels). No carrier and no authorization "
    f"letter are needed: the porting team moves them, typically within 1–{BUSINESS_DAYS} "
    "business days. *Call routing and SMS settings do not come along*: they are reset on the "
    "destination, so set them up again there once the move is done."
)


def place(account: str) -> str:
    """An account in mrkdwn: a channel link, a person's mention, or the id as words."""
    if account[:1] in ("C", "G") and account.isalnum():
        return f"<#{account}>"
    if account[:1] in ("U", "W") and account.isalnum():
        return f"<@{account}>"
    return escape(account or "no account")


def said(text: words.Said) -> str:
    """Channel-neutral words as Slack mrkdwn."""
    return words.render(text, mrkdwn, place)


# --- the modal -------------------------------------------------------------------------------


def _account_field(block_id: ids.Block, label: str, hint: str, initial: str | None) -> Block:
    picker = ConversationSelectElement(
        placeholder="Pick a channel",
        initial_conversation=initial if initial and initial[:1] in ("C", "G") else None,
        filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
    )
    return input_field(block_id, label, picker, hint=hint)


def transfer_modal(*, private_metadata: str = "", source: str | None = None) -> View:
    """``/port transfer``: the numbers, the account they leave and the account they join.
    ``source``: the channel the command was typed in (preselected)."""
    blocks: list[Block] = [
        section(INTRO),
        input_field(
            B.TRANSFER_NUMBERS,
            "Numbers",
            text_input(multiline=True, placeholder="+1 617 555 0100"),
            hint="One per line, or separated by commas. Only numbers the account they leave "
            "holds (see /port numbers there).",
        ),
        _account_field(B.TRANSFER_SOURCE, "From", "The account that holds them now.", source),
        _account_field(
            B.TRANSFER_DESTINATION, "To", "The account that should hold them.", initial=None
        ),
        context("Both channels see the transfer's card; the porting team completes it."),
    ]
    view_id, title = ids.View.TRANSFER, "Transfer numbers"
    return modal(view_id, title, blocks, private_metadata, submit="Ask for transfer")


@dataclass(frozen=True)
class TransferForm:
    numbers_text: str
    source: str
    destination: str


def read_transfer(view: Mapping[str, Any]) -> TransferForm:
    s = State(dict(view))
    values = (view.get("state") or {}).get("values") or {}

    def picked(block: ids.Block) -> str:
        element = (values.get(block.value) or {}).get(ids.VALUE) or {}
        return str(element.get("selected_conversation") or "")

    return TransferForm(
        s.text(B.TRANSFER_NUMBERS), picked(B.TRANSFER_SOURCE), picked(B.TRANSFER_DESTINATION)
    )


# Form field (the service's error keys) -> the block where its message shows.
FIELDS = {
    "numbers": B.TRANSFER_NUMBERS,
    "source": B.TRANSFER_SOURCE,
    "destination": B.TRANSFER_DESTINATION,
}


# --- the card --------------------------------------------------------------------------------


def _buttons(t: Transfer) -> list[ButtonElement]:
    if t.status is not TransferStatus.REQUESTED:
        return []
    shown = numbers_list(list(t.numbers or ()), 5)
    move = confirm(
        "Move the numbers now?",
        f"{shown} move to the other account, and their call routing and SMS settings are "
        "reset there.",
        "Complete",
    )
    stay = confirm("Cancel this transfer?", f"Nothing moves: {shown} stay.", "Cancel it", "Keep")
    return [
        ButtonElement(
            text="Complete",
            action_id=A.TRANSFER_COMPLETE,
            value=t.public_id,
            style="primary",
            confirm=move,
        ),
        ButtonElement(
            text="Cancel",
            action_id=A.TRANSFER_CANCEL,
            value=t.public_id,
            style="danger",
            confirm=stay,
        ),
    ]


def transfer_card(
    t: Transfer, tz: tzinfo | str | None, *, for_agents: bool = False
) -> list[dict[str, Any]]:
    """The card, re-rendered in place on every change: what moves where, what happens next,
    who asked; the porting team's copy carries Complete and Cancel while it is requested."""
    blocks: list[Block] = [
        section(f"{_EMOJI[t.status]} {said(words.summary(t))}"),
        section(f"{_LEAD[t.status]}{said(words.next_step(t, tz))}"),
        context(f"{mrkdwn(words.status_line(t))} · {mrkdwn(words.asked_by(t, tz))}"),
    ]
    buttons = _buttons(t) if for_agents else []
    if buttons:
        blocks.append(
            ActionsBlock(block_id=truncate(f"port-transfer-{t.public_id}", 255), elements=buttons)
        )
    return [b.to_dict() for b in blocks]


def transfer_card_text(t: Transfer) -> str:
    """The card's notification and screen-reader fallback."""
    return truncate(said(words.summary(t)), MAX_SECTION)


def notice(text: words.Said, emoji: str = "") -> str:
    return truncate(f"{emoji} {said(text)}".strip(), MAX_SECTION)


__all__ = [
    "FIELDS",
    "INTRO",
    "TransferForm",
    "notice",
    "place",
    "read_transfer",
    "said",
    "transfer_card",
    "transfer_card_text",
    "transfer_modal",
]
