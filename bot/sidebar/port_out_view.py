"""The sidebar's fragment for a ticket linked to a port-out: its summary, each number's
decision, who or which rule decided, the last events, its Slack card, and, while it waits
for an answer, the forms that authorize or refuse it (``bot.services.port_outs.answer``).

No PIN or account number the carrier gave is ever shown; only that one was given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from bot.porting.calendar import BusinessCalendar
from bot.porting.port_outs import Reason
from bot.sidebar import forms, parts
from bot.sidebar.forms import FormError, esc
from bot.sidebar.linked import EVENTS_SHOWN, PortOutPage
from bot.wording.formats import clip, day, day_at, number, one_line, plural, when
from bot.wording.port_outs import STATUS_WORDS, decided_by, reason_label
from storage.models import PortOut, PortOutEvent
from storage.values import PortOutStatus

__all__ = ["NUMBERS_SHOWN", "actions_for", "answer_countdown", "port_out_fragment"]

P = PortOutStatus
NUMBERS_SHOWN = 50
SOURCES = {
    "agent": "The porting team",
    "zendesk": "A Zendesk ticket",
    "bandwidth": "Bandwidth's port-out check",
}
EVENT_WORDS = {
    "arrived": "Arrived",
    "authorized": "Authorized",
    "rejected": "Refused",
    "ported": "Ported",
    "cancelled": "Cancelled",
}
_STATUS = {**STATUS_WORDS, P.PENDING: "Waiting for the customer's answer"}


def actions_for(po: PortOut) -> list[str]:
    """The sidebar's actions on a port-out: authorize or refuse it while it waits."""
    return ["authorize", "reject"] if po.status is P.PENDING else []


def port_out_fragment(
    page: PortOutPage,
    *,
    ticket_id: int,
    calendar: BusinessCalendar,
    now: datetime,
    error: FormError | None = None,
    workspace: str | None = None,
) -> str:
    """A port-out as the agent needs it in the ticket's sidebar."""
    po, tz = page.port_out, calendar.timezone
    carrier = clip(one_line(po.receiving_carrier), 120) or "another carrier"
    allowed = actions_for(po)
    out = [
        parts.heading(
            f"Port-out to {carrier}",
            kind="port-out",
            sid=po.public_id,
            status=_STATUS[po.status],
            status_class=po.status.value,
        )
    ]
    if error is not None and error.action not in allowed:
        out.append(forms.error_line(error.message))
    out.append(parts.facts(_facts(page, calendar, now)))
    out.append(parts.section("numbers", f"Numbers ({len(po.numbers or ()):,})", _decisions(po)))
    recent = [_entry(e) for e in page.events[-EVENTS_SHOWN:]]
    out.append(parts.section("timeline", "Recent activity", parts.timeline(recent, tz)))
    out.append(parts.slack_line(page.slack, workspace))
    if allowed:
        body = "\n".join(
            (
                forms.authorize_form(ticket_id, error),
                forms.port_out_reject_form(ticket_id, error),
            )
        )
        out.append(parts.section("actions", "Actions", body))
    return "\n".join(out)


def answer_countdown(deadline: datetime, now: datetime, calendar: BusinessCalendar) -> str:
    """How long the customer has left to answer: hours within a day, else business days."""
    left = (deadline - now).total_seconds()
    if left <= 0:
        return "the deadline has passed"
    if left < 24 * 3600:
        return f"in {plural(math.ceil(left / 3600), 'hour')}"
    days = calendar.business_days_between(calendar.local_date(now), calendar.local_date(deadline))
    return f"in {plural(max(days, 1), 'business day')}"


def _facts(page: PortOutPage, calendar: BusinessCalendar, now: datetime) -> list[tuple[str, str]]:
    po, tz = page.port_out, calendar.timezone
    pairs = [
        ("Came from", esc(SOURCES.get(po.source, po.source))),
        ("Account name given", esc(clip(one_line(po.subscriber_name), 120))),
        ("Port date asked for", esc(day(po.foc_date)) if po.foc_date else ""),
        ("PIN given", "Yes" if po.pin_offered is not None else "No"),
    ]
    if po.status is P.PENDING and po.deadline_at is not None:
        left = answer_countdown(po.deadline_at, now, calendar)
        pairs.append(
            (
                "Answer by",
                f'{esc(day_at(po.deadline_at, tz))} <span class="pb-countdown">({esc(left)})'
                "</span>",
            )
        )
    if po.status is not P.PENDING and (po.decided_by or po.rule):
        names = {e.actor_id: one_line(e.actor_name) for e in page.events if e.actor_name}
        by = parts.rich(parts.named(decided_by(po), names))
        at = f", {esc(when(po.decided_at, tz))}" if po.decided_at else ""
        pairs.append(("Decided by", by + at))
    if po.reason and po.status in (P.REJECTED, P.CANCELLED):
        pairs.append(("Reason", esc(clip(one_line(po.reason), 300))))
    return pairs


def _decisions(po: PortOut) -> str:
    """Each number with the decision the rules made for it."""
    reasons: dict[str, str] = {}
    for entry in po.decisions or ():
        try:
            reasons[str(entry.get("number"))] = reason_label(Reason(str(entry.get("reason"))))
        except ValueError:
            continue
    numbers: Sequence[str] = [str(n) for n in po.numbers or ()]
    if not numbers:
        return '<p class="pb-empty">No numbers.</p>'
    rows = [
        f'<tr><td class="pb-number">{esc(number(n))}</td>'
        f"<td>{esc(reasons.get(n, 'no decision yet'))}</td></tr>"
        for n in numbers[:NUMBERS_SHOWN]
    ]
    out = [
        '<table class="pb-numbers">',
        '<thead><tr><th scope="col">Number</th><th scope="col">Decision</th></tr></thead>',
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
    ]
    if len(numbers) > NUMBERS_SHOWN:
        out.append(f'<p class="pb-more">…and {len(numbers) - NUMBERS_SHOWN:,} more.</p>')
    return "\n".join(out)


def _entry(event: PortOutEvent) -> parts.Entry:
    """A port-out's event, said as what happened (its detail is only a remark)."""
    what = EVENT_WORDS.get(event.action, event.action.replace("_", " ").capitalize())
    remark = one_line(event.detail)
    return parts.Entry(
        at=event.at,
        role=event.actor_role,
        actor_name=event.actor_name,
        actor_id=event.actor_id,
        action=event.action,
        detail=f"{what} ({remark})" if remark else what,
    )
