"""Query budgets (STYLE habit 13): the evaluation pages and API lists run as many queries for
many evaluations, scores, units and answers as for a few, and stay under a fixed ceiling."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from daibiao.core import audit
from daibiao.evaluation import survey
from daibiao.evaluation.choices import TargetKind
from daibiao.evaluation.models import Score
from daibiao.registry.choices import Gender, Level
from daibiao.registry.models import Deputy
from daibiao.registry.services import save_deputy

from .surface_world import add_units, build, evaluation, open_round

pytestmark = pytest.mark.django_db

CEILING = 20


def queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


def add_deputies(cast, n: int, start: int = 0) -> None:
    with audit.acting_as(None):
        for i in range(start, start + n):
            save_deputy(
                Deputy(
                    name=f"预算代表{i:03d}",
                    gender=Gender.MALE,
                    phone=f"1372222{i:04d}",
                    town=cast.towns["a" if i % 2 else "b"],
                ),
                actor=None,
                mandates=[{"level": Level.TOWN, "term": ""}],
            )


@pytest.fixture
def world(cast):
    return build(cast)


@pytest.mark.parametrize("role", ["county", "town_a", "deputy_a"])
def test_the_ranking_page_runs_as_many_queries_for_many_scores_as_for_few(cast, world, client_for, role):
    client = client_for(role)
    few = queries(client, world.deputies.get_absolute_url())
    add_deputies(cast, 30)
    more = evaluation(cast, world.schemes[TargetKind.DEPUTY], publish=True)
    assert Score.objects.filter(evaluation=more).count() > 30
    many = queries(client, more.get_absolute_url())
    assert many == few
    assert many <= CEILING
    assert queries(client, more.get_absolute_url(), search="预算") <= few


@pytest.mark.parametrize("role", ["county", "unit_a", "deputy_a"])
def test_the_score_page_has_a_fixed_budget(world, client_for, role):
    client = client_for(role)
    scores = Score.objects.filter(evaluation=world.published).order_by("rank", "id")
    client.get(scores.first().get_absolute_url())  # warm the content-type cache of the change log
    counts = {queries(client, score.get_absolute_url()) for score in (scores.first(), scores.last())}
    assert len(counts) == 1
    assert counts.pop() <= CEILING


@pytest.mark.parametrize("role", ["county", "unit_a"])
def test_the_list_and_the_api_run_as_many_queries_for_many_evaluations_as_for_few(
    cast, world, client_for, api_for, role
):
    page, api = client_for(role), api_for(role)
    few = (queries(page, reverse("evaluation:evaluation-list")), queries(api, "/api/v1/evaluations/"))
    for kind in TargetKind.values:
        for _ in range(3):
            evaluation(cast, world.schemes[kind], publish=True)
    many = (queries(page, reverse("evaluation:evaluation-list")), queries(api, "/api/v1/evaluations/"))
    assert many == few
    assert max(many) <= CEILING


@pytest.mark.parametrize("role", ["county", "town_a"])
def test_the_api_scores_run_as_many_queries_for_many_as_for_few(cast, world, api_for, role):
    client = api_for(role)
    few = queries(client, f"/api/v1/evaluations/{world.deputies.pk}/scores/")
    add_deputies(cast, 30)
    more = evaluation(cast, world.schemes[TargetKind.DEPUTY], publish=True)
    many = queries(client, f"/api/v1/evaluations/{more.pk}/scores/")
    assert many == few
    assert many <= CEILING


def test_the_scheme_pages_have_a_fixed_budget(world, client_for):
    client = client_for("county")
    for url in (
        reverse("evaluation:scheme-list"),
        world.schemes[TargetKind.UNIT].get_absolute_url(),
        reverse("evaluation:scheme-new-version", args=[world.schemes[TargetKind.UNIT].pk]),
    ):
        assert queries(client, url) <= CEILING


def test_the_survey_pages_run_as_many_queries_for_many_units_and_answers_as_for_few(cast, client_for):
    add_units(cast, handling=[("县一局", True, False)])
    round_ = open_round(cast)
    deputy, admin_page, phone = cast.deputies["a"], client_for("county"), client_for("deputy_a")

    def answer_all():
        units = survey.units_to_rate(round_, deputy)
        survey.answer_survey(
            round_, deputy, actor=cast.users["deputy_a"], answers={u.pk: ("satisfied", "好") for u in units}
        )

    answer_all()
    few = (queries(admin_page, round_.get_absolute_url()), queries(phone, reverse("evaluation:my-survey")))
    add_units(cast, handling=[(f"县{i}号单位", True, False) for i in range(8)])
    answer_all()
    assert len(survey.units_to_rate(round_, deputy)) > 8
    many = (queries(admin_page, round_.get_absolute_url()), queries(phone, reverse("evaluation:my-survey")))
    assert many == few
    assert max(many) <= CEILING
