"""The evaluation pages for each role: who sees which evaluations and scores, the ranking
table, computing, publishing after a confirmation (frozen, audited), deleting a draft, the
score breakdown, and the schemes with their new-version formset. Refusals change nothing."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils.translation import gettext

from daibiao.core.models import ChangeAction, ChangeLog
from daibiao.evaluation import services, views
from daibiao.evaluation.choices import EvaluationState, TargetKind
from daibiao.evaluation.models import Evaluation, Indicator, Scheme, Score, ScoreLine
from tests.pages import submission

from .surface_world import build, ranked

pytestmark = pytest.mark.django_db

LIST = reverse("evaluation:evaluation-list")


@pytest.fixture
def world(cast):
    return build(cast)


def listed(client, **params) -> set[int]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return {e.pk for e in response.context["object_list"]}


def all_ids() -> set[int]:
    return set(Evaluation.objects.values_list("pk", flat=True))


def published_ids() -> set[int]:
    return set(Evaluation.objects.filter(state=EvaluationState.PUBLISHED).values_list("pk", flat=True))


# --- the list -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["county", "leader", "admin"])
def test_county_staff_and_leaders_list_drafts_and_published(world, client_for, role):
    assert listed(client_for(role)) == all_ids()
    assert {world.draft.pk, world.blank.pk} <= all_ids()


@pytest.mark.parametrize("role", ["town_a", "unit_b", "deputy_a", "station_a"])
def test_everyone_else_lists_only_the_published_evaluations(world, client_for, role):
    assert (
        listed(client_for(role))
        == published_ids()
        == {
            world.published.pk,
            world.towns.pk,
            world.deputies.pk,
        }
    )
    for draft in (world.draft, world.blank):
        assert client_for(role).get(draft.get_absolute_url()).status_code == 404


def test_anonymous_is_sent_to_log_in(world, client_for):
    response = client_for("anonymous").get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_list_filters_by_kind_state_year_and_title(world, client_for):
    client = client_for("county")
    units = set(Evaluation.objects.filter(scheme__target_kind=TargetKind.UNIT).values_list("pk", flat=True))
    assert listed(client, kind="unit") == units
    assert listed(client, state="draft") == {world.draft.pk, world.blank.pk}
    assert listed(client, year=world.published.year) == all_ids()
    assert listed(client, year=world.published.year - 1) == set()
    assert listed(client, search="草稿") == {world.draft.pk}


def test_the_list_exports_the_filtered_evaluations(world, client_for):
    response = client_for("county").get(LIST, {"export": "xlsx", "state": "published"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    titles = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert titles == {world.published.title, world.towns.title, world.deputies.title}


def test_the_new_evaluation_form_is_offered_to_county_staff_only(world, client_for):
    assert "new_form" in client_for("county").get(LIST).context
    assert "new_form" not in client_for("leader").get(LIST).context
    assert client_for("leader").get(reverse("evaluation:evaluation-create")).status_code == 403


def test_county_staff_start_an_evaluation_as_a_draft(world, cast, client_for):
    scheme = world.schemes[TargetKind.TOWN]
    response = client_for("county").post(
        reverse("evaluation:evaluation-create"), {"scheme": scheme.pk, "year": world.published.year}
    )
    assert response.status_code == 302
    created = Evaluation.objects.latest("id")
    assert response["Location"] == created.get_absolute_url()
    assert (created.scheme, created.state, created.computed_at) == (scheme, EvaluationState.DRAFT, None)
    assert str(world.published.year) in created.title


def test_a_bad_year_is_said_on_the_form_and_nothing_is_saved(world, client_for):
    before, logs = Evaluation.objects.count(), ChangeLog.objects.count()
    response = client_for("county").post(
        reverse("evaluation:evaluation-create"), {"scheme": world.schemes[TargetKind.UNIT].pk, "year": 1990}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["year"]
    assert (Evaluation.objects.count(), ChangeLog.objects.count()) == (before, logs)


def test_a_leader_may_not_start_an_evaluation(world, client_for):
    before = Evaluation.objects.count()
    response = client_for("leader").post(
        reverse("evaluation:evaluation-create"), {"scheme": world.schemes[TargetKind.UNIT].pk, "year": 2026}
    )
    assert response.status_code == 403
    assert Evaluation.objects.count() == before


# --- the detail page and its ranking table ------------------------------------------------------


def ranking_names(response) -> list[str]:
    return [row["score"].name for row in response.context["table"]]


def test_the_ranking_table_lists_the_scores_in_rank_order_with_each_indicators_points(world, client_for):
    response = client_for("county").get(world.published.get_absolute_url())
    assert response.status_code == 200
    assert ranking_names(response) == ranked(world.published)
    indicators = list(world.schemes[TargetKind.UNIT].indicators.order_by("position"))
    assert [c.label for c in response.context["columns"]] == [i.label for i in indicators]
    first = response.context["table"][0]
    assert [line.points for line in first["cells"]] == list(
        ScoreLine.objects.filter(score=first["score"]).order_by("position").values_list("points", flat=True)
    )
    assert sum(line.points for line in first["cells"]) == first["score"].total


def test_the_ranking_is_searchable_by_name_and_paginated(world, client_for, monkeypatch):
    client = client_for("county")
    url = world.published.get_absolute_url()
    assert ranking_names(client.get(url, {"search": "卫健"})) == ["县卫健委"]
    monkeypatch.setattr(views, "RANKING_PAGE", 2)
    names = ranked(world.published)
    first, second = client.get(url), client.get(url, {"page": 2})
    assert first.context["is_paginated"]
    assert ranking_names(first) == names[:2]
    assert ranking_names(second) == names[2:4]


def test_a_deputy_sees_the_unit_league_table_and_only_his_own_deputy_score(world, cast, client_for):
    client = client_for("deputy_a")
    assert ranking_names(client.get(world.published.get_absolute_url())) == ranked(world.published)
    assert ranking_names(client.get(world.deputies.get_absolute_url())) == [cast.deputies["a"].name]
    assert ranking_names(client.get(world.towns.get_absolute_url())) == []


def test_town_staff_see_their_town_and_its_deputies(world, cast, client_for):
    client = client_for("town_a")
    assert ranking_names(client.get(world.towns.get_absolute_url())) == ["武安镇"]
    assert set(ranking_names(client.get(world.deputies.get_absolute_url()))) == {"王小明", "李春兰"}
    other = Score.objects.get(evaluation=world.deputies, deputy=cast.deputies["b"])
    assert client.get(other.get_absolute_url()).status_code == 404


def test_the_detail_offers_the_steps_the_state_allows(world, client_for):
    county, leader = client_for("county"), client_for("leader")
    draft = county.get(world.draft.get_absolute_url()).context
    assert (draft["may_compute"], draft["may_publish"], draft["may_delete"]) == (True, True, True)
    blank = county.get(world.blank.get_absolute_url()).context
    assert (blank["may_compute"], blank["may_publish"]) == (True, False)
    published = county.get(world.published.get_absolute_url()).context
    assert (published["may_compute"], published["may_publish"], published["may_delete"]) == (
        False,
        False,
        False,
    )
    assert published["has_bulletin"]
    assert published["may_report"]
    assert not draft["has_bulletin"]
    led = leader.get(world.draft.get_absolute_url()).context
    assert (led["may_compute"], led["may_publish"], led["may_delete"]) == (False, False, False)
    unit_staff = client_for("unit_a").get(world.published.get_absolute_url()).context
    assert unit_staff["has_bulletin"]
    assert not unit_staff["may_report"]


# --- computing, publishing, deleting ------------------------------------------------------------


def test_computing_a_blank_draft_ranks_the_units(world, client_for):
    response = client_for("county").post(reverse("evaluation:evaluation-compute", args=[world.blank.pk]))
    assert response.status_code == 302
    world.blank.refresh_from_db()
    assert world.blank.computed_at is not None
    assert ranked(world.blank) == ranked(world.published)


def test_computing_a_published_evaluation_is_refused_and_changes_nothing(world, client_for):
    scores = list(Score.objects.filter(evaluation=world.published).values_list("pk", "total"))
    client = client_for("county")
    response = client.post(reverse("evaluation:evaluation-compute", args=[world.published.pk]), follow=True)
    assert gettext("This evaluation has been published: its scores are frozen.") in [
        str(m) for m in response.context["messages"]
    ]
    assert list(Score.objects.filter(evaluation=world.published).values_list("pk", "total")) == scores


def test_a_leader_may_not_compute_and_others_do_not_find_a_draft(world, client_for):
    url = reverse("evaluation:evaluation-compute", args=[world.blank.pk])
    assert client_for("leader").post(url).status_code == 403
    assert client_for("town_a").post(url).status_code == 404
    world.blank.refresh_from_db()
    assert world.blank.computed_at is None


def test_publishing_asks_for_confirmation_then_freezes_and_is_audited(world, cast, client_for):
    client = client_for("county")
    url = reverse("evaluation:evaluation-publish", args=[world.draft.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["ready"]
    assert (
        gettext(
            "This cannot be undone: a published evaluation is never computed again nor deleted. "
            "The publication is recorded in the change log."
        )
        in page.content.decode()
    )
    world.draft.refresh_from_db()
    assert world.draft.state == EvaluationState.DRAFT  # asking publishes nothing
    response = client.post(url)
    assert response.status_code == 302
    world.draft.refresh_from_db()
    assert world.draft.state == EvaluationState.PUBLISHED
    assert world.draft.published_by == cast.users["county"]
    entry = ChangeLog.objects.for_object(world.draft).get(action=ChangeAction.STATE)
    assert entry.changes["state"] == ["draft", "published"]
    # Now everyone of the county sees it.
    assert world.draft.pk in listed(client_for("unit_a"))
    # Publishing again is refused with a message; nothing more is written.
    logs = ChangeLog.objects.count()
    again = client.post(url, follow=True)
    assert gettext("This evaluation has already been published.") in " ".join(
        str(m) for m in again.context["messages"]
    )
    assert ChangeLog.objects.count() == logs


def test_an_uncomputed_draft_cannot_be_published(world, client_for):
    client = client_for("county")
    url = reverse("evaluation:evaluation-publish", args=[world.blank.pk])
    assert not client.get(url).context["ready"]
    client.post(url)
    world.blank.refresh_from_db()
    assert world.blank.state == EvaluationState.DRAFT


def test_a_leader_may_not_publish(world, client_for):
    url = reverse("evaluation:evaluation-publish", args=[world.draft.pk])
    assert client_for("leader").get(url).status_code == 403
    assert client_for("leader").post(url).status_code == 403
    assert client_for("unit_a").get(url).status_code == 404
    world.draft.refresh_from_db()
    assert world.draft.state == EvaluationState.DRAFT


def test_a_draft_is_deleted_after_confirmation(world, client_for):
    client = client_for("county")
    url = reverse("evaluation:evaluation-delete", args=[world.draft.pk])
    assert "confirm-delete" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert not Evaluation.objects.filter(pk=world.draft.pk).exists()
    assert not Score.objects.filter(evaluation_id=world.draft.pk).exists()
    assert ChangeLog.objects.for_object(world.draft).filter(action=ChangeAction.DELETE).exists()


def test_a_published_evaluation_cannot_be_deleted(world, client_for):
    client = client_for("county")
    url = reverse("evaluation:evaluation-delete", args=[world.published.pk])
    page = client.get(url).content.decode()
    assert "confirm-delete" not in page
    response = client.post(url, follow=True)
    assert gettext("A published evaluation cannot be deleted.") in [
        str(m) for m in response.context["messages"]
    ]
    assert Evaluation.objects.filter(pk=world.published.pk).exists()
    assert (
        client_for("leader").post(reverse("evaluation:evaluation-delete", args=[world.draft.pk])).status_code
        == 403
    )


# --- a score's breakdown --------------------------------------------------------------------------


def top_unit_score(world) -> Score:
    return Score.objects.filter(evaluation=world.published).order_by("rank", "id").first()


def test_the_breakdown_shows_each_indicator_with_its_rate_points_and_records(world, client_for):
    score = top_unit_score(world)
    response = client_for("county").get(score.get_absolute_url())
    assert response.status_code == 200
    rows = response.context["lines"]
    stored = list(ScoreLine.objects.filter(score=score).order_by("position", "id"))
    assert [row["line"].pk for row in rows] == [line.pk for line in stored]
    acknowledged = next(row for row in rows if row["line"].metric == "acknowledged_on_time")
    line = acknowledged["line"]
    assert acknowledged["measured"] == f"{int(line.value)}/{int(line.base)} = 100%"
    html = response.content.decode()
    for record in line.records:
        assert f'href="{record["url"]}"' in html
    assert line.list_url.replace("&", "&amp;") in html
    assert response.context["records_shown"]
    assert response.context["target_url"] == score.unit.get_absolute_url()


def test_another_units_staff_see_the_figures_but_not_the_records(world, client_for):
    score = top_unit_score(world)  # 县住建局
    response = client_for("unit_a").get(score.get_absolute_url())
    assert response.status_code == 200
    assert not response.context["records_shown"]
    html = response.content.decode()
    assert 'data-testid="records"' not in html
    assert "请县住建局解决问题" not in html
    own = client_for("unit_a").get(
        Score.objects.get(evaluation=world.published, unit__name="县交通运输局").get_absolute_url()
    )
    assert own.context["records_shown"]


def test_a_draft_score_is_404_to_those_who_only_see_published_ones(world, client_for):
    score = Score.objects.filter(evaluation=world.draft).first()
    assert client_for("unit_a").get(score.get_absolute_url()).status_code == 404
    assert client_for("leader").get(score.get_absolute_url()).status_code == 200


# --- schemes ---------------------------------------------------------------------------------------


def test_the_schemes_are_listed_by_kind_for_county_staff_and_leaders(world, client_for):
    for role in ("county", "leader"):
        response = client_for(role).get(reverse("evaluation:scheme-list"))
        assert {s.pk for s in response.context["object_list"]} == {s.pk for s in world.schemes.values()}
    assert list(client_for("unit_a").get(reverse("evaluation:scheme-list")).context["object_list"]) == []
    assert client_for("unit_a").get(world.schemes[TargetKind.UNIT].get_absolute_url()).status_code == 404


def test_a_scheme_page_lists_its_indicators_and_the_evaluations_that_used_it(world, client_for):
    scheme = world.schemes[TargetKind.UNIT]
    response = client_for("leader").get(scheme.get_absolute_url())
    assert [row["indicator"].metric for row in response.context["indicators"]] == list(
        scheme.indicators.order_by("position").values_list("metric", flat=True)
    )
    assert response.context["full"] == 100
    assert {e.pk for e in response.context["evaluations"]} == {
        world.published.pk,
        world.draft.pk,
        world.blank.pk,
    }
    assert not response.context["can_change"]
    assert client_for("county").get(scheme.get_absolute_url()).context["can_change"]


def new_version_url(scheme) -> str:
    return reverse("evaluation:scheme-new-version", args=[scheme.pk])


def test_the_new_version_form_starts_from_the_current_indicators(world, client_for):
    scheme = world.schemes[TargetKind.UNIT]
    response = client_for("county").get(new_version_url(scheme))
    assert response.status_code == 200
    formset = response.context["formset"]
    assert [f.initial["metric"] for f in formset.forms if f.initial] == list(
        scheme.indicators.order_by("position").values_list("metric", flat=True)
    )
    assert client_for("leader").get(new_version_url(scheme)).status_code == 403
    assert client_for("town_a").get(new_version_url(scheme)).status_code == 404


def test_saving_a_new_version_keeps_the_old_one_for_its_evaluations(world, client_for):
    scheme = world.schemes[TargetKind.UNIT]
    client = client_for("county")
    data = submission(client.get(new_version_url(scheme)))
    # Move 10 points from the returned-items indicator to the deputies' ratings.
    weights = {data[f"indicators-{i}-metric"]: i for i in range(scheme.indicators.count())}
    data[f"indicators-{weights['returned']}-DELETE"] = "on"
    ratings = weights["satisfaction_ratings"]
    data[f"indicators-{ratings}-weight"] = "25"
    data["name"] = "单位测评（第二版）"
    response = client.post(new_version_url(scheme), data)
    assert response.status_code == 302, response.context and response.context["formset"].non_form_errors()
    new = Scheme.objects.get(target_kind=TargetKind.UNIT, version=2)
    assert response["Location"] == new.get_absolute_url()
    assert new.name == "单位测评（第二版）"
    assert dict(new.indicators.values_list("metric", "weight")).get("satisfaction_ratings") == 25
    assert not new.indicators.filter(metric="returned").exists()
    assert scheme.indicators.filter(metric="returned").exists()  # v1 untouched
    world.published.refresh_from_db()
    assert world.published.scheme_id == scheme.pk


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"indicators-0-weight": "5"}, "The weights add up to {total} points; they must add up to 100."),
        ({"indicators-1-metric": "acknowledged_on_time"}, "Row {n}: “{label}” is measured twice."),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_new_version_is_refused_on_the_form_and_nothing_is_saved(world, client_for, change, message):
    scheme = world.schemes[TargetKind.UNIT]
    client = client_for("county")
    data = {**submission(client.get(new_version_url(scheme))), **change}
    before = (Scheme.objects.count(), Indicator.objects.count(), ChangeLog.objects.count())
    response = client.post(new_version_url(scheme), data)
    assert response.status_code == 200
    errors = [
        *response.context["formset"].non_form_errors(),
        *response.context["form"].errors.get("name", []),
    ]
    assert errors
    if message != "name":
        # The message as the catalogue words it, after its last placeholder.
        assert gettext(message).rsplit("}", 1)[1] in " ".join(errors)
    assert (Scheme.objects.count(), Indicator.objects.count(), ChangeLog.objects.count()) == before


def test_a_target_rule_without_a_target_is_refused(world, client_for):
    scheme = world.schemes[TargetKind.UNIT]
    client = client_for("county")
    data = {
        **submission(client.get(new_version_url(scheme))),
        "indicators-0-rule": "target",
        "indicators-0-target": "",
    }
    response = client.post(new_version_url(scheme), data)
    assert response.status_code == 200
    assert gettext("Row {n}: the rule “up to a target count” needs a target greater than 0.").format(n=1) in (
        response.context["formset"].non_form_errors()
    )
    assert not Scheme.objects.filter(version=2).exists()


def test_a_county_without_schemes_installs_the_defaults_from_the_list(cast, client_for):
    client = client_for("county")
    page = client.get(reverse("evaluation:scheme-list"))
    assert page.context["may_install"]
    assert client_for("leader").post(reverse("evaluation:scheme-install")).status_code == 403
    assert not Scheme.objects.exists()
    response = client.post(reverse("evaluation:scheme-install"))
    assert response.status_code == 302
    assert set(Scheme.objects.values_list("target_kind", flat=True)) == set(TargetKind.values)
    assert not client.get(reverse("evaluation:scheme-list")).context["may_install"]


def test_an_evaluation_under_a_new_version_is_scored_by_it(world, cast, client_for):
    scheme = world.schemes[TargetKind.UNIT]
    rows = [
        {"metric": "acknowledged_on_time", "label": "签收率", "weight": 50, "rule": "rate"},
        {"metric": "replied_on_time", "label": "按期答复率", "weight": 50, "rule": "rate"},
    ]
    v2 = services.new_scheme_version(scheme, actor=cast.users["county"], indicators=rows)
    response = client_for("county").post(
        reverse("evaluation:evaluation-create"), {"scheme": v2.pk, "year": world.published.year}
    )
    created = Evaluation.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    client_for("county").post(reverse("evaluation:evaluation-compute", args=[created.pk]))
    page = client_for("county").get(created.get_absolute_url())
    assert [c.label for c in page.context["columns"]] == ["签收率", "按期答复率"]
    assert ranking_names(page)[0] == "县住建局"
