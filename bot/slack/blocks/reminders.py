"""Reminder messages (PRODUCT §3, §4): what to do, by when, and the button that does it.

Pure builders: the caller passes the request (a ``PortRequest`` or a
``storage.repositories.REQUEST_SUMMARY`` row), the reminder's ``data`` from the policy, the
account's calendar and the policy. Every outside string is escaped; no PIN or account number is
read here. Each builder returns a :class:`Message`: Slack ``text`` (mrkdwn, also the
notification), ``blocks`` as plain dicts (they travel in an outbox row) and ``note``, the same
in plain text for the ticket's internal note.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.porting.calendar import BusinessCalendar
from bot.porting.reminders import ReminderKind, ReminderPolicy
from bot.services.reminders import DigestSummary
from bot.slack import ids
from bot.slack.blocks.text import (
    MAX_SECTION,
    day,
    escape,
    mention,
    plural,
    truncate,
    when,
)
from bot.slack.blocks.text import window as window_text
from storage.values import RequestStatus

K = ReminderKind
Block = dict[str, Any]
METADATA_TYPE = "portbot_reminder"
MAX_LISTED = 10

__all__ = [
    "METADATA_TYPE",
    "Message",
    "agents_message",
    "digest_message",
    "port_out_message",
    "rep_message",
    "request_message",
    "window_message",
]


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[Block] = field(default_factory=list)
    note: str = ""


def metadata(kind: ReminderKind, subject: str, stage: object = None) -> dict[str, Any]:
    """Slack message metadata naming the reminder (tests and support find messages by it)."""
    payload = {"kind": kind.value, "subject": subject}
    if stage is not None:
        payload["stage"] = str(stage)
    return {"event_type": METADATA_TYPE, "event_payload": payload}


def reminder_of(post: Mapping[str, Any]) -> dict[str, Any] | None:
    """The reminder a ``chat.postMessage`` call's arguments carry (what :func:`metadata` put
    in: kind, subject, stage), or None for any other message. Slack's form encoding sends the
    metadata as a JSON string."""
    meta = post.get("metadata")
    if isinstance(meta, str):
        meta = json.loads(meta)
    if not isinstance(meta, dict) or meta.get("event_type") != METADATA_TYPE:
        return None
    return dict(meta.get("event_payload") or {})


# --- shared pieces -----------------------------------------------------------------------------


def _days_since(
    start: datetime | None, planned: int, calendar: BusinessCalendar, today: date | None
) -> int:
    """Business days from ``start`` to ``today``: as the message goes out, not as planned
    (the planned count when either is unknown, and never less than it)."""
    if start is None or today is None:
        return planned
    return max(planned, calendar.business_days_between(calendar.local_date(start), today))


def _date(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def _instant(value: object) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _label(req: Any) -> str:
    if req.name:
        return f"*{escape(truncate(req.name, 80))}* (`{req.sid[:10]}`)"
    return f"port request `{req.sid[:10]}`"


def _carrier(req: Any) -> str:
    return escape(req.losing_carrier) if req.losing_carrier else "your current carrier"


def _rep(req: Any) -> str:
    return escape(req.rep_name) if req.rep_name else "your authorized representative"


def _window(data: Mapping[str, Any], calendar: BusinessCalendar) -> str:
    start, end = _instant(data.get("window_start")), _instant(data.get("window_end"))
    if start is None or end is None:
        return ""
    return f", {window_text(start, end, calendar.timezone)}"


def _expires_on(anchor: datetime, policy: ReminderPolicy, calendar: BusinessCalendar) -> date:
    return calendar.local_date(anchor) + timedelta(days=policy.expiry_days)


def _plain(mrkdwn: str, names: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn as plain text for a ticket note (mentions by name where it is known)."""
    out = re.sub(r"<@([A-Z0-9]+)>", lambda m: "@" + ((names or {}).get(m[1]) or m[1]), mrkdwn)
    out = re.sub(r"<([^|>]+)\|([^>]+)>", r"\2 (\1)", out)
    return html.unescape(out.replace("*", "").replace("`", ""))


def _button(label: str, action: ids.Action, sid: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(label, 75), "emoji": True},
        "action_id": action.value,
        "value": sid,
    }
    if style:
        button["style"] = style
    return button


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION)}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 3000)}]}


def _message(
    body: str,
    *,
    sid: str | None,
    buttons: list[Block] | None = None,
    what: str = "",
    names: Mapping[str, str] | None = None,
) -> Message:
    """Blocks are built as the plain dicts Slack receives (they travel in an outbox row; the
    ``slack_sdk.models`` round trip costs more than the rest of a sweep). A golden test checks
    them against ``slack_sdk``'s own serialisation."""
    blocks = [_section(body)]
    if buttons:
        blocks.append({"type": "actions", "block_id": f"port-reminder-{sid}", "elements": buttons})
    if sid:
        blocks.append(_context(f"`{sid}` · a reminder from portbot"))
    plain = _plain(body, names)
    note = f"portbot reminder sent in Slack ({what}):\n{plain}" if what else plain
    return Message(text=body, blocks=blocks, note=note)


def _details(sid: str) -> Block:
    return _button("Details", ids.Action.STATUS, sid)


def _resend(sid: str) -> Block:
    return _button("Resend LOA", ids.Action.RESEND_LOA, sid, "primary")


# --- the requester, in the request's thread ----------------------------------------------------


def request_message(
    kind: ReminderKind,
    data: Mapping[str, Any],
    req: Any,
    *,
    calendar: BusinessCalendar,
    policy: ReminderPolicy,
    today: date | None = None,
) -> Message:
    """The requester's reminder, mentioning them, for the request's thread. With ``today``
    (the sweep's local date) counts of days are told as they are when the message goes out,
    not as planned: a reminder sent late after downtime never tells an outdated count."""
    who, sid, carrier = mention(req.requester_id, req.requester_name), req.sid, _carrier(req)
    foc = _date(data.get("foc_date"))
    buttons: list[Block] = []
    if kind is K.LOA_UNSIGNED:
        sent = _instant(data.get("loa_sent_at")) or req.created_at
        closes = _expires_on(sent, policy, calendar)
        n = _days_since(sent, int(data.get("business_days") or 0), calendar, today)
        body = (
            f"{who} the Letter of Authorization for {_label(req)} went to {_rep(req)} "
            f"{plural(n, 'business day')} ago and is still not signed. Please make sure it is "
            f"signed by *{day(closes)}*: on that day the request closes on its own. If the "
            "e-mail never arrived or its link has expired, press *Resend LOA* for a fresh one."
        )
        buttons = [_resend(sid)]
    elif kind is K.BILL_MISSING:
        closes = _expires_on(req.created_at, policy, calendar)
        body = (
            f"{who} {_label(req)} is waiting for a bill from {carrier}, issued in the last "
            f"30 days. Add it by *{day(closes)}*; drafts close after "
            f"{policy.expiry_days} days. Nothing goes to the carrier until it is here."
        )
        buttons = [_button("Add the bill", ids.Action.RESUME, sid, "primary")]
    elif kind is K.DOCUMENT_AGING:
        last = _date(data.get("last_valid_day"))
        dated = _date(data.get("dated"))
        last_text = day(last) if last else "in a few days"
        if data.get("document") == "loa":
            body = (
                f"{who} the signed LOA for {_label(req)} dates from "
                f"{day(dated) if dated else 'a while ago'}, and carriers accept it until "
                f"*{last_text}*. If the request has not gone to {carrier} by then, "
                f"{_rep(req)} will have to sign a fresh one; we will tell you if so."
            )
        else:
            body = (
                f"{who} the bill on {_label(req)} was issued "
                f"{day(dated) if dated else 'almost a month ago'}; carriers refuse bills older "
                f"than 30 days, so it stops counting after *{last_text}*. Please post a newer "
                "bill in this thread before then."
            )
            if RequestStatus(req.status) is RequestStatus.DRAFT:
                buttons = [_button("Add the bill", ids.Action.RESUME, sid, "primary")]
        buttons = buttons or [_details(sid)]
    elif kind is K.KEEP_ACTIVE:
        until = (
            f"until your numbers have moved on *{day(foc)}*" if foc else "until the port is done"
        )
        first = data.get("stage") == "submitted"
        body = (
            f"{who} "
            + ("we have sent " + _label(req) + f" to {carrier}. " if first else "")
            + f"Keep your service with {carrier} active and paid {until}. If the account is "
            "closed or suspended before then, the carrier turns the port down and the numbers "
            "can be lost."
        )
    elif kind is K.FOC_CONFIRMED:
        cancel_by = _date(data.get("cancel_by"))
        body = (
            f"{who} {carrier} confirmed the port date for {_label(req)}: "
            f"*{day(foc) if foc else 'see the card'}*{_window(data, calendar)}. Set your numbers "
            "up in your account now (call routing, voicemail, texting) so calls arrive as soon "
            f"as they move, and keep {carrier} active until then."
            + (f" The last day to cancel is *{day(cancel_by)}*." if cancel_by else "")
        )
    elif kind is K.FOC_APPROACHING and data.get("stage") == "window-start":
        end = _instant(data.get("window_end"))
        body = (
            f"{who} the port window for {_label(req)} has started: your numbers are moving"
            + (f" and should be done by *{when(end, calendar.timezone)}*" if end else " today")
            + ". Calls and texts may drop for a few minutes meanwhile. Nothing to do now; "
            "tell us here if anything still fails once the window is over."
        )
    elif kind is K.FOC_APPROACHING:
        n = int(data.get("business_days") or 0)
        if today is not None and foc is not None:
            n = calendar.business_days_between(today, foc)
        moves = f"in {plural(n, 'business day')}" if n > 0 else "today"
        body = (
            f"{who} your numbers move {moves}, on "
            f"*{day(foc) if foc else 'the port date'}*{_window(data, calendar)}. Finish setting "
            f"them up in your account before then, and keep {carrier} active until they have "
            "moved."
        )
    elif kind is K.CANCELLATION_CUTOFF:
        cancel_by = _date(data.get("cancel_by"))
        body = (
            f"{who} if you want to stop {_label(req)}, the carriers must hear it by "
            f"*{day(cancel_by) if cancel_by else 'tomorrow'}* (two business days before the "
            f"port date{', ' + day(foc) if foc else ''}). Press *Cancel request* by then; "
            "after that the port goes ahead. If it should go ahead, there is nothing to do."
        )
        buttons = [_button("Cancel request", ids.Action.CANCEL, sid, "danger")]
    elif kind is K.POST_PORT_CHECK:
        body = (
            f"{who} the numbers of {_label(req)} have moved. Please make a test call to and from "
            "each number and send a text today. When everything works, close your account "
            f"with {carrier} (not before); if something fails, tell us here."
        )
    else:
        raise ValueError(f"{kind} is not a requester reminder")
    names = {req.requester_id: req.requester_name} if req.requester_name else None
    return _message(body, sid=sid, buttons=buttons, what=kind.value, names=names)


def rep_message(
    data: Mapping[str, Any], req: Any, *, calendar: BusinessCalendar, policy: ReminderPolicy
) -> Message:
    """The authorized representative's DM while the LOA waits for their signature."""
    sent = _instant(data.get("loa_sent_at")) or req.created_at
    closes = _expires_on(sent, policy, calendar)
    asker = escape(req.requester_name) if req.requester_name else "A colleague"
    company = f" for {escape(req.company_name)}" if req.company_name else ""
    body = (
        f"Hello {_rep(req)}: {asker} is moving phone numbers{company} away from {_carrier(req)} "
        f"and named you to sign the Letter of Authorization. We e-mailed the signing link to "
        f"{escape(req.rep_email) or 'you'} on {day(calendar.local_date(sent))}. Please sign it "
        f"by *{day(closes)}*, or the request closes. Can't find the e-mail? Ask "
        f"{mention(req.requester_id, req.requester_name)} to resend it."
    )
    return _message(body, sid=req.sid, what="LOA reminder to the representative")


# --- the porting team ----------------------------------------------------------------------------


def agents_message(
    kind: ReminderKind,
    data: Mapping[str, Any],
    req: Any,
    *,
    calendar: BusinessCalendar,
    policy: ReminderPolicy,
    today: date | None = None,
) -> Message:
    """An alert for the agents channel about one request (``today`` as for
    :func:`request_message`)."""
    sid, tz = req.sid, calendar.timezone
    start = _instant(data.get("since") or data.get("loa_sent_at"))
    n = _days_since(start, int(data.get("business_days") or 0), calendar, today)
    if kind is K.LOA_UNSIGNED_AGENTS:
        sent = _instant(data.get("loa_sent_at")) or req.created_at
        closes = _expires_on(sent, policy, calendar)
        body = (
            f":warning: The LOA of {_label(req)} went to {_rep(req)} "
            f"({escape(req.rep_email) or 'no e-mail'}) {plural(n, 'business day')} ago and is "
            f"still unsigned. Please follow up with them today; the request closes on "
            f"*{day(closes)}*."
        )
        buttons = [_resend(sid), _details(sid)]
    elif kind is K.STALE_REQUEST:
        since = _instant(data.get("since")) or req.updated_at
        if data.get("status") == RequestStatus.SUBMITTED.value:
            body = (
                f":hourglass: {_label(req)} went to {_carrier(req)} {plural(n, 'business day')} "
                f"ago ({when(since, tz)}) and still has no port date. Please chase the carrier "
                "for the FOC today."
            )
        else:
            body = (
                f":hourglass: {_label(req)} has waited in review for "
                f"{plural(n, 'business day')} (since {when(since, tz)}). Please check it and "
                "submit it to the carrier today, or tell the customer what is missing."
            )
        buttons = [_details(sid)]
    else:
        raise ValueError(f"{kind} is not an agents' alert")
    return _message(body, sid=sid, buttons=buttons, what=kind.value)


def digest_message(summary: DigestSummary, *, calendar: BusinessCalendar) -> Message:
    """The agents' morning digest."""
    tz = calendar.timezone
    counts = ", ".join(
        f"{s.label}: {n}" for s, n in sorted(summary.counts.items(), key=lambda kv: kv[0].value)
    )
    lines = [f"*Porting digest for {day(summary.day)}*", f"Requests by status: {counts or 'none'}"]

    def listed(items: list[tuple[date, str, str]]) -> str:
        shown = [
            f"• {day(d)}: `{sid[:10]}` {escape(truncate(name, 60))}".rstrip()
            for d, sid, name in items[:MAX_LISTED]
        ]
        more = len(items) - MAX_LISTED
        return "\n".join(shown + ([f"• and {more} more"] if more > 0 else []))

    lines.append(
        "*Port dates today:* "
        + (f"\n{listed(summary.focs_today)}" if summary.focs_today else "none")
    )
    lines.append(
        "*Port dates in the next six days:* "
        + (f"\n{listed(summary.focs_week)}" if summary.focs_week else "none")
    )
    if summary.stale:
        stale = [
            f"• `{s.sid[:10]}` {escape(truncate(s.name, 60))} — {s.status.label} since "
            f"{when(s.since, tz)} ({plural(s.business_days, 'business day')})"
            for s in summary.stale[:MAX_LISTED]
        ]
        if len(summary.stale) > MAX_LISTED:
            stale.append(f"• and {len(summary.stale) - MAX_LISTED} more")
        lines.append("*Waiting too long (act on these today):*\n" + "\n".join(stale))
    else:
        lines.append("*Waiting too long:* nothing, well done.")
    body = "\n".join(lines)
    return Message(text=body, blocks=[_section(body)], note=_plain(body))


# --- port-out windows and incoming port-outs ---------------------------------------------------


def _numbers(numbers: list[str]) -> str:
    shown = ", ".join(escape(n) for n in numbers[:5])
    return shown + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")


def window_message(data: Mapping[str, Any], window: Any, *, calendar: BusinessCalendar) -> Message:
    """A port-out window opened, closes within a day, or closed."""
    tz = calendar.timezone
    who = mention(window.created_by) if window.created_by else "Heads-up:"
    ends = _instant(data.get("ends_at")) or window.ends_at
    stage = data.get("stage")
    nums = _numbers(list(window.numbers or []))
    if stage == "opened":
        body = (
            f"{who} your port-out window is open: {nums} may move to another carrier until "
            f"*{when(ends, tz)}*. Outside it, we refuse port-outs unless you approve them."
        )
    elif stage == "closing":
        body = (
            f"{who} your port-out window for {nums} closes at *{when(ends, tz)}*. If the move "
            "is not done by then, open a new window before it closes."
        )
    else:
        closed = _instant(data.get("closed_at")) or ends
        body = (
            f"{who} your port-out window for {nums} closed at {when(closed, tz)}. From now "
            "on we refuse any request to take these numbers unless you approve it."
        )
    return _message(body, sid=None, what="port-out window")


def port_out_message(
    kind: ReminderKind, data: Mapping[str, Any], port_out: Any, *, calendar: BusinessCalendar
) -> Message:
    """An unannounced port-out waits for the owner's answer, or its deadline passed."""
    tz = calendar.timezone
    deadline = _instant(data.get("deadline_at"))
    by = f"*{when(deadline, tz)}*" if deadline else "the deadline"
    carrier = escape(port_out.receiving_carrier) or "Another carrier"
    nums = _numbers(list(port_out.numbers or []))
    if kind is K.PORT_OUT_DEADLINE:
        body = (
            f"No answer came by {by}, so we refused {carrier}'s request to take {nums}. "
            "If you do want these numbers to move, open a port-out window first."
        )
    elif data.get("stage") == "half-time":
        body = (
            f"Still waiting for your answer: {carrier} wants to take {nums}. If nobody approves "
            f"it by {by}, we refuse it. Tell the porting team here if it should go ahead."
        )
    else:
        body = (
            f"{carrier} asked to take {nums} away, and no port-out window covers it. Approve "
            f"it by {by} if it is yours; otherwise we refuse it then. Tell the porting team "
            "here either way."
        )
    return _message(body, sid=None, what=kind.value)
