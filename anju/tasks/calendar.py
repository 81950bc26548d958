"""Business calendar: working days (chinese-calendar + database overrides) and working hours.

- A date is a working day if the database says so (CalendarDay wins), else per chinese-calendar,
  else — for a year the package does not know and nobody configured — Mon–Fri, and the year is
  reported by `year_status()` as a fallback so that the UI can warn. Nothing here ever raises for
  an unknown year.
- Working hours are per company (two periods a day), default 09:00–12:00 and 13:30–18:00.
- `add_minutes(start, n, unit, company_id)` is what the SLA uses: working days keep the time of day,
  working hours count only time inside the working periods, plain minutes run round the clock.
"""

from __future__ import annotations

import datetime
import threading
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

from anju.service.choices import DayKind, LimitUnit

_CACHE_KEY = "anju:service:calendar:{year}"
_state = threading.local()  # .memo: set by memoized() for a batch (the SLA sweep), per thread


class memoized:
    """Within the block, calendar and working-hour lookups are memoised for this thread (a batch of
    thousands of deadline computations reads the shared cache once per year/company)."""

    def __enter__(self):
        self._outer = getattr(_state, "memo", None)
        if self._outer is None:
            _state.memo = {}
        return self

    def __exit__(self, *exc):
        _state.memo = self._outer
        return False


@dataclass(frozen=True)
class Hours:
    periods: tuple[tuple[datetime.time, datetime.time], ...]

    @property
    def minutes_per_day(self) -> int:
        return sum(_minutes(e) - _minutes(s) for s, e in self.periods)


DEFAULT_HOURS = Hours(
    periods=((datetime.time(9, 0), datetime.time(12, 0)), (datetime.time(13, 30), datetime.time(18, 0)))
)


def _minutes(t: datetime.time) -> int:
    return t.hour * 60 + t.minute


def _overrides(year: int) -> dict:
    key = _CACHE_KEY.format(year=year)
    _memo = getattr(_state, "memo", None)
    if _memo is not None and key in _memo:
        return _memo[key]
    data = cache.get(key)
    if data is None:
        from anju.tasks.models import CalendarDay, CalendarYear

        rows = CalendarDay.objects.filter(date__year=year).values_list("date", "kind")
        data = {
            "days": {d.isoformat(): kind == DayKind.WORKDAY for d, kind in rows},
            "configured": CalendarYear.objects.filter(year=year, configured=True).exists(),
        }
        cache.set(key, data, 600)
    if _memo is not None:
        _memo[key] = data
    return data


def forget(year: int) -> None:
    cache.delete(_CACHE_KEY.format(year=year))


def _package_knows(year: int) -> bool:
    import chinese_calendar

    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:  # chinese-calendar's way of saying "this year is not published yet"
        return False
    return True


def year_status(year: int) -> dict:
    """Where this year's calendar comes from: 'database', 'package' or 'fallback' (with warning)."""
    data = _overrides(year)
    if data["configured"]:
        source = "database"
    elif _package_knows(year):
        source = "package"
    else:
        source = "fallback"
    return {"year": year, "source": source, "fallback": source == "fallback"}


def is_workday(day: datetime.date) -> bool:
    data = _overrides(day.year)
    override = data["days"].get(day.isoformat())
    if override is not None:
        return override
    if not data["configured"]:
        import chinese_calendar

        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:  # a year the package does not know: Mon–Fri (with a warning)
            pass
    return day.weekday() < 5


def working_hours(company_id: int | None) -> Hours:
    if company_id is None:
        return DEFAULT_HOURS
    key = f"anju:service:hours:{company_id}"
    _memo = getattr(_state, "memo", None)
    if _memo is not None and key in _memo:
        return _memo[key]
    periods = cache.get(key)
    if periods is None:
        from anju.org.access import ancestor_ids
        from anju.tasks.models import WorkingHours

        chain = ancestor_ids(company_id)
        rows = {w.company_id: w for w in WorkingHours.objects.filter(company_id__in=chain)}
        periods = DEFAULT_HOURS.periods
        for unit_id in reversed(chain):
            if unit_id in rows:
                w = rows[unit_id]
                periods = ((w.morning_start, w.morning_end), (w.afternoon_start, w.afternoon_end))
                break
        cache.set(key, periods, 600)
    hours = Hours(periods=tuple(periods))
    if _memo is not None:
        _memo[key] = hours
    return hours


def forget_hours(company_id: int) -> None:
    from anju.org.access import subtree_ids

    for unit_id in subtree_ids(company_id) | {company_id}:
        cache.delete(f"anju:service:hours:{unit_id}")


def _local(dt: datetime.datetime) -> datetime.datetime:
    if timezone.is_naive(dt):
        dt = timezone.make_aware(dt)
    return timezone.localtime(dt)


def _at(day: datetime.date, t: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, t))


def next_workday(day: datetime.date) -> datetime.date:
    day += datetime.timedelta(days=1)
    for _i in range(400):
        if is_workday(day):
            return day
        day += datetime.timedelta(days=1)
    raise ValueError("no working day within 400 days")  # only with a nonsensical override table


def add_working_minutes(
    start: datetime.datetime, minutes: int, company_id: int | None = None
) -> datetime.datetime:
    """`start` plus `minutes` of working time (time outside the working periods does not count)."""
    hours = working_hours(company_id)
    current = _local(start)
    day = current.date()
    remaining = int(minutes)
    if not is_workday(day):
        day = next_workday(day)
        current = _at(day, hours.periods[0][0])
    for _i in range(100000):
        for period_start, period_end in hours.periods:
            ps, pe = _at(day, period_start), _at(day, period_end)
            if current >= pe:
                continue
            begin = max(current, ps)
            available = int((pe - begin).total_seconds() // 60)
            if remaining <= available:
                return begin + datetime.timedelta(minutes=remaining)
            remaining -= available
            current = pe
        day = next_workday(day)
        current = _at(day, hours.periods[0][0])
    raise ValueError("working-time addition did not converge")


def add_working_hours(
    start: datetime.datetime, hours: float, company_id: int | None = None
) -> datetime.datetime:
    return add_working_minutes(start, round(hours * 60), company_id)


def add_working_days(start: datetime.datetime, days: int, company_id: int | None = None) -> datetime.datetime:
    """Inside working time: the same time of day `days` working days later. Outside it (evening,
    weekend, holiday): `days` full working days from the next opening, i.e. the closing time of the
    `days`-th working day ("1 working day" from Saturday is Monday's closing)."""
    current = _local(start)
    if days <= 0:
        return current
    hours = working_hours(company_id)
    day, now = current.date(), current.time()
    open_t, close_t = hours.periods[0][0], hours.periods[-1][1]
    if is_workday(day) and open_t <= now < close_t:
        for _i in range(int(days)):
            day = next_workday(day)
        return _at(day, now)
    first = day if (is_workday(day) and now < open_t) else next_workday(day)
    for _i in range(int(days) - 1):
        first = next_workday(first)
    return _at(first, close_t)


def add_limit(
    start: datetime.datetime, amount: int, unit: str, company_id: int | None = None
) -> datetime.datetime:
    if unit == LimitUnit.MINUTE:
        return start + datetime.timedelta(minutes=amount)
    if unit == LimitUnit.WORKING_DAY:
        return add_working_days(start, amount, company_id)
    return add_working_minutes(start, amount * 60, company_id)


def working_minutes_between(
    start: datetime.datetime, end: datetime.datetime, company_id: int | None = None
) -> int:
    """Working minutes from start to end (negative when end is earlier): the 'time left' display."""
    if end < start:
        return -working_minutes_between(end, start, company_id)
    hours = working_hours(company_id)
    s, e = _local(start), _local(end)
    total = 0
    day = s.date()
    while day <= e.date():
        if is_workday(day):
            for ps_t, pe_t in hours.periods:
                ps, pe = max(_at(day, ps_t), s), min(_at(day, pe_t), e)
                if pe > ps:
                    total += int((pe - ps).total_seconds() // 60)
        day += datetime.timedelta(days=1)
    return total
