"""The owner's reminders about port-outs (PRODUCT §4): their authorization window opened,
closes soon or closed, and an unannounced port-out that waits for their answer."""

from __future__ import annotations

from bot.porting.reminders import ReminderKind
from bot.wording.formats import when
from bot.wording.reminders.notice import Notice, Occasion, an_instant, numbers
from bot.wording.rich import mention, rich, strong


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


def port_out(o: Occasion) -> Notice:
    """An unannounced port-out waits for the owner's answer, or its deadline passed (the
    ``port-out-pending`` notices and the ``port-out-deadline`` decision)."""
    port_out, tz = o.subject, o.calendar.timezone
    deadline = an_instant(o.data.get("deadline_at"))
    by = strong(when(deadline, tz)) if deadline else "the deadline"
    carrier = port_out.receiving_carrier or "Another carrier"
    nums = numbers(list(port_out.numbers or []))
    if o.kind is ReminderKind.PORT_OUT_DEADLINE:
        body = rich(
            "No answer came by ",
            by,
            f", so we refused {carrier}'s request to take {nums}. If you do want these numbers "
            "to move, open a port-out window first.",
        )
    elif o.data.get("stage") == "half-time":
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
    return Notice(body, what=o.kind.value)
