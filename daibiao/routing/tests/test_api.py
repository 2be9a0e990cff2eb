"""``POST /api/v1/routing/suggest/``: authentication, scoping of units, errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from daibiao.registry.models import County, Unit

pytestmark = pytest.mark.django_db
URL = "/api/v1/routing/suggest/"


def test_the_url_is_named():
    assert reverse("api:routing-suggest") == URL


def test_anonymous_is_refused(api_for):
    assert api_for("anonymous").post(URL, {"title": "停电"}, format="json").status_code in (401, 403)


def test_it_ranks_categories_and_units_with_reasons(api_for, cast):
    response = api_for("town_a").post(
        URL, {"title": "自来水停水", "body": "管网老化，水压不足。", "k": 2}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["categories"][0]["value"] == "water"
    assert len(data["categories"]) == 2
    assert data["units"][0] == {
        "id": cast.units["b"].pk,
        "name": "县水利局",
        "score": data["units"][0]["score"],
    }
    assert data["reasons"]
    assert data["trained"] is False


def test_units_out_of_the_callers_scope_are_never_named(api_for, cast):
    other = County.objects.create(name="邻县")
    Unit.objects.create(county=other, name="邻县交通运输局")
    for role in ("town_a", "unit_b", "deputy_a"):
        user = cast.users[role]
        response = api_for(role).post(URL, {"title": "村道坑洼", "body": "通组路破损"}, format="json")
        assert response.status_code == 200
        visible = set(Unit.objects.restrict(user, "view").values_list("pk", flat=True))
        named = {u["id"] for u in response.json()["units"]}
        assert named <= visible
        assert all(u["name"] != "邻县交通运输局" for u in response.json()["units"])


def test_bad_input_is_a_400_with_field_errors(api_for):
    client = api_for("town_a")
    response = client.post(URL, {}, format="json")
    assert response.status_code == 400
    assert "title" in str(response.json())
    response = client.post(URL, {"title": "x" * 121, "k": 0}, format="json")
    assert response.status_code == 400
    body = str(response.json())
    assert "title" in body
    assert "k" in body
