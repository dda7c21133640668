"""The fee quote's reminders: the customer recalled of an unanswered quote, the answer period's
end (silence counts as acceptance: a system action), and the agents alerted when a request
whose quote was accepted still waits for its review.

Business days are those of the request's country (its holidays, its time zone), not the
account's: the answer period is the country's rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.porting.calendar import BusinessCalendar
from bot.porting.countries import calendar_for
from bot.porting.reminders.due import Due, iso, make_due, stamp
from bot.porting.reminders.facts import RequestFacts
from bot.porting.reminders.kinds import ReminderKind
from bot.porting.reminders.policy import ReminderPolicy
from storage.values import RequestStatus

K = ReminderKind


def quote_calendar(country: str | None, fallback: BusinessCalendar) -> BusinessCalendar:
    """The calendar of the request's country when the table knows it, else ``fallback``."""
    if not country:
        return fallback
    try:
        return calendar_for(country)
    except KeyError:
        return fallback


def quote_reminders(
    facts: RequestFacts, policy: ReminderPolicy, calendar: BusinessCalendar
) -> Iterator[Due]:
    sent, by = facts.quote_sent_at, facts.quote_answer_by
    local = quote_calendar(facts.quote_country, calendar)
    if facts.status is RequestStatus.QUOTE_PENDING and sent is not None and by is not None:
        base = f"{facts.sid}:quote:{stamp(sent)}"
        common = {"sent_at": iso(sent), "answer_by": iso(by), "country": facts.quote_country}
        for n in policy.quote_reminder_business_days:
            at = local.business_days_after(sent, n, policy.customer_time)
            due = make_due(
                K.QUOTE_UNANSWERED,
                at,
                f"{base}:{K.QUOTE_UNANSWERED}:{n}",
                facts.sid,
                local,
                {**common, "business_days": n},
                expires_at=by,
            )
            if due.due_at < by:
                yield due
        yield make_due(K.QUOTE_DEADLINE, by, f"{base}:{K.QUOTE_DEADLINE}", facts.sid, local, common)
        return
    accepted = facts.quote_accepted_at
    if facts.status is RequestStatus.IN_REVIEW and accepted is not None:
        if facts.status_since > accepted:
            return  # back in review for another reason (a fix after a rejection)
        n = policy.quote_review_business_days
        yield make_due(
            K.QUOTE_REVIEW,
            local.business_days_after(accepted, n),
            f"{facts.sid}:{K.QUOTE_REVIEW}:{stamp(accepted)}",
            facts.sid,
            local,
            {"business_days": n, "accepted_at": iso(accepted)},
        )
