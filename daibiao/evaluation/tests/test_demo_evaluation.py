"""The demo's year-end evaluation: the 2026 evaluations of the units, the towns and the
deputies published on 27 November by the county's staff, every target scored and ranked
consistently with its score, the survey answered by most of the deputies asked, and the
reports to constituents held."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone

from daibiao.activities.choices import ActivityKind, AttendanceStatus
from daibiao.activities.demo import load_season
from daibiao.activities.models import Activity, Attendance
from daibiao.core import workdays
from daibiao.core.models import ChangeAction, ChangeLog
from daibiao.evaluation.choices import EvaluationState, TargetKind
from daibiao.evaluation.demo import PUBLISHED_AT, SURVEY_CLOSES, SURVEY_OPENS, load_evaluation
from daibiao.evaluation.metrics import ranks
from daibiao.evaluation.models import Evaluation, Score, ScoreLine, SurveyAnswer
from daibiao.registry.choices import DeputyStatus
from daibiao.registry.demo import COUNTY_NAME, DemoError, load_demo
from daibiao.registry.models import County, Deputy, Town
from daibiao.suggestions.choices import AssignmentState
from daibiao.suggestions.demo import load_loop
from daibiao.suggestions.models import Assignment

pytestmark = pytest.mark.django_db

CHINA = workdays.CHINA_TZ


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The whole demo, loaded once for this module in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        load_loop()
        load_season()
        county = County.objects.get(name=COUNTY_NAME)
        summary = load_evaluation(county)
        evaluations = {
            e.scheme.target_kind: e for e in Evaluation.objects.filter(county=county).select_related("scheme")
        }
        yield SimpleNamespace(county=county, summary=summary, evaluations=evaluations)
        transaction.set_rollback(True)


def test_the_three_evaluations_are_published_on_27_november_by_the_county_staff(demo):
    assert set(demo.evaluations) == set(TargetKind.values)
    for evaluation in demo.evaluations.values():
        assert evaluation.year == 2026
        assert evaluation.state == EvaluationState.PUBLISHED
        assert timezone.localtime(evaluation.published_at, CHINA).date() == dt.date(2026, 11, 27)
        assert evaluation.published_at >= PUBLISHED_AT
        assert evaluation.published_by.username == "county"
        assert evaluation.computed_at < evaluation.published_at
        entry = ChangeLog.objects.for_object(evaluation).get(action=ChangeAction.STATE)
        assert entry.actor_name == "county"


def test_every_target_is_scored(demo):
    scores = {kind: e.scores.count() for kind, e in demo.evaluations.items()}
    serving = Deputy.objects.filter(county=demo.county, status=DeputyStatus.SERVING).count()
    handling = (
        Assignment.objects.filter(suggestion__county=demo.county, suggestion__year=2026)
        .exclude(state=AssignmentState.RETURNED)
        .values("unit_id")
        .distinct()
        .count()
    )
    assert scores == {
        TargetKind.DEPUTY: serving,
        TargetKind.TOWN: Town.objects.filter(county=demo.county).count(),
        TargetKind.UNIT: handling,
    }
    assert serving > 1000
    assert demo.summary.scores == scores


@pytest.mark.parametrize("kind", TargetKind.values)
def test_ranks_are_consistent_with_the_scores(demo, kind):
    scores = list(demo.evaluations[kind].scores.order_by("rank", "id"))
    totals = [s.total for s in scores]
    assert totals == sorted(totals, reverse=True)
    assert [s.rank for s in scores] == ranks(totals)
    assert len(set(totals)) > 3  # the league table tells the targets apart


def test_each_total_is_the_sum_of_its_lines_out_of_100(demo):
    evaluation = demo.evaluations[TargetKind.UNIT]
    for score in Score.objects.filter(evaluation=evaluation).prefetch_related("lines"):
        lines = list(score.lines.all())
        assert score.total == sum(line.points for line in lines)
        assert sum(line.weight for line in lines) == 100
    lines = ScoreLine.objects.filter(score__evaluation=evaluation, metric="replied_on_time")
    assert any(line.records and line.list_url for line in lines)


def test_most_deputies_asked_answered_the_survey_mostly_satisfied(demo):
    summary = demo.summary
    assert summary.asked > 100
    assert summary.asked / 2 < summary.answered < summary.asked
    assert summary.satisfied_rate > 80
    answers = SurveyAnswer.objects.filter(survey__county=demo.county)
    days = {timezone.localtime(a.created_at, CHINA).date() for a in answers}
    assert min(days) >= SURVEY_OPENS
    assert max(days) <= SURVEY_CLOSES
    lines = ScoreLine.objects.filter(
        score__evaluation=demo.evaluations[TargetKind.UNIT], metric="satisfaction_survey"
    )
    assert sum(line.base for line in lines) == answers.count()


def test_every_town_held_reports_to_constituents_and_the_deputies_indicator_counts_them(demo):
    meetings = Activity.objects.filter(county=demo.county, kind=ActivityKind.REPORT_BACK)
    assert set(meetings.values_list("town_id", flat=True)) == set(
        Town.objects.filter(county=demo.county).values_list("pk", flat=True)
    )
    reported = set(
        Attendance.objects.filter(activity__in=meetings, status=AttendanceStatus.PRESENT).values_list(
            "deputy_id", flat=True
        )
    )
    assert demo.summary.reported == len(reported) > 250
    counted = set(
        ScoreLine.objects.filter(
            score__evaluation=demo.evaluations[TargetKind.DEPUTY], metric="annual_report", value__gte=1
        ).values_list("score__deputy_id", flat=True)
    )
    assert counted == reported


def test_loading_it_twice_is_refused(demo):
    with pytest.raises(DemoError):
        load_evaluation(demo.county)
