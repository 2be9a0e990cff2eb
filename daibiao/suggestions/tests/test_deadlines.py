"""Deadlines at the service level: working days with China's holidays, calendar months shifted
off days off, explicit deadlines, extensions, the overdue list and the return window.

The clock is set by patching ``django.utils.timezone.now`` (which ``timezone.localdate`` reads
too); every date below was checked against chinese_calendar (see core/tests/test_workdays.py).
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from daibiao.core.services import save_record
from daibiao.registry.choices import UnitKind
from daibiao.registry.models import Unit
from daibiao.suggestions import services
from daibiao.suggestions.choices import State, Tier
from daibiao.suggestions.errors import Conflict, Invalid
from daibiao.suggestions.models import Assignment, Suggestion

from .walk import suggestion_in

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def beijing(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.max, tzinfo=SHANGHAI)


@contextmanager
def clock(moment: dt.datetime):
    with mock.patch("daibiao.suggestions.services.timezone.now", return_value=moment):
        yield


def submitted(cast, tier=Tier.COUNTY) -> Suggestion:
    return suggestion_in(cast, State.SUBMITTED, tier=tier)


def assign(cast, s, *, at, lead="a", **kwargs):
    lead_unit = cast.units[lead] if isinstance(lead, str) else lead
    with clock(at):
        return services.assign_suggestion(s, actor=cast.users["town_a"], lead_unit=lead_unit, **kwargs)


# --- acknowledging and replying --------------------------------------------------------------


def test_three_working_days_to_acknowledge_cross_national_day_to_the_make_up_saturday(cast):
    s = assign(cast, submitted(cast), at=beijing(2025, 9, 30, 10, 0), co_units=[cast.units["b"]])
    # Oct 1–8 off; Oct 9 (Thu), Oct 10 (Fri) and the make-up Saturday Oct 11.
    assert {a.acknowledge_by for a in Assignment.objects.filter(suggestion=s)} == {
        end_of(dt.date(2025, 10, 11))
    }
    # The co-unit's opinion is due after 10 working days, before the reply.
    co = Assignment.objects.get(suggestion=s, unit=cast.units["b"])
    assert co.opinion_by == end_of(dt.date(2025, 10, 21))


def test_a_town_tier_item_is_due_in_15_working_days(cast):
    s = assign(cast, submitted(cast, tier=Tier.TOWN), at=beijing(2025, 9, 30, 10, 0))
    # Oct 9, 10, 11 (make-up), 13–17, 20–24, 27, 28: the fifteenth working day is Oct 28.
    assert s.deadline == end_of(dt.date(2025, 10, 28))
    assert Suggestion.objects.get(pk=s.pk).deadline == end_of(dt.date(2025, 10, 28))


def test_a_county_tier_item_led_by_a_town_government_is_due_in_15_working_days(cast):
    town_government = save_record(
        Unit(county=cast.county, name="武安镇人民政府", kind=UnitKind.TOWN_GOVERNMENT), actor=None
    )
    s = assign(cast, submitted(cast), at=beijing(2025, 9, 30, 10, 0), lead=town_government)
    assert s.tier == Tier.COUNTY
    assert s.deadline == end_of(dt.date(2025, 10, 28))


def test_a_county_tier_item_led_by_a_county_department_is_due_in_three_months_off_holidays(cast):
    # Jul 1 + 3 months is Oct 1, National Day: moved to the next working day, Oct 9.
    s = assign(cast, submitted(cast), at=beijing(2025, 7, 1, 10, 0))
    assert s.deadline == s.original_deadline == end_of(dt.date(2025, 10, 9))


def test_a_deadline_given_at_assignment_wins_over_the_rules(cast):
    s = assign(cast, submitted(cast), at=beijing(2025, 9, 30, 10, 0), deadline=dt.date(2025, 11, 20))
    assert s.deadline == s.original_deadline == end_of(dt.date(2025, 11, 20))


def test_a_deadline_given_in_the_past_is_invalid_and_nothing_is_assigned(cast):
    s = submitted(cast)
    with pytest.raises(Invalid) as refused:
        assign(cast, s, at=beijing(2025, 9, 30, 10, 0), deadline=dt.date(2025, 9, 30))
    assert "deadline" in refused.value.errors
    assert Suggestion.objects.get(pk=s.pk).state == State.SUBMITTED
    assert not Assignment.objects.filter(suggestion=s).exists()


# --- extensions ------------------------------------------------------------------------------


def handling_since_july(cast) -> Suggestion:
    """Assigned on Jul 1 2025, due Oct 9 2025, acknowledged by unit a."""
    s = assign(cast, submitted(cast), at=beijing(2025, 7, 1, 10, 0))
    with clock(beijing(2025, 7, 2, 9, 0)):
        services.acknowledge_suggestion(s, actor=cast.users["unit_a"])
    return s


def test_an_extension_past_six_months_after_the_first_deadline_is_invalid(cast):
    s = handling_since_july(cast)
    # Oct 9 2025 + 6 months = Apr 9 2026, a working day: the last date an extension may reach.
    with clock(beijing(2025, 9, 1, 9, 0)), pytest.raises(Invalid) as refused:
        services.request_extension(
            s, actor=cast.users["unit_a"], until=dt.date(2026, 4, 10), reason="资金未到位。"
        )
    assert "until" in refused.value.errors
    assert not s.extensions.exists()
    with clock(beijing(2025, 9, 1, 9, 0)):
        extension = services.request_extension(
            s, actor=cast.users["unit_a"], until=dt.date(2026, 4, 9), reason="资金未到位。"
        )
    assert extension.until == dt.date(2026, 4, 9)


def test_an_extension_no_later_than_the_current_deadline_is_invalid(cast):
    s = handling_since_july(cast)
    with clock(beijing(2025, 9, 1, 9, 0)), pytest.raises(Invalid) as refused:
        services.request_extension(
            s, actor=cast.users["unit_a"], until=dt.date(2025, 10, 9), reason="资金未到位。"
        )
    assert "until" in refused.value.errors


def test_an_approved_extension_moves_the_deadline_and_keeps_the_first_one(cast):
    s = handling_since_july(cast)
    with clock(beijing(2025, 9, 1, 9, 0)):
        services.request_extension(
            s, actor=cast.users["unit_a"], until=dt.date(2025, 12, 31), reason="资金未到位。"
        )
        services.decide_extension(s, actor=cast.users["town_a"], approve=True)
    s.refresh_from_db()
    assert s.deadline == end_of(dt.date(2025, 12, 31))
    assert s.original_deadline == end_of(dt.date(2025, 10, 9))


def test_a_refused_extension_leaves_the_deadline(cast):
    s = handling_since_july(cast)
    with clock(beijing(2025, 9, 1, 9, 0)):
        services.request_extension(
            s, actor=cast.users["unit_a"], until=dt.date(2025, 12, 31), reason="资金未到位。"
        )
        services.decide_extension(s, actor=cast.users["town_a"], approve=False, note="理由不足。")
    s.refresh_from_db()
    assert s.deadline == end_of(dt.date(2025, 10, 9))


# --- overdue ---------------------------------------------------------------------------------


def test_an_assigned_item_past_its_deadline_is_overdue_in_the_queryset_and_the_api(cast, api_for):
    s = assign(cast, submitted(cast, tier=Tier.TOWN), at=beijing(2025, 9, 30, 10, 0))  # due Oct 28
    due = end_of(dt.date(2025, 10, 28))
    county = api_for("county")

    def overdue_ids(moment):
        with clock(moment):
            queryset = set(Suggestion.objects.overdue().values_list("pk", flat=True))
            listed = {row["id"] for row in county.get("/api/v1/suggestions/?overdue=true").json()["results"]}
            on_time = {
                row["id"] for row in county.get("/api/v1/suggestions/?overdue=false").json()["results"]
            }
        assert queryset == listed
        assert not listed & on_time
        return listed

    assert s.pk not in overdue_ids(due)  # the whole last day is the unit's
    assert s.pk in overdue_ids(due + dt.timedelta(microseconds=1))
    with clock(due + dt.timedelta(days=1)):
        assert county.get(f"/api/v1/suggestions/{s.pk}/").json()["overdue"] is True


def test_an_item_in_handling_stays_overdue_and_a_replied_one_does_not(cast):
    s = assign(cast, submitted(cast, tier=Tier.TOWN), at=beijing(2025, 9, 30, 10, 0))
    later = beijing(2025, 11, 3, 9, 0)
    with clock(later):
        services.acknowledge_suggestion(s, actor=cast.users["unit_a"])
        assert Suggestion.objects.overdue().filter(pk=s.pk).exists()
        services.reply_to_suggestion(s, actor=cast.users["unit_a"], category="A", text="已修复。")
        assert not Suggestion.objects.overdue().filter(pk=s.pk).exists()


# --- the return window -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "allowed"),
    [
        # Assigned Sep 30: Oct 9, 10, 11, 13, 14, 15, 16 are the seven working days after.
        (dt.date(2025, 10, 16), True),
        (dt.date(2025, 10, 17), False),
    ],
)
def test_a_unit_may_return_an_item_within_seven_working_days_only(cast, day, allowed):
    s = assign(cast, submitted(cast), at=beijing(2025, 9, 30, 10, 0))
    with clock(beijing(day.year, day.month, day.day, 16, 0)):
        if allowed:
            services.return_suggestion(s, actor=cast.users["unit_a"], reason="不属于本单位职责。")
        else:
            with pytest.raises(Conflict):
                services.return_suggestion(s, actor=cast.users["unit_a"], reason="不属于本单位职责。")
    s.refresh_from_db()
    assert s.state == (State.SUBMITTED if allowed else State.ASSIGNED)
