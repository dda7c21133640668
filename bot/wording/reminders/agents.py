"""The porting team's reminders in the agents channel: alerts about one request, and the
morning digest (PRODUCT §3)."""

from __future__ import annotations

from datetime import date

from bot.porting.reminders import DigestSummary
from bot.wording.formats import an_instant, clip, day, short_sid, spelled, when
from bot.wording.reminders.notice import (
    DETAILS,
    RESEND,
    Notice,
    Occasion,
    business_days,
    days_since,
    expires_on,
    label,
    rep,
)
from bot.wording.reminders.notice import carrier as carrier_of
from bot.wording.rich import Part, Rich, code, join, rich, strong
from storage.values import RequestStatus

MAX_LISTED = 10


def _told_days(o: Occasion) -> int:
    start = an_instant(o.data.get("since") or o.data.get("loa_sent_at"))
    return days_since(start, int(o.data.get("business_days") or 0), o.calendar, o.today)


def loa_unsigned_agents(o: Occasion) -> Notice:
    req = o.subject
    sent = an_instant(o.data.get("loa_sent_at")) or req.created_at
    body = rich(
        ":warning: The LOA of ",
        label(req),
        f" went to {rep(req)} ({req.rep_email or 'no e-mail'}) "
        f"{business_days(_told_days(o))} ago and is still unsigned. Please follow up with them "
        "today; the request closes on ",
        strong(day(expires_on(sent, o))),
        ".",
    )
    return Notice(body, (RESEND, DETAILS), ref=req.sid, what=o.kind.value)


def stale_request(o: Occasion) -> Notice:
    """A request waits too long in review, or at the carrier without a port date."""
    req, tz, n = o.subject, o.calendar.timezone, _told_days(o)
    since = an_instant(o.data.get("since")) or req.updated_at
    if o.data.get("status") == RequestStatus.SUBMITTED.value:
        body = rich(
            ":hourglass: ",
            label(req),
            f" went to {carrier_of(req)} {business_days(n)} ago ({when(since, tz)}) and still has "
            "no port date. Please chase the carrier for the FOC today.",
        )
    else:
        body = rich(
            ":hourglass: ",
            label(req),
            f" has waited in review for {business_days(n)} (since {when(since, tz)}). Please "
            "check it and submit it to the carrier today, or tell the customer what is missing.",
        )
    return Notice(body, (DETAILS,), ref=req.sid, what=o.kind.value)


def _listed(items: list[tuple[date, str, str]]) -> Rich:
    lines: list[Part] = []
    for d, sid, name in items[:MAX_LISTED]:
        shown = clip(name, 60).rstrip()
        lines.append(rich(f"• {day(d)}: ", code(short_sid(sid)), f" {shown}" if shown else ""))
    if len(items) > MAX_LISTED:
        lines.append(f"• and {len(items) - MAX_LISTED} more")
    return join(lines, "\n")


def digest(o: Occasion) -> Notice:
    """The agents' morning digest: counts by status, port dates soon, what waits too long."""
    summary: DigestSummary = o.subject
    tz = o.calendar.timezone
    by_status = sorted(summary.counts.items(), key=lambda kv: kv[0].value)
    counts = ", ".join(f"{s.label}: {n}" for s, n in by_status)
    ahead = spelled(o.policy.digest_ahead_days, "day")
    lines: list[Part] = [
        strong(f"Porting digest for {day(summary.day)}"),
        f"Requests by status: {counts or 'none'}",
        rich(
            strong("Port dates today:"),
            " ",
            rich("\n", _listed(summary.focs_today)) if summary.focs_today else "none",
        ),
        rich(
            strong(f"Port dates in the next {ahead}:"),
            " ",
            rich("\n", _listed(summary.focs_week)) if summary.focs_week else "none",
        ),
    ]
    if summary.stale:
        stale: list[Part] = [
            rich(
                "• ",
                code(short_sid(s.sid)),
                f" {clip(s.name, 60)} — {s.status.label} since {when(s.since, tz)} "
                f"({business_days(s.business_days)})",
            )
            for s in summary.stale[:MAX_LISTED]
        ]
        if len(summary.stale) > MAX_LISTED:
            stale.append(f"• and {len(summary.stale) - MAX_LISTED} more")
        heading = strong("Waiting too long (act on these today):")
        lines.append(rich(heading, "\n", join(stale, "\n")))
    else:
        lines.append(rich(strong("Waiting too long:"), " nothing, well done."))
    return Notice(join(lines, "\n"))
