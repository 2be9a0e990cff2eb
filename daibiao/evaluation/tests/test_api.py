"""The evaluation API for each role: evaluations (filters, steps), scores with their
breakdowns, compute and publish (409 with the state on a wrong state), the bulletin and the
rankings downloads, and the survey rounds with a deputy's answers."""

from __future__ import annotations

import io

import docx
import openpyxl
import pytest
from django.urls import reverse

from daibiao.core.models import ChangeLog
from daibiao.evaluation.choices import EvaluationState, TargetKind
from daibiao.evaluation.models import Evaluation, Score, SurveyAnswer

from .surface_world import add_units, build, open_round, ranked

pytestmark = pytest.mark.django_db

LIST = "/api/v1/evaluations/"


@pytest.fixture
def world(cast):
    return build(cast)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:300]
    return {row["id"] for row in response.json()["results"]}


def detail(pk) -> str:
    return f"{LIST}{pk}/"


def test_county_staff_and_leaders_list_every_evaluation_others_the_published(world, api_for):
    every = set(Evaluation.objects.values_list("pk", flat=True))
    published = set(Evaluation.objects.filter(state="published").values_list("pk", flat=True))
    assert ids(api_for("county").get(LIST)) == every
    assert ids(api_for("leader").get(LIST)) == every
    for role in ("town_a", "unit_a", "deputy_b", "station_a"):
        assert ids(api_for(role).get(LIST)) == published
    assert api_for("anonymous").get(LIST).status_code == 401


def test_the_list_filters_by_year_kind_and_state(world, api_for):
    client = api_for("county")
    assert ids(client.get(LIST, {"kind": "unit", "state": "draft"})) == {world.draft.pk, world.blank.pk}
    assert ids(client.get(LIST, {"kind": "deputy"})) == {world.deputies.pk}
    assert ids(client.get(LIST, {"year": world.published.year - 1})) == set()
    response = client.get(LIST, {"kind": "nobody"})
    assert response.status_code == 400
    assert "kind" in response.json()


def test_an_evaluation_says_what_the_caller_may_do_and_where_its_scores_are(world, api_for):
    body = api_for("county").get(detail(world.draft.pk)).json()
    assert body["allowed_steps"] == ["compute", "publish", "delete"]
    assert (body["kind"], body["state"], body["bulletin_url"]) == ("unit", "draft", None)
    assert body["scores_url"] == f"{LIST}{world.draft.pk}/scores/"
    assert api_for("county").get(detail(world.blank.pk)).json()["allowed_steps"] == ["compute", "delete"]
    assert api_for("leader").get(detail(world.draft.pk)).json()["allowed_steps"] == []
    published = api_for("unit_a").get(detail(world.published.pk)).json()
    assert published["allowed_steps"] == []
    assert published["bulletin_url"] == f"{LIST}{world.published.pk}/bulletin.docx"
    assert api_for("unit_a").get(detail(world.draft.pk)).status_code == 404


def test_the_scores_come_in_rank_order_with_their_breakdowns(world, api_for):
    response = api_for("county").get(f"{LIST}{world.published.pk}/scores/", {"page_size": 2})
    body = response.json()
    assert body["count"] == len(ranked(world.published))
    assert [row["name"] for row in body["results"]] == ranked(world.published)[:2]
    top = body["results"][0]
    score = Score.objects.get(pk=top["id"])
    assert top["target"] == score.unit_id
    assert [line["metric"] for line in top["lines"]] == list(
        score.lines.order_by("position").values_list("metric", flat=True)
    )
    acknowledged = next(line for line in top["lines"] if line["metric"] == "acknowledged_on_time")
    assert acknowledged["records"]
    assert acknowledged["records"][0]["url"].startswith("/loop/suggestions/")
    assert acknowledged["list_url"]
    assert sum(float(line["points"]) for line in top["lines"]) == float(top["total"])
    searched = api_for("county").get(f"{LIST}{world.published.pk}/scores/", {"search": "教育"}).json()
    assert [row["name"] for row in searched["results"]] == ["县教育局"]


def test_another_units_staff_get_the_figures_without_the_records(world, api_for):
    rows = api_for("unit_a").get(f"{LIST}{world.published.pk}/scores/").json()["results"]
    by_name = {row["name"]: row for row in rows}
    assert all(line["records"] == [] and line["list_url"] == "" for line in by_name["县住建局"]["lines"])
    own = by_name["县交通运输局"]["lines"]
    assert any(line["list_url"] for line in own)


def test_a_deputy_gets_only_his_own_deputy_score(world, cast, api_for):
    rows = api_for("deputy_a").get(f"{LIST}{world.deputies.pk}/scores/").json()["results"]
    assert [row["target"] for row in rows] == [cast.deputies["a"].pk]


# --- compute and publish ------------------------------------------------------------------------


def test_county_staff_compute_a_draft(world, api_for):
    response = api_for("county").post(f"{LIST}{world.blank.pk}/compute/")
    assert response.status_code == 200
    assert response.json()["computed_at"]
    assert response.json()["allowed_steps"] == ["compute", "publish", "delete"]
    assert ranked(world.blank) == ranked(world.published)


def test_computing_a_published_evaluation_is_a_409_with_its_state(world, api_for):
    before = list(Score.objects.filter(evaluation=world.published).values_list("pk", "total"))
    logs = ChangeLog.objects.count()
    response = api_for("county").post(f"{LIST}{world.published.pk}/compute/")
    assert response.status_code == 409
    body = response.json()
    assert body["state"] == "published"
    assert body["allowed_steps"] == []
    assert body["detail"]
    assert list(Score.objects.filter(evaluation=world.published).values_list("pk", "total")) == before
    assert ChangeLog.objects.count() == logs


def test_publishing_twice_publishes_once(world, cast, api_for):
    client = api_for("county")
    first = client.post(f"{LIST}{world.draft.pk}/publish/")
    assert first.status_code == 200
    assert (first.json()["state"], first.json()["published_by"]) == ("published", cast.users["county"].pk)
    second = client.post(f"{LIST}{world.draft.pk}/publish/")
    assert second.status_code == 409
    assert second.json()["state"] == "published"


def test_an_uncomputed_draft_is_not_published(world, api_for):
    response = api_for("county").post(f"{LIST}{world.blank.pk}/publish/")
    assert response.status_code == 409
    assert response.json()["allowed_steps"] == ["compute", "delete"]
    world.blank.refresh_from_db()
    assert world.blank.state == EvaluationState.DRAFT


@pytest.mark.parametrize(
    ("role", "code"), [("leader", 403), ("town_a", 404), ("unit_a", 404), ("deputy_a", 404)]
)
def test_others_may_not_compute_or_publish_a_draft(world, api_for, role, code):
    for step in ("compute", "publish"):
        assert api_for(role).post(f"{LIST}{world.draft.pk}/{step}/").status_code == code
    world.draft.refresh_from_db()
    assert world.draft.state == EvaluationState.DRAFT


def test_a_published_evaluation_refuses_writes_to_its_readers(world, api_for):
    assert api_for("unit_a").post(f"{LIST}{world.published.pk}/compute/").status_code == 403
    assert api_for("county").delete(detail(world.published.pk)).status_code == 405


# --- downloads ----------------------------------------------------------------------------------


def test_the_bulletin_opens_and_ranks_the_units_as_the_evaluation(world, api_for):
    response = api_for("unit_b").get(f"{LIST}{world.published.pk}/bulletin.docx")
    assert response.status_code == 200
    assert response["Content-Type"].endswith("wordprocessingml.document")
    document = docx.Document(io.BytesIO(response.content))
    table = document.tables[0]
    assert [row.cells[1].text for row in table.rows[1:]] == ranked(world.published)


@pytest.mark.parametrize("which", ["draft", "deputies", "towns"])
def test_there_is_no_bulletin_of_a_draft_or_of_deputies_or_towns(world, api_for, which):
    evaluation = getattr(world, which)
    response = api_for("county").get(f"{LIST}{evaluation.pk}/bulletin.docx")
    assert response.status_code == 409
    assert response.json()["detail"]


def test_the_bulletin_of_an_evaluation_out_of_sight_is_404(world, api_for):
    assert api_for("unit_a").get(f"{LIST}{world.draft.pk}/bulletin.docx").status_code == 404


def test_the_rankings_workbook_holds_the_scores_the_caller_may_see(world, cast, api_for):
    response = api_for("county").get(reverse("api:evaluation-rankings", args=[world.deputies.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ranked(world.deputies)
    response = api_for("deputy_a").get(reverse("api:evaluation-rankings", args=[world.deputies.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [cast.deputies["a"].name]


# --- the survey ---------------------------------------------------------------------------------

ROUNDS = "/api/v1/survey-rounds/"


@pytest.fixture
def round_(cast):
    add_units(cast)
    return open_round(cast)


def test_survey_rounds_reach_county_staff_leaders_and_deputies(cast, api_for, round_):
    for role in ("county", "leader", "deputy_a"):
        assert ids(api_for(role).get(ROUNDS)) == {round_.pk}
    for role in ("unit_a", "town_a"):
        assert ids(api_for(role).get(ROUNDS)) == set()
        assert api_for(role).get(f"{ROUNDS}{round_.pk}/").status_code == 404


def test_a_deputy_reads_his_units_and_answers_them(cast, api_for, round_):
    client = api_for("deputy_a")
    url = f"{ROUNDS}{round_.pk}/answers/"
    mine = client.get(url).json()
    assert mine["is_open"]
    units = [u["id"] for u in mine["units"]]
    assert len(units) == 5
    assert all(u["answer"] is None for u in mine["units"])
    body = {
        "answers": [
            {"unit": units[0], "result": "satisfied", "comment": "好"},
            {"unit": units[1], "result": "unsatisfied"},
        ]
    }
    response = client.post(url, body, format="json")
    assert response.status_code == 200
    answered = {u["id"]: u["answer"] for u in response.json()["units"] if u["answer"]}
    assert answered[units[0]]["result"] == "satisfied"
    assert answered[units[1]]["result"] == "unsatisfied"
    assert SurveyAnswer.objects.filter(deputy=cast.deputies["a"]).count() == 2


def test_the_round_gives_progress_and_results_to_the_county_only(cast, api_for, round_):
    api_for("deputy_a").post(
        f"{ROUNDS}{round_.pk}/answers/",
        {"answers": [{"unit": cast.units["a"].pk, "result": "basically_satisfied"}]},
        format="json",
    )
    county = api_for("county").get(f"{ROUNDS}{round_.pk}/").json()
    assert county["progress"]["answers"] == 1
    assert county["results"] == [
        {
            "unit": cast.units["a"].pk,
            "name": cast.units["a"].name,
            "satisfied": 0,
            "basically_satisfied": 1,
            "unsatisfied": 0,
            "answers": 1,
            "satisfied_rate": 100.0,
        }
    ]
    deputy = api_for("deputy_a").get(f"{ROUNDS}{round_.pk}/").json()
    assert (deputy["progress"], deputy["results"]) == (None, None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answers": [{"unit": 1, "result": "great"}]}, "answers"),
        ({"answers": []}, "answers"),
        ({}, "answers"),
    ],
)
def test_bad_answers_are_field_errors_and_save_nothing(cast, api_for, round_, body, field):
    response = api_for("deputy_a").post(f"{ROUNDS}{round_.pk}/answers/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not SurveyAnswer.objects.exists()


def test_a_unit_the_deputy_did_not_deal_with_is_refused(cast, api_for, round_):
    response = api_for("deputy_b").post(
        f"{ROUNDS}{round_.pk}/answers/",
        {"answers": [{"unit": cast.units["a"].pk, "result": "satisfied"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "answers" in response.json()
    assert not SurveyAnswer.objects.exists()


def test_only_a_deputy_answers_and_only_while_the_round_is_open(cast, api_for):
    add_units(cast)
    closed = open_round(cast, opens_in=-10, closes_in=-1)
    body = {"answers": [{"unit": cast.units["a"].pk, "result": "satisfied"}]}
    assert api_for("county").post(f"{ROUNDS}{closed.pk}/answers/", body, format="json").status_code == 403
    assert api_for("county").get(f"{ROUNDS}{closed.pk}/answers/").json()["units"] == []
    response = api_for("deputy_a").post(f"{ROUNDS}{closed.pk}/answers/", body, format="json")
    assert response.status_code == 409
    assert response.json()["detail"]
    assert not SurveyAnswer.objects.exists()


def test_the_schema_names_the_evaluation_resources(api_for, cast):
    schema = api_for("county").get("/api/v1/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert "/api/v1/evaluations/{id}/bulletin.docx" in paths
    assert "/api/v1/evaluations/{id}/scores/" in paths
    assert "/api/v1/survey-rounds/{id}/answers/" in paths
    assert TargetKind.UNIT in str(paths["/api/v1/evaluations/"])
