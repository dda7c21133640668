"""A port-out's Zendesk ticket in words, for the porting team: the subject, the first internal
note (the port-out as it stands), the note for each later event, and the ticket for a port-out
a customer asked for.

Plain text: Zendesk shows comments as plain text, so outside strings (the carrier's name, a
subscriber's name, a PON) cannot mark anything up there; they are put on one line and clipped.
Nothing here shows a PIN (only whether the carrier gave one) or an account number (only whether
one was given). :mod:`bot.zendesk.port_outs` decides which ticket gets which.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from bot.porting.port_outs import REJECTING, Reason
from bot.wording.formats import clip, day, day_at, number, numbers_list, one_line, plural, when
from bot.wording.port_outs import decision_groups, reason_label
from storage.models import PortOut, PortOutEvent, PortOutWindow
from storage.values import PortOutStatus, Role, WindowStatus

__all__ = [
    "LISTED",
    "SUBJECT_CARRIER",
    "decider",
    "event_note",
    "request_body",
    "request_subject",
    "status_words",
    "subject",
    "summary",
]

P = PortOutStatus
SUBJECT_CARRIER = 60  # characters of the carrier's name in a subject
LISTED = 50  # numbers listed one per line before "…and K more"
_TEXT = 120  # characters of any other outside string

_STATUS = {
    P.PENDING: "waiting for the customer's answer",
    P.AUTHORIZED: "authorized",
    P.REJECTED: "refused",
    P.PORTED: "ported",
    P.CANCELLED: "cancelled",
}
_RULES = {
    "window": "an open port-out window that covers the numbers",
    "pin": "the port-out PIN check",
    "lock": "the port-out lock",
    "not-held": "the inventory (we don't hold these numbers)",
    "mismatch": "the account details check",
    "deadline": "the default at the deadline, as nobody answered",
}
_ROLES = {Role.CUSTOMER: "customer", Role.AGENT: "porting team", Role.SYSTEM: "portbot"}
_SOURCES = {
    "agent": "logged by the porting team in Slack",
    "zendesk": "a Zendesk ticket",
    "bandwidth": "Bandwidth's port-out validation webhook",
}


def _outside(text: str | None, limit: int = _TEXT) -> str:
    return clip(one_line(text), limit)


def _carrier(name: str | None) -> str:
    return _outside(name, SUBJECT_CARRIER) or "another carrier"


def status_words(status: PortOutStatus) -> str:
    """``waiting for the customer's answer``, ``authorized``, ``refused``, …"""
    return _STATUS[status]


def subject(po: PortOut) -> str:
    """``Port-out: 2 numbers to Greenfield Wireless``."""
    return (
        f"Port-out: {plural(len(po.numbers or ()), 'number')} to {_carrier(po.receiving_carrier)}"
    )


def decider(po: PortOut, event: PortOutEvent | None) -> str:
    """Who or which rule made ``event`` (or the port-out's last decision): a person with their
    role, or the rule by name."""
    if event is not None and event.actor_role is not Role.SYSTEM:
        name = _outside(event.actor_name, 80) or _outside(event.actor_id, 64) or "someone"
        return f"{name} ({_ROLES[event.actor_role]})"
    rule = str(((event.data or {}) if event else {}).get("rule") or po.rule or "")
    return _RULES.get(rule, "portbot")


def _decision_event(po: PortOut, events: Sequence[PortOutEvent]) -> PortOutEvent | None:
    """The event that authorized or refused the port-out (the latest such)."""
    decisions = [e for e in events if e.action in (P.AUTHORIZED.value, P.REJECTED.value)]
    return decisions[-1] if decisions else None


def _outcome(reason: Reason | None) -> str:
    if reason is None:
        return "no decision recorded"
    if reason in REJECTING:
        return f"refused: {reason_label(reason)}"
    if reason is Reason.WINDOW:
        return "authorized: inside a port-out window"
    return "asked the customer: no port-out window covers it"


def _number_lines(po: PortOut) -> list[str]:
    lines: list[str] = []
    for reason, e164s in decision_groups(po):
        lines += [f"{number(n)}: {_outcome(reason)}" for n in e164s]
    shown = lines[:LISTED]
    if len(lines) > LISTED:
        shown.append(f"…and {len(lines) - LISTED:,} more")
    return shown or ["none"]


def _next(po: PortOut, tz: tzinfo | str | None, default: str) -> str:
    match po.status:
        case P.PENDING:
            due = day_at(po.deadline_at, tz) if po.deadline_at else "the deadline"
            then = "it is refused" if default == "reject" else "it goes ahead"
            return (
                f"The customer was asked in Slack to approve or reject it by {due}. If nobody "
                f"answers by then, {then}. Nothing to do here unless they ask for help."
            )
        case P.AUTHORIZED:
            return (
                "Let the receiving carrier go ahead. Once the numbers have left, press Ported on "
                "the port-out's card in Slack; press Cancel if the carrier withdraws it."
            )
        case P.REJECTED:
            return (
                "Tell the receiving carrier it was refused and why. Nothing moves; the customer "
                "can open a port-out window in Slack if they do want the numbers to go."
            )
        case P.PORTED:
            return "Done: the numbers have left the customer's account."
        case P.CANCELLED:
            return "Nothing moves: the numbers stay on the customer's account."
    raise AssertionError(po.status)  # pragma: no cover


def _given(value: object) -> str:
    return "given (not shown)" if value else "not given"


def summary(
    po: PortOut,
    events: Sequence[PortOutEvent],
    tz: tzinfo | str | None,
    *,
    default: str = "authorize",
    ticket_id: int | None = None,
) -> str:
    """The port-out for the porting team, as it stands: the ticket's first internal note.

    ``events`` is its timeline (who decided comes from there); ``default`` is what happens at
    the deadline (``authorize`` or ``reject``); ``ticket_id`` the Zendesk ticket it came in on,
    when it did."""
    source = _SOURCES.get(po.source, _outside(po.source, 32) or "unknown")
    if po.source == "zendesk" and po.source_ref:
        source += f" (#{_outside(po.source_ref, 20)})"
    if ticket_id is not None and po.source == "zendesk" and str(ticket_id) == po.source_ref:
        source = "this ticket"
    lines = [
        f"Incoming port-out {po.public_id}",
        f"Status: {_STATUS[po.status]}",
        "",
        "WHAT THE RECEIVING CARRIER SENT",
        f"Receiving carrier: {_outside(po.receiving_carrier) or 'not named'}",
    ]
    for label, value in (("SPID", po.spid), ("PON", po.pon)):
        if value:
            lines.append(f"{label}: {_outside(value, 40)}")
    if po.foc_date:
        lines.append(f"Port date asked for (FOC): {day(po.foc_date)}")
    if po.subscriber_name:
        lines.append(f"Account name: {_outside(po.subscriber_name)}")
    if po.postal_code:
        lines.append(f"ZIP code: {_outside(po.postal_code, 16)}")
    lines += [
        f"Account number: {_given(po.account_number)}",
        f"Port-out PIN: {_given(po.pin_offered)}",
        f"Came from: {source}",
        f"Account holding the numbers: {_outside(po.account, 32) or 'none here'}",
        "",
        f"NUMBERS ({len(po.numbers or ()):,}), AS DECIDED ON ARRIVAL",
        *_number_lines(po),
        "",
        "DECISION",
    ]
    if po.status is P.PENDING:
        lines.append("Not decided yet.")
    else:
        decided = _decision_event(po, events)
        at = decided.at if decided is not None else po.decided_at
        on = f" on {when(at, tz)}," if at else ""
        verb = "Authorized" if decided is None or decided.action == "authorized" else "Refused"
        lines.append(f"{verb}{on} by {decider(po, decided)}.")
    if po.reason and po.status in (P.REJECTED, P.CANCELLED):
        lines.append(f"Reason: {_outside(po.reason, 300)}")
    closing = [e for e in events if e.action in ("ported", "cancelled")]
    if closing:
        last = closing[-1]
        lines.append(f"Marked {last.action} on {when(last.at, tz)}, by {decider(po, last)}.")
    lines.append(f"Next step: {_next(po, tz, default)}")
    return "\n".join(lines)


def event_note(
    po: PortOut, event: PortOutEvent, tz: tzinfo | str | None, *, default: str = "authorize"
) -> str:
    """The internal note for a later event (authorized, rejected, ported, cancelled): what
    happened, who or which rule did it, and where the port-out stands now (``po`` as it is at
    delivery, which may have moved on)."""
    verbs = {
        "authorized": "authorized",
        "rejected": "refused",
        "ported": "marked ported",
        "cancelled": "cancelled",
    }
    verb = verbs.get(event.action, _outside(event.action, 32))
    lines = [f"Port-out {po.public_id} {verb} on {when(event.at, tz)}, by {decider(po, event)}."]
    if event.action == "rejected":
        why = [
            f"{numbers_list(e164s, 10)}: {reason_label(reason)}"
            for reason, e164s in decision_groups(po)
            if reason in REJECTING
        ]
        lines += [f"Refused numbers: {w}" for w in why]
    detail = _outside(event.detail, 300)
    if detail and event.action in ("rejected", "cancelled"):
        lines.append(f"Reason: {detail}")
    if po.status.value != event.action:
        lines.append(f"Since then the port-out has moved on; it is now {_STATUS[po.status]}.")
    else:
        lines.append(f"Next step: {_next(po, tz, default)}")
    return "\n".join(lines)


# --- a port-out the customer asked for -------------------------------------------------------


def request_subject(window: PortOutWindow) -> str:
    """``Port-out asked for: 2 numbers to Greenfield Wireless``."""
    count = plural(len(window.numbers or ()), "number")
    return f"Port-out asked for: {count} to {_carrier(window.receiving_carrier)}"


def request_body(window: PortOutWindow, asked_by: str, tz: tzinfo | str | None) -> str:
    """The ticket for the agents when a customer asks to move numbers away: the numbers, the
    receiving carrier, the wished date, who asked and until when the window is open. Never the
    one-time PIN (the customer alone saw it)."""
    nums = list(window.numbers or ())
    wished = (
        f"{day(window.wished_date)} (the customer's wish; the carriers set the port date)"
        if window.wished_date
        else "none given"
    )
    lines = [
        f"A customer asked to move {plural(len(nums), 'number')} to another carrier "
        f"(window {window.public_id}).",
        "",
        f"Receiving carrier: {_outside(window.receiving_carrier) or 'not named'}",
        f"Wished port date: {wished}",
        f"Asked by: {_outside(asked_by, 120) or 'a customer'} in Slack",
        f"Account: {_outside(window.account, 32)}",
        f"Window open until: {when(window.ends_at, tz)}",
        "",
        f"NUMBERS ({len(nums):,})",
        *[number(n) for n in nums[:LISTED]],
    ]
    if len(nums) > LISTED:
        lines.append(f"…and {len(nums) - LISTED:,} more")
    lines.append("")
    if window.status is WindowStatus.OPEN:
        lines.append(
            "The customer was shown, privately, the account number, a one-time port-out PIN and "
            "the service address to give the new carrier. When that carrier's request quotes "
            f"them before {day_at(window.ends_at, tz)}, portbot authorizes it and this team "
            "gets its own port-out ticket. Nothing to do until then; if the carrier contacts "
            "you instead, point them to the customer for those details."
        )
    elif window.status is WindowStatus.CLOSED and window.closed_by == "portbot":
        lines.append(
            "The new carrier's request has already come in and used this window: it has its own "
            "port-out ticket. Nothing more to do here."
        )
    else:
        closed = "revoked" if window.status is WindowStatus.CANCELLED else "closed"
        at = f" on {when(window.closed_at, tz)}" if window.closed_at else ""
        lines.append(f"This window has since been {closed}{at}; nothing is authorized by it.")
    return "\n".join(lines)
