"""Messages about requests: the channel card, the ``/port status`` answer, lists and help.

Pure builders: the caller passes everything in (``today``, the time zone, the ticket link).
Who sees which buttons is :mod:`bot.slack.blocks.card_buttons`; instants are Slack date tokens,
so each reader sees their own time zone.
The words shared with other channels come from :mod:`bot.wording` and are rendered with
:func:`~bot.slack.blocks.text.mrkdwn`. Every outside string is escaped; the PIN never appears
and the account number only masked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, tzinfo

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.porting import rejections
from bot.porting.rules import (
    CANCEL_NOTICE_BUSINESS_DAYS,
)
from bot.services.base import Snapshot
from bot.slack.blocks.card_buttons import agent_buttons, customer_buttons
from bot.slack.blocks.quotes import quote_fields, status_quote
from bot.slack.blocks.text import (
    MAX_BLOCKS_MESSAGE,
    context,
    day,
    escape,
    mention,
    mrkdwn,
    number,
    plural,
    request_status,
    section,
    short_day,
    short_sid,
    truncate,
)
from bot.wording import rejections as rejection_words
from bot.wording.formats import spelled
from bot.wording.requests import (
    foc_day,
    next_step,
    number_status_label,
    numbers_line,
    port_date,
    request_name,
    summary,
    toll_free_note,
)
from bot.wording.requests import missing_items as wording_missing
from bot.wording.rich import at, between, code, link, rich, strong
from bot.wording.rich import mention as mention_part
from bot.wording.timelines import timeline_lines
from storage.models import PortNumber, PortRequest
from storage.values import LineType, NumberStatus, RequestStatus

__all__ = [
    "LIST_MAX_ROWS",
    "agent_buttons",
    "card_text",
    "customer_buttons",
    "help_blocks",
    "list_blocks",
    "missing_items",
    "notice_text",
    "numbers_summary",
    "request_card",
    "status_blocks",
]

S = RequestStatus
LIST_MAX_ROWS = 40
_BEFORE_SUBMISSION = frozenset({S.DRAFT, S.AWAITING_SIGNATURE, S.IN_REVIEW, S.ACTION_REQUIRED})
_LINE_TYPES = {
    LineType.LANDLINE: "Landline",
    LineType.WIRELESS: "Mobile",
    LineType.TOLL_FREE: "Toll-free",
}


def _title(req: PortRequest) -> str:
    if req.name:
        return mrkdwn(rich(strong(truncate(req.name, 120))))
    return mrkdwn(rich(strong("Port request"), " ", code(req.sid)))


def numbers_summary(numbers: Sequence[PortNumber], shown: int = 3) -> str:
    """``3 numbers: +1 617-253-1000, … and 1 more``; toll-free numbers are flagged."""
    text = mrkdwn(numbers_line(numbers, shown))
    note = toll_free_note(numbers)
    return f"{text}\n:information_source: {mrkdwn(note)}" if note else text


def _port_date(snap: Snapshot, tz: tzinfo | str | None) -> str:
    """The port date (mrkdwn); its window, if any, in each reader's own time zone."""
    req = snap.request
    text = port_date(req, snap.numbers, tz)
    start, end = req.foc_window_start, req.foc_window_end
    if req.foc_date and start and end and text == foc_day(req.foc_date, start, end, tz):
        return mrkdwn(rich(day(req.foc_date), ", ", between(start, end, tz)))
    return escape(text)


def _channel_ref(channel_id: str) -> str:
    return f"<#{channel_id}>" if re.fullmatch(r"[CG][A-Z0-9]{2,20}", channel_id or "") else ""


def request_card(
    snap: Snapshot,
    *,
    ticket_url: str | None = None,
    tz: tzinfo | str | None = None,
    for_agents: bool = False,
    card_link: str | None = None,
) -> list[Block]:
    """The request's card, re-rendered in place on every change.

    The card in the customer's channel (``for_agents=False``) carries the customer's buttons
    only. The porting team's view (``for_agents=True``: the agents channel's notice, or the
    card itself when it lives there) carries their buttons and the ticket link; ``card_link``
    points from the notice to the customer's card."""
    req = snap.request
    fields = [f"*Numbers*\n{numbers_summary(snap.numbers)}"]
    fields.append(f"*Current carrier*\n{escape(req.losing_carrier) or '—'}")
    holder = req.company_name or req.rep_name
    if holder:
        fields.append(f"*Account holder*\n{escape(truncate(holder, 200))}")
    foc = _port_date(snap, tz)
    if foc:
        fields.append(f"*Port date*\n{foc}")
    fields += quote_fields(snap, tz)
    if for_agents and ticket_url:
        fields.append(f"*Ticket*\n{mrkdwn(rich(link(ticket_url, 'Open in Zendesk')))}")
    footer = f"`{req.sid}` · opened by {mention(req.requester_id, req.requester_name)}"
    if card_link:
        where = _channel_ref(req.channel_id)
        footer += " · " + mrkdwn(rich(link(card_link, "Open the card")))
        footer += f" in {where}" if where else ""
    blocks: list[Block] = [
        section(f"{_title(req)}\n{request_status(req.status)}"),
        section("\n\n".join(fields)),
        section(f"*Next:* {mrkdwn(next_step(req))}"),
        *(
            context(escape(line))
            for line in timeline_lines(req, snap.numbers, received=snap.documents)
        ),
        context(footer),
    ]
    buttons = agent_buttons(snap) if for_agents else customer_buttons(snap)
    if buttons:
        blocks.append(ActionsBlock(block_id=f"port-card-{req.sid}", elements=buttons))
    return blocks


def notice_text(snap: Snapshot) -> str:
    """The agents channel's notice as one line (its notification and screen-reader text)."""
    req = snap.request
    name = request_name(req, 80, unnamed="")
    words = rich(
        "Port request ",
        req.sid,
        " from ",
        mention_part(req.requester_id, req.requester_name),
        ": ",
        f"{name}, " if name else "",
        f"{req.status.label} · {plural(len(snap.numbers), 'number')}",
    )
    return mrkdwn(words)


def card_text(snap: Snapshot) -> str:
    """The notification and screen-reader fallback for the card."""
    return mrkdwn(summary(snap.request, len(snap.numbers)))


def missing_items(snap: Snapshot, today: date | None) -> list[str]:
    """What the request still needs before it can go (or go again) to the carrier (mrkdwn)."""
    return [mrkdwn(item) for item in wording_missing(snap.request, snap.numbers, today)]


def _rejection_blocks(snap: Snapshot) -> list[Block]:
    rejected = [n for n in snap.numbers if n.status is NumberStatus.REJECTED]
    found = list(rejection_words.by_code(rejected).items())[:10]
    if not found:
        return []
    blocks: list[Block] = [section(":x: *What the carrier turned down, and how to fix it*")]
    fixable = False
    for reason_code, e164s in found:
        entry = rejections.CATALOG[reason_code]
        fixable = fixable or entry.customer_can_fix
        blocks.append(section(mrkdwn(rejection_words.reason(entry, e164s))))
    if fixable:
        blocks.append(context(escape(rejections.RESUBMIT_NOTE)))
    return blocks


def _numbers_table(numbers: Sequence[PortNumber], limit: int, today: date | None) -> str:
    rows = [
        f"{number(n.e164):<17}{_LINE_TYPES[n.line_type]:<10}{number_status_label(n.status):<17}"
        + (short_day(n.foc_date, today=today) if n.foc_date else "—")
        for n in numbers[: max(limit, 0)]
    ]
    if not numbers:
        return ""
    text = f"*Numbers* ({len(numbers):,})"
    if rows:
        text += f"\n```{escape(chr(10).join(rows))}```"
    if len(numbers) > len(rows):
        text += f"\n…and {len(numbers) - len(rows):,} more."
    return text


def _agent_section(snap: Snapshot, ticket_url: str | None) -> str:
    req = snap.request
    facts = [
        f"Account {req.account_number}" if req.account_number else "Account number missing",
        f"BTN {number(req.btn)}" if req.btn else "no BTN",
        "PIN on file" if req.pin else "no PIN",
    ]
    if req.company_name:
        facts.append(f"company {escape(truncate(req.company_name, 200))}")
    text = ":lock: *For the porting team:* " + " · ".join(facts)
    if ticket_url:
        text += " · " + mrkdwn(rich(link(ticket_url, "Zendesk ticket")))
    csr = next(
        (
            (e.data or {})["csr_warnings"]
            for e in reversed(snap.events)
            if (e.data or {}).get("csr_warnings")
        ),
        None,
    )
    if csr:
        lines = "\n".join(f"• {escape(truncate(str(w), 300))}" for w in list(csr)[:8])
        text += f"\n:warning: *Differences from the CSR*\n{lines}"
    return text


def _timeline(snap: Snapshot, *, is_agent: bool, limit: int, tz: tzinfo | str | None) -> str:
    events = [e for e in snap.events if e.public or is_agent][-limit:] if limit > 0 else []
    lines = []
    for e in reversed(events):
        who = "portbot" if e.actor_role.value == "system" else mention(e.actor_id, e.actor_name)
        lock = ":lock: " if not e.public else ""
        detail = escape(truncate(e.detail or e.action.replace("_", " "), 300))
        lines.append(f"• {mrkdwn(rich(at(e.at, tz)))} · {who} · {lock}{detail}")
    return "*Recent activity*\n" + "\n".join(lines) if lines else ""


def status_blocks(
    snap: Snapshot,
    *,
    is_agent: bool,
    ticket_url: str | None = None,
    max_numbers: int = 25,
    max_events: int = 5,
    today: date | None = None,
    tz: tzinfo | str | None = None,
) -> list[Block]:
    """The ephemeral ``/port status`` and Details answer (at most 50 blocks, as Slack allows).
    The porting team also gets its facts, the ticket link and its buttons; only the person who
    asked sees the answer, so those stay with them. Times are Slack date tokens: each reader
    sees their own time zone."""
    req = snap.request
    blocks: list[Block] = [
        section(f"{_title(req)}\n{request_status(req.status)}"),
        section(f"*Next:* {mrkdwn(next_step(req))}"),
    ]
    foc = _port_date(snap, tz)
    if foc:
        blocks.append(section(f":calendar: *Port date:* {foc}"))
    blocks += status_quote(snap, tz)
    table = _numbers_table(snap.numbers, max_numbers, today)
    if table:
        blocks.append(section(table))
    missing = missing_items(snap, today)
    if missing:
        blocks.append(
            section(":clipboard: *Still needed*\n" + "\n".join(f"• {m}" for m in missing))
        )
    if req.status not in (S.CANCELLED, S.EXPIRED):
        blocks.extend(_rejection_blocks(snap))
    if is_agent:
        blocks.append(section(_agent_section(snap, ticket_url)))
    activity = _timeline(snap, is_agent=is_agent, limit=max_events, tz=tz)
    if activity:
        blocks.append(section(activity))
    blocks = blocks[: MAX_BLOCKS_MESSAGE - 2]
    blocks.append(
        context(f"`{req.sid}` · opened by {mention(req.requester_id, req.requester_name)}")
    )
    buttons = agent_buttons(snap, details=False) if is_agent else []
    if buttons:
        blocks.append(ActionsBlock(block_id=f"port-status-{req.sid}", elements=buttons))
    return blocks


def list_blocks(
    requests: list[PortRequest],
    *,
    title: str,
    total: int | None = None,
    number_counts: Mapping[str, int] | None = None,
    today: date | None = None,
) -> list[Block]:
    """A compact list, at most 40 rows; ``number_counts`` maps SID → how many numbers."""
    blocks: list[Block] = [section(f"*{escape(title)}*")]
    if not requests:
        blocks.append(section("Nothing here. Start a request with `/port new`."))
        return blocks
    rows = []
    for req in requests[:LIST_MAX_ROWS]:
        parts = [f"`{short_sid(req.sid)}`", escape(truncate(req.name, 40)) if req.name else "—"]
        parts.append(request_status(req.status))
        if number_counts and req.sid in number_counts:
            parts.append(plural(number_counts[req.sid], "number"))
        if req.foc_date:
            parts.append(f"port {short_day(req.foc_date, today=today)}")
        rows.append(" · ".join(parts))
    for start in range(0, len(rows), 10):
        blocks.append(section("\n".join(rows[start : start + 10])))
    total = max(total or 0, len(requests))
    if total > len(rows):
        blocks.append(
            context(
                f"Showing {len(rows)} of {total:,}. Narrow it down with `/port list open` or "
                "`/port list &lt;status&gt;`."
            )
        )
    blocks.append(context("See one in full with `/port status ID`; the first 10 characters do."))
    return blocks


_CUSTOMER_VERBS = (
    ("/port new", "start a request to move numbers to us, step by step"),
    ("/port status [ID]", "where a request stands, what's missing and what comes next"),
    ("/port list [open|all|<status>]", "your requests; open ones unless you say otherwise"),
    ("/port find TEXT", "look a request up by number, ID, carrier, company or name"),
    (
        "/port cancel ID",
        "stop a request (up to "
        f"{spelled(CANCEL_NOTICE_BUSINESS_DAYS, 'business day')} before the port date)",
    ),
    ("/port numbers", "the numbers this channel holds with us, and how they are protected"),
    ("/port portout pin", "set a port-out PIN a new carrier must quote to take your numbers"),
    ("/port portout lock|unlock [numbers]", "stop port-outs; unlocking takes effect after a wait"),
    ("/port portout authorize", "let some numbers leave between two dates (a window)"),
    (
        "/port portout request",
        "move numbers to another carrier: we say what it will ask for",
    ),
    ("/port portout list", "open windows and port-outs waiting for your answer"),
    ("/port help", "this list"),
)
_AGENT_VERBS = (
    ("/port submit ID", "send a reviewed request to the losing carrier"),
    ("/port foc ID [YYYY-MM-DD]", "record the port date (FOC); without a date, a form opens"),
    ("/port reject ID", "record a rejection with its reasons and the numbers affected"),
    ("/port complete ID [numbers]", "mark numbers as ported; all with a port date by default"),
    ("/port note ID text", "add a note to the timeline (private unless you make it public)"),
    (
        "/port quote ID AMOUNT CURRENCY [--per-number] [--note TEXT]",
        "send the customer a fee quote; silence for 3 business days counts as acceptance",
    ),
    ("/port quote accept|decline ID [reason]", "record the customer's answer given elsewhere"),
    ("/port numbers add|remove NUMBERS [--channel #c]", "register numbers to an account, or not"),
    (
        "/port portout incoming NUMBERS --carrier NAME [--spid …] [--pin …] [--foc …]",
        "log a port-out another carrier asked for; it is decided by the account's rules",
    ),
    ("/port portout ported|cancel PO…", "close a port-out: the numbers left, or they stay"),
)


def help_blocks(*, is_agent: bool) -> list[Block]:
    def lines(verbs: Sequence[tuple[str, str]]) -> str:
        return "\n".join(f"• `{escape(v)}`: {d}" for v, d in verbs)

    blocks: list[Block] = [
        section(
            ":telephone_receiver: *Moving phone numbers with `/port`*\n" + lines(_CUSTOMER_VERBS)
        ),
    ]
    buttons = "The buttons on each request's card do the same things."
    if is_agent:
        blocks.append(section("*For the porting team*\n" + lines(_AGENT_VERBS)))
        buttons = (
            "The card in a customer's channel has the customer's buttons; yours are on the "
            "team's copy in the agents channel and under your own `/port status` answers."
        )
    blocks.append(
        context(f"An ID looks like `PR1a2b3c4d…`; the first 10 characters are enough. {buttons}")
    )
    return blocks
