"""The API's refusals, as the schema fuzz test (``tests/robustness/test_api_schema_fuzz.py``)
found them wanting: bad paging input is a 400 with field errors, a path no route matches is a
JSON 404, and every refusal is one the schema documents (``core.openapi.AutoSchema``)."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext

from tests.robustness.schema import call_checked

pytestmark = pytest.mark.django_db

WHOLE_NUMBER = "Give a whole number, 1 or more."


@pytest.mark.parametrize(
    ("param", "value"), [("page_size", "abc"), ("page_size", "0"), ("page_size", "null"), ("page", "")]
)
def test_bad_paging_input_is_a_400_with_a_field_error(cast, api_for, param, value):
    response = api_for("county").get("/api/v1/towns/", {param: value})
    assert response.status_code == 400
    assert response.json() == {param: [gettext(WHOLE_NUMBER)]}


def test_good_paging_input_still_pages(cast, api_for):
    response = api_for("county").get("/api/v1/towns/", {"page": "1", "page_size": "1"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_a_path_no_api_route_matches_is_a_json_404(cast, api_for):
    response = api_for("county").get("/api/v1/towns/1.5/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_a_page_outside_the_api_keeps_the_html_404(cast, client_for):
    response = client_for("county").get("/registry/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("method", "path", "case", "status"),
    [
        ("GET", "/api/v1/towns/{id}/", {"path_parameters": {"id": 999999}}, 404),
        ("GET", "/api/v1/towns/", {"query": {"page": "99"}}, 404),
        ("GET", "/api/v1/activities/", {"query": {"starts_before": "not-a-date"}}, 400),
        ("POST", "/api/v1/towns/", {"body": {}}, 400),
    ],
)
def test_refusals_are_documented_in_the_schema(cast, method, path, case, status):
    response = call_checked(cast.users["county"], method, path, **case)
    assert response.status_code == status
    assert response.json()


@pytest.mark.parametrize(("user", "status"), [("county", 400), ("deputy_a", 403)])
def test_deleting_a_town_still_referred_to_or_out_of_reach_is_a_documented_refusal(cast, user, status):
    # 400 for staff: other records refer to the town; 403 for a deputy, who may only read it.
    response = call_checked(
        cast.users[user], "DELETE", "/api/v1/towns/{id}/", path_parameters={"id": cast.towns["a"].pk}
    )
    assert response.status_code == status


def test_an_empty_choice_filter_means_all_and_the_schema_admits_it(cast, api_for):
    schema = api_for("county").get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    parameters = schema["paths"]["/api/v1/leading-group/"]["get"]["parameters"]
    role = next(p for p in parameters if p["name"] == "role")
    assert "" in role["schema"]["enum"]
    everyone = api_for("county").get("/api/v1/leading-group/").json()["count"]
    assert api_for("county").get("/api/v1/leading-group/", {"role": ""}).json()["count"] == everyone


@pytest.mark.parametrize("path", ["/api/v1/evaluations/", "/api/v1/suggestions/", "/api/v1/clues/"])
@pytest.mark.parametrize("year", ["1.5", "-4.2e-98"])
def test_a_year_filter_that_is_not_a_whole_number_is_a_400(cast, api_for, path, year):
    response = api_for("county").get(path, {"year": year})
    assert response.status_code == 400
    assert list(response.json()) == ["year"]


def test_a_whole_year_still_filters(cast, api_for):
    year = cast.suggestions["a"].year
    response = api_for("county").get("/api/v1/suggestions/", {"year": str(year)})
    assert response.status_code == 200
    assert cast.suggestions["a"].pk in {row["id"] for row in response.json()["results"]}


ONCE = "Give this parameter once."


@pytest.mark.parametrize(
    ("path", "param", "values"),
    [
        ("/api/v1/oversight-items/", "year", ["2025", "2026"]),  # a filter (found by the fuzz test)
        ("/api/v1/towns/", "page", ["1", "1"]),  # paging
        ("/api/v1/towns/", "ordering", ["name", "-name"]),  # ordering
        ("/api/v1/search/", "q", ["道路", "学校"]),  # the search box
        ("/api/v1/public/stations/", "town", ["1", "2"]),  # a parameter a view reads itself
    ],
)
def test_a_parameter_that_takes_one_value_given_twice_is_a_400(cast, api_for, path, param, values):
    response = api_for("county").get(path, {param: values})
    assert response.status_code == 400
    assert response.json() == {param: [gettext(ONCE)]}


def test_a_filter_that_takes_several_values_still_takes_them(cast, api_for):
    suggestion = cast.suggestions["a"]
    response = api_for("county").get("/api/v1/suggestions/", {"state": [suggestion.state, "concluded"]})
    assert response.status_code == 200
    assert suggestion.pk in {row["id"] for row in response.json()["results"]}


def test_a_town_that_is_not_a_number_is_refused_not_ignored(cast, api_for):
    response = api_for("county").get("/api/v1/public/stations/", {"town": "abc"})
    assert response.status_code == 400
    assert list(response.json()) == ["town"]


@pytest.mark.parametrize("year", ["62934719001358860", "0", "10000"])
def test_a_year_no_date_can_hold_is_a_400_not_a_crash(cast, api_for, year):
    # Found by the fuzz test: a whole year of 17 digits reached the date lookup (500).
    response = api_for("county").get("/api/v1/clues/", {"year": year})
    assert response.status_code == 400
    assert list(response.json()) == ["year"]


def test_an_id_filter_too_large_for_a_key_column_is_a_400(cast, api_for):
    response = api_for("county").get("/api/v1/progress-reports/", {"round": str(2**70)})
    assert response.status_code == 400
    assert list(response.json()) == ["round"]


def test_text_sent_as_a_json_number_is_a_field_error_and_nothing_is_saved(cast, api_for):
    # Found by the fuzz test: {"title": 1186833122} made an oversight item titled "1186833122".
    from daibiao.supervision.models import OversightItem

    before = OversightItem.objects.count()
    body = {"year": 2026, "committee": "education", "title": 1186833122}
    response = api_for("county").post("/api/v1/oversight-items/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["title"]
    assert OversightItem.objects.count() == before
    body["title"] = "1186833122"
    assert api_for("county").post("/api/v1/oversight-items/", body, format="json").status_code == 201


@pytest.mark.parametrize("ordering", ["ï", "name,", "nosuchfield", "-name,bogus"])
def test_an_ordering_the_list_cannot_take_is_a_400_not_ignored(cast, api_for, ordering):
    # Found by the fuzz test: ?ordering=ï answered 200 in the default order.
    response = api_for("county").get("/api/v1/towns/", {"ordering": ordering})
    assert response.status_code == 400
    assert list(response.json()) == ["ordering"]


def test_a_known_ordering_still_orders(cast, api_for):
    response = api_for("county").get("/api/v1/towns/", {"ordering": "-name"})
    assert response.status_code == 200
    names = [row["name"] for row in response.json()["results"]]
    assert names == sorted(names, reverse=True)


def test_adding_a_member_answers_the_201_its_schema_documents(cast):
    from daibiao.registry.tests.test_organizations import organization as make_organization

    organization = make_organization(cast)
    response = call_checked(
        cast.users["county"],
        "POST",
        "/api/v1/organizations/{id}/add-member/",
        path_parameters={"id": organization.pk},
        body={"deputy": cast.deputies["a"].pk},
    )
    assert response.status_code == 201
