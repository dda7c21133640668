"""Business calendar: holidays, business-day arithmetic, DST, contact hours, cut-offs."""

from __future__ import annotations

import dataclasses
import time as perf
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.porting.calendar import BusinessCalendar, cancellation_deadline, cancellation_open

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
LONDON = ZoneInfo("Europe/London")

US = BusinessCalendar()
US_LA = BusinessCalendar(timezone="America/Los_Angeles")
GB = BusinessCalendar(country="GB", timezone="Europe/London")
DE = BusinessCalendar(country="DE", timezone="Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- construction and validation -------------------------------------------------------------


def test_defaults() -> None:
    cal = BusinessCalendar()
    assert cal.country == "US"
    assert cal.subdivision is None
    assert cal.timezone == "America/New_York"
    assert cal.tz == NY
    assert (cal.day_start, cal.day_end) == (time(9), time(18))


def test_unknown_country_is_a_value_error_naming_the_code() -> None:
    with pytest.raises(ValueError, match="'XX'"):
        BusinessCalendar(country="XX")


def test_empty_country_rejected() -> None:
    with pytest.raises(ValueError, match="country"):
        BusinessCalendar(country="")


def test_country_code_is_normalised_to_upper_case() -> None:
    assert BusinessCalendar(country=" us ").country == "US"


def test_subdivision_is_validated_and_normalised() -> None:
    assert BusinessCalendar(subdivision="ca").subdivision == "CA"
    with pytest.raises(ValueError, match="'ZZ'"):
        BusinessCalendar(subdivision="ZZ")


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", "../etc/passwd", "EST+5 nonsense"])
def test_unknown_time_zone_is_a_value_error_naming_it(tz: str) -> None:
    with pytest.raises(ValueError, match="time zone") as excinfo:
        BusinessCalendar(timezone=tz)
    assert repr(tz) in str(excinfo.value)


def test_contact_hours_must_be_ordered_and_naive() -> None:
    with pytest.raises(ValueError, match="day_start"):
        BusinessCalendar(day_start=time(18), day_end=time(9))
    with pytest.raises(ValueError, match="day_start"):
        BusinessCalendar(day_start=time(9), day_end=time(9))
    with pytest.raises(ValueError, match="naive"):
        BusinessCalendar(day_start=time(9, tzinfo=UTC))


def test_calendar_is_frozen_hashable_and_compares_by_settings() -> None:
    a = BusinessCalendar()
    b = BusinessCalendar()
    a.is_business_day(date(2026, 11, 26))
    assert a == b
    assert hash(a) == hash(b)
    assert a != US_LA
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.country = "GB"  # type: ignore[misc]


def test_replace_gives_an_independent_calendar() -> None:
    gb = dataclasses.replace(US, country="GB")
    assert gb.country == "GB"
    assert not gb.is_business_day(date(2026, 12, 28))  # Boxing Day (observed)
    assert US.is_business_day(date(2026, 12, 28))


# -- weekends and holidays -------------------------------------------------------------------


def test_weekends_are_not_business_days() -> None:
    assert not US.is_business_day(date(2026, 11, 28))  # Saturday
    assert not US.is_business_day(date(2026, 11, 29))  # Sunday
    assert US.is_business_day(date(2026, 11, 30))  # Monday
    assert not US.is_holiday(date(2026, 11, 28))


@pytest.mark.parametrize(
    ("d", "name"),
    [
        (date(2026, 1, 1), "New Year"),
        (date(2026, 11, 26), "Thanksgiving"),
        (date(2026, 12, 25), "Christmas"),
        (date(2026, 7, 3), "Independence Day (observed)"),  # July 4 2026 is a Saturday
        (date(2026, 9, 7), "Labor Day"),
    ],
)
def test_us_public_holidays_2026(d: date, name: str) -> None:
    assert US.is_holiday(d)
    assert not US.is_business_day(d)
    holiday = US.holiday_name(d)
    assert holiday is not None
    assert name in holiday


def test_ordinary_days_have_no_holiday_name() -> None:
    assert US.holiday_name(date(2026, 11, 25)) is None
    assert not US.is_holiday(date(2026, 11, 25))
    assert US.is_business_day(date(2026, 11, 25))
    assert US.is_business_day(date(2026, 11, 27))  # day after Thanksgiving: not federal


def test_observed_holiday_across_a_year_boundary() -> None:
    # Jan 1 2022 was a Saturday; the US observed it on Friday Dec 31 2021, i.e. in the year
    # before the holiday itself. Query 2022 first: per-year tables must not lose that date.
    cal = BusinessCalendar()
    assert cal.is_holiday(date(2022, 1, 1))
    assert not cal.is_business_day(date(2021, 12, 31))
    assert "observed" in (cal.holiday_name(date(2021, 12, 31)) or "")


def test_great_britain_boxing_day_observed() -> None:
    assert not GB.is_business_day(date(2026, 12, 25))
    assert GB.is_holiday(date(2026, 12, 26))  # Saturday
    assert not GB.is_business_day(date(2026, 12, 28))  # Boxing Day (observed), a Monday
    assert "Boxing Day" in (GB.holiday_name(date(2026, 12, 28)) or "")
    assert GB.is_business_day(date(2026, 11, 26))  # no Thanksgiving in GB
    assert US.is_business_day(date(2026, 12, 28))


def test_germany_easter_monday_and_good_friday() -> None:
    assert not DE.is_business_day(date(2026, 4, 3))
    assert not DE.is_business_day(date(2026, 4, 6))
    assert US.is_business_day(date(2026, 4, 3))
    assert US.is_business_day(date(2026, 4, 6))


def test_subdivision_holidays() -> None:
    ca = BusinessCalendar(subdivision="CA", timezone="America/Los_Angeles")
    assert not ca.is_business_day(date(2026, 3, 31))  # Cesar Chavez Day
    assert not ca.is_business_day(date(2026, 11, 27))  # Day after Thanksgiving
    assert US.is_business_day(date(2026, 3, 31))


def test_is_business_day_is_fast() -> None:
    cal = BusinessCalendar()
    days = [date(2026, 1, 1) + timedelta(days=i % 730) for i in range(100_000)]
    started = perf.perf_counter()
    for d in days:
        cal.is_business_day(d)
    assert perf.perf_counter() - started < 1.0


# -- business-day arithmetic -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 11, 20), 1, date(2026, 11, 23)),  # Fri -> Mon
        (date(2026, 11, 21), 1, date(2026, 11, 23)),  # Sat -> Mon
        (date(2026, 11, 25), 1, date(2026, 11, 27)),  # Wed -> Fri, skipping Thanksgiving
        (date(2026, 11, 25), 2, date(2026, 11, 30)),  # ... and the weekend
        (date(2026, 7, 2), 1, date(2026, 7, 6)),  # Thu -> Mon, skipping Jul 3 (observed)
        (date(2026, 12, 24), 1, date(2026, 12, 28)),
        (date(2026, 11, 16), 5, date(2026, 11, 23)),
        (date(2026, 11, 30), -1, date(2026, 11, 27)),
        (date(2026, 11, 30), -2, date(2026, 11, 25)),  # skips Thanksgiving backwards
        (date(2027, 1, 4), -1, date(2026, 12, 31)),  # skips New Year's Day 2027
        (date(2026, 11, 29), -1, date(2026, 11, 27)),  # Sun -> Fri
        (date(2026, 11, 25), 0, date(2026, 11, 25)),  # business day stays
        (date(2026, 11, 26), 0, date(2026, 11, 27)),  # holiday -> next business day
        (date(2026, 11, 28), 0, date(2026, 11, 30)),  # Saturday -> Monday
    ],
)
def test_add_business_days(start: date, n: int, expected: date) -> None:
    assert US.add_business_days(start, n) == expected


def test_next_and_previous_business_day_are_strict() -> None:
    assert US.next_business_day(date(2026, 11, 24)) == date(2026, 11, 25)
    assert US.next_business_day(date(2026, 11, 25)) == date(2026, 11, 27)
    assert US.previous_business_day(date(2026, 11, 30)) == date(2026, 11, 27)
    assert US.previous_business_day(date(2026, 11, 27)) == date(2026, 11, 25)
    assert GB.next_business_day(date(2026, 12, 24)) == date(2026, 12, 29)


def test_business_days_between() -> None:
    assert US.business_days_between(date(2026, 11, 25), date(2026, 11, 30)) == 2
    assert US.business_days_between(date(2026, 11, 30), date(2026, 11, 25)) == -2
    assert US.business_days_between(date(2026, 11, 25), date(2026, 11, 25)) == 0
    assert US.business_days_between(date(2026, 11, 20), date(2026, 11, 23)) == 1
    assert US.business_days_between(date(2026, 11, 21), date(2026, 11, 22)) == 0


def test_business_days_in_2026() -> None:
    # 261 weekdays in 2026, 11 federal holidays on weekdays (July 4 itself is a Saturday).
    assert US.business_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 250


# -- cancellation cut-off --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("foc", "deadline"),
    [
        (date(2026, 11, 18), date(2026, 11, 16)),  # FOC Wed -> Mon
        (date(2026, 11, 23), date(2026, 11, 19)),  # FOC Mon -> previous Thu
        (date(2026, 11, 30), date(2026, 11, 25)),  # Fri 27 (1), Thanksgiving skipped, Wed 25 (2)
        (date(2026, 7, 6), date(2026, 7, 1)),  # Jul 3 (observed) skipped
        (date(2026, 1, 20), date(2026, 1, 15)),  # MLK Day (Mon Jan 19) skipped
        (date(2026, 11, 28), date(2026, 11, 25)),  # FOC on a Saturday: Fri (1), Wed (2)
    ],
)
def test_cancellation_deadline(foc: date, deadline: date) -> None:
    assert cancellation_deadline(foc, US) == deadline


def test_cancellation_deadline_other_notice() -> None:
    assert cancellation_deadline(date(2026, 11, 30), US, notice_business_days=3) == date(
        2026, 11, 24
    )
    assert cancellation_deadline(date(2026, 11, 30), US, notice_business_days=0) == date(
        2026, 11, 30
    )
    with pytest.raises(ValueError, match="notice_business_days"):
        cancellation_deadline(date(2026, 11, 30), US, notice_business_days=-1)


def test_cancellation_deadline_uses_the_calendar_country() -> None:
    # FOC Tue Dec 29 2026 in GB: Mon 28 (Boxing Day observed), Fri 25, Sat/Sun off.
    assert cancellation_deadline(date(2026, 12, 29), GB) == date(2026, 12, 23)
    assert cancellation_deadline(date(2026, 12, 29), US) == date(2026, 12, 24)


def test_cancellation_open_switches_at_local_midnight() -> None:
    foc = date(2026, 11, 30)  # deadline Wed Nov 25 2026 (EST = UTC-5)
    last_minute = utc(2026, 11, 26, 4, 59)  # 23:59 Nov 25 in New York
    midnight = utc(2026, 11, 26, 5, 0)  # 00:00 Nov 26 in New York
    assert US.to_local(last_minute).replace(tzinfo=None) == datetime(2026, 11, 25, 23, 59)
    assert cancellation_open(last_minute, foc, US)
    assert not cancellation_open(midnight, foc, US)


def test_cancellation_open_depends_on_the_calendar_time_zone() -> None:
    foc = date(2026, 11, 30)
    assert cancellation_open(utc(2026, 11, 26, 7, 59), foc, US_LA)  # 23:59 in Los Angeles
    assert not cancellation_open(utc(2026, 11, 26, 8, 0), foc, US_LA)
    assert not cancellation_open(utc(2026, 11, 26, 7, 59), foc, US)


def test_cancellation_open_rejects_naive_now() -> None:
    with pytest.raises(ValueError, match="naive"):
        cancellation_open(datetime(2026, 11, 25, 12), date(2026, 11, 30), US)


# -- local time and DST ----------------------------------------------------------------------


def test_local_date_and_to_local() -> None:
    instant = utc(2026, 11, 26, 3, 0)
    assert US.local_date(instant) == date(2026, 11, 25)
    assert GB.local_date(instant) == date(2026, 11, 26)
    local = US.to_local(instant)
    assert local.tzinfo == NY
    assert local == instant
    tokyo = datetime(2026, 11, 26, 12, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert US.local_date(tokyo) == date(2026, 11, 25)


@pytest.mark.parametrize(
    "call",
    [
        lambda: US.local_date(datetime(2026, 11, 25, 12)),
        lambda: US.to_local(datetime(2026, 11, 25, 12)),
        lambda: US.within_contact_hours(datetime(2026, 11, 25, 12)),
        lambda: US.next_contact_time(datetime(2026, 11, 25, 12)),
        lambda: US.business_days_after(datetime(2026, 11, 25, 12), 1),
    ],
)
def test_naive_datetimes_are_rejected(call) -> None:
    with pytest.raises(ValueError, match="naive"):
        call()


def test_at_local_returns_aware_utc() -> None:
    result = US.at_local(date(2026, 11, 25), time(9))
    assert result.tzinfo is UTC
    assert result == utc(2026, 11, 25, 14, 0)


def test_at_local_across_spring_forward() -> None:
    # 2026-03-08: New York clocks jump from 02:00 EST to 03:00 EDT.
    assert US.at_local(date(2026, 3, 7), time(9)) == utc(2026, 3, 7, 14)
    assert US.at_local(date(2026, 3, 8), time(9)) == utc(2026, 3, 8, 13)
    assert US.at_local(date(2026, 3, 8), time(1, 59)) == utc(2026, 3, 8, 6, 59)
    assert US.at_local(date(2026, 3, 8), time(3, 0)) == utc(2026, 3, 8, 7, 0)


def test_at_local_nonexistent_time_moves_forward() -> None:
    result = US.at_local(date(2026, 3, 8), time(2, 30))
    assert result == utc(2026, 3, 8, 7, 30)
    local = US.to_local(result)
    assert (local.hour, local.minute) == (3, 30)
    assert result > US.at_local(date(2026, 3, 8), time(1, 59))


def test_at_local_across_fall_back_takes_the_first_occurrence() -> None:
    # 2026-11-01: New York clocks fall back from 02:00 EDT to 01:00 EST; 01:30 happens twice.
    assert US.at_local(date(2026, 11, 1), time(1, 30)) == utc(2026, 11, 1, 5, 30)
    assert US.at_local(date(2026, 11, 1), time(1, 30, fold=1)) == utc(2026, 11, 1, 5, 30)
    assert US.at_local(date(2026, 10, 31), time(9)) == utc(2026, 10, 31, 13)
    assert US.at_local(date(2026, 11, 1), time(9)) == utc(2026, 11, 1, 14)


def test_at_local_in_london() -> None:
    assert GB.at_local(date(2026, 3, 28), time(9)) == utc(2026, 3, 28, 9)
    assert GB.at_local(date(2026, 3, 29), time(9)) == utc(2026, 3, 29, 8)  # BST
    assert GB.at_local(date(2026, 3, 29), time(1, 30)) == utc(2026, 3, 29, 1, 30)  # in the gap


def test_at_local_rejects_aware_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        US.at_local(date(2026, 11, 25), time(9, tzinfo=UTC))


# -- contact hours ---------------------------------------------------------------------------


def test_contact_hours_bounds() -> None:
    assert US.within_contact_hours(utc(2026, 11, 20, 14, 0))  # Fri 09:00 EST
    assert US.within_contact_hours(utc(2026, 11, 20, 22, 59, 59))  # Fri 17:59:59
    assert not US.within_contact_hours(utc(2026, 11, 20, 23, 0))  # Fri 18:00
    assert not US.within_contact_hours(utc(2026, 11, 20, 13, 59))  # Fri 08:59
    assert not US.within_contact_hours(utc(2026, 11, 21, 15, 0))  # Saturday
    assert not US.within_contact_hours(utc(2026, 11, 26, 17, 0))  # Thanksgiving noon


def test_next_contact_time_friday_evening_goes_to_monday_morning() -> None:
    friday_1830 = datetime(2026, 11, 20, 18, 30, tzinfo=NY)
    assert not US.within_contact_hours(friday_1830)
    result = US.next_contact_time(friday_1830)
    assert result.tzinfo is UTC
    assert result == datetime(2026, 11, 23, 9, 0, tzinfo=NY)
    assert result == utc(2026, 11, 23, 14, 0)


def test_next_contact_time_inside_hours_is_the_instant_itself() -> None:
    instant = datetime(2026, 11, 20, 12, 15, 30, tzinfo=NY)
    result = US.next_contact_time(instant)
    assert result == instant
    assert result.tzinfo is UTC


def test_next_contact_time_before_opening_is_same_day() -> None:
    assert US.next_contact_time(datetime(2026, 11, 20, 7, 0, tzinfo=NY)) == datetime(
        2026, 11, 20, 9, 0, tzinfo=NY
    )


def test_next_contact_time_on_the_eve_of_a_holiday() -> None:
    # Wed before Thanksgiving, after hours -> Friday morning.
    assert US.next_contact_time(datetime(2026, 11, 25, 18, 30, tzinfo=NY)) == datetime(
        2026, 11, 27, 9, 0, tzinfo=NY
    )
    # Thu Jul 2 2026 evening -> Fri Jul 3 (observed) and the weekend are skipped.
    assert US.next_contact_time(datetime(2026, 7, 2, 19, 0, tzinfo=NY)) == utc(2026, 7, 6, 13, 0)


def test_next_contact_time_across_spring_forward() -> None:
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=NY)  # EST
    assert US.next_contact_time(saturday) == utc(2026, 3, 9, 13, 0)  # Monday 09:00 EDT


def test_contact_hours_in_los_angeles() -> None:
    instant = utc(2026, 11, 20, 23, 30)  # Fri 18:30 New York, 15:30 Los Angeles
    assert not US.within_contact_hours(instant)
    assert US_LA.within_contact_hours(instant)
    assert US_LA.next_contact_time(instant) == instant
    late = utc(2026, 11, 21, 2, 30)  # Fri 18:30 Los Angeles
    assert US_LA.next_contact_time(late) == datetime(2026, 11, 23, 9, 0, tzinfo=LA)
    assert US_LA.next_contact_time(late) == utc(2026, 11, 23, 17, 0)


def test_contact_hours_in_london_over_christmas() -> None:
    eve = datetime(2026, 12, 24, 18, 30, tzinfo=LONDON)
    assert not GB.within_contact_hours(eve)
    # Fri 25 Christmas, weekend, Mon 28 Boxing Day (observed) -> Tue 29 09:00 GMT.
    assert GB.next_contact_time(eve) == utc(2026, 12, 29, 9, 0)


def test_custom_contact_hours() -> None:
    cal = BusinessCalendar(day_start=time(8, 30), day_end=time(17, 0))
    assert cal.within_contact_hours(datetime(2026, 11, 20, 8, 30, tzinfo=NY))
    assert not cal.within_contact_hours(datetime(2026, 11, 20, 17, 0, tzinfo=NY))
    assert cal.next_contact_time(datetime(2026, 11, 20, 17, 0, tzinfo=NY)) == datetime(
        2026, 11, 23, 8, 30, tzinfo=NY
    )


# -- business_days_after ---------------------------------------------------------------------


def test_business_days_after_keeps_local_wall_time() -> None:
    wed_10 = datetime(2026, 11, 25, 10, 0, tzinfo=NY)
    result = US.business_days_after(wed_10, 1)
    assert result.tzinfo is UTC
    assert result == datetime(2026, 11, 27, 10, 0, tzinfo=NY)


def test_business_days_after_with_explicit_time() -> None:
    wed_10 = datetime(2026, 11, 25, 10, 0, tzinfo=NY)
    assert US.business_days_after(wed_10, 2, at=time(9)) == utc(2026, 11, 30, 14, 0)
    assert US.business_days_after(wed_10, -1, at=time(9)) == utc(2026, 11, 24, 14, 0)


def test_business_days_after_uses_the_local_date() -> None:
    # 03:00 UTC Saturday is still Friday 22:00 in New York.
    assert US.business_days_after(utc(2026, 11, 21, 3, 0), 1) == utc(2026, 11, 24, 3, 0)


def test_business_days_after_across_dst_keeps_wall_time() -> None:
    friday_9_est = datetime(2026, 3, 6, 9, 0, tzinfo=NY)
    assert US.business_days_after(friday_9_est, 1) == utc(2026, 3, 9, 13, 0)  # 09:00 EDT


def test_business_days_after_zero_on_a_weekend() -> None:
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=NY)
    assert US.business_days_after(saturday, 0) == datetime(2026, 11, 30, 11, 0, tzinfo=NY)


# -- properties ------------------------------------------------------------------------------

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))
offsets = st.integers(min_value=-300, max_value=300)
calendars = st.sampled_from([US, US_LA, GB, DE])


@settings(max_examples=200, deadline=None)
@given(cal=calendars, d=dates, n=offsets.filter(lambda n: n != 0))
def test_add_business_days_lands_on_a_business_day(cal: BusinessCalendar, d: date, n: int) -> None:
    result = cal.add_business_days(d, n)
    assert cal.is_business_day(result)
    assert (result > d) if n > 0 else (result < d)


@settings(max_examples=200, deadline=None)
@given(cal=calendars, d=dates, n=offsets)
def test_business_days_between_inverts_add(cal: BusinessCalendar, d: date, n: int) -> None:
    start = cal.add_business_days(d, 0)
    end = cal.add_business_days(start, n)
    assert cal.business_days_between(start, end) == n
    assert cal.add_business_days(end, -n) == start


@settings(max_examples=100, deadline=None)
@given(cal=calendars, start=dates, span=st.integers(min_value=-400, max_value=400))
def test_business_days_between_matches_counting(
    cal: BusinessCalendar, start: date, span: int
) -> None:
    end = start + timedelta(days=span)
    lo, hi = sorted((start, end))
    count = sum(cal.is_business_day(lo + timedelta(days=i)) for i in range(1, (hi - lo).days + 1))
    assert cal.business_days_between(start, end) == (count if end >= start else -count)


@settings(max_examples=200, deadline=None)
@given(
    cal=calendars,
    instant=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
    ),
)
def test_next_contact_time_is_within_hours_and_not_earlier(
    cal: BusinessCalendar, instant: datetime
) -> None:
    result = cal.next_contact_time(instant)
    assert result.tzinfo is UTC
    assert result >= instant
    assert cal.within_contact_hours(result)
    if cal.within_contact_hours(instant):
        assert result == instant
    else:
        # nothing earlier in between: the minute before the result is outside contact hours
        assert not cal.within_contact_hours(result - timedelta(minutes=1))


@settings(max_examples=200, deadline=None)
@given(
    cal=calendars,
    d=dates,
    t=st.times(),
)
def test_at_local_round_trips_or_moves_forward(cal: BusinessCalendar, d: date, t: time) -> None:
    result = cal.at_local(d, t)
    local = cal.to_local(result)
    naive = datetime.combine(d, t)
    # Outside a gap the wall time is exact; inside one it moves forward, never back.
    assert local.replace(tzinfo=None) >= naive
    assert local.replace(tzinfo=None) - naive <= timedelta(hours=1)
