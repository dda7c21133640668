"""Modals behind the card buttons: FOC, rejection, ported, note (agents) and cancel (anyone).

``metadata`` goes into ``private_metadata`` verbatim. Number pickers are a
``multi_static_select`` of up to 100 numbers; with more, Slack cannot list them, so the block
becomes a multiline ``plain_text_input`` where the agent pastes numbers instead. Either way
the block id is the same and an empty answer means "all of them".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    Option,
    StaticMultiSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.porting import lifecycle, rejections
from bot.porting.lifecycle import NumberMove
from bot.porting.rules import CANCEL_NOTICE_BUSINESS_DAYS
from bot.services.base import Snapshot
from bot.slack import ids
from bot.slack.blocks.text import (
    context,
    day,
    escape,
    field,
    modal,
    number,
    plural,
    request_status,
    section,
    text_input,
    truncate,
)
from bot.wording.formats import spelled
from storage.models import PortNumber
from storage.values import NumberStatus

__all__ = [
    "MAX_OPTIONS",
    "NOTE_PUBLIC",
    "cancel_modal",
    "complete_modal",
    "foc_modal",
    "note_modal",
    "numbers_input",
    "reject_modal",
]

MAX_OPTIONS = 100  # Slack's cap on the options of a select menu
NOTE_PUBLIC = "public"
_NOTE_MAX = 3000


def _about(snap: Snapshot) -> Block:
    req = snap.request
    name = escape(truncate(req.name, 120)) if req.name else "Port request"
    return section(
        f"*{name}* `{req.sid}`\n{request_status(req.status)} · "
        f"{plural(len(snap.numbers), 'number')} · {escape(req.losing_carrier) or 'carrier unknown'}"
    )


def numbers_input(
    block_id: str, numbers: Sequence[PortNumber], *, label: str, hint: str
) -> InputBlock:
    """An optional picker of ``numbers`` (values are E.164), or a paste box past 100."""
    if len(numbers) <= MAX_OPTIONS:
        element = StaticMultiSelectElement(
            placeholder="All of them",
            options=[Option(value=n.e164, text=number(n.e164)) for n in numbers],
        )
        return field(block_id, label, element, hint=hint, optional=True)
    paste = (
        f"{hint} There are {len(numbers):,}, too many to list: paste the ones you mean, "
        "separated by commas, spaces or new lines."
    )
    return field(block_id, label, text_input(multiline=True), hint=paste, optional=True)


def _can(snap: Snapshot, move: NumberMove) -> list[PortNumber]:
    return [n for n in snap.numbers if lifecycle.number_can(n.status, move)]


def foc_modal(snap: Snapshot, metadata: str, *, tz_name: str = "UTC") -> View:
    """Record the port date (FOC); the window times are read in ``tz_name``."""
    req = snap.request
    blocks: list[Block] = [_about(snap)]
    date_picker = DatePickerElement(
        placeholder="The date the carrier confirmed",
        initial_date=req.foc_date.isoformat() if req.foc_date else None,
    )
    blocks.append(field(ids.Block.FOC_DATE, "Port date (FOC)", date_picker))
    for block_id, label, moment in (
        (ids.Block.FOC_WINDOW_START, "Window starts", req.foc_window_start),
        (ids.Block.FOC_WINDOW_END, "Window ends", req.foc_window_end),
    ):
        start = _hhmm(moment, tz_name) if moment else None
        picker = TimePickerElement(initial_time=start, timezone=tz_name)
        blocks.append(field(block_id, label, picker, optional=True))
    blocks.append(
        context(
            f"Times are in the account's time zone, *{escape(tz_name)}*. Give both ends of the "
            "window or neither."
        )
    )
    waiting = _can(snap, NumberMove.SET_FOC)
    if waiting:
        blocks.append(
            numbers_input(
                ids.Block.FOC_NUMBERS,
                waiting,
                label="Numbers with this date",
                hint="Leave empty for every number waiting for a date.",
            )
        )
    else:
        blocks.append(context(":information_source: No number is waiting for a port date."))
    return modal(ids.View.FOC, "Set port date", blocks, metadata, submit="Save", close="Cancel")


def _hhmm(moment: datetime, tz_name: str) -> str:
    """``HH:mm`` in ``tz_name``, as Slack's time picker wants it."""
    return moment.astimezone(ZoneInfo(tz_name)).strftime("%H:%M")


def reject_modal(snap: Snapshot, metadata: str) -> View:
    """Record a rejection: reasons from the catalog, the numbers, an optional note."""
    codes = StaticMultiSelectElement(
        placeholder="Pick one or more reasons",
        options=[Option(value=code, text=title) for code, title in rejections.choices()],
    )
    blocks: list[Block] = [
        _about(snap),
        field(
            ids.Block.REJECT_CODES,
            "Reasons",
            codes,
            hint="The customer sees each reason with the steps to fix it.",
        ),
    ]
    open_numbers = _can(snap, NumberMove.REJECT)
    if open_numbers:
        blocks.append(
            numbers_input(
                ids.Block.REJECT_NUMBERS,
                open_numbers,
                label="Numbers turned down",
                hint="Leave empty if the whole request was rejected.",
            )
        )
    blocks.append(
        field(
            ids.Block.REJECT_NOTE,
            "Note for the customer",
            text_input(multiline=True, max_length=_NOTE_MAX),
            hint="Anything the carrier said that helps, such as the balance owed. "
            "Never paste a PIN or a full account number.",
            optional=True,
        )
    )
    return modal(ids.View.REJECT, "Record a rejection", blocks, metadata, submit="Record it")


def complete_modal(snap: Snapshot, metadata: str) -> View:
    """Mark numbers as ported; empty means every number with a port date."""
    blocks: list[Block] = [_about(snap)]
    dated = [n for n in snap.numbers if n.status is NumberStatus.FOC_CONFIRMED]
    if dated:
        blocks.append(
            numbers_input(
                ids.Block.COMPLETE_NUMBERS,
                dated,
                label="Numbers that ported",
                hint="Leave empty for every number with a port date.",
            )
        )
        blocks.append(
            context(
                "Numbers still waiting for a port date can't be marked; set their FOC first. "
                "When nothing is left waiting, the request completes."
            )
        )
    else:
        blocks.append(
            section(":information_source: No number has a port date yet; set the FOC first.")
        )
    return modal(ids.View.COMPLETE, "Mark as ported", blocks, metadata, submit="Mark ported")


def note_modal(snap: Snapshot, metadata: str) -> View:
    visible = Option(
        value=NOTE_PUBLIC,
        text="Visible to the customer",
        description="Posted in the request's thread and on the ticket as a public reply",
    )
    blocks: list[Block] = [
        _about(snap),
        field(
            ids.Block.NOTE_TEXT,
            "Note",
            text_input(multiline=True, max_length=_NOTE_MAX),
            hint="Never paste a PIN or a full account number.",
        ),
        field(
            ids.Block.NOTE_PUBLIC,
            "Who sees it",
            CheckboxesElement(options=[visible]),
            optional=True,
        ),
    ]
    return modal(ids.View.NOTE, "Add a note", blocks, metadata, submit="Add note")


def cancel_modal(snap: Snapshot, metadata: str, *, deadline: date | None) -> View:
    """Confirm a cancellation; ``deadline`` is the last day to cancel (None: no port date)."""
    req = snap.request
    carrier = escape(req.losing_carrier) or "your current carrier"
    if req.foc_date and deadline:
        notice = spelled(CANCEL_NOTICE_BUSINESS_DAYS, "business day")
        notice += "'s" if CANCEL_NOTICE_BUSINESS_DAYS == 1 else "'"
        timing = (
            f"Your numbers are set to move on *{day(req.foc_date)}*. Carriers need {notice} "
            f"notice to stop a port, so the last day to cancel here is *{day(deadline)}*."
        )
    elif req.submitted_at:
        timing = (
            f"The request is with {carrier}. We'll ask them to stop it and confirm here "
            "once they have."
        )
    else:
        timing = (
            "Nothing has gone to a carrier yet, so the request closes right away and its "
            "numbers are free for a new request."
        )
    blocks: list[Block] = [
        _about(snap),
        section(timing),
        section(
            f":warning: Keep your service with {carrier} active. Cancelling the port doesn't "
            "change anything with them, and closing that account early can lose the numbers."
        ),
        field(
            ids.Block.CANCEL_REASON,
            "Why are you cancelling?",
            text_input(multiline=True, max_length=500),
            hint="Optional, but it helps us get better.",
            optional=True,
        ),
    ]
    return modal(
        ids.View.CANCEL,
        "Cancel port request",
        blocks,
        metadata,
        submit="Cancel request",
        close="Keep it",
    )
