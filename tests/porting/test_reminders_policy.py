"""The reminder policy (PRODUCT §3, §4): which reminders exist, when, with which keys."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.porting import rules
from bot.porting.calendar import BusinessCalendar, cancellation_deadline
from bot.porting.intake import MAX_DOCUMENT_AGE_DAYS
from bot.porting.reminders import (
    ADVICE,
    Audience,
    Destination,
    Due,
    PortOutFacts,
    ReminderKind,
    ReminderPolicy,
    RequestFacts,
    WindowFacts,
    catch_up,
    destinations,
    digest_due,
    port_out_deadline,
    port_out_reminders,
    reminders_for,
    window_reminders,
)
from storage.values import PortOutStatus, RequestStatus, WindowStatus

NY = ZoneInfo("America/New_York")
CAL = BusinessCalendar(country="US", timezone="America/New_York")
POLICY = ReminderPolicy()
SID = "PR" + "0123456789abcdef" * 2
K = ReminderKind
S = RequestStatus


def ny(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """An aware New York wall time (first occurrence when ambiguous)."""
    return datetime(y, mo, d, h, mi, tzinfo=NY)


def local(instant: datetime) -> datetime:
    """``instant`` as a naive New York wall time, for readable assertions."""
    return instant.astimezone(NY).replace(tzinfo=None)


def wall(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi)


def facts(status: S, **kw: object) -> RequestFacts:
    base: dict[str, object] = {
        "sid": SID,
        "status": status,
        "created_at": ny(2026, 10, 29, 16),
        "status_since": ny(2026, 10, 29, 16),
    }
    base.update(kw)
    return RequestFacts(**base)  # type: ignore[arg-type]


def plan(f: RequestFacts, policy: ReminderPolicy = POLICY) -> list[tuple[str, datetime, str]]:
    """(kind, local due time, key suffix after the sid) of every reminder, in time order."""
    return [(d.kind.value, local(d.due_at), d.key.removeprefix(SID + ":")) for d in _due(f, policy)]


def _due(f: RequestFacts, policy: ReminderPolicy = POLICY) -> list[Due]:
    return reminders_for(f, policy, CAL)


def of_kind(items: list[Due], kind: K) -> list[Due]:
    return [d for d in items if d.kind is kind]


# --- the whole journey: weekend, DST fall-back (Nov 1), Veterans Day, Thanksgiving ----------------

CREATED = ny(2026, 10, 29, 16)  # Thursday, EDT
LOA_SENT = ny(2026, 10, 30, 19, 30)  # Friday evening, EDT (after contact hours)
SIGNED = ny(2026, 11, 9, 11)  # Monday, EST
SUBMITTED = ny(2026, 11, 12, 14)  # Thursday
FOC_SET = ny(2026, 11, 23, 20, 30)  # Monday evening, after contact hours
FOC = date(2026, 12, 1)  # Tuesday after Thanksgiving week
WINDOW = (ny(2026, 12, 1, 9), ny(2026, 12, 1, 13))
COMPLETED = ny(2026, 12, 1, 12)


def test_journey_draft_without_bill() -> None:
    f = facts(S.DRAFT, created_at=CREATED, status_since=CREATED)
    assert plan(f) == [
        ("bill-missing", wall(2026, 10, 30, 10), "bill-missing:20261029200000:1"),
        # three business days later crosses the weekend and the DST change: still 10:00 local
        ("bill-missing", wall(2026, 11, 3, 10), "bill-missing:20261029200000:3"),
        # 30 calendar days later, same wall time (EST now): 21:00 UTC instead of 20:00
        ("request-expiry", wall(2026, 11, 28, 16), "request-expiry:draft:20261029200000"),
    ]
    expiry = of_kind(_due(f), K.REQUEST_EXPIRY)[0]
    assert expiry.due_at == datetime(2026, 11, 28, 21, tzinfo=UTC)
    assert expiry.audience is Audience.SYSTEM
    assert [d.due_at.utcoffset() for d in _due(f)] == [timedelta(0)] * 3


def test_journey_awaiting_signature() -> None:
    f = facts(
        S.AWAITING_SIGNATURE,
        created_at=CREATED,
        status_since=LOA_SENT,
        loa_sent_at=LOA_SENT,
        has_bill=True,
        bill_issued_on=date(2026, 10, 20),
    )
    sent = "20261030233000"
    assert plan(f) == [
        ("loa-unsigned", wall(2026, 11, 2, 10), f"loa-unsigned:{sent}:1"),
        ("loa-unsigned", wall(2026, 11, 4, 10), f"loa-unsigned:{sent}:3"),
        ("loa-unsigned", wall(2026, 11, 6, 10), f"loa-unsigned:{sent}:5"),
        # agents: 7 business days, same wall time as the sending, not moved into contact hours
        ("loa-unsigned-agents", wall(2026, 11, 10, 19, 30), f"loa-unsigned-agents:{sent}:7"),
        # the bill turns 25 days old on Saturday Nov 14: moved to Monday's start of contact hours
        ("document-aging", wall(2026, 11, 16, 9), "document-aging:bill:20261020"),
        ("request-expiry", wall(2026, 11, 29, 19, 30), f"request-expiry:awaiting_signature:{sent}"),
    ]
    first = of_kind(_due(f), K.LOA_UNSIGNED)[0]
    assert first.due_at == datetime(2026, 11, 2, 15, tzinfo=UTC)  # EST after the fall-back
    assert first.audience is Audience.CUSTOMER
    assert first.data == {"business_days": 1, "loa_sent_at": "2026-10-30T23:30:00+00:00"}
    aging = of_kind(_due(f), K.DOCUMENT_AGING)[0]
    assert aging.data["last_valid_day"] == "2026-11-19"
    assert local(aging.expires_at) == wall(2026, 11, 20)  # type: ignore[arg-type]


def test_journey_in_review_after_signing() -> None:
    f = facts(
        S.IN_REVIEW,
        created_at=CREATED,
        status_since=SIGNED,
        loa_sent_at=LOA_SENT,
        signed_at=SIGNED,
        has_bill=True,
        bill_issued_on=date(2026, 10, 20),
    )
    assert plan(f) == [
        # 2 business days: Tue Nov 10, (Veterans Day Nov 11 skipped), Thu Nov 12, same wall time
        ("stale-request", wall(2026, 11, 12, 11), "stale-request:in_review:20261109160000"),
        ("document-aging", wall(2026, 11, 16, 9), "document-aging:bill:20261020"),
        ("document-aging", wall(2026, 12, 4, 10), "document-aging:loa:20261109160000"),
    ]
    assert not {K.LOA_UNSIGNED, K.LOA_UNSIGNED_AGENTS, K.REQUEST_EXPIRY} & {d.kind for d in _due(f)}


def test_journey_submitted() -> None:
    f = facts(
        S.SUBMITTED,
        created_at=CREATED,
        status_since=SUBMITTED,
        loa_sent_at=LOA_SENT,
        signed_at=SIGNED,
        submitted_at=SUBMITTED,
        has_bill=True,
        bill_issued_on=date(2026, 10, 20),
    )
    items = plan(f)
    sub = "20261112190000"
    assert items == [
        # "keep your service active" once in this stage: at submission, never weekly
        ("keep-active", wall(2026, 11, 12, 14), f"keep-active:{sub}:submitted"),
        # 7 business days without an FOC: Nov 13, 16, 17, 18, 19, 20, 23
        ("stale-request", wall(2026, 11, 23, 14), f"stale-request:submitted:{sub}"),
    ]
    assert of_kind(_due(f), K.KEEP_ACTIVE)[0].data == {"stage": "submitted", ADVICE: True}
    assert not of_kind(_due(f), K.DOCUMENT_AGING)  # documents no longer age after submission


def foc_facts(**kw: object) -> RequestFacts:
    base: dict[str, object] = {
        "created_at": CREATED,
        "status_since": FOC_SET,
        "loa_sent_at": LOA_SENT,
        "signed_at": SIGNED,
        "submitted_at": SUBMITTED,
        "foc_date": FOC,
        "foc_window_start": WINDOW[0],
        "foc_window_end": WINDOW[1],
        "foc_set_at": FOC_SET,
        "has_bill": True,
        "bill_issued_on": date(2026, 10, 20),
    }
    base.update(kw)
    status = base.pop("status", S.FOC_CONFIRMED)
    return facts(status, **base)  # type: ignore[arg-type]


def test_journey_foc_confirmed_over_thanksgiving() -> None:
    assert plan(foc_facts()) == [
        # no keep-active in this stage: the announcement carries the advice
        # recorded Monday 20:30: announced at Tuesday's start of contact hours
        (
            "foc-confirmed",
            wall(2026, 11, 24, 9),
            "foc-confirmed:20261201-20261201140000-20261201180000",
        ),
        # last day to cancel: Fri Nov 27 (Thanksgiving skipped), notice the business day before
        ("cancellation-cutoff", wall(2026, 11, 25, 10), "cancellation-cutoff:20261201"),
        ("foc-approaching", wall(2026, 11, 25, 10), "foc-approaching:20261201:3"),
        ("foc-approaching", wall(2026, 11, 30, 10), "foc-approaching:20261201:1"),
        ("foc-approaching", wall(2026, 12, 1, 9), "foc-approaching:20261201:start-20261201140000"),
    ]
    items = _due(foc_facts())
    confirmed = of_kind(items, K.FOC_CONFIRMED)[0]
    assert confirmed.data == {
        "foc_date": "2026-12-01",
        "window_start": "2026-12-01T14:00:00+00:00",
        "window_end": "2026-12-01T18:00:00+00:00",
        "cancel_by": "2026-11-27",
        ADVICE: True,  # the stage's first announcement says "keep your service active"
    }
    assert not any(ADVICE in d.data for d in items if d is not confirmed)
    start = of_kind(items, K.FOC_APPROACHING)[-1]
    assert start.data["stage"] == "window-start"
    assert start.expires_at == WINDOW[1]
    assert not of_kind(items, K.STALE_REQUEST)


def test_journey_completed_only_post_port_check() -> None:
    f = foc_facts(status=S.COMPLETED, status_since=COMPLETED, completed_at=COMPLETED)
    assert plan(f) == [
        # after the FOC window (13:00), not at completion (12:00)
        ("post-port-check", wall(2026, 12, 1, 13), "post-port-check:20261201"),
    ]


def test_post_port_check_late_completion_moves_into_contact_hours() -> None:
    late = ny(2026, 12, 4, 19)  # Friday evening
    f = foc_facts(status=S.COMPLETED, status_since=late, completed_at=late)
    assert [(k, t) for k, t, _ in plan(f)] == [("post-port-check", wall(2026, 12, 7, 9))]


# --- DST spring forward ---------------------------------------------------------------------------


def test_spring_forward_keeps_local_wall_times() -> None:
    sent = ny(2026, 3, 6, 10)  # Friday, EST (15:00 UTC); clocks spring forward Sunday Mar 8
    f = facts(S.AWAITING_SIGNATURE, created_at=sent, status_since=sent, loa_sent_at=sent)
    items = _due(f)
    loa = of_kind(items, K.LOA_UNSIGNED)
    assert [local(d.due_at) for d in loa] == [
        wall(2026, 3, 9, 10),
        wall(2026, 3, 11, 10),
        wall(2026, 3, 13, 10),
    ]
    assert loa[0].due_at == datetime(2026, 3, 9, 14, tzinfo=UTC)  # EDT now
    agents = of_kind(items, K.LOA_UNSIGNED_AGENTS)[0]
    assert agents.due_at == datetime(2026, 3, 17, 14, tzinfo=UTC)  # 10:00 EDT
    expiry = of_kind(items, K.REQUEST_EXPIRY)[0]
    assert local(expiry.due_at) == wall(2026, 4, 5, 10)


def test_customer_time_inside_a_dst_gap_still_lands_in_contact_hours() -> None:
    policy = ReminderPolicy(customer_time=time(2, 30))  # 02:30 does not exist on Mar 8 2026
    sent = ny(2026, 3, 5, 10)  # Thursday; 1 business day later is Friday, 3 is Tuesday
    f = facts(S.AWAITING_SIGNATURE, created_at=sent, status_since=sent, loa_sent_at=sent)
    assert [local(d.due_at) for d in of_kind(reminders_for(f, policy, CAL), K.LOA_UNSIGNED)] == [
        wall(2026, 3, 6, 9),
        wall(2026, 3, 10, 9),
        wall(2026, 3, 12, 9),
    ]


# --- reasons that go away -------------------------------------------------------------------------


def test_signed_loa_means_no_loa_reminders() -> None:
    signed = facts(S.IN_REVIEW, loa_sent_at=LOA_SENT, signed_at=SIGNED, status_since=SIGNED)
    assert not {d.kind for d in _due(signed)} & {K.LOA_UNSIGNED, K.LOA_UNSIGNED_AGENTS}
    # even a status that has not caught up yet: the signature is newer than the sending
    lagging = facts(S.AWAITING_SIGNATURE, loa_sent_at=LOA_SENT, signed_at=SIGNED, has_bill=True)
    assert not {d.kind for d in _due(lagging)} & {K.LOA_UNSIGNED, K.LOA_UNSIGNED_AGENTS}


def test_resent_loa_after_an_amendment_gives_new_keys() -> None:
    resent = ny(2026, 11, 16, 12)
    before = facts(S.AWAITING_SIGNATURE, loa_sent_at=LOA_SENT, has_bill=True)
    after = facts(
        S.AWAITING_SIGNATURE, loa_sent_at=resent, signed_at=SIGNED, has_bill=True
    )  # the old signature predates the new LOA
    keys_before = {d.key for d in of_kind(_due(before), K.LOA_UNSIGNED)}
    keys_after = {d.key for d in of_kind(_due(after), K.LOA_UNSIGNED)}
    assert len(keys_after) == 3
    assert not keys_before & keys_after
    assert {local(d.due_at).date() for d in of_kind(_due(after), K.LOA_UNSIGNED)} == {
        date(2026, 11, 17),
        date(2026, 11, 19),
        date(2026, 11, 23),
    }
    assert not of_kind(_due(after), K.DOCUMENT_AGING) or all(
        d.topic == "bill" for d in of_kind(_due(after), K.DOCUMENT_AGING)
    )


def test_bill_present_means_no_bill_reminders() -> None:
    assert of_kind(_due(facts(S.DRAFT)), K.BILL_MISSING)
    assert not of_kind(_due(facts(S.DRAFT, has_bill=True)), K.BILL_MISSING)


def test_bill_uploaded_later_is_still_chased_before_submission() -> None:
    # "upload later": the request moved on without a bill; reminders count from the draft
    f = facts(S.IN_REVIEW, status_since=SIGNED, signed_at=SIGNED, loa_sent_at=LOA_SENT)
    assert [local(d.due_at) for d in of_kind(_due(f), K.BILL_MISSING)] == [
        wall(2026, 10, 30, 10),
        wall(2026, 11, 3, 10),
    ]
    submitted = facts(S.SUBMITTED, submitted_at=SUBMITTED, status_since=SUBMITTED)
    assert not of_kind(_due(submitted), K.BILL_MISSING)


@pytest.mark.parametrize("status", [S.CANCEL_PENDING, S.CANCELLED, S.EXPIRED])
def test_cancelled_expired_or_cancelling_requests_have_no_reminders(status: S) -> None:
    f = foc_facts(status=status)
    assert _due(f) == []


def test_bill_turning_old_before_submission_but_not_after() -> None:
    f = facts(S.ACTION_REQUIRED, has_bill=True, bill_issued_on=date(2026, 11, 2))
    [aging] = of_kind(_due(f), K.DOCUMENT_AGING)
    assert local(aging.due_at) == wall(2026, 11, 27, 10)  # Nov 27 (day after Thanksgiving)
    assert aging.data == {
        "document": "bill",
        "dated": "2026-11-02",
        "age_days": 25,
        "last_valid_day": "2026-12-02",
    }


# --- quiet hours ----------------------------------------------------------------------------------


def test_customer_reminders_respect_contact_hours_agent_alerts_do_not() -> None:
    sent = ny(2026, 11, 13, 22, 15)  # Friday night
    f = facts(S.AWAITING_SIGNATURE, loa_sent_at=sent, status_since=sent, has_bill=True)
    items = _due(f)
    for d in items:
        if d.audience is Audience.CUSTOMER:
            assert CAL.within_contact_hours(d.due_at), d
    agents = of_kind(items, K.LOA_UNSIGNED_AGENTS)[0]
    assert local(agents.due_at) == wall(2026, 11, 24, 22, 15)  # 22:15, outside contact hours
    assert not CAL.within_contact_hours(agents.due_at)


def test_customer_time_outside_hours_is_moved() -> None:
    early = ReminderPolicy(customer_time=time(7, 0))
    late = ReminderPolicy(customer_time=time(19, 0))
    f = facts(S.DRAFT)  # created Thursday Oct 29
    assert [local(d.due_at) for d in of_kind(reminders_for(f, early, CAL), K.BILL_MISSING)] == [
        wall(2026, 10, 30, 9),
        wall(2026, 11, 3, 9),
    ]
    assert [local(d.due_at) for d in of_kind(reminders_for(f, late, CAL), K.BILL_MISSING)] == [
        wall(2026, 11, 2, 9),  # Friday 19:00 -> Monday 09:00
        wall(2026, 11, 4, 9),
    ]


def test_submission_on_a_weekend_is_acknowledged_on_monday() -> None:
    sat = ny(2026, 11, 14, 11)
    f = facts(S.SUBMITTED, submitted_at=sat, status_since=sat)
    first = of_kind(_due(f), K.KEEP_ACTIVE)[0]
    assert local(first.due_at) == wall(2026, 11, 16, 9)
    stale = of_kind(_due(f), K.STALE_REQUEST)[0]
    # 7 business days from a Saturday: Mon 16 .. Tue 24, same wall time, Thanksgiving not reached
    assert local(stale.due_at) == wall(2026, 11, 24, 11)


def test_other_calendar_time_zone_and_hours() -> None:
    cal = BusinessCalendar(
        country="GB", timezone="Europe/London", day_start=time(8), day_end=time(17)
    )
    sent = datetime(2026, 12, 24, 16, tzinfo=ZoneInfo("Europe/London"))  # Christmas Eve
    f = facts(S.AWAITING_SIGNATURE, loa_sent_at=sent, status_since=sent, has_bill=True)
    loa = of_kind(reminders_for(f, POLICY, cal), K.LOA_UNSIGNED)
    london = ZoneInfo("Europe/London")
    # Dec 25, 26 (Sat), 28 (Boxing Day observed) are not business days in England
    assert [d.due_at.astimezone(london).replace(tzinfo=None) for d in loa] == [
        wall(2026, 12, 29, 10),
        wall(2026, 12, 31, 10),
        wall(2027, 1, 5, 10),  # Jan 1 holiday
    ]


# --- keys -----------------------------------------------------------------------------------------


def test_keys_are_stable_and_unique() -> None:
    f = foc_facts()
    first, second = _due(f), _due(dataclasses.replace(f))
    assert first == second
    assert [d.key for d in first] == [d.key for d in second]
    assert len({d.key for d in first}) == len(first)
    assert all(d.key.startswith(SID + ":") and len(d.key) <= 200 for d in first)
    assert all(d.subject == SID for d in first)


def test_moving_the_foc_changes_foc_keys_only() -> None:
    old = {d.key: d for d in _due(foc_facts())}
    moved = foc_facts(
        foc_date=date(2026, 12, 3),
        foc_window_start=ny(2026, 12, 3, 9),
        foc_window_end=ny(2026, 12, 3, 13),
        foc_set_at=ny(2026, 11, 24, 15),
    )
    new = {d.key: d for d in _due(moved)}
    assert not old.keys() & new.keys()
    for key in new:
        assert "20261203" in key
    assert {d.kind for d in new.values()} == {
        K.FOC_CONFIRMED,
        K.FOC_APPROACHING,
        K.CANCELLATION_CUTOFF,
    }
    # a moved date is announced without repeating "keep your service active" in this stage
    (announced,) = of_kind(list(new.values()), K.FOC_CONFIRMED)
    assert ADVICE not in announced.data


def test_moving_only_the_window_renews_window_bound_reminders() -> None:
    old = {d.key for d in _due(foc_facts())}
    later = foc_facts(foc_window_start=ny(2026, 12, 1, 14), foc_window_end=ny(2026, 12, 1, 17))
    new = {d.key for d in _due(later)}
    changed = {k.removeprefix(SID + ":") for k in new - old}
    assert changed == {
        "foc-confirmed:20261201-20261201190000-20261201220000",
        "foc-approaching:20261201:start-20261201190000",
    }


def test_same_instant_in_another_zone_gives_the_same_keys() -> None:
    f = foc_facts()
    in_utc = dataclasses.replace(
        f,
        **{
            name: getattr(f, name).astimezone(UTC)
            for name in ("created_at", "status_since", "loa_sent_at", "submitted_at", "foc_set_at")
        },
    )
    assert [d.key for d in _due(f)] == [d.key for d in _due(in_utc)]


def test_data_is_plain_json() -> None:
    everything = [
        *_due(foc_facts()),
        *_due(facts(S.AWAITING_SIGNATURE, loa_sent_at=LOA_SENT, bill_issued_on=date(2026, 10, 1))),
        *window_reminders(window(), POLICY, CAL),
        *port_out_reminders(port_out(), POLICY, CAL),
    ]
    for d in everything:
        assert json.loads(json.dumps(d.data)) == d.data


# --- FOC recorded late ----------------------------------------------------------------------------


def test_foc_recorded_late_skips_countdowns_it_already_announces() -> None:
    set_at = ny(2026, 11, 25, 11)  # Wednesday: 3 business days before Dec 1, after 10:00
    items = _due(foc_facts(foc_set_at=set_at, status_since=set_at))
    assert [(d.kind.value, local(d.due_at)) for d in items if d.due_at >= set_at] == [
        ("foc-confirmed", wall(2026, 11, 25, 11)),
        ("foc-approaching", wall(2026, 11, 30, 10)),
        ("foc-approaching", wall(2026, 12, 1, 9)),
    ]
    assert not of_kind(items, K.CANCELLATION_CUTOFF)  # carried by the announcement's cancel_by


def test_foc_set_at_falls_back_to_status_since() -> None:
    f = foc_facts(foc_set_at=None, status_since=ny(2026, 11, 24, 15))
    assert local(of_kind(_due(f), K.FOC_CONFIRMED)[0].due_at) == wall(2026, 11, 24, 15)


def test_foc_without_a_window_counts_from_the_start_of_the_day() -> None:
    f = foc_facts(foc_window_start=None, foc_window_end=None)
    start = of_kind(_due(f), K.FOC_APPROACHING)[-1]
    assert local(start.due_at) == wall(2026, 12, 1, 9)
    assert local(start.expires_at) == wall(2026, 12, 2)  # type: ignore[arg-type]
    assert start.key == f"{SID}:foc-approaching:20261201:start-20261201140000"


@pytest.mark.parametrize(
    "foc",
    [
        date(2026, 12, 2),  # Wednesday -> deadline Monday -> notice Friday (after Thanksgiving)
        date(2026, 11, 30),  # Monday -> deadline Wed Nov 25 -> notice Tue Nov 24
        date(2026, 11, 27),  # Friday after Thanksgiving -> deadline Tue 24 -> notice Mon 23
        date(2026, 11, 12),  # day after Veterans Day -> deadline Mon 9 -> notice Fri 6
        date(2027, 1, 4),  # Monday after New Year -> deadline Wed Dec 30 -> notice Tue Dec 29
    ],
)
def test_cancellation_cutoff_on_the_business_day_before_the_deadline(foc: date) -> None:
    set_at = ny(2026, 10, 1, 12)
    f = foc_facts(
        foc_date=foc,
        foc_window_start=None,
        foc_window_end=None,
        foc_set_at=set_at,
        status_since=set_at,
    )
    [cutoff] = of_kind(_due(f), K.CANCELLATION_CUTOFF)
    deadline = cancellation_deadline(foc, CAL)
    notice_day = CAL.previous_business_day(deadline)
    assert local(cutoff.due_at) == datetime.combine(notice_day, time(10))
    assert cutoff.data["cancel_by"] == deadline.isoformat()
    assert local(cutoff.expires_at) == datetime.combine(  # type: ignore[arg-type]
        deadline + timedelta(days=1), time(0)
    )


def test_the_cut_off_notice_names_the_last_day_the_lifecycle_accepts_a_cancellation() -> None:
    """The day the notice tells is the enforced cut-off (no policy number can move it)."""
    from bot.porting.lifecycle import CUSTOMER, CutoffPassed, check_cancel

    foc = date(2026, 12, 1)
    f = foc_facts(foc_date=foc, foc_set_at=ny(2026, 11, 2, 12), status_since=ny(2026, 11, 2, 12))
    [cutoff] = of_kind(_due(f), K.CANCELLATION_CUTOFF)
    cancel_by = date.fromisoformat(str(cutoff.data["cancel_by"]))
    check_cancel(CUSTOMER, ny(cancel_by.year, cancel_by.month, cancel_by.day, 23), foc, CAL)
    day_after = cancel_by + timedelta(days=1)
    with pytest.raises(CutoffPassed):
        check_cancel(CUSTOMER, ny(day_after.year, day_after.month, day_after.day, 9), foc, CAL)


# --- stale requests -------------------------------------------------------------------------------


def test_stale_alerts_count_from_the_current_status() -> None:
    since = ny(2026, 11, 24, 23, 45)  # Tuesday night before Thanksgiving
    in_review = facts(S.IN_REVIEW, status_since=since)
    [stale] = of_kind(_due(in_review), K.STALE_REQUEST)
    assert local(stale.due_at) == wall(2026, 11, 27, 23, 45)  # Wed 25, (Thu 26), Fri 27
    assert stale.audience is Audience.AGENTS
    assert stale.data == {
        "status": "in_review",
        "business_days": 2,
        "since": "2026-11-25T04:45:00+00:00",
    }
    later = facts(S.IN_REVIEW, status_since=since + timedelta(hours=1))
    assert of_kind(_due(later), K.STALE_REQUEST)[0].key != stale.key
    assert not of_kind(_due(foc_facts()), K.STALE_REQUEST)
    assert not of_kind(_due(facts(S.ACTION_REQUIRED)), K.STALE_REQUEST)


# --- catch-up after downtime ----------------------------------------------------------------------


def test_catch_up_after_five_days_down_sends_one_per_kind_newest_only() -> None:
    sent = ny(2026, 11, 2, 10)  # Monday
    f = facts(S.AWAITING_SIGNATURE, created_at=sent, status_since=sent, loa_sent_at=sent)
    items = _due(f)
    now = ny(2026, 11, 9, 10, 30)  # down from Monday morning until the next Monday morning
    overdue = [d for d in items if d.due_at <= now]
    assert sorted(d.kind.value for d in overdue) == ["bill-missing"] * 2 + ["loa-unsigned"] * 3
    sent_now = catch_up(items, now)
    assert [(d.kind.value, d.key.rsplit(":", 1)[-1]) for d in sent_now] == [
        ("bill-missing", "3"),
        ("loa-unsigned", "5"),
    ]
    # later ones (the agents' alert on day 7) are not returned: they go out at their own time
    assert not of_kind(sent_now, K.LOA_UNSIGNED_AGENTS)
    agents = of_kind(items, K.LOA_UNSIGNED_AGENTS)[0]
    assert catch_up(items, agents.due_at)[-1] == agents


def test_catch_up_drops_outdated_foc_countdowns() -> None:
    items = _due(foc_facts())
    now = ny(2026, 12, 1, 9, 30)  # down since before Thanksgiving; the port window has begun
    sent_now = catch_up(items, now)
    assert [(d.kind.value, d.data.get("stage")) for d in sent_now] == [
        ("foc-approaching", "window-start"),
    ]
    # one business day before: "FOC in 3 business days" is replaced by "FOC in 1 business day"
    monday = catch_up(items, ny(2026, 11, 30, 10, 5))
    assert [(d.kind.value, d.data.get("business_days")) for d in monday] == [
        ("foc-confirmed", None),
        ("foc-approaching", 1),
    ]
    # the cut-off notice is void once the last day to cancel is over
    assert not of_kind(monday, K.CANCELLATION_CUTOFF)
    assert of_kind(catch_up(items, ny(2026, 11, 27, 17)), K.CANCELLATION_CUTOFF)


def test_catch_up_without_downtime_sends_everything_due() -> None:
    items = _due(foc_facts())
    for d in items:
        assert catch_up([d], d.due_at) == [d]


def test_catch_up_keeps_independent_topics_and_subjects_and_all_system_actions() -> None:
    other_sid = "PR" + "f" * 32
    f = facts(
        S.IN_REVIEW,
        has_bill=True,
        bill_issued_on=date(2026, 10, 1),
        signed_at=ny(2026, 10, 5, 12),
        status_since=ny(2026, 10, 5, 12),
    )
    g = dataclasses.replace(f, sid=other_sid)
    drafts = [
        facts(S.DRAFT, sid=f"PR{n:032x}", created_at=ny(2026, 9, 1 + n, 12)) for n in range(3)
    ]
    items = [*_due(f), *_due(g), *(d for x in drafts for d in _due(x))]
    now = ny(2026, 11, 1, 9)
    sent_now = catch_up(items, now)
    aging = [(d.subject, d.topic) for d in of_kind(sent_now, K.DOCUMENT_AGING)]
    # the bill's notice is void (its last valid day was Oct 31); the LOA's is not
    assert sorted(aging) == sorted([(SID, "loa"), (other_sid, "loa")])
    assert len(of_kind(sent_now, K.REQUEST_EXPIRY)) == 3
    assert len(of_kind(sent_now, K.STALE_REQUEST)) == 2
    two_topics = of_kind(catch_up(items, ny(2026, 10, 31, 9)), K.DOCUMENT_AGING)
    assert sorted((d.subject, d.topic) for d in two_topics) == sorted(
        [(SID, "bill"), (SID, "loa"), (other_sid, "bill"), (other_sid, "loa")]
    )


def test_catch_up_is_empty_when_nothing_is_overdue() -> None:
    assert catch_up(_due(foc_facts()), ny(2026, 11, 1)) == []
    assert catch_up([], ny(2026, 11, 1)) == []


# --- port-out windows -----------------------------------------------------------------------------


def window(**kw: object) -> WindowFacts:
    base: dict[str, object] = {
        "window_id": "PW" + "1" * 32,
        "status": WindowStatus.OPEN,
        "starts_at": ny(2026, 11, 2, 12),
        "ends_at": ny(2026, 11, 6, 12),
        "created_at": ny(2026, 10, 30, 15),
    }
    base.update(kw)
    return WindowFacts(**base)  # type: ignore[arg-type]


def stages(items: list[Due]) -> list[tuple[object, datetime]]:
    return [(d.data["stage"], local(d.due_at)) for d in items]


def test_window_opened_closing_closed() -> None:
    items = window_reminders(window(), POLICY, CAL)
    assert stages(items) == [
        ("opened", wall(2026, 11, 2, 12)),
        ("closing", wall(2026, 11, 5, 12)),
        ("closed", wall(2026, 11, 6, 12)),
    ]
    wid = "PW" + "1" * 32
    assert [d.key for d in items] == [
        f"{wid}:port-out-window:opened:20261102170000",
        f"{wid}:port-out-window:closing:20261106170000",
        f"{wid}:port-out-window:closed:20261106170000",
    ]
    assert {d.kind for d in items} == {K.PORT_OUT_WINDOW}
    assert all(d.audience is Audience.CUSTOMER and d.subject == wid for d in items)


def test_window_notices_respect_contact_hours_and_stay_before_the_close() -> None:
    w = window(starts_at=ny(2026, 11, 6, 20), ends_at=ny(2026, 11, 16, 8))  # Fri night..Mon 08:00
    assert stages(window_reminders(w, POLICY, CAL)) == [
        ("opened", wall(2026, 11, 9, 9)),
        # 24 h before is Sunday 08:00; Monday 09:00 would be after the close: Friday 10:00
        ("closing", wall(2026, 11, 13, 10)),
        ("closed", wall(2026, 11, 16, 9)),
    ]


def test_window_created_after_its_start_and_short_windows() -> None:
    started = window(starts_at=ny(2026, 11, 2, 9), created_at=ny(2026, 11, 2, 11))
    assert stages(window_reminders(started, POLICY, CAL))[0] == ("opened", wall(2026, 11, 2, 11))
    short = window(starts_at=ny(2026, 11, 3, 10), ends_at=ny(2026, 11, 3, 22))
    assert [s for s, _ in stages(window_reminders(short, POLICY, CAL))] == ["opened", "closed"]


def test_window_closed_or_cancelled() -> None:
    early = ny(2026, 11, 4, 15)
    closed = window(status=WindowStatus.CLOSED, closed_at=early)
    [notice] = window_reminders(closed, POLICY, CAL)
    assert (notice.data["stage"], local(notice.due_at)) == ("closed", wall(2026, 11, 4, 15))
    ended = window(status=WindowStatus.CLOSED)
    assert stages(window_reminders(ended, POLICY, CAL)) == [("closed", wall(2026, 11, 6, 12))]
    # the closed notice keeps its key whether it was scheduled while open or after closing
    open_keys = {d.key for d in window_reminders(window(), POLICY, CAL)}
    assert window_reminders(ended, POLICY, CAL)[0].key in open_keys
    assert window_reminders(window(status=WindowStatus.CANCELLED), POLICY, CAL) == []


def test_extending_a_window_renews_its_closing_reminders() -> None:
    old = {d.key for d in window_reminders(window(), POLICY, CAL)}
    new = {d.key for d in window_reminders(window(ends_at=ny(2026, 11, 20, 12)), POLICY, CAL)}
    assert len(old & new) == 1  # only "opened"


def test_catch_up_on_a_window_sends_only_the_latest_state() -> None:
    items = window_reminders(window(), POLICY, CAL)
    assert stages(catch_up(items, ny(2026, 11, 5, 18))) == [("closing", wall(2026, 11, 5, 12))]
    assert stages(catch_up(items, ny(2026, 11, 7, 9))) == [("closed", wall(2026, 11, 6, 12))]


# --- incoming port-outs ---------------------------------------------------------------------------


def port_out(**kw: object) -> PortOutFacts:
    base: dict[str, object] = {
        "port_out_id": "PO" + "2" * 32,
        "status": PortOutStatus.PENDING,
        "created_at": ny(2026, 11, 3, 11),
    }
    base.update(kw)
    return PortOutFacts(**base)  # type: ignore[arg-type]


def test_port_out_pending_on_arrival_and_at_half_time() -> None:
    items = port_out_reminders(port_out(), POLICY, CAL)
    assert [(d.kind.value, d.data.get("stage"), local(d.due_at)) for d in items] == [
        ("port-out-pending", "arrived", wall(2026, 11, 3, 11)),
        # half of Tue 11:00 -> Wed 11:00 is Tue 23:00: moved to Wed 09:00, still before the deadline
        ("port-out-pending", "half-time", wall(2026, 11, 4, 9)),
        ("port-out-deadline", None, wall(2026, 11, 4, 11)),
    ]
    pid = "PO" + "2" * 32
    assert [d.key for d in items] == [
        f"{pid}:port-out-pending:arrived:20261103160000",
        f"{pid}:port-out-pending:half-time:20261104160000",
        f"{pid}:port-out-deadline:20261104160000",
    ]
    assert items[2].audience is Audience.SYSTEM
    assert all(d.expires_at == items[2].due_at for d in items[:2])


def test_port_out_half_time_in_business_hours() -> None:
    arrived = ny(2026, 11, 9, 9)
    items = port_out_reminders(
        port_out(created_at=arrived, deadline_at=ny(2026, 11, 9, 17)), POLICY, CAL
    )
    assert [local(d.due_at) for d in items] == [
        wall(2026, 11, 9, 9),
        wall(2026, 11, 9, 13),
        wall(2026, 11, 9, 17),
    ]


def test_port_out_arriving_on_a_friday_night() -> None:
    items = port_out_reminders(port_out(created_at=ny(2026, 11, 6, 20)), POLICY, CAL)
    # deadline Monday 20:00; half-time (Sunday 08:00) would coincide with the arrival notice
    assert [(d.kind.value, local(d.due_at)) for d in items] == [
        ("port-out-pending", wall(2026, 11, 9, 9)),
        ("port-out-deadline", wall(2026, 11, 9, 20)),
    ]


def test_port_out_deadline_skips_thanksgiving() -> None:
    assert local(port_out_deadline(ny(2026, 11, 25, 15), POLICY, CAL)) == wall(2026, 11, 27, 15)
    longer = ReminderPolicy(port_out_deadline_business_days=3)
    assert local(port_out_deadline(ny(2026, 11, 25, 15), longer, CAL)) == wall(2026, 12, 1, 15)


@pytest.mark.parametrize(
    "status", [PortOutStatus.AUTHORIZED, PortOutStatus.REJECTED, PortOutStatus.PORTED]
)
def test_decided_port_outs_have_no_reminders(status: PortOutStatus) -> None:
    assert port_out_reminders(port_out(status=status), POLICY, CAL) == []


def test_moving_a_port_out_deadline_renews_its_reminders() -> None:
    a = {d.key for d in port_out_reminders(port_out(), POLICY, CAL)}
    b = {d.key for d in port_out_reminders(port_out(deadline_at=ny(2026, 11, 5, 11)), POLICY, CAL)}
    assert a & b == {f"{'PO' + '2' * 32}:port-out-pending:arrived:20261103160000"}


# --- the daily digest -----------------------------------------------------------------------------


def test_digest_on_business_days_at_nine_local() -> None:
    friday = digest_due(date(2026, 10, 30), POLICY, CAL)
    monday = digest_due(date(2026, 11, 2), POLICY, CAL)
    assert friday is not None and monday is not None
    assert friday.due_at == datetime(2026, 10, 30, 13, tzinfo=UTC)  # EDT
    assert monday.due_at == datetime(2026, 11, 2, 14, tzinfo=UTC)  # EST
    assert (monday.kind, monday.audience, monday.key) == (
        K.DAILY_DIGEST,
        Audience.AGENTS,
        "digest:20261102",
    )
    assert monday.data == {"day": "2026-11-02"}
    for day in (date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 26), date(2026, 11, 11)):
        assert digest_due(day, POLICY, CAL) is None


def test_catch_up_sends_only_todays_digest() -> None:
    days = [date(2026, 11, 23) + timedelta(days=n) for n in range(5)]
    digests = [d for day in days if (d := digest_due(day, POLICY, CAL)) is not None]
    assert len(digests) == 4  # Thanksgiving has none
    [today] = catch_up(digests, ny(2026, 11, 25, 9, 5))
    assert today.key == "digest:20261125"
    assert catch_up(digests, ny(2026, 11, 26, 12)) == []  # yesterday's is void


# --- policy and facts validation ------------------------------------------------------------------


def test_policy_defaults_match_the_product_brief() -> None:
    p = ReminderPolicy()
    assert p.loa_unsigned_business_days == (1, 3, 5)
    assert p.loa_agent_alert_business_days == 7
    assert p.expiry_days == 30
    assert p.bill_missing_business_days == (1, 3)
    assert p.document_aging_days == 25
    assert p.document_max_age_days == MAX_DOCUMENT_AGE_DAYS
    assert p.foc_approaching_business_days == (3, 1)
    assert p.stale_in_review_business_days == 2
    assert p.stale_submitted_business_days == 7
    assert p.digest_time == time(9)
    assert p.window_closing_notice == timedelta(hours=24)
    assert p.port_out_deadline_business_days == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.expiry_days = 3  # type: ignore[misc]


def test_policy_numbers_that_are_porting_rules_are_the_rules() -> None:
    """The lifecycle's cut-off, intake's document age and the expiry are written once
    (``bot.porting.rules``); the reminders and their words take them from there."""
    p = ReminderPolicy()
    assert not hasattr(p, "cancellation_notice_business_days")  # the cut-off is no setting
    assert p.document_max_age_days == rules.DOCUMENT_MAX_AGE_DAYS
    assert p.document_aging_days == rules.DOCUMENT_AGING_NOTICE_DAYS
    assert p.expiry_days == rules.EXPIRY_DAYS
    assert p.digest_ahead_days == 6


def test_where_each_kind_of_reminder_goes() -> None:
    D = Destination
    assert destinations(K.LOA_UNSIGNED, rep_email=True) == (D.THREAD, D.REP, D.NOTE)
    assert destinations(K.LOA_UNSIGNED) == (D.THREAD, D.NOTE)
    assert destinations(K.FOC_APPROACHING, rep_email=True) == (D.THREAD, D.NOTE)
    assert destinations(K.STALE_REQUEST) == (D.AGENTS, D.NOTE)
    assert destinations(K.LOA_UNSIGNED_AGENTS) == (D.AGENTS, D.NOTE)
    assert destinations(K.DAILY_DIGEST) == (D.AGENTS,)
    assert destinations(K.PORT_OUT_WINDOW) == (D.CHANNEL,)
    assert destinations(K.PORT_OUT_PENDING) == (D.CHANNEL,)  # no port-out tickets yet
    assert destinations(K.PORT_OUT_DEADLINE) == (D.CHANNEL,)  # once the default applied
    assert destinations(K.REQUEST_EXPIRY) == ()  # an action; the request's own event tells
    assert all(D.REP not in destinations(k) for k in K)


@pytest.mark.parametrize(
    "kw",
    [
        {"loa_unsigned_business_days": (1, 0)},
        {"loa_unsigned_business_days": (2, 2)},
        {"expiry_days": -1},
        {"stale_in_review_business_days": True},
        {"customer_time": time(10, tzinfo=UTC)},
        {"document_aging_days": 30},
        {"window_closing_notice": timedelta(0)},
    ],
)
def test_policy_rejects_bad_settings(kw: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="ReminderPolicy"):
        ReminderPolicy(**kw)  # type: ignore[arg-type]


def test_policy_accepts_lists_and_custom_schedules() -> None:
    p = ReminderPolicy(loa_unsigned_business_days=[2], foc_approaching_business_days=[5, 2])  # type: ignore[arg-type]
    assert p.loa_unsigned_business_days == (2,)
    hash(p)
    loa = of_kind(
        reminders_for(facts(S.AWAITING_SIGNATURE, loa_sent_at=LOA_SENT), p, CAL), K.LOA_UNSIGNED
    )
    assert [(d.data["business_days"], local(d.due_at)) for d in loa] == [(2, wall(2026, 11, 3, 10))]
    early = ny(2026, 11, 16, 12)
    foc = of_kind(reminders_for(foc_facts(foc_set_at=early), p, CAL), K.FOC_APPROACHING)
    assert [d.data.get("business_days") for d in foc] == [5, 2, None]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match=r"RequestFacts\.loa_sent_at is a naive datetime"):
        facts(S.AWAITING_SIGNATURE, loa_sent_at=datetime(2026, 11, 2, 10))
    with pytest.raises(ValueError, match=r"WindowFacts\.ends_at"):
        window(ends_at=datetime(2026, 11, 6, 12))
    with pytest.raises(ValueError, match="ends_at must be after starts_at"):
        window(ends_at=ny(2026, 11, 1))
    with pytest.raises(ValueError, match=r"PortOutFacts\.created_at"):
        port_out(created_at=datetime(2026, 11, 3, 11))


def test_statuses_given_as_strings_are_coerced() -> None:
    assert facts("draft").status is S.DRAFT  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        facts("drafty")  # type: ignore[arg-type]


def test_every_kind_has_an_audience() -> None:
    assert {k.audience for k in ReminderKind} == set(Audience)
    assert all(len(k.value) <= 48 and k.value == k.value.lower() for k in ReminderKind)


# --- properties -----------------------------------------------------------------------------------

_instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@st.composite
def any_facts(draw: st.DrawFn) -> RequestFacts:
    created = draw(_instants)
    later = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60))
    loa_sent = created + draw(later)
    signed = loa_sent + draw(later)
    submitted = signed + draw(later)
    foc_set = submitted + draw(later)
    foc = CAL.local_date(foc_set) + timedelta(days=draw(st.integers(1, 40)))
    start = CAL.at_local(foc, time(draw(st.integers(0, 20))))
    end = start + timedelta(hours=draw(st.integers(1, 6)))
    has_window = draw(st.booleans())
    return RequestFacts(
        sid=SID,
        status=draw(st.sampled_from(list(RequestStatus))),
        created_at=created,
        status_since=created + draw(later),
        loa_sent_at=draw(st.none() | st.just(loa_sent)),
        signed_at=draw(st.none() | st.just(signed)),
        submitted_at=draw(st.none() | st.just(submitted)),
        foc_date=draw(st.none() | st.just(foc)),
        foc_window_start=start if has_window else None,
        foc_window_end=end if has_window else None,
        foc_set_at=draw(st.none() | st.just(foc_set)),
        has_bill=draw(st.booleans()),
        bill_issued_on=draw(st.none() | st.just(CAL.local_date(created) - timedelta(days=3))),
        completed_at=draw(st.none() | st.just(end + timedelta(hours=1))),
    )


@settings(max_examples=150, deadline=None)
@given(f=any_facts(), now=_instants)
def test_property_contact_hours_unique_keys_and_catch_up(f: RequestFacts, now: datetime) -> None:
    items = reminders_for(f, POLICY, CAL)
    assert len({d.key for d in items}) == len(items)
    assert items == sorted(items, key=lambda d: (d.due_at, d.key))
    assert items == reminders_for(f, POLICY, CAL)
    for d in items:
        assert d.due_at.tzinfo is UTC
        assert d.audience is d.kind.audience
        assert d.key.startswith(f"{SID}:{d.kind}:")
        if d.audience is Audience.CUSTOMER:
            assert CAL.within_contact_hours(d.due_at), d
    if f.status.final and f.status is not S.COMPLETED:
        assert items == []
    sent = catch_up(items, now)
    assert all(d in items and d.due_at <= now for d in sent)
    groups = [(d.subject, d.kind, d.topic) for d in sent if d.audience is not Audience.SYSTEM]
    assert len(groups) == len(set(groups))
    assert all(d.expires_at is None or d.expires_at > now for d in sent)


@settings(max_examples=100, deadline=None)
@given(
    start=_instants,
    hours=st.integers(1, 30 * 24),
    arrived=_instants,
    deadline_hours=st.integers(0, 96),
)
def test_property_port_out_notices_in_contact_hours_and_before_deadlines(
    start: datetime, hours: int, arrived: datetime, deadline_hours: int
) -> None:
    w = WindowFacts(
        "PW" + "3" * 32, WindowStatus.OPEN, start, start + timedelta(hours=hours), start
    )
    items = window_reminders(w, POLICY, CAL)
    assert all(CAL.within_contact_hours(d.due_at) for d in items)
    assert len({d.key for d in items}) == len(items)
    for d in items:
        if d.data["stage"] == "closing":
            assert d.due_at < w.ends_at
    po = PortOutFacts(
        "PO" + "4" * 32, PortOutStatus.PENDING, arrived, arrived + timedelta(hours=deadline_hours)
    )
    notices = port_out_reminders(po, POLICY, CAL)
    for d in notices:
        if d.data.get("stage") == "half-time":
            assert notices[0].due_at < d.due_at < po.deadline_at  # type: ignore[operator]
        if d.audience is Audience.CUSTOMER:
            assert CAL.within_contact_hours(d.due_at)
    assert len({d.key for d in notices}) == len(notices)
