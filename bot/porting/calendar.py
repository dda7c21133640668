"""Business days, public holidays, time zones and customer contact hours.

Pure domain code: no I/O and no clock reads. Every "now" is passed in by the caller as a
time-zone-aware ``datetime``; dates are local calendar dates of the account's time zone.

Public holidays come from the ``holidays`` library (observed dates included, e.g. in the US
Independence Day 2026 falls on a Saturday, so Friday July 3 2026 is a holiday). Lookups are
cached per country, subdivision and year, shared by all calendars, so ``is_business_day`` is a
dictionary lookup after the first call for a given year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from bot.porting.rules import CANCEL_NOTICE_BUSINESS_DAYS

__all__ = [
    "BusinessCalendar",
    "cancellation_deadline",
    "cancellation_open",
]

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5  # date.weekday(): Monday == 0 ... Saturday == 5, Sunday == 6


def _load_country(country: str, subdivision: str | None) -> tuple[str, str | None]:
    """Check that ``holidays`` knows the country/subdivision; return the spellings that work."""
    try:
        holidays.country_holidays(country, years=(), expand=False)
    except NotImplementedError:
        raise ValueError(
            f"unknown holiday country code {country!r}: use an ISO 3166-1 alpha-2 code "
            "supported by the 'holidays' library, e.g. 'US', 'GB', 'DE'"
        ) from None
    if subdivision is None:
        return country, None
    for candidate in dict.fromkeys((subdivision, subdivision.upper())):
        try:
            holidays.country_holidays(country, subdiv=candidate, years=(), expand=False)
        except NotImplementedError:
            continue
        return country, candidate
    raise ValueError(f"unknown holiday subdivision {subdivision!r} for country {country!r}")


@lru_cache(maxsize=1024)
def _holiday_table(country: str, subdivision: str | None, year: int) -> Mapping[date, str]:
    """Holidays (observed dates included) of one country/subdivision falling in ``year``.

    Cached and shared by all calendars with the same country and subdivision, so repeated
    lookups cost one dictionary access.
    """
    # Observed dates can cross a year boundary (e.g. Jan 1 on a Saturday observed on Dec 31),
    # so populate the neighbouring years too and keep only this year's dates.
    years = [y for y in (year - 1, year, year + 1) if date.min.year <= y <= date.max.year]
    source = holidays.country_holidays(country, subdiv=subdivision, years=years, expand=False)
    return MappingProxyType({d: str(name) for d, name in source.items() if d.year == year})


def _require_aware(instant: datetime) -> None:
    if not isinstance(instant, datetime):
        raise TypeError(f"expected a datetime, got {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(
            f"naive datetime {instant.isoformat()!r}: a time-zone-aware value is required"
        )


@dataclass(frozen=True)
class BusinessCalendar:
    """Business days and contact hours of one account: holiday country, time zone, hours.

    ``country`` is normalised to upper case (``"us"`` -> ``"US"``). Unknown countries,
    subdivisions and time zones raise ``ValueError`` naming the bad value.
    """

    country: str = "US"
    subdivision: str | None = None
    timezone: str = "America/New_York"
    day_start: time = time(9, 0)
    day_end: time = time(18, 0)

    def __post_init__(self) -> None:
        if not isinstance(self.country, str) or not self.country.strip():
            raise ValueError(f"unknown holiday country code {self.country!r}")
        if self.subdivision is not None and not isinstance(self.subdivision, str):
            raise ValueError(f"unknown holiday subdivision {self.subdivision!r}")
        subdivision = (self.subdivision or "").strip() or None
        country, subdivision = _load_country(self.country.strip().upper(), subdivision)
        object.__setattr__(self, "country", country)
        object.__setattr__(self, "subdivision", subdivision)

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(
                f"unknown time zone {self.timezone!r}: use an IANA name such as "
                "'America/New_York' or 'Europe/London'"
            ) from None

        for name in ("day_start", "day_end"):
            value = getattr(self, name)
            if not isinstance(value, time):
                raise ValueError(f"{name} must be a datetime.time, got {value!r}")
            if value.tzinfo is not None:
                raise ValueError(f"{name} must be a naive local wall time, got {value!r}")
        if self.day_start >= self.day_end:
            raise ValueError(
                f"day_start ({self.day_start.isoformat()}) must be before "
                f"day_end ({self.day_end.isoformat()})"
            )

    # -- time zone -------------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        """The account's time zone."""
        return ZoneInfo(self.timezone)

    # -- holidays --------------------------------------------------------------------------

    def _holidays_for_year(self, year: int) -> Mapping[date, str]:
        return _holiday_table(self.country, self.subdivision, year)

    def is_holiday(self, d: date) -> bool:
        """True when ``d`` is a public holiday (or an observed holiday) in this calendar."""
        return d in self._holidays_for_year(d.year)

    def holiday_name(self, d: date) -> str | None:
        """The holiday's name for ``d`` (several are joined by ``"; "``), or None."""
        return self._holidays_for_year(d.year).get(d)

    def is_business_day(self, d: date) -> bool:
        """True on Monday to Friday unless the date is a public or observed holiday."""
        return d.weekday() < _SATURDAY and d not in self._holidays_for_year(d.year)

    # -- business-day arithmetic -----------------------------------------------------------

    def next_business_day(self, d: date) -> date:
        """The first business day strictly after ``d``."""
        d += _ONE_DAY
        while not self.is_business_day(d):
            d += _ONE_DAY
        return d

    def previous_business_day(self, d: date) -> date:
        """The last business day strictly before ``d``."""
        d -= _ONE_DAY
        while not self.is_business_day(d):
            d -= _ONE_DAY
        return d

    def add_business_days(self, d: date, n: int) -> date:
        """Move ``n`` business days from ``d`` (backwards when ``n`` is negative).

        ``n == 0`` returns ``d`` when it is a business day, else the next business day.
        """
        if n == 0:
            return d if self.is_business_day(d) else self.next_business_day(d)
        step = self.next_business_day if n > 0 else self.previous_business_day
        for _ in range(abs(n)):
            d = step(d)
        return d

    def business_days_between(self, start: date, end: date) -> int:
        """Number of business days in ``(start, end]``; negative when ``end < start``."""
        if end < start:
            return -self.business_days_between(end, start)
        weekdays = _weekdays_in(start, end)
        holidays_on_weekdays = sum(
            1
            for year in range(start.year, end.year + 1)
            for d in self._holidays_for_year(year)
            if start < d <= end and d.weekday() < _SATURDAY
        )
        return weekdays - holidays_on_weekdays

    # -- instants and local time -----------------------------------------------------------

    def to_local(self, instant: datetime) -> datetime:
        """``instant`` (time-zone aware) expressed in the account's time zone."""
        _require_aware(instant)
        return instant.astimezone(self.tz)

    def local_date(self, instant: datetime) -> date:
        """The local calendar date of ``instant``; naive datetimes raise ``ValueError``."""
        return self.to_local(instant).date()

    def at_local(self, d: date, t: time) -> datetime:
        """The UTC instant of local wall time ``t`` on ``d``.

        DST-safe: a wall time skipped by a spring-forward change moves forward by the size of
        the gap (02:30 -> 03:30 when clocks jump from 02:00 to 03:00); a wall time that happens
        twice in a fall-back change resolves to the first occurrence.
        """
        if t.tzinfo is not None:
            raise ValueError(f"expected a naive local wall time, got {t!r}")
        # fold=0: PEP 495 maps gap times with the pre-transition offset (i.e. shifts them
        # forward by the gap) and ambiguous times to their first occurrence.
        local = datetime.combine(d, t.replace(fold=0)).replace(tzinfo=self.tz)
        return local.astimezone(UTC)

    # -- contact hours ---------------------------------------------------------------------

    def _contact_window(self, d: date) -> tuple[datetime, datetime]:
        return self.at_local(d, self.day_start), self.at_local(d, self.day_end)

    def within_contact_hours(self, instant: datetime) -> bool:
        """True on a business day between ``day_start`` (inclusive) and ``day_end`` local."""
        d = self.local_date(instant)
        if not self.is_business_day(d):
            return False
        start, end = self._contact_window(d)
        return start <= instant < end

    def next_contact_time(self, instant: datetime) -> datetime:
        """``instant`` (in UTC) when inside contact hours, else the next start of contact hours."""
        d = self.local_date(instant)
        if self.is_business_day(d):
            start, end = self._contact_window(d)
            if instant < start:
                return start
            if instant < end:
                return instant.astimezone(UTC)
        return self.at_local(self.next_business_day(d), self.day_start)

    def business_days_after(self, instant: datetime, n: int, at: time | None = None) -> datetime:
        """Local date of ``instant`` plus ``n`` business days, at local time ``at`` (in UTC).

        ``at`` defaults to the local wall time of ``instant``. ``n`` follows
        :meth:`add_business_days` (0 = that day if a business day, else the next one).
        """
        local = self.to_local(instant)
        target = self.add_business_days(local.date(), n)
        return self.at_local(target, local.time() if at is None else at)


def _weekdays_in(start: date, end: date) -> int:
    """Number of Monday-to-Friday dates in ``(start, end]`` for ``start <= end``."""
    days = (end - start).days
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * 5
    weekday = start.weekday()
    for _ in range(rest):
        weekday = (weekday + 1) % 7
        if weekday < _SATURDAY:
            count += 1
    return count


def cancellation_deadline(
    foc: date, calendar: BusinessCalendar, notice_business_days: int = CANCEL_NOTICE_BUSINESS_DAYS
) -> date:
    """The last local date on which a customer may still ask to cancel a port.

    A cancellation must reach the carriers at least ``notice_business_days`` business days
    before the port (FOC) date: FOC Wednesday -> Monday, FOC Monday -> the Thursday before;
    holidays are skipped. With ``notice_business_days == 0`` the FOC date itself is the
    deadline.
    """
    if notice_business_days < 0:
        raise ValueError(f"notice_business_days must be >= 0, got {notice_business_days}")
    if notice_business_days == 0:
        return foc
    return calendar.add_business_days(foc, -notice_business_days)


def cancellation_open(
    now: datetime,
    foc: date,
    calendar: BusinessCalendar,
    notice_business_days: int = CANCEL_NOTICE_BUSINESS_DAYS,
) -> bool:
    """True while the local date of ``now`` is on or before :func:`cancellation_deadline`."""
    return calendar.local_date(now) <= cancellation_deadline(foc, calendar, notice_business_days)
