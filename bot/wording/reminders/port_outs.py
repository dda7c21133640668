"""The owner's reminders about port-outs (PRODUCT §4): their authorization window opened,
closes soon or closed, and an unannounced port-out that waits for their answer."""

from __future__ import annotations

from bot.porting.reminders import ReminderKind
from bot.wording.formats import an_instant, when
from bot.wording.reminders.notice import Notice, Occasion, numbers
from bot.wording.rich import Part, mention, rich, strong


def port_out_window(o: Occasion) -> Notice:
    window, tz = o.subject, o.calendar.timezone
    who = mention(window.created_by) if window.created_by else "Heads-up:"
    ends = an_instant(o.data.get("ends_at")) or window.ends_at
    nums = numbers(list(window.numbers or []))
    stage = o.data.get("stage")
    if stage == "opened":
        body = rich(
            who,
            f" your port-out window is open: {nums} may move to another carrier until ",
            strong(when(ends, tz)),
            ". Outside it, we refuse port-outs unless you approve them.",
        )
    elif stage == "closing":
        body = rich(
            who,
            f" your port-out window for {nums} closes at ",
            strong(when(ends, tz)),
            ". If the move is not done by then, open a new window before it closes.",
        )
    else:
        closed = an_instant(o.data.get("closed_at")) or ends
        body = rich(
            who,
            f" your port-out window for {nums} closed at {when(closed, tz)}. From now on we "
            "refuse any request to take these numbers unless you approve it.",
        )
    return Notice(body, what="port-out window")


def _port_out(o: Occasion) -> tuple[Part, str, str]:
    """What both port-out notices say: ``by`` (the deadline), the carrier, the numbers."""
    port_out, tz = o.subject, o.calendar.timezone
    deadline = an_instant(o.data.get("deadline_at"))
    by: Part = strong(when(deadline, tz)) if deadline else "the deadline"
    carrier = port_out.receiving_carrier or "Another carrier"
    return by, carrier, numbers(list(port_out.numbers or []))


def port_out_pending(o: Occasion) -> Notice:
    """An unannounced port-out waits for the owner's answer (``arrived``, ``half-time``)."""
    by, carrier, nums = _port_out(o)
    if o.data.get("stage") == "half-time":
        body = rich(
            f"Still waiting for your answer: {carrier} wants to take {nums}. If nobody approves "
            "it by ",
            by,
            ", we refuse it. Tell the porting team here if it should go ahead.",
        )
    else:
        body = rich(
            f"{carrier} asked to take {nums} away, and no port-out window covers it. Approve "
            "it by ",
            by,
            " if it is yours; otherwise we refuse it then. Tell the porting team here either way.",
        )
    return Notice(body, what=ReminderKind.PORT_OUT_PENDING.value)


def port_out_deadline(o: Occasion) -> Notice:
    """No answer came before the port-out's deadline: the default decision was applied."""
    by, carrier, nums = _port_out(o)
    body = rich(
        "No answer came by ",
        by,
        f", so we refused {carrier}'s request to take {nums}. If you do want these numbers "
        "to move, open a port-out window first.",
    )
    return Notice(body, what=ReminderKind.PORT_OUT_DEADLINE.value)
