"""Working days and deadlines.

Units answer deputies' suggestions within so many WORKING days (or calendar months), so a
deadline must skip China's public holidays and count the make-up working days (调休) that
the State Council announces each year. The `chinese_calendar` library carries those
announcements; this module only counts with them and turns a date into the timestamp that
deadline columns store.

Everything here is pure (no database, no settings), so jobs, services and reports can call it
freely.
"""

from __future__ import annotations

import calendar
import functools
import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from django.utils import timezone

logger = logging.getLogger(__name__)

# Working days are a Chinese civil notion: a day ends at midnight in Beijing time whatever
# TIME_ZONE a deployment runs with, so the zone is fixed here rather than read from settings.
CHINA_TZ = ZoneInfo("Asia/Shanghai")

_ONE_DAY = timedelta(days=1)


def _require_date(value: object, name: str) -> None:
    """Refuse a datetime where a date is expected.

    `datetime` is a subclass of `date`, so it would slip through silently and be counted by
    its own (possibly UTC) calendar day; callers holding a timestamp must use
    `deadline_after`, which converts to Beijing time first.
    """
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date, not {type(value).__name__}")


@functools.cache
def _warn_unsupported_year(year: int) -> None:
    """Log, once per year per process, that `year` is counted Monday to Friday.

    The cache is what makes it "once": a deadline job walks hundreds of dates of the same
    year and one line is enough to tell the operator to upgrade chinesecalendar.
    """
    logger.warning(
        "chinese_calendar has no holiday data for %s; counting Monday to Friday as working days "
        "until the package is upgraded",
        year,
    )


@functools.lru_cache(maxsize=8192)
def is_working_day(day: date) -> bool:
    """Whether government offices work on `day`.

    Inside the years the installed chinese_calendar knows, its answer: public holidays are
    off, make-up Saturdays and Sundays are on. For any other year (the State Council publishes
    next year's arrangement only in November or December) fall back to Monday to Friday and log
    a warning: a deadline a day off is better than a crashed job. Never raises for a date.
    """
    _require_date(day, "day")
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # The library signals "no data for this year" with NotImplementedError; asking it for
        # its range would mean reading its private constants.
        _warn_unsupported_year(day.year)
        return day.weekday() < 5


def next_working_day(day: date) -> date:
    """`day` itself if it is a working day, otherwise the first working day after it."""
    _require_date(day, "day")
    while not is_working_day(day):
        day += _ONE_DAY
    return day


def add_working_days(start: date, n: int) -> date:
    """The date that is `n` working days after `start`.

    `start` itself is not counted (a suggestion assigned on a Monday with 1 working day is due
    on Tuesday), whether or not it is a working day. With `n == 0` the answer is `start` if it
    is a working day, otherwise the next working day, so a deadline never falls on a day off.
    `n` must not be negative.
    """
    _require_date(start, "start")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        return next_working_day(start)
    day = start
    remaining = n
    while remaining:
        day += _ONE_DAY
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """The number of working days in the half-open interval (`start`, `end`].

    Half-open to mirror `add_working_days`: for every `n >= 1`,
    ``working_days_between(d, add_working_days(d, n)) == n``. Returns 0 when `end <= start`
    (an overdue count is the caller's business, with the arguments swapped).
    """
    _require_date(start, "start")
    _require_date(end, "end")
    count = 0
    day = start + _ONE_DAY
    while day <= end:
        count += is_working_day(day)
        day += _ONE_DAY
    return count


def add_months(start: date, months: int) -> date:
    """`start` plus `months` calendar months, moved forward to a working day.

    A day past the end of the target month is clamped to its last day (Jan 31 + 1 month is
    Feb 28, or Feb 29 in a leap year), so the term never runs into the next month. If the
    result is not a working day the deadline moves to the next working day: a unit cannot be
    held to a date its office is closed. `months` must not be negative.
    """
    _require_date(start, "start")
    if months < 0:
        raise ValueError(f"months must be >= 0, got {months}")
    year, month_index = divmod(start.month - 1 + months, 12)
    year += start.year
    month = month_index + 1
    last_day = calendar.monthrange(year, month)[1]
    return next_working_day(date(year, month, min(start.day, last_day)))


def deadline_at(day: date) -> datetime:
    """The last instant of `day` in Beijing time (23:59:59.999999), as an aware datetime.

    Deadlines are stored as indexed timestamps so that "overdue" is a single range query; a
    unit has the whole of its last day, and the stored instant is the same whatever zone the
    server runs in.
    """
    _require_date(day, "day")
    return timezone.make_aware(datetime.combine(day, time.max), CHINA_TZ)


def deadline_after(
    start: datetime, *, working_days: int | None = None, months: int | None = None
) -> datetime:
    """The deadline for a term of `working_days` working days or `months` months from `start`.

    Exactly one of the two must be given. `start` is an aware datetime (typically the moment
    of assignment); its date in Beijing time is the day the term is counted from, so work
    assigned at 00:30 Beijing time (16:30 UTC the day before) counts from the Beijing date.
    Returns `deadline_at` of the resulting day. A naive `start` raises ValueError.
    """
    if (working_days is None) == (months is None):
        raise ValueError("give exactly one of working_days and months")
    if not isinstance(start, datetime):
        raise TypeError(f"start must be a datetime, not {type(start).__name__}")
    # localtime() refuses a naive datetime with ValueError, which is what we want: guessing
    # its zone would shift deadlines by a day for work assigned around midnight.
    local_day = timezone.localtime(start, CHINA_TZ).date()
    if working_days is not None:
        return deadline_at(add_working_days(local_day, working_days))
    return deadline_at(add_months(local_day, months))
