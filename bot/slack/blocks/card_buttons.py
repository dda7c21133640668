"""Who sees which buttons on a request's messages.

The card in the customer's channel is seen by everyone there, so it carries the customer's
actions only (:func:`customer_buttons`). The porting team acts from messages only the team sees:
the agents channel's copy of the card, and their own ``/port status`` and Details answers
(:func:`agent_buttons`). Every handler checks the role again on click, so an old card or a
forwarded message cannot do more than the person clicking may. Buttons with consequences carry
Slack's confirm dialog.
"""

from __future__ import annotations

from slack_sdk.models.blocks import ButtonElement, ConfirmObject

from bot.porting import lifecycle
from bot.porting.lifecycle import Move
from bot.services.base import Snapshot
from bot.slack import ids
from bot.slack.blocks.text import confirm, plural, truncate
from bot.wording.timelines import documents_to_send
from storage.values import RequestStatus

__all__ = ["agent_buttons", "customer_buttons"]

S = RequestStatus


def _button(
    text: str,
    action: ids.Action,
    sid: str,
    style: str | None = None,
    ask: ConfirmObject | None = None,
) -> ButtonElement:
    return ButtonElement(text=text, action_id=action, value=sid, style=style, confirm=ask)


def _cancel_button(snap: Snapshot) -> ButtonElement:
    ask = confirm(
        "Cancel this port request?",
        "A short form opens next, where you confirm it and can tell us why. Nothing is "
        "cancelled until you send that form.",
        "Continue",
        "Keep it",
    )
    return _button("Cancel request", ids.Action.CANCEL, snap.sid, "danger", ask)


def customer_buttons(snap: Snapshot) -> list[ButtonElement]:
    """What anyone who can see the card may do: details, the bill of a draft, the documents
    its country still wants, a new signing link, cancel. The porting team's actions are never
    here (see :func:`agent_buttons`)."""
    status, sid = snap.status, snap.sid
    if status.final:
        return []
    moves = set(lifecycle.allowed_moves(status))
    out = [_button("Details", ids.Action.STATUS, sid)]
    if Move.COMPLETE_DRAFT in moves:
        out.append(_button("Add the bill", ids.Action.RESUME, sid, "primary"))
    if documents_to_send(snap.request, snap.numbers, received=snap.documents):
        out.append(_button("Add documents", ids.Action.ADD_DOCUMENTS, sid))
    if status is S.AWAITING_SIGNATURE:
        out.append(_button("Resend LOA", ids.Action.RESEND_LOA, sid))
    if Move.REQUEST_CANCEL in moves:
        out.append(_cancel_button(snap))
    return out


def agent_buttons(snap: Snapshot, *, details: bool = True) -> list[ButtonElement]:
    """The porting team's actions, for messages only the team sees (the agents channel,
    their own ``/port status`` and Details answers). Each handler checks the role again."""
    status, sid = snap.status, snap.sid
    if status.final:
        return []
    moves = set(lifecycle.allowed_moves(status))
    carrier = snap.request.losing_carrier or "the losing carrier"
    out = [_button("Details", ids.Action.STATUS, sid)] if details else []
    if Move.SUBMIT in moves:
        ask = confirm(
            f"Submit to {truncate(carrier, 60)}?",
            f"{plural(len(snap.numbers), 'number')} go to {carrier} as the request stands now. "
            "Check the details against the CSR first: a submission can't be called back.",
            "Submit",
        )
        out.append(_button("Submit to carrier", ids.Action.SUBMIT, sid, "primary", ask))
    if Move.SET_FOC in moves:  # submitted or foc_confirmed
        out.append(_button("Set port date", ids.Action.FOC, sid))
        ask = confirm(
            "Mark numbers as ported?",
            "A form opens where you pick the numbers that moved. Mark only numbers the new "
            "carrier confirms are live: the customer is told to close the old account.",
            "Continue",
        )
        out.append(_button("Mark ported", ids.Action.COMPLETE, sid, ask=ask))
    if Move.REJECT in moves:
        ask = confirm(
            "Record a rejection?",
            "A form opens for the carrier's reasons and the numbers affected. The customer is "
            "then asked to fix what the carrier turned down.",
            "Continue",
        )
        out.append(_button("Record rejection", ids.Action.REJECT, sid, ask=ask))
    if Move.CONFIRM_CANCEL in moves:
        ask = confirm(
            "Confirm the cancellation?",
            "Only once the carriers have stopped the port. The request closes, the customer "
            "is told, and its numbers are free for a new request.",
            "Confirm",
        )
        out.append(_button("Confirm cancellation", ids.Action.CONFIRM_CANCEL, sid, ask=ask))
    if status is S.AWAITING_SIGNATURE:
        out.append(_button("Resend LOA", ids.Action.RESEND_LOA, sid))
    out.append(_button("Add note", ids.Action.NOTE, sid))
    if Move.REQUEST_CANCEL in moves:
        out.append(_cancel_button(snap))
    return out
