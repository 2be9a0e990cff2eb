"""The API's contract: tokens, ``/me/``, paginated resources, filters, validation errors as
JSON field errors, and the OpenAPI schema and docs."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from daibiao.core.models import ChangeLog
from daibiao.core.testing.cast import PASSWORD
from daibiao.registry.choices import Level
from daibiao.registry.models import Deputy, ElectoralDistrict

pytestmark = pytest.mark.django_db

API = "/api/v1"
RESOURCES = ["towns", "villages", "courtyards", "units", "stations", "groups", "deputies"]


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # The login throttle counts in the cache, which outlives each test's transaction.
    cache.clear()
    yield
    cache.clear()


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


# --- tokens and /me/ ----------------------------------------------------------------------


def test_token_endpoint_returns_a_token_for_the_right_password(cast):
    response = APIClient().post(
        f"{API}/auth/token/", {"username": "town_a", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=cast.users["town_a"]).key}


def test_token_endpoint_answers_400_json_for_a_wrong_password(cast):
    response = APIClient().post(
        f"{API}/auth/token/", {"username": "town_a", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "non_field_errors" in response.json()
    assert not Token.objects.filter(user=cast.users["town_a"]).exists()


def test_token_endpoint_names_missing_fields(cast):
    response = APIClient().post(f"{API}/auth/token/", {"username": "town_a"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_a_bad_token_is_refused(cast):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get(f"{API}/deputies/").status_code == 401


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("county", {"roles": ["county_staff"], "town": None, "unit": None, "deputy": None}),
        ("town_a", {"roles": ["town_staff"], "town": "a", "unit": None, "deputy": None}),
        ("unit_b", {"roles": ["unit_staff"], "town": None, "unit": "b", "deputy": None}),
        ("deputy_a", {"roles": ["deputy"], "town": "a", "unit": None, "deputy": "a"}),
        ("station_a", {"roles": ["station_head"], "town": "a", "unit": None, "deputy": None}),
    ],
)
def test_me_says_who_the_user_is_and_what_they_are_bound_to(cast, api_for, name, expected):
    response = api_for(name).get(f"{API}/me/")
    assert response.status_code == 200
    me = response.json()
    user = cast.users[name]
    assert me["id"] == user.pk
    assert me["username"] == name
    assert me["display_name"] == user.get_full_name()
    assert me["roles"] == expected["roles"]
    assert me["county"] == cast.county.pk
    assert me["town"] == (cast.towns[expected["town"]].pk if expected["town"] else None)
    assert me["unit"] == (cast.units[expected["unit"]].pk if expected["unit"] else None)
    assert me["deputy"] == (cast.deputies[expected["deputy"]].pk if expected["deputy"] else None)
    assert me["station"] == (cast.stations["a"].pk if name == "station_a" else None)


def test_me_shows_the_display_name_when_there_is_one(cast, api_for):
    user = cast.users["county"]
    user.display_name = "周主任"
    user.save(update_fields=["display_name"])
    assert api_for("county").get(f"{API}/me/").json()["display_name"] == "周主任"


# --- resources ----------------------------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_resource_lists_paginated_and_has_details(cast, api_for, resource):
    client = api_for("county")
    if resource == "courtyards":
        village = cast.villages["a"]
        client.post(f"{API}/courtyards/", {"village": village.pk, "name": "一组"}, format="json")
    response = client.get(f"{API}/{resource}/")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == len(body["results"]) >= 1
    first = body["results"][0]
    detail = client.get(f"{API}/{resource}/{first['id']}/")
    assert detail.status_code == 200
    assert detail.json() == first


def test_lists_page_by_page_size(cast, api_for):
    client = api_for("county")
    first = client.get(f"{API}/deputies/", {"page_size": 3}).json()
    assert first["count"] == 4
    assert len(first["results"]) == 3
    assert first["previous"] is None
    assert "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert second["next"] is None
    ids = {r["id"] for r in first["results"]} | {r["id"] for r in second["results"]}
    assert ids == {d.pk for d in cast.deputies.values()}


def test_an_unknown_id_is_a_json_404(cast, api_for):
    response = api_for("county").get(f"{API}/deputies/999999/")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_a_deputy_shows_its_levels_and_mandates(cast, api_for):
    deputy = cast.deputies["a"]
    body = api_for("county").get(f"{API}/deputies/{deputy.pk}/").json()
    assert body["name"] == "王小明"
    assert body["town"] == cast.towns["a"].pk
    assert body["town_name"] == "武安镇"
    assert body["levels"] == ["county", "town"]
    assert sorted(m["level"] for m in body["mandates"]) == ["county", "town"]


# --- filters ------------------------------------------------------------------------------


def test_deputies_filter_by_town(cast, api_for):
    client = api_for("county")
    assert names(client.get(f"{API}/deputies/", {"town": cast.towns["b"].pk})) == {"张建国", "赵秀英"}
    assert names(client.get(f"{API}/villages/", {"town": cast.towns["a"].pk})) == {"武安村"}


def test_a_town_filter_naming_no_visible_town_is_a_400(cast, api_for):
    response = api_for("county").get(f"{API}/deputies/", {"town": 999999})
    assert response.status_code == 400
    assert "town" in response.json()


def test_deputies_filter_by_level(cast, api_for):
    client = api_for("county")
    assert names(client.get(f"{API}/deputies/", {"level": Level.COUNTY})) == {"王小明"}
    assert names(client.get(f"{API}/deputies/", {"level": Level.TOWN})) == {"王小明", "李春兰", "张建国"}
    assert names(client.get(f"{API}/deputies/", {"level": Level.CITY})) == {"赵秀英"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("王小明", {"王小明"}),
        ("小明", {"王小明"}),
        ("wxm", {"王小明"}),
        ("WXM", {"王小明"}),
        ("wangxiao", {"王小明"}),
        ("z", {"张建国", "赵秀英"}),
        ("0000003", {"张建国"}),
        ("138000000", {"王小明", "李春兰", "张建国", "赵秀英"}),
        ("nobody", set()),
    ],
)
def test_deputies_search_by_name_pinyin_initials_or_phone(cast, api_for, text, expected):
    assert names(api_for("county").get(f"{API}/deputies/", {"search": text})) == expected


def test_search_stays_within_scope(cast, api_for):
    assert names(api_for("town_a").get(f"{API}/deputies/", {"search": "zjg"})) == set()


def test_reference_lists_search_by_name(cast, api_for):
    client = api_for("county")
    assert names(client.get(f"{API}/towns/", {"search": "武安"})) == {"武安镇"}
    assert names(client.get(f"{API}/units/", {"search": "水利"})) == {"县水利局"}
    assert names(client.get(f"{API}/stations/", {"search": "九集"})) == {"九集镇第一代表联络站"}


# --- writing deputies ---------------------------------------------------------------------


def new_deputy(cast, **overrides):
    data = {
        "name": "陈立新",
        "gender": "male",
        "phone": "13912345678",
        "town": cast.towns["a"].pk,
        "mandates": [{"level": "county", "term": "第十九届"}],
    }
    data.update(overrides)
    return data


def test_creating_a_deputy_with_mandates(cast, api_for):
    district = ElectoralDistrict.objects.get(town=cast.towns["a"])
    payload = new_deputy(
        cast,
        mandates=[
            {"level": "county", "term": "第十九届"},
            {"level": "town", "term": "第十七届", "electoral_district": district.pk},
        ],
    )
    response = api_for("town_a").post(f"{API}/deputies/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["levels"] == ["county", "town"]
    deputy = Deputy.objects.get(pk=body["id"])
    assert deputy.county_id == cast.county.pk
    assert deputy.name_initials == "clx"
    mandates = {m.level: m for m in deputy.mandates.all()}
    assert mandates["town"].electoral_district == district
    assert mandates["county"].term == "第十九届"


def test_patching_mandates_replaces_them(cast, api_for):
    deputy = cast.deputies["a"]
    response = api_for("county").patch(
        f"{API}/deputies/{deputy.pk}/", {"mandates": [{"level": "city", "term": ""}]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["levels"] == ["city"]
    assert list(deputy.mandates.values_list("level", flat=True)) == ["city"]


def assert_refused(response, field, before_logs):
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    assert field in response.json(), response.json()
    assert not Deputy.objects.filter(name="陈立新").exists()
    assert ChangeLog.objects.count() == before_logs


@pytest.mark.parametrize("phone", ["12345", "23800000000", "1380000000a", "138000000011"])
def test_a_bad_phone_is_a_400_field_error_and_nothing_is_saved(cast, api_for, phone):
    logs = ChangeLog.objects.count()
    response = api_for("county").post(f"{API}/deputies/", new_deputy(cast, phone=phone), format="json")
    assert_refused(response, "phone", logs)


def test_a_duplicate_phone_is_a_400_field_error(cast, api_for):
    logs = ChangeLog.objects.count()
    taken = cast.deputies["b"].phone
    response = api_for("county").post(f"{API}/deputies/", new_deputy(cast, phone=taken), format="json")
    assert_refused(response, "phone", logs)


def test_missing_name_and_a_bad_level_are_400_field_errors(cast, api_for):
    logs = ChangeLog.objects.count()
    payload = new_deputy(cast, mandates=[{"level": "galaxy"}])
    del payload["name"]
    response = api_for("county").post(f"{API}/deputies/", payload, format="json")
    assert_refused(response, "name", logs)
    assert "mandates" in response.json()


def test_a_level_given_twice_is_a_400_field_error(cast, api_for):
    logs = ChangeLog.objects.count()
    payload = new_deputy(cast, mandates=[{"level": "town"}, {"level": "town"}])
    response = api_for("county").post(f"{API}/deputies/", payload, format="json")
    assert_refused(response, "mandates", logs)


def test_a_town_out_of_reach_is_a_400_field_error(cast, api_for):
    from daibiao.registry.models import County, Town

    other = Town.objects.create(county=County.objects.create(name="邻县"), name="城关镇")
    logs = ChangeLog.objects.count()
    response = api_for("county").post(f"{API}/deputies/", new_deputy(cast, town=other.pk), format="json")
    assert_refused(response, "town", logs)


# --- schema and docs ----------------------------------------------------------------------


def test_openapi_schema_renders_and_names_every_resource(cast, api_for):
    response = api_for("county").get(f"{API}/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for resource in RESOURCES:
        assert f"/api/v1/{resource}/" in schema["paths"]
        assert f"/api/v1/{resource}/{{id}}/" in schema["paths"]
    assert "/api/v1/auth/token/" in schema["paths"]
    assert "/api/v1/me/" in schema["paths"]


def test_api_docs_page_renders(cast, client_for):
    response = client_for("county").get(f"{API}/docs/")
    assert response.status_code == 200
    assert "swagger" in response.content.decode().lower()
