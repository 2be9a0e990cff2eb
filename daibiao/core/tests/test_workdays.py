"""Working days and deadlines: holidays and make-up working days come from chinese_calendar,
years it does not know fall back to Monday to Friday with a warning, and deadlines are the
end of a day in Beijing time.

Every holiday case below was checked against the data of chinesecalendar 1.11.0
(chinese_calendar/constants.py) before it was written down; the comments give the State
Council arrangement the library records.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from daibiao.core import workdays
from daibiao.core.workdays import (
    add_months,
    add_working_days,
    deadline_after,
    deadline_at,
    is_working_day,
    next_working_day,
    working_days_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test sees cold caches, so "warn once per year" is observable in every test."""
    is_working_day.cache_clear()
    workdays._warn_unsupported_year.cache_clear()
    yield
    is_working_day.cache_clear()
    workdays._warn_unsupported_year.cache_clear()


def days(first: date, last: date):
    """Every date from `first` to `last`, both included."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# --- National Day 2025 -----------------------------------------------------------------------
# 2025: Oct 1 (Wed) – Oct 8 (Wed) off (National Day merged with Mid-autumn on Oct 6); Sunday
# Sep 28 and Saturday Oct 11 are make-up working days.


def test_national_day_2025_holiday_is_skipped_and_make_up_saturday_counts():
    assert not any(is_working_day(d) for d in days(date(2025, 10, 1), date(2025, 10, 8)))
    # Oct 9 (Thu), Oct 10 (Fri), then the make-up Saturday Oct 11.
    assert add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)
    assert date(2025, 10, 11).weekday() == 5


def test_make_up_sunday_before_national_day_2025_is_a_working_day():
    # Sep 28 2025 is a Sunday worked in lieu of the National Day holiday.
    assert date(2025, 9, 28).weekday() == 6
    assert is_working_day(date(2025, 9, 28))
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)


def test_working_days_between_across_national_day_2025():
    # (Sep 30, Oct 12]: only Oct 9, 10 and 11 are worked; Oct 12 is a plain Sunday.
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 12)) == 3


# --- Spring Festival 2026 --------------------------------------------------------------------
# 2026: Feb 15 (Sun) – Feb 23 (Mon) off; Saturdays Feb 14 and Feb 28 are make-up working days.


def test_spring_festival_2026_holiday_is_skipped():
    assert not any(is_working_day(d) for d in days(date(2026, 2, 15), date(2026, 2, 23)))
    # Friday Feb 13, then the make-up Saturday Feb 14, then nothing until Tuesday Feb 24.
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2


def test_make_up_saturday_after_spring_festival_2026_counts():
    # Feb 24–27 (Tue–Fri) and the make-up Saturday Feb 28.
    assert add_working_days(date(2026, 2, 14), 5) == date(2026, 2, 28)
    assert date(2026, 2, 28).weekday() == 5


# --- Ordinary days ---------------------------------------------------------------------------


def test_plain_weekend_is_not_a_working_day():
    # Mar 8–9 2025: an ordinary weekend, no holiday and no make-up day around it.
    assert is_working_day(date(2025, 3, 7))
    assert not is_working_day(date(2025, 3, 8))
    assert not is_working_day(date(2025, 3, 9))
    assert add_working_days(date(2025, 3, 7), 1) == date(2025, 3, 10)
    assert working_days_between(date(2025, 3, 7), date(2025, 3, 9)) == 0


def test_zero_working_days_is_the_start_or_the_next_working_day():
    assert add_working_days(date(2025, 3, 7), 0) == date(2025, 3, 7)
    assert add_working_days(date(2025, 3, 8), 0) == date(2025, 3, 10)
    assert add_working_days(date(2025, 10, 1), 0) == date(2025, 10, 9)
    assert next_working_day(date(2026, 2, 15)) == date(2026, 2, 24)


def test_start_on_a_holiday_is_not_counted():
    assert add_working_days(date(2025, 10, 1), 1) == date(2025, 10, 9)


def test_negative_working_days_are_refused():
    with pytest.raises(ValueError, match="n must be >= 0"):
        add_working_days(date(2025, 3, 7), -1)


def test_working_days_between_is_zero_when_end_is_not_after_start():
    assert working_days_between(date(2025, 3, 10), date(2025, 3, 10)) == 0
    assert working_days_between(date(2025, 3, 10), date(2025, 3, 3)) == 0


def test_a_datetime_is_refused_where_a_date_is_expected():
    # A datetime's own calendar day may be UTC's, a day off Beijing's around midnight.
    moment = datetime(2025, 3, 7, 10, tzinfo=SHANGHAI)
    with pytest.raises(TypeError):
        add_working_days(moment, 1)
    with pytest.raises(TypeError):
        is_working_day(moment)


def test_working_days_between_inverts_add_working_days():
    """For every start (working day or not) and n >= 1, (d, add(d, n)] holds exactly n working
    days, because add_working_days stops on the n-th working day strictly after d."""
    for d in days(date(2024, 1, 1), date(2026, 12, 31)):
        previous = d
        for n in range(1, 21):
            due = add_working_days(d, n)
            assert working_days_between(d, due) == n, (d, n)
            assert due > previous, (d, n)
            assert is_working_day(due), (d, n)
            previous = due


def test_zero_working_days_inverts_only_from_a_working_day():
    """n = 0 is the exception: from a day off it moves to the next working day, which is then
    counted in (d, due]."""
    for d in days(date(2025, 9, 20), date(2025, 10, 20)):
        expected = 0 if is_working_day(d) else 1
        assert working_days_between(d, add_working_days(d, 0)) == expected, d


# --- Years the library does not know ---------------------------------------------------------


def test_unknown_year_falls_back_to_monday_to_friday_and_warns_once(caplog):
    caplog.set_level(logging.WARNING, logger="daibiao.core.workdays")
    # 2099 will never be in the data: Jan 1 2099 is a Thursday, counted as worked.
    assert is_working_day(date(2099, 1, 1))
    assert is_working_day(date(2099, 1, 2))
    assert not is_working_day(date(2099, 1, 3))
    assert not is_working_day(date(2099, 1, 4))
    assert add_working_days(date(2099, 1, 2), 1) == date(2099, 1, 5)
    assert [r.getMessage() for r in caplog.records].count(
        "chinese_calendar has no holiday data for 2099; counting Monday to Friday as working "
        "days until the package is upgraded"
    ) == 1
    # Years before the data starts (2004) fall back the same way, with their own warning.
    assert is_working_day(date(2003, 1, 1))
    assert len(caplog.records) == 2
    assert all(r.levelno == logging.WARNING for r in caplog.records)


def test_known_year_does_not_warn(caplog):
    caplog.set_level(logging.WARNING, logger="daibiao.core.workdays")
    is_working_day(date(2025, 10, 1))
    assert caplog.records == []


# --- Calendar months -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        # Clamped to the end of February: leap year, then common year (both working days).
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        # Over a year end.
        (date(2025, 5, 15), 12, date(2026, 5, 15)),
        # Oct 1 2025 is National Day: moved to Thursday Oct 9.
        (date(2025, 7, 1), 3, date(2025, 10, 9)),
        # Feb 16 2026 is in the Spring Festival holiday: moved to Tuesday Feb 24.
        (date(2025, 11, 16), 3, date(2026, 2, 24)),
        # Jan 31 2026 is a plain Saturday: moved to Monday Feb 2.
        (date(2025, 10, 31), 3, date(2026, 2, 2)),
        # Clamped from the 30th to Feb 28 2026, a make-up Saturday, so it stays.
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        # No months at all still never lands on a day off.
        (date(2025, 10, 1), 0, date(2025, 10, 9)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_negative_months_are_refused():
    with pytest.raises(ValueError, match="months must be >= 0"):
        add_months(date(2025, 3, 7), -1)


# --- Deadlines as timestamps -----------------------------------------------------------------


def test_deadline_at_is_the_end_of_the_day_in_beijing():
    due = deadline_at(date(2025, 10, 11))
    assert due.tzinfo is not None
    assert due.utcoffset() == timedelta(hours=8)
    assert due.tzinfo.key == "Asia/Shanghai"
    assert due == datetime(2025, 10, 11, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    # The next instant is already the next day in Beijing (16:00 UTC).
    assert (due + timedelta(microseconds=1)).astimezone(UTC) == datetime(2025, 10, 11, 16, tzinfo=UTC)


def test_deadline_after_working_days():
    start = datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)
    assert deadline_after(start, working_days=3) == deadline_at(date(2025, 10, 11))


def test_deadline_after_counts_from_the_beijing_date():
    # 16:30 UTC on Sep 29 is 00:30 on Sep 30 in Beijing: counted from Sep 30, the answer is
    # Oct 11; counted (wrongly) from the UTC date Sep 29 it would be Oct 10.
    start = datetime(2025, 9, 29, 16, 30, tzinfo=UTC)
    assert deadline_after(start, working_days=3) == deadline_at(date(2025, 10, 11))


def test_deadline_after_months():
    start = datetime(2025, 7, 1, 10, 0, tzinfo=SHANGHAI)
    assert deadline_after(start, months=3) == deadline_at(date(2025, 10, 9))


@pytest.mark.parametrize("kwargs", [{}, {"working_days": 3, "months": 3}])
def test_deadline_after_needs_exactly_one_term(kwargs):
    with pytest.raises(ValueError, match="exactly one"):
        deadline_after(datetime(2025, 7, 1, 10, tzinfo=SHANGHAI), **kwargs)


def test_deadline_after_refuses_a_naive_start():
    naive = datetime(2025, 7, 1, 10)  # noqa: DTZ001 - the naive value is the point of the test
    with pytest.raises(ValueError, match="naive"):
        deadline_after(naive, working_days=3)
