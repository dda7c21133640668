"""The request policy (PRODUCT §3): facts about a request -> the reminders that should exist.

Pure domain code. :func:`reminders_for` looks at one request's facts and lists every reminder
occurrence its current state calls for, past ones included, each with a stable dedupe ``key``.
The caller (``bot.services.reminders``) reconciles that list with its stored rows: insert the
keys it does not have, cancel unsent rows whose key is no longer listed (their reason has gone);
the sweep sends what is due through :func:`~bot.porting.reminders.due.catch_up`. Nothing here
reads the clock.

What each status calls for (the counts are :class:`ReminderPolicy` fields; business days in the
account's calendar, holidays skipped; customer reminders at ``policy.customer_time`` local, then
moved into contact hours):

* ``draft``: ``bill-missing`` ``bill_missing_business_days`` after creation (no bill yet),
  ``document-aging`` when the bill turns ``document_aging_days`` old, ``request-expiry``
  ``expiry_days`` after creation.
* ``awaiting_signature``: ``loa-unsigned`` ``loa_unsigned_business_days`` after the LOA was
  sent, ``loa-unsigned-agents`` at ``loa_agent_alert_business_days`` (same wall time as the
  sending), ``request-expiry`` ``expiry_days`` after sending; bill reminders as for drafts.
* ``in_review`` / ``action_required``: bill reminders, ``document-aging`` of the signed LOA;
  ``stale-request`` to agents when ``in_review`` lasts ``stale_in_review_business_days``.
* ``submitted``: ``keep-active`` at submission; ``stale-request`` after
  ``stale_submitted_business_days`` without an FOC.
* ``foc_confirmed``: ``foc-confirmed`` when the FOC was recorded;
  ``foc-approaching`` ``foc_approaching_business_days`` before and at the window start;
  ``cancellation-cutoff`` ``cutoff_notice_business_days`` before the last day to cancel (the
  cut-off the lifecycle enforces, ``rules.CANCEL_NOTICE_BUSINESS_DAYS`` before the FOC: no
  setting, so the notice cannot name another day). Countdowns that would land on or
  before the day the FOC was announced are left out (the announcement carries the date, window
  and the last day to cancel).
* ``completed``: ``post-port-check`` after the FOC window (the only reminder of a final state).
* ``quote_pending``: ``quote-unanswered`` ``quote_reminder_business_days`` after the quote was
  sent and ``quote-deadline`` (accept by default) when the answer period ends, both in the
  calendar of the request's country; once accepted, ``quote-review`` to agents when the request
  is still in review ``quote_review_business_days`` later (:mod:`.quotes`).
* ``cancel_pending``, ``cancelled``, ``expired``: nothing.

"Keep your service active" is said once per stage (a stage is a lifecycle state): while
``submitted`` by ``keep-active`` at submission, once the FOC is confirmed by the stage's first
``foc-confirmed`` announcement. The reminder that carries it has ``data[ADVICE]`` set; the
wording adds the advice only there (and once in a message that combines several reminders).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from bot.porting.calendar import BusinessCalendar, cancellation_deadline
from bot.porting.reminders.due import Due, JSONValue, iso, make_due, stamp, start_of_day
from bot.porting.reminders.facts import RequestFacts
from bot.porting.reminders.kinds import ReminderKind
from bot.porting.reminders.policy import ReminderPolicy
from bot.porting.reminders.quotes import quote_reminders
from storage.values import RequestStatus

S = RequestStatus
K = ReminderKind
ADVICE = "keep_active_advice"
"""``data`` key set on the one reminder of a stage that says "keep your service active"."""
_BEFORE_SUBMISSION = frozenset({S.DRAFT, S.AWAITING_SIGNATURE, S.IN_REVIEW, S.ACTION_REQUIRED})
_LOA_ON_FILE = frozenset({S.IN_REVIEW, S.ACTION_REQUIRED})
_IN_FLIGHT = frozenset({S.SUBMITTED, S.FOC_CONFIRMED})


def reminders_for(
    facts: RequestFacts, policy: ReminderPolicy, calendar: BusinessCalendar
) -> list[Due]:
    """Every reminder that should exist for the request in its current state, sorted by time.

    Past occurrences are included (the caller decides what is overdue); a reminder whose reason
    has gone (LOA signed, bill on file, request final or being cancelled) is absent. Customer
    reminders are moved into contact hours on business days; agent alerts and system actions
    keep their exact moment. Keys are unique within the result.
    """
    found = [
        *_loa(facts, policy, calendar),
        *_expiry(facts, policy, calendar),
        *_bill(facts, policy, calendar),
        *_aging(facts, policy, calendar),
        *_keep_active(facts, policy, calendar),
        *_foc(facts, policy, calendar),
        *_post_port(facts, calendar),
        *_stale(facts, policy, calendar),
        *quote_reminders(facts, policy, calendar),
    ]
    return sorted(found, key=lambda d: (d.due_at, d.key))


# --- LOA, expiry, documents -------------------------------------------------------------------


def _loa(facts: RequestFacts, policy: ReminderPolicy, calendar: BusinessCalendar) -> Iterator[Due]:
    sent = facts.loa_sent_at
    if facts.status is not S.AWAITING_SIGNATURE or sent is None:
        return
    if facts.signed_at is not None and facts.signed_at >= sent:
        return
    base = f"{facts.sid}:{K.LOA_UNSIGNED}:{stamp(sent)}"
    for n in policy.loa_unsigned_business_days:
        at = calendar.business_days_after(sent, n, policy.customer_time)
        data: dict[str, JSONValue] = {"business_days": n, "loa_sent_at": iso(sent)}
        yield make_due(K.LOA_UNSIGNED, at, f"{base}:{n}", facts.sid, calendar, data)
    n = policy.loa_agent_alert_business_days
    yield make_due(
        K.LOA_UNSIGNED_AGENTS,
        calendar.business_days_after(sent, n),
        f"{facts.sid}:{K.LOA_UNSIGNED_AGENTS}:{stamp(sent)}:{n}",
        facts.sid,
        calendar,
        {"business_days": n, "loa_sent_at": iso(sent)},
    )


def _expiry(
    facts: RequestFacts, policy: ReminderPolicy, calendar: BusinessCalendar
) -> Iterator[Due]:
    if facts.status is S.DRAFT:
        anchor = facts.created_at
    elif facts.status is S.AWAITING_SIGNATURE:
        anchor = facts.loa_sent_at or facts.status_since
    else:
        return
    local = calendar.to_local(anchor)
    at = calendar.at_local(local.date() + timedelta(days=policy.expiry_days), local.time())
    yield make_due(
        K.REQUEST_EXPIRY,
        at,
        f"{facts.sid}:{K.REQUEST_EXPIRY}:{facts.status}:{stamp(anchor)}",
        facts.sid,
        calendar,
        {"status": facts.status.value, "days": policy.expiry_days, "since": iso(anchor)},
    )


def _bill(facts: RequestFacts, policy: ReminderPolicy, calendar: BusinessCalendar) -> Iterator[Due]:
    if facts.status not in _BEFORE_SUBMISSION or facts.has_bill:
        return
    base = f"{facts.sid}:{K.BILL_MISSING}:{stamp(facts.created_at)}"
    for n in policy.bill_missing_business_days:
        at = calendar.business_days_after(facts.created_at, n, policy.customer_time)
        yield make_due(K.BILL_MISSING, at, f"{base}:{n}", facts.sid, calendar, {"business_days": n})


def _aging(
    facts: RequestFacts, policy: ReminderPolicy, calendar: BusinessCalendar
) -> Iterator[Due]:
    if facts.status not in _BEFORE_SUBMISSION:
        return
    documents = []
    if facts.has_bill and facts.bill_issued_on is not None:
        documents.append(("bill", facts.bill_issued_on, f"{facts.bill_issued_on:%Y%m%d}"))
    if facts.status in _LOA_ON_FILE and facts.signed_at is not None:
        signed = facts.signed_at
        documents.append(("loa", calendar.local_date(signed), stamp(signed)))
    for document, dated, tag in documents:
        turns = dated + timedelta(days=policy.document_aging_days)
        too_old = dated + timedelta(days=policy.document_max_age_days)
        yield make_due(
            K.DOCUMENT_AGING,
            calendar.at_local(turns, policy.customer_time),
            f"{facts.sid}:{K.DOCUMENT_AGING}:{document}:{tag}",
            facts.sid,
            calendar,
            {
                "document": document,
                "dated": dated.isoformat(),
                "age_days": policy.document_aging_days,
                "last_valid_day": too_old.isoformat(),
            },
            expires_at=start_of_day(too_old + timedelta(days=1), calendar),
            topic=document,
        )


# --- in flight ---------------------------------------------------------------------------------


def _foc_announced(facts: RequestFacts) -> datetime:
    return facts.foc_set_at or facts.status_since


def _port_starts(facts: RequestFacts, calendar: BusinessCalendar) -> datetime:
    """The window start, or the start of contact hours on the FOC date when no window is known."""
    assert facts.foc_date is not None
    if facts.foc_window_start is not None:
        return facts.foc_window_start
    return calendar.at_local(facts.foc_date, calendar.day_start)


def _announced_at(facts: RequestFacts, calendar: BusinessCalendar) -> datetime | None:
    """When the customer hears of the FOC (``foc-confirmed`` due time), or None without FOC."""
    if facts.status is not S.FOC_CONFIRMED or facts.foc_date is None:
        return None
    return calendar.next_contact_time(_foc_announced(facts))


def _after_announcement(due: Due, announced: datetime | None, calendar: BusinessCalendar) -> bool:
    """Countdowns landing on or before the announcement's local day are left out."""
    if announced is None:
        return True
    return calendar.local_date(due.due_at) > calendar.local_date(announced)


def _keep_active(
    facts: RequestFacts, policy: ReminderPolicy, calendar: BusinessCalendar
) -> Iterator[Due]:
    """Keep your service active once per stage: while ``submitted``, this reminder at
    submission; once the FOC is confirmed, the announcement carries it (see :func:`_foc`)."""
    submitted = facts.submitted_at
    if facts.status is not S.SUBMITTED or submitted is None:
        return
    yield make_due(
        K.KEEP_ACTIVE,
        submitted,
        f"{facts.sid}:{K.KEEP_ACTIVE}:{stamp(submitted)}:submitted",
        facts.sid,
        calendar,
        {"stage": "submitted", ADVICE: True},
    )


def _foc(facts: RequestFacts, policy: ReminderPolicy, calendar: BusinessCalendar) -> Iterator[Due]:
    announced = _announced_at(facts, calendar)
    foc = facts.foc_date
    if announced is None or foc is None:
        return
    sid, day = facts.sid, f"{foc:%Y%m%d}"
    starts = _port_starts(facts, calendar)
    window_end = facts.foc_window_end
    deadline = cancellation_deadline(foc, calendar)  # the cut-off check_cancel enforces
    common: dict[str, JSONValue] = {
        "foc_date": foc.isoformat(),
        "window_start": iso(facts.foc_window_start) if facts.foc_window_start else None,
        "window_end": iso(window_end) if window_end else None,
        "cancel_by": deadline.isoformat(),
    }
    window_tag = day + "".join(f"-{stamp(t)}" for t in (facts.foc_window_start, window_end) if t)
    # The stage's first announcement carries "keep your service active"; a moved date is
    # announced without repeating it (the advice names no date, so it still holds).
    first = facts.foc_set_at is None or facts.foc_set_at <= facts.status_since
    yield make_due(
        K.FOC_CONFIRMED,
        _foc_announced(facts),
        f"{sid}:{K.FOC_CONFIRMED}:{window_tag}",
        sid,
        calendar,
        {**common, ADVICE: True} if first else common,
        expires_at=starts,
    )
    countdowns = []
    for n in policy.foc_approaching_business_days:
        countdowns.append(
            make_due(
                K.FOC_APPROACHING,
                calendar.at_local(calendar.add_business_days(foc, -n), policy.customer_time),
                f"{sid}:{K.FOC_APPROACHING}:{day}:{n}",
                sid,
                calendar,
                {**common, "stage": "business-days-before", "business_days": n},
                expires_at=starts,
            )
        )
    notice_day = calendar.add_business_days(deadline, -policy.cutoff_notice_business_days)
    countdowns.append(
        make_due(
            K.CANCELLATION_CUTOFF,
            calendar.at_local(notice_day, policy.customer_time),
            f"{sid}:{K.CANCELLATION_CUTOFF}:{day}",
            sid,
            calendar,
            common,
            expires_at=start_of_day(deadline + timedelta(days=1), calendar),
        )
    )
    yield from (d for d in countdowns if _after_announcement(d, announced, calendar))
    port_over = window_end or start_of_day(foc + timedelta(days=1), calendar)
    at_start = make_due(
        K.FOC_APPROACHING,
        starts,
        f"{sid}:{K.FOC_APPROACHING}:{day}:start-{stamp(starts)}",
        sid,
        calendar,
        {**common, "stage": "window-start"},
        expires_at=port_over,
    )
    if at_start.due_at >= announced:
        yield at_start


def _post_port(facts: RequestFacts, calendar: BusinessCalendar) -> Iterator[Due]:
    if facts.status is not S.COMPLETED:
        return
    completed = facts.completed_at or facts.status_since
    after = max(t for t in (completed, facts.foc_window_end) if t is not None)
    tag = f"{facts.foc_date:%Y%m%d}" if facts.foc_date else stamp(completed)
    yield make_due(
        K.POST_PORT_CHECK,
        after,
        f"{facts.sid}:{K.POST_PORT_CHECK}:{tag}",
        facts.sid,
        calendar,
        {"foc_date": facts.foc_date.isoformat() if facts.foc_date else None},
    )


def _stale(
    facts: RequestFacts, policy: ReminderPolicy, calendar: BusinessCalendar
) -> Iterator[Due]:
    limits = {
        S.IN_REVIEW: policy.stale_in_review_business_days,
        S.SUBMITTED: policy.stale_submitted_business_days,
    }
    n = limits.get(facts.status)
    if n is None:
        return
    if facts.status is S.SUBMITTED and facts.foc_due_business_days is not None:
        n = facts.foc_due_business_days  # the country table's figure for this request
    since = facts.status_since
    yield make_due(
        K.STALE_REQUEST,
        calendar.business_days_after(since, n),
        f"{facts.sid}:{K.STALE_REQUEST}:{facts.status}:{stamp(since)}",
        facts.sid,
        calendar,
        {"status": facts.status.value, "business_days": n, "since": iso(since)},
    )
