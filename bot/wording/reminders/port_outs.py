"""The owner's reminders about port-outs (PRODUCT §4): their authorization window opened,
closes soon or closed, and an unannounced port-out that waits for their answer.

Nobody's silence blocks a valid port-out: at the deadline the configured default applies
(``ReminderPolicy.port_out_default``: ``authorize``, unless set to ``reject``), and the notices
say which.
"""

from __future__ import annotations

from bot.porting.reminders import ReminderKind
from bot.wording.formats import an_instant, when
from bot.wording.reminders.notice import Notice, Occasion, numbers
from bot.wording.rich import Part, mention, rich, strong
from storage.values import PortOutStatus


def port_out_default(o: Occasion) -> str:
    """What happens to an unanswered port-out at its deadline: ``authorize`` or ``reject``."""
    return "reject" if o.policy.port_out_default == "reject" else "authorize"


def port_out_window(o: Occasion) -> Notice:
    """The window opened (its creator just opened it: no mention), closes soon (they may have
    to open another: mentioned), closed (news: no mention)."""
    window, tz = o.subject, o.calendar.timezone
    ends = an_instant(o.data.get("ends_at")) or window.ends_at
    nums = numbers(list(window.numbers or []))
    stage = o.data.get("stage")
    if stage == "opened":
        body = rich(
            f"Your port-out window is open: {nums} may move to another carrier until ",
            strong(when(ends, tz)),
            ". Outside it, port-outs wait for your approval.",
        )
    elif stage == "closing":
        who = mention(window.created_by) if window.created_by else "Heads-up:"
        body = rich(
            who,
            f" your port-out window for {nums} closes at ",
            strong(when(ends, tz)),
            ". If the move is not done by then, open a new window before it closes.",
        )
    else:
        closed = an_instant(o.data.get("closed_at")) or ends
        body = rich(
            f"Your port-out window for {nums} closed at {when(closed, tz)}. From now on, a "
            "request to take these numbers waits for your approval.",
        )
    return Notice(body, what="port-out window")


def _port_out(o: Occasion) -> tuple[Part, str, str]:
    """What both port-out notices say: ``by`` (the deadline), the carrier, the numbers."""
    port_out, tz = o.subject, o.calendar.timezone
    deadline = an_instant(o.data.get("deadline_at"))
    by: Part = strong(when(deadline, tz)) if deadline else "the deadline"
    carrier = port_out.receiving_carrier or "Another carrier"
    return by, carrier, numbers(list(port_out.numbers or []))


def _if_silent(o: Occasion) -> str:
    return "it is refused" if port_out_default(o) == "reject" else "it goes ahead"


def port_out_pending(o: Occasion) -> Notice:
    """An unannounced port-out waits for the owner's answer (``arrived``, ``half-time``)."""
    by, carrier, nums = _port_out(o)
    if o.data.get("stage") == "half-time":
        body = rich(
            f"Still waiting for your answer: {carrier} wants to take {nums}. If nobody approves "
            "or rejects it by ",
            by,
            f", {_if_silent(o)}. Approve it if you asked for this move; reject it if not.",
        )
    else:
        body = rich(
            f"{carrier} asked to take {nums} away, and no port-out window covers it. Approve it "
            "if you asked for this move, or reject it if not, by ",
            by,
            f". If nobody answers by then, {_if_silent(o)}.",
        )
    return Notice(body, what=ReminderKind.PORT_OUT_PENDING.value)


def port_out_deadline(o: Occasion) -> Notice:
    """No answer came before the port-out's deadline: the default decision was applied (the
    port-out's status says which; before it is decided, the configured default)."""
    by, carrier, nums = _port_out(o)
    carrier = o.subject.receiving_carrier or "another carrier"
    status = getattr(o.subject, "status", None)
    if status is PortOutStatus.REJECTED:
        went_ahead = False
    elif status in (PortOutStatus.AUTHORIZED, PortOutStatus.PORTED):
        went_ahead = True
    else:
        went_ahead = port_out_default(o) == "authorize"
    if went_ahead:
        outcome = (
            f", so {carrier}'s port-out of {nums} went ahead. If you did not ask for this, "
            "tell the porting team here at once."
        )
    else:
        outcome = (
            f", so {carrier}'s port-out of {nums} was refused. If you do want these numbers "
            "to move, open a port-out window first."
        )
    return Notice(
        rich("No answer came by ", by, outcome), what=ReminderKind.PORT_OUT_DEADLINE.value
    )
