"""A query budget (STYLE habit 13): the pages and API lists that show deputies run the same
number of queries for 4 deputies as for 40, and stay under a fixed ceiling."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from daibiao.core import audit
from daibiao.registry.choices import Gender, Level
from daibiao.registry.models import Deputy
from daibiao.registry.services import save_deputy

pytestmark = pytest.mark.django_db

# The most queries any of these may run: session, user, roles, the scoped count and page,
# each prefetch, the change log, the filter pickers. Generous, but a fixed number.
CEILING = 15


def add_deputies(cast, n: int, start: int = 0) -> None:
    with audit.acting_as(None):
        for i in range(start, start + n):
            town = "a" if i % 2 else "b"
            save_deputy(
                Deputy(
                    name=f"代表{i:03d}",
                    gender=Gender.FEMALE,
                    phone=f"1370000{i:04d}",
                    town=cast.towns[town],
                    group=cast.groups[town],
                    station=cast.stations[town],
                ),
                actor=None,
                mandates=[{"level": Level.TOWN, "term": "第十七届"}, {"level": Level.COUNTY, "term": ""}],
            )


def queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


PAGES = [
    ("registry:deputy-list", None, {}),
    ("registry:deputy-list", None, {"export": "xlsx"}),
    ("registry:deputy-list", None, {"level": "county", "search": "代表"}),
    ("registry:station-detail", "station", {}),
    ("registry:group-detail", "group", {}),
    ("registry:town-detail", "town", {}),
    ("registry:town-list", None, {}),
    ("registry:station-list", None, {}),
    ("registry:group-list", None, {}),
    ("home", None, {}),
]


def page_url(cast, name, arg):
    if arg is None:
        return reverse(name)
    return reverse(
        name, args=[{"station": cast.stations, "group": cast.groups, "town": cast.towns}[arg]["a"].pk]
    )


@pytest.mark.parametrize("role", ["county", "town_a"])
@pytest.mark.parametrize(("name", "arg", "params"), PAGES, ids=[f"{n}{p}" for n, _, p in PAGES])
def test_pages_run_as_many_queries_for_40_deputies_as_for_4(cast, client_for, role, name, arg, params):
    client = client_for(role)
    url = page_url(cast, name, arg)
    add_deputies(cast, 4)
    few = queries(client, url, **params)
    add_deputies(cast, 36, start=4)
    many = queries(client, url, **params)
    assert many == few
    assert many <= CEILING


API_LISTS = ["deputies", "towns", "villages", "units", "stations", "groups"]


@pytest.mark.parametrize("role", ["county", "town_a"])
@pytest.mark.parametrize("resource", API_LISTS)
def test_api_lists_run_as_many_queries_for_40_deputies_as_for_4(cast, api_for, role, resource):
    client = api_for(role)
    url = f"/api/v1/{resource}/"
    add_deputies(cast, 4)
    few = queries(client, url)
    add_deputies(cast, 36, start=4)
    many = queries(client, url)
    assert many == few
    assert many <= CEILING


def test_the_deputy_list_really_shows_the_40(cast, client_for, api_for):
    # The budget means nothing if the rows are not on the page.
    add_deputies(cast, 40)
    response = client_for("county").get(reverse("registry:deputy-list"))
    assert len(response.context["object_list"]) == 44
    assert api_for("county").get("/api/v1/deputies/").json()["count"] == 44


def test_the_api_detail_of_a_deputy_has_a_budget(cast, api_for, django_assert_max_num_queries):
    client = api_for("county")
    with django_assert_max_num_queries(CEILING):
        assert client.get(f"/api/v1/deputies/{cast.deputies['a'].pk}/").status_code == 200
