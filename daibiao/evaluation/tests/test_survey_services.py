"""The year-end survey's services: one round per county and year; a deputy rates the units
he or she dealt with, only while the round is open, and answering again changes the answer;
the progress in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from daibiao.core.errors import Conflict
from daibiao.core.models import ChangeAction, ChangeLog
from daibiao.evaluation.models import SurveyAnswer, SurveyRound
from daibiao.evaluation.survey import answer_survey, open_survey, survey_progress, units_to_rate
from daibiao.suggestions import services as loop
from daibiao.suggestions.choices import Satisfaction
from daibiao.suggestions.demo import at

from .engine import START, YEAR, bj, new_suggestion

pytestmark = pytest.mark.django_db

S, BASIC, UNSATISFIED = Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED


@pytest.fixture(autouse=True)
def june():
    with at(START):
        yield


@pytest.fixture
def survey(cast):
    return open_survey(
        cast.county,
        actor=cast.users["county"],
        year=YEAR,
        opens_on=dt.date(2026, 6, 1),
        closes_on=dt.date(2026, 6, 10),
    )


def test_a_survey_opens_once_per_county_and_year(cast, survey):
    assert str(YEAR) in survey.title
    assert (survey.opens_on, survey.closes_on, survey.created_by) == (
        dt.date(2026, 6, 1),
        dt.date(2026, 6, 10),
        cast.users["county"],
    )
    with pytest.raises(ValidationError) as twice:
        open_survey(
            cast.county, actor=None, year=YEAR, opens_on=dt.date(2026, 11, 1), closes_on=dt.date(2026, 11, 9)
        )
    assert "year" in twice.value.message_dict
    with pytest.raises(ValidationError) as backwards:
        open_survey(
            cast.county, actor=None, year=2025, opens_on=dt.date(2026, 1, 9), closes_on=dt.date(2026, 1, 2)
        )
    assert "closes_on" in backwards.value.message_dict
    assert SurveyRound.objects.count() == 1


def test_only_county_staff_open_a_survey(cast):
    for name in ("town_a", "leader", "deputy_a", "unit_a"):
        with pytest.raises(PermissionDenied):
            open_survey(
                cast.county,
                actor=cast.users[name],
                year=YEAR,
                title="测评",
                opens_on=dt.date(2026, 6, 1),
                closes_on=dt.date(2026, 6, 9),
            )
    assert not SurveyRound.objects.exists()


def test_units_to_rate_are_the_lead_and_co_units_of_the_deputys_suggestions(cast, survey):
    a, a2, b = cast.deputies["a"], cast.deputies["a2"], cast.deputies["b"]
    ua, ub = cast.units["a"], cast.units["b"]
    # The cast: a's suggestion is with unit a (lead) and unit b (co); b's is not assigned yet.
    assert units_to_rate(survey, a) == [ua, ub]
    assert units_to_rate(survey, b) == []
    co_signed = new_suggestion(
        cast, "b", "九集镇修建便民桥", co_signers=["a2"], assign_to="b", co_units=["a"]
    )
    assert units_to_rate(survey, a2) == [ua, ub]  # as a co-signer
    assert units_to_rate(survey, b) == [ua, ub]
    with at(bj("2026-06-02 09:00")):
        loop.return_suggestion(co_signed, actor=cast.users["unit_a"], reason="不属于本单位职责。")
    assert units_to_rate(survey, b) == [ub]  # a unit that returned the item did not deal with it
    last_year = loop.create_suggestion(
        actor=None,
        title="去年的建议",
        content="…",
        lead_deputy=a2,
        town=cast.towns["a"],
        year=2025,
        submit=True,
    )
    loop.assign_suggestion(last_year, actor=cast.users["town_a"], lead_unit=ua)
    assert units_to_rate(survey, a2) == [ub]  # last year's item is not this survey's


def test_a_deputy_answers_and_answering_again_changes_the_answer(cast, survey):
    ua, ub = cast.units["a"], cast.units["b"]
    deputy, user = cast.deputies["a"], cast.users["deputy_a"]
    first = answer_survey(survey, deputy, actor=user, answers={ua.pk: (S, "答复及时。")})
    assert [(x.unit_id, x.result, x.comment) for x in first] == [(ua.pk, S, "答复及时。")]

    with at(bj("2026-06-05 21:00")):
        again = answer_survey(
            survey, deputy, actor=user, answers={ua.pk: (UNSATISFIED, "没有落实。"), ub.pk: (BASIC, "")}
        )

    assert [(x.unit_id, x.result, x.comment) for x in again] == [
        (ua.pk, UNSATISFIED, "没有落实。"),
        (ub.pk, BASIC, ""),
    ]
    assert SurveyAnswer.objects.filter(survey=survey, deputy=deputy).count() == 2
    changed = SurveyAnswer.objects.get(survey=survey, unit=ua)
    entry = ChangeLog.objects.for_object(changed).get(action=ChangeAction.UPDATE)
    assert entry.actor == user
    assert entry.changes["result"] == [S, UNSATISFIED]


@pytest.mark.parametrize("day", ["2026-05-31 23:00", "2026-06-11 00:10"])
def test_answers_are_refused_outside_the_survey_window(cast, survey, day):
    with at(bj(day)), pytest.raises(Conflict):
        answer_survey(
            survey, cast.deputies["a"], actor=cast.users["deputy_a"], answers={cast.units["a"].pk: (S, "")}
        )
    assert not SurveyAnswer.objects.exists()


@pytest.mark.parametrize("day", ["2026-06-01 00:05", "2026-06-10 23:55"])
def test_the_window_includes_its_first_and_last_day(cast, survey, day):
    with at(bj(day)):
        answer_survey(
            survey, cast.deputies["a"], actor=cast.users["deputy_a"], answers={cast.units["a"].pk: (S, "")}
        )
    assert SurveyAnswer.objects.count() == 1


def test_a_unit_the_deputy_did_not_deal_with_or_a_bad_rating_is_refused_and_nothing_saved(cast, survey):
    deputy, user = cast.deputies["b"], cast.users["deputy_b"]
    for answers in ({cast.units["a"].pk: (S, "")}, {}, {"x": (S, "")}):
        with pytest.raises(ValidationError) as refused:
            answer_survey(survey, deputy, actor=user, answers=answers)
        assert "answers" in refused.value.message_dict
    with pytest.raises(ValidationError):
        answer_survey(
            survey,
            cast.deputies["a"],
            actor=cast.users["deputy_a"],
            answers={cast.units["a"].pk: (S, ""), cast.units["b"].pk: ("great", "")},
        )
    with pytest.raises(ValidationError):
        answer_survey(
            survey,
            cast.deputies["a"],
            actor=cast.users["deputy_a"],
            answers={cast.units["a"].pk: (S, "长" * 501)},
        )
    assert not SurveyAnswer.objects.exists()


def test_nobody_answers_for_another_deputy(cast, survey):
    for name in ("deputy_b", "county", "town_a", "unit_a", "leader"):
        with pytest.raises(PermissionDenied):
            answer_survey(
                survey, cast.deputies["a"], actor=cast.users[name], answers={cast.units["a"].pk: (S, "")}
            )
    assert not SurveyAnswer.objects.exists()
    # The system may: a paper form typed in.
    answer_survey(survey, cast.deputies["a"], actor=None, answers={cast.units["a"].pk: (BASIC, "纸质测评表")})
    assert SurveyAnswer.objects.get().result == BASIC


def test_progress_counts_deputies_asked_answered_and_answers_by_rating(cast, survey):
    empty = survey_progress(survey)
    assert empty == {
        "deputies": 1,
        "answered": 0,
        "answers": 0,
        "by_result": {S: 0, BASIC: 0, UNSATISFIED: 0},
        "satisfied_rate": None,
    }
    new_suggestion(cast, "b", "九集镇修建便民桥", co_signers=["a2"], assign_to="b")
    answer_survey(
        survey, cast.deputies["a"], actor=cast.users["deputy_a"], answers={cast.units["a"].pk: (S, "")}
    )
    with CaptureQueriesContext(connection) as one:
        survey_progress(survey)
    answer_survey(
        survey,
        cast.deputies["b"],
        actor=cast.users["deputy_b"],
        answers={cast.units["b"].pk: (UNSATISFIED, "")},
    )
    answer_survey(survey, cast.deputies["a2"], actor=None, answers={cast.units["b"].pk: (BASIC, "")})
    with CaptureQueriesContext(connection) as three:
        progress = survey_progress(survey)

    assert progress == {
        "deputies": 3,
        "answered": 3,
        "answers": 3,
        "by_result": {S: 1, BASIC: 1, UNSATISFIED: 1},
        "satisfied_rate": 66.7,
    }
    assert len(one) == len(three)
