"""The year-end survey's pages: county staff open a round and follow its progress and each
unit's results (counts, never who answered what); a deputy rates on the phone page the units
he or she dealt with, in one POST, sees what is answered, and is told when the round is not
open. Refused or invalid posts save nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from daibiao.core.models import ChangeLog
from daibiao.evaluation import survey
from daibiao.evaluation.models import SurveyAnswer, SurveyRound

from .surface_world import add_units, open_round, this_year

pytestmark = pytest.mark.django_db

MINE = reverse("evaluation:my-survey")


@pytest.fixture
def units(cast):
    return add_units(cast)


@pytest.fixture
def round_(cast, units):
    return open_round(cast)


def to_rate(cast, round_) -> list:
    return survey.units_to_rate(round_, cast.deputies["a"])


def answers_post(units, choices: dict) -> dict:
    """The phone form's POST: ``choices`` {unit: result or (result, comment)}."""
    data = {}
    for unit in units:
        choice = choices.get(unit)
        if choice is None:
            continue
        result, comment = choice if isinstance(choice, tuple) else (choice, "")
        data[f"result_{unit.pk}"] = result
        data[f"comment_{unit.pk}"] = comment
    return data


# --- opening and following a round --------------------------------------------------------------


def test_county_staff_open_a_round_and_a_second_for_the_same_year_is_refused(cast, client_for):
    client = client_for("county")
    url = reverse("evaluation:survey-create")
    today = timezone.localdate()
    data = {"year": this_year(), "opens_on": today, "closes_on": today + dt.timedelta(days=14)}
    response = client.post(url, data)
    assert response.status_code == 302
    created = SurveyRound.objects.get()
    assert response["Location"] == created.get_absolute_url()
    assert str(this_year()) in created.title
    logs = ChangeLog.objects.count()
    again = client.post(url, data)
    assert again.status_code == 200
    assert again.context["form"].errors["year"]
    assert SurveyRound.objects.count() == 1
    assert ChangeLog.objects.count() == logs


def test_a_round_cannot_close_before_it_opens(cast, client_for):
    today = timezone.localdate()
    response = client_for("county").post(
        reverse("evaluation:survey-create"),
        {"year": this_year(), "opens_on": today, "closes_on": today - dt.timedelta(days=1)},
    )
    assert response.context["form"].errors["closes_on"]
    assert not SurveyRound.objects.exists()


@pytest.mark.parametrize("role", ["leader", "town_a", "unit_a", "deputy_a"])
def test_only_county_staff_open_a_round(cast, client_for, role):
    assert client_for(role).get(reverse("evaluation:survey-create")).status_code == 403


def test_the_round_page_shows_progress_and_each_units_results_without_names(cast, client_for, round_):
    deputy = cast.deputies["a"]
    units = to_rate(cast, round_)
    chosen = {units[0]: "satisfied", units[1]: ("unsatisfied", "答复敷衍")}
    survey.answer_survey(
        round_,
        deputy,
        actor=cast.users["deputy_a"],
        answers={u.pk: (c if isinstance(c, tuple) else (c, "")) for u, c in chosen.items()},
    )
    for role in ("county", "leader"):
        response = client_for(role).get(round_.get_absolute_url())
        assert response.status_code == 200
        progress = response.context["progress"]
        assert (progress["answered"], progress["answers"]) == (1, 2)
        results = {r["unit_id"]: r for r in response.context["results"]}
        assert (results[units[0].pk]["satisfied"], results[units[0].pk]["rate"]) == (1, 100)
        assert (results[units[1].pk]["unsatisfied"], results[units[1].pk]["rate"]) == (1, 0)
        html = response.content.decode()
        assert "答复敷衍" in html  # the comment, anonymously
        assert deputy.name not in html


def test_unit_and_town_staff_never_reach_the_survey(cast, client_for, round_):
    for role in ("unit_a", "town_a", "station_a"):
        client = client_for(role)
        assert list(client.get(reverse("evaluation:survey-list")).context["object_list"]) == []
        assert client.get(round_.get_absolute_url()).status_code == 404
        assert client.get(MINE).status_code == 403


def test_a_deputy_sees_the_round_without_the_results(cast, client_for, round_):
    response = client_for("deputy_a").get(round_.get_absolute_url())
    assert response.status_code == 200
    assert "progress" not in response.context
    assert "results" not in response.context
    assert 'data-testid="answer-link"' in response.content.decode()


# --- the deputy's phone page ---------------------------------------------------------------------


def test_the_phone_page_lists_the_units_the_deputy_dealt_with_with_three_big_choices(
    cast, client_for, round_
):
    response = client_for("deputy_a").get(MINE)
    assert response.status_code == 200
    assert response.context["is_open"]
    form = response.context["form"]
    assert [u.pk for u in form.units] == [u.pk for u in to_rate(cast, round_)]
    assert len(form.units) == 5  # 武安镇's suggestion's two units and the three more
    html = response.content.decode()
    for unit in form.units:
        assert html.count(f'name="result_{unit.pk}"') == 3
        assert f'name="comment_{unit.pk}"' in html
    assert html.count('class="btn-check"') == 3 * len(form.units)
    assert "btn-lg" in html
    assert 'name="viewport"' in html


def test_a_deputy_rates_several_units_in_one_post_and_sees_them_answered(cast, client_for, round_):
    client = client_for("deputy_a")
    units = to_rate(cast, round_)
    data = answers_post(units, {units[0]: ("satisfied", "及时"), units[2]: "basically_satisfied"})
    response = client.post(MINE, data)
    assert response.status_code == 302
    stored = {
        a.unit_id: (a.result, a.comment) for a in SurveyAnswer.objects.filter(deputy=cast.deputies["a"])
    }
    assert stored == {units[0].pk: ("satisfied", "及时"), units[2].pk: ("basically_satisfied", "")}
    page = client.get(MINE)
    assert page.context["n_answered"] == 2
    assert page.context["answered_ids"] == {units[0].pk, units[2].pk}
    html = page.content.decode()
    radio = f'name="result_{units[0].pk}" id="id_result_{units[0].pk}_1" value="satisfied"'
    assert f'{radio} autocomplete="off" checked' in html
    # Answering again changes the answer.
    client.post(MINE, answers_post(units, {units[0]: "unsatisfied"}))
    assert SurveyAnswer.objects.get(deputy=cast.deputies["a"], unit=units[0]).result == "unsatisfied"
    assert SurveyAnswer.objects.filter(deputy=cast.deputies["a"]).count() == 2


def test_a_post_without_any_rating_is_refused_and_saves_nothing(cast, client_for, round_):
    response = client_for("deputy_a").post(MINE, {})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not SurveyAnswer.objects.exists()


def test_a_rating_of_a_unit_the_deputy_did_not_deal_with_is_refused(cast, client_for, round_):
    other = cast.deputies["b"]  # 张建国 dealt with no unit
    assert survey.units_to_rate(round_, other) == []
    page = client_for("deputy_b").get(MINE)
    assert page.context["form"].units == []
    assert 'data-testid="no-units"' in page.content.decode()
    unit = to_rate(cast, round_)[0]
    response = client_for("deputy_b").post(MINE, {f"result_{unit.pk}": "satisfied"})
    assert response.status_code == 200
    assert not SurveyAnswer.objects.exists()


def test_a_closed_round_says_so_and_takes_no_answers(cast, client_for, units):
    round_ = open_round(cast, opens_in=-20, closes_in=-1)
    client = client_for("deputy_a")
    page = client.get(MINE)
    assert not page.context["is_open"]
    html = page.content.decode()
    assert 'data-testid="not-open"' in html
    assert 'data-testid="save-survey"' not in html
    unit = to_rate(cast, round_)[0]
    response = client.post(MINE, {f"result_{unit.pk}": "satisfied"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not SurveyAnswer.objects.exists()


def test_a_round_not_open_yet_says_when_it_opens(cast, client_for, units):
    round_ = open_round(cast, opens_in=3, closes_in=10)
    page = client_for("deputy_a").get(MINE)
    assert page.context["not_yet"]
    assert round_.opens_on.isoformat() in page.content.decode()


def test_without_a_round_the_page_says_there_is_none(cast, client_for):
    page = client_for("deputy_a").get(MINE)
    assert page.status_code == 200
    assert page.context["round"] is None
    assert 'data-testid="no-survey"' in page.content.decode()


@pytest.mark.parametrize("role", ["county", "leader", "unit_a", "town_a"])
def test_the_phone_page_is_for_deputies_only(cast, client_for, role):
    assert client_for(role).get(MINE).status_code == 403


def test_a_too_long_comment_is_said_on_the_form(cast, client_for, round_):
    unit = to_rate(cast, round_)[0]
    response = client_for("deputy_a").post(
        MINE, {f"result_{unit.pk}": "satisfied", f"comment_{unit.pk}": "长" * 501}
    )
    assert response.status_code == 200
    assert response.context["form"].errors[f"comment_{unit.pk}"]
    assert not SurveyAnswer.objects.exists()
