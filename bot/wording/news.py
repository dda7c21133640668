"""A change told to the customer in plain words: what happened, and what happens next.

Used for the ticket's public comments (when public updates are on); any channel that tells a
customer about a change can say the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from bot.wording.formats import a_date, an_instant, one_line, plural
from bot.wording.rejections import rejection_text
from bot.wording.requests import foc_day, next_step
from bot.wording.rich import Rich, join, rich
from storage.models import PortNumber, PortRequest, TimelineEvent
from storage.values import NumberStatus, RequestStatus

__all__ = ["ASKS_THE_REQUESTER", "CUSTOMER_NEWS", "ask_of", "asks_the_requester", "news"]

CUSTOMER_NEWS = frozenset(
    {
        "submit",
        "set_foc",
        "complete",
        "reject",
        "request_cancel",
        "confirm_cancel",
        "decline_cancel",
        "expire",
    }
)
"""The timeline actions that are news for the customer."""


def news(
    req: PortRequest,
    numbers: Sequence[PortNumber],
    event: TimelineEvent,
    tz: tzinfo | str | None,
) -> Rich:
    """The customer's words for ``event`` (one of :data:`CUSTOMER_NEWS`), which is still the
    latest news; ``req`` and ``numbers`` are the request as it is now."""
    carrier = one_line(req.losing_carrier) or "your current carrier"
    count = len(event.numbers or ())
    what = plural(count, "number") if count else "your numbers"
    parts: list[Rich | str] = []
    follow = True
    match event.action:
        case "submit":
            parts.append(f"We've sent your port request to {carrier}.")
        case "set_foc":
            parts.append(_foc_news(req, event, what, tz))
            if req.status is not RequestStatus.FOC_CONFIRMED:
                follow = False
                parts.append(
                    "The other numbers are still waiting for their date from the carrier. "
                    f"Keep your service with {carrier} active in the meantime."
                )
        case "complete":
            parts.append(f"Done: {what} moved to us.")
            rejected = [n for n in numbers if n.status is NumberStatus.REJECTED]
            if rejected:
                parts.append(
                    f"{plural(len(rejected), 'number')} could not be ported this time. "
                    "Here is why, and what can be done:"
                )
                parts.append(rejection_text(rejected))
        case "reject":
            parts.append(f"{carrier} turned down the request for {what}. Here is why:")
            codes = [str(c) for c in (event.data or {}).get("codes") or ()]
            parts.append(rejection_text(_affected(numbers, event), codes=codes))
            follow = False
        case "request_cancel":
            parts.append("We've received the request to cancel this port.")
        case "confirm_cancel":
            parts.append("Your port request is cancelled.")
        case "decline_cancel":
            parts.append("The cancellation couldn't be made in time, so the port goes ahead.")
        case "expire":
            pass  # the next step says it all
    if follow:
        parts.append(next_step(req))
    return join([p for p in parts if p], "\n\n")


def _affected(numbers: Sequence[PortNumber], event: TimelineEvent) -> list[PortNumber]:
    wanted = set(event.numbers or ())
    return [n for n in numbers if n.e164 in wanted] if wanted else []


def _foc_news(req: PortRequest, event: TimelineEvent, what: str, tz: tzinfo | str | None) -> str:
    data = event.data or {}
    foc = a_date(data.get("foc_date")) or req.foc_date
    verb = "moved the port date" if data.get("moved") else "confirmed the port date"
    text = f"The carriers {verb} for {what}"
    if foc is None:
        return text + "."
    start, end = an_instant(data.get("window_start")), an_instant(data.get("window_end"))
    return f"{text}: {foc_day(foc, start, end, tz)}."


# --- who a change asks to act -----------------------------------------------------------------

ASKS_THE_REQUESTER = frozenset({"reject", "loa_not_sent", "send_quote"})
"""Timeline actions that ask the requester to do something: a rejection to fix, an LOA that
could not reach the representative. Entering ``action_required``, or ``awaiting_signature``
by someone else's change (a fresh LOA to get signed), asks too. Any other change is news told
without a mention; a future action that needs the customer (a fee quote to accept) joins this
set."""

_ASKING_STATES = frozenset({RequestStatus.ACTION_REQUIRED, RequestStatus.AWAITING_SIGNATURE})


def asks_the_requester(event: TimelineEvent, requester_id: str) -> bool:
    """Whether the thread's line for ``event`` should mention the requester: it asks them to
    act, and they are not the one who made the change."""
    if requester_id and event.actor_id == requester_id:
        return False
    if event.action in ASKS_THE_REQUESTER:
        return True
    entered = event.from_status != event.to_status
    return entered and event.to_status in _ASKING_STATES


def ask_of(event: TimelineEvent, req: PortRequest) -> Rich:
    """What the requester is asked to do after ``event`` (for :func:`asks_the_requester`)."""
    rep = one_line(req.rep_name) or "your authorized representative"
    if event.action == "loa_not_sent":
        return rich(
            f"Please check the e-mail address of {rep} and tell us here, so that the letter "
            "can go out again."
        )
    if req.status is RequestStatus.AWAITING_SIGNATURE:
        return rich(
            f"Please make sure {rep} signs the new Letter of Authorization; it is on its way "
            "to them by e-mail."
        )
    return next_step(req)
