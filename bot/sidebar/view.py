"""The sidebar's fragment for one ticket: the inner HTML of ``<main id="portbot-sidebar">``.

:func:`ticket_fragment` shows what the ticket is linked to and nothing else: a port request
(SID, status, its facts and port-date countdown, what it still needs, the latest rejection and
its fix in the catalog's words, its numbers, the last events, its Slack card, and the actions
its status allows), a port-out (``bot.sidebar.port_out_view``), or, for a ticket linked to
nothing, the form that links one by SID. Every value from outside is escaped; no account
number or PIN is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, tzinfo

from bot.porting import lifecycle, rejections
from bot.porting.calendar import BusinessCalendar
from bot.porting.lifecycle import Move
from bot.services.base import Context, Snapshot
from bot.sidebar import forms, linked, parts
from bot.sidebar.forms import FormError, esc
from bot.sidebar.port_out_view import port_out_fragment
from bot.wording import rejections as rejection_words
from bot.wording.formats import clip, day, number, numbers_list, plural, short_day, when
from bot.wording.requests import (
    missing_items,
    number_status_label,
    port_date,
    request_name,
    toll_free_note,
)
from storage.models import PortNumber, PortRequest, TimelineEvent
from storage.values import LineType, NumberStatus, RequestStatus, Role

__all__ = [
    "NUMBERS_SHOWN",
    "actions_for",
    "countdown",
    "loa_state",
    "missing_items",
    "notice",
    "request_fragment",
    "ticket_fragment",
    "unlinked_fragment",
]

S = RequestStatus
NUMBERS_SHOWN = 50  # rows of the numbers table; more are counted
LINE_TYPES = {
    LineType.LANDLINE: "Landline",
    LineType.WIRELESS: "Mobile",
    LineType.TOLL_FREE: "Toll-free",
}
_BEFORE_SUBMISSION = frozenset({S.DRAFT, S.AWAITING_SIGNATURE, S.IN_REVIEW, S.ACTION_REQUIRED})


def ticket_fragment(
    ctx: Context,
    ticket_id: int,
    *,
    error: FormError | None = None,
    workspace: str | None = None,
) -> str:
    """What ``ticket_id`` is linked to, as the sidebar shows it; ``error``: an action just
    refused, shown in its form; ``workspace``: the Slack workspace's address, for links to
    the card's thread."""
    found = linked.load(ctx, ticket_id)
    today, calendar = ctx.today(), ctx.calendar
    if found is None:
        return unlinked_fragment(ticket_id, error)
    if isinstance(found, linked.PortOutPage):
        return port_out_fragment(
            found,
            ticket_id=ticket_id,
            calendar=calendar,
            error=error,
            now=ctx.now(),
            workspace=workspace,
        )
    return request_fragment(
        found,
        ticket_id=ticket_id,
        today=today,
        calendar=calendar,
        error=error,
        workspace=workspace,
    )


def notice(heading: str, advice: str) -> str:
    """A fragment that only says something: why the view cannot show, and what to do."""
    return (
        '<div class="pb-notice" role="alert">\n'
        f'<h1 class="pb-title" id="pb-title" tabindex="-1">{esc(heading)}</h1>\n'
        f"<p>{esc(advice)}</p>\n</div>"
    )


def unlinked_fragment(ticket_id: int, error: FormError | None = None) -> str:
    """A ticket linked to nothing: the form that links it to a request by SID."""
    stray = forms.error_line(error.message) if error and error.action != "link" else ""
    return "\n".join(
        p
        for p in (
            '<header class="pb-head pb-unlinked">',
            '<h1 class="pb-title" id="pb-title" tabindex="-1">No port request here yet</h1>',
            "</header>",
            stray,
            '<p class="pb-intro">This ticket is not linked to a port request. If it is about '
            "one, link it by its ID: the request then shows here, and its updates reach this "
            "ticket.</p>",
            forms.link_form(ticket_id, error),
        )
        if p
    )


# --- a port request --------------------------------------------------------------------------


def request_fragment(
    page: linked.RequestPage,
    *,
    ticket_id: int,
    today: date,
    calendar: BusinessCalendar,
    error: FormError | None = None,
    workspace: str | None = None,
) -> str:
    """A port request as the agent needs it in the ticket's sidebar."""
    snap = page.snapshot
    req, tz = snap.request, calendar.timezone
    allowed = actions_for(snap)
    out = [
        parts.heading(
            request_name(req, 80),
            kind="request",
            sid=req.sid,
            status=req.status.label,
            status_class=req.status.value,
        )
    ]
    if error is not None and error.action not in allowed:
        out.append(forms.error_line(error.message))
    out.append(parts.facts(_facts(snap, today, calendar)))
    missing = missing_items(snap.request, snap.numbers, today)
    if missing:
        items = "\n".join(f"<li>{parts.rich(m)}</li>" for m in missing)
        out.append(
            parts.section("missing", "Still needed", f'<ul class="pb-list">\n{items}\n</ul>')
        )
    rejection = _rejection(snap, page.rejection, tz)
    if rejection:
        out.append(parts.section("rejection", "Latest rejection", rejection))
    out.append(
        parts.section("numbers", f"Numbers ({len(snap.numbers):,})", _numbers(snap.numbers, today))
    )
    entries = [_entry(e) for e in snap.events]
    out.append(parts.section("timeline", "Recent activity", parts.timeline(entries, tz)))
    out.append(parts.slack_line(page.slack, workspace))
    out.append(parts.section("actions", "Actions", _forms(snap, allowed, ticket_id, tz, error)))
    return "\n".join(out)


def actions_for(snap: Snapshot) -> list[str]:
    """The sidebar's actions the request's status allows an agent, in the order shown."""
    status = snap.status
    moves = set(lifecycle.allowed_moves(status, Role.AGENT))
    found = []
    if Move.SET_FOC in moves:
        found.append("foc")
    dated = any(n.status is NumberStatus.FOC_CONFIRMED for n in snap.numbers)
    if status is S.FOC_CONFIRMED or (status is S.SUBMITTED and dated):
        found.append("complete")
    if Move.REJECT in moves:
        found.append("reject")
    if status is S.AWAITING_SIGNATURE:
        found.append("resend_loa")
    found.append("note")  # a note fits any status, closed ones included
    return found


def _forms(
    snap: Snapshot, allowed: Sequence[str], ticket_id: int, tz: str, error: FormError | None
) -> str:
    req = snap.request
    rep = req.rep_email or req.rep_name or "the authorized representative"
    built = {
        "foc": lambda: forms.foc_form(ticket_id, tz, error),
        "complete": lambda: forms.complete_form(ticket_id, error),
        "reject": lambda: forms.reject_form(ticket_id, error),
        "resend_loa": lambda: forms.resend_loa_form(ticket_id, rep, error),
        "note": lambda: forms.note_form(ticket_id, error),
    }
    return "\n".join(built[name]() for name in allowed)


def _facts(snap: Snapshot, today: date, calendar: BusinessCalendar) -> list[tuple[str, str]]:
    req, tz = snap.request, calendar.timezone
    holder = req.company_name or req.rep_name
    rep = esc(req.rep_name) + (f" ({esc(req.rep_email)})" if req.rep_email else "")
    pairs = [
        ("Current carrier", esc(req.losing_carrier) or "Not given"),
        ("Account holder", esc(clip(holder, 200)) if holder else ""),
        ("Representative", rep if req.rep_name or req.rep_email else ""),
        ("Opened by", esc(clip(req.requester_name, 200)) if req.requester_name else ""),
    ]
    foc = port_date(req, snap.numbers, tz)
    if foc:
        left = countdown(req.foc_date, today, calendar) if req.foc_date else ""
        shown = esc(foc) + (f' <span class="pb-countdown">({esc(left)})</span>' if left else "")
        pairs.append(("Port date", shown))
    elif req.desired_date and not req.status.final:
        pairs.append(("Date wished for", esc(f"{day(req.desired_date)} (not a promise)")))
    pairs.append(("LOA", esc(loa_state(req, tz))))
    if req.bill_filename:
        issued = f", issued {day(req.bill_issued_on)}" if req.bill_issued_on else ""
        pairs.append(("Bill", esc(clip(req.bill_filename, 80) + issued)))
    return pairs


def countdown(foc: date, today: date, calendar: BusinessCalendar) -> str:
    """How far off the port date is, in business days of the account's calendar."""
    if foc == today:
        return "today"
    days = calendar.business_days_between(today, foc)
    if foc > today:
        if days < 1:  # only weekend days or holidays between
            return f"in {plural((foc - today).days, 'day')}, not a business day"
        return f"in {plural(days, 'business day')}"
    return f"{plural(max(-days, 1), 'business day')} ago"


def loa_state(req: PortRequest, tz: tzinfo | str | None) -> str:
    """Where the Letter of Authorization stands."""
    rep = req.rep_name or "the authorized representative"
    if req.signed_at is not None:
        return f"Signed {when(req.signed_at, tz)}"
    if req.status is S.DRAFT:
        return "Not sent yet: it goes out once the bill is added."
    if req.status is S.AWAITING_SIGNATURE:
        if req.loa_sent_at is not None:
            return f"Sent to {rep} {when(req.loa_sent_at, tz)}; not signed yet."
        return f"Going out to {rep}; not signed yet."
    return "Not signed."


def _numbers(numbers: Sequence[PortNumber], today: date) -> str:
    if not numbers:
        return '<p class="pb-empty">No numbers.</p>'
    rows = [
        "<tr>"
        f'<td class="pb-number">{esc(number(n.e164))}</td>'
        f"<td>{esc(LINE_TYPES[n.line_type])}</td>"
        f'<td class="pb-number-status pb-number-{esc(n.status.value)}">'
        f"{esc(number_status_label(n.status))}</td>"
        f"<td>{esc(short_day(n.foc_date, today=today)) if n.foc_date else '—'}</td>"
        "</tr>"
        for n in numbers[:NUMBERS_SHOWN]
    ]
    out = [
        '<table class="pb-numbers">',
        '<thead><tr><th scope="col">Number</th><th scope="col">Type</th>'
        '<th scope="col">Status</th><th scope="col">Port date</th></tr></thead>',
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
    ]
    if len(numbers) > NUMBERS_SHOWN:
        out.append(f'<p class="pb-more">…and {len(numbers) - NUMBERS_SHOWN:,} more.</p>')
    note = toll_free_note(numbers)
    if note:
        out.append(f'<p class="pb-hint">{esc(note)}</p>')
    return "\n".join(out)


def _rejection(snap: Snapshot, event: TimelineEvent | None, tz: str) -> str:
    """The latest rejection while it matters (the request waits for its fix, or numbers stay
    rejected): each reason, the numbers it concerns, what it means and how it is fixed."""
    rejected = [n for n in snap.numbers if n.status is NumberStatus.REJECTED]
    if event is None or not (snap.status is S.ACTION_REQUIRED or rejected):
        return ""
    named = set(event.numbers or ())
    concerned = [n for n in snap.numbers if n.e164 in named] or rejected
    found = rejection_words.by_code(concerned, (event.data or {}).get("codes") or ())
    if not found:
        found = rejection_words.by_code(rejected)
    who = parts.who(_entry(event))
    out = [f'<p class="pb-meta">Recorded {esc(when(event.at, tz))} by {esc(clip(who, 120))}.</p>']
    fixable = False
    for code, e164s in found.items():
        entry = rejections.CATALOG[code]
        fixable = fixable or entry.customer_can_fix
        steps = "\n".join(f"<li>{esc(step)}</li>" for step in entry.fix)
        which = numbers_list(e164s, rejection_words.NUMBERS_SHOWN)
        out.append(
            f'<div class="pb-reason">\n<h3 class="pb-reason-title">{esc(entry.title)}</h3>\n'
            + (f'<p class="pb-reason-numbers">{esc(which)}</p>\n' if which else "")
            + f"<p>{esc(entry.meaning)}</p>\n"
            + f"<p><strong>{'How to fix it' if entry.customer_can_fix else 'The options'}"
            + f'</strong></p>\n<ol class="pb-steps">\n{steps}\n</ol>\n</div>'
        )
    if fixable:
        out.append(f'<p class="pb-hint">{esc(rejections.RESUBMIT_NOTE)}</p>')
    return "\n".join(out)


def _entry(event: TimelineEvent) -> parts.Entry:
    return parts.Entry(
        at=event.at,
        role=event.actor_role,
        actor_name=event.actor_name,
        actor_id=event.actor_id,
        action=event.action,
        detail=event.detail,
        public=event.public,
    )
