"""``GET /api/v1/search/``: who may ask, what comes back, filters, pages, bad input, and a
fixed number of queries however many results."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from daibiao.core import audit
from daibiao.suggestions import services as loop

pytestmark = pytest.mark.django_db
URL = "/api/v1/search/"


def test_the_url_is_named():
    assert reverse("api:search") == URL


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_anonymous_is_refused_with_401(api_for, method):
    assert getattr(api_for("anonymous"), method)(URL, {"q": "路灯"}).status_code == 401


def test_it_answers_ranked_highlighted_results_in_the_callers_scope(api_for, cast, world):
    response = api_for("town_a").get(URL, {"q": "路灯"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "next", "previous", "ranked", "results"}
    assert body["ranked"] is True
    assert {(r["type"], r["id"]) for r in body["results"]} == {
        ("clue", cast.clues["a"].pk),
        ("clue", world.road.pk),
    }
    assert body["count"] == 2
    hit = next(r for r in body["results"] if r["id"] == cast.clues["a"].pk)
    assert hit == {
        "type": "clue",
        "id": cast.clues["a"].pk,
        "title": "武安镇路灯不亮",
        "title_html": "武安镇<mark>路灯</mark>不亮",
        "snippet_html": "村口<mark>路灯</mark>坏了半年。",
        "url": cast.clues["a"].get_absolute_url(),
        "town": "武安镇",
        "date": cast.clues["a"].occurred_on.isoformat(),
        "state": cast.clues["a"].get_state_display(),
    }


def test_a_unit_without_a_town_comes_back_with_town_null(api_for, cast):
    results = api_for("county").get(URL, {"q": "水利局"}).json()["results"]
    assert results == [
        {
            "type": "unit",
            "id": cast.units["b"].pk,
            "title": "县水利局",
            "title_html": "县<mark>水利局</mark>",
            "snippet_html": "",
            "url": cast.units["b"].get_absolute_url(),
            "town": None,
            "date": None,
            "state": "",
        }
    ]


def test_markup_in_a_record_comes_back_escaped(api_for, world):
    results = api_for("town_b").get(URL, {"q": "蓄水池"}).json()["results"]
    assert [r["id"] for r in results] == [world.script.pk]
    assert "<script>" not in results[0]["title_html"]
    assert "&lt;script&gt;" in results[0]["title_html"]
    assert "&lt;b&gt;村民&lt;/b&gt;" in results[0]["snippet_html"]


def test_without_q_nothing_is_searched(api_for, cast):
    body = api_for("county").get(URL).json()
    assert body == {"count": 0, "next": None, "previous": None, "ranked": True, "results": []}
    assert api_for("county").get(URL, {"q": "  "}).json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "！？…"}, "q"),
        ({"q": "路" * 101}, "q"),
        ({"q": "路灯", "type": "letter"}, "type"),
        ({"q": "路灯", "town": "999999"}, "town"),
        ({"q": "路灯", "town": "x"}, "town"),
        ({"q": "路灯", "year": "later"}, "year"),
    ],
)
def test_bad_input_is_a_400_with_the_fields_errors(api_for, cast, params, field):
    response = api_for("county").get(URL, params)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert isinstance(response.json()[field], list)


def test_a_town_of_another_county_is_refused(api_for, cast, world):
    town = world.other_county.towns.get()
    response = api_for("county").get(URL, {"q": "路灯", "town": town.pk})
    assert response.status_code == 400
    assert "town" in response.json()


def test_the_type_town_and_year_filters(api_for, cast, world):
    client = api_for("county")

    def found(**params):
        return {(r["type"], r["id"]) for r in client.get(URL, {"q": "村道", **params}).json()["results"]}

    everything = found()
    assert {k for k, _ in everything} == {"clue", "suggestion", "reply"}
    assert found(type="reply") == {("reply", world.reply.pk)}
    assert found(town=cast.towns["b"].pk) == {
        ("clue", cast.suggestions["b"].clues.get().pk),
        ("suggestion", cast.suggestions["b"].pk),
    }
    assert found(year=cast.suggestions["a"].year) == everything
    assert found(year=2001) == set()


def test_results_come_in_pages(api_for, cast):
    with audit.acting_as(None):
        for i in range(5):
            loop.create_clue(
                actor=cast.users["deputy_a"],
                title=f"护栏缺失{i}号",
                content="临崖无护栏。",
                town=cast.towns["a"],
            )
    client = api_for("town_a")
    first = client.get(URL, {"q": "护栏", "page_size": 2}).json()
    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert "page=2" in first["next"]
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    ids = [r["id"] for page in (first, second, third) for r in page["results"]]
    assert len(ids) == len(set(ids)) == 5
    assert third["next"] is None
    assert client.get(URL, {"q": "护栏", "page": 9}).status_code == 404


@pytest.mark.parametrize("q", ["护栏", ""])
@pytest.mark.parametrize("params", [{"page": -3}, {"page_size": "false"}, {"page": ""}, {"page_size": 0}])
def test_malformed_paging_is_refused_with_or_without_words(api_for, q, params):
    response = api_for("county").get(URL, {"q": q, **params})
    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_queries_do_not_grow_with_the_number_of_results(api_for, cast):
    client = api_for("county")

    def count_queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"q": "护栏", "page_size": 50})
        assert response.status_code == 200
        return len(captured), response.json()["count"]

    with audit.acting_as(None):
        loop.create_clue(
            actor=cast.users["deputy_a"], title="护栏缺失", content="临崖。", town=cast.towns["a"]
        )
    client.get(URL, {"q": "护栏"})  # warm up: token, content types, jieba
    one = count_queries()
    with audit.acting_as(None):
        for i in range(12):
            loop.create_clue(
                actor=cast.users["deputy_b"], title=f"护栏{i}", content="缺护栏。", town=cast.towns["b"]
            )
    thirteen = count_queries()
    assert (one[1], thirteen[1]) == (1, 13)
    assert thirteen[0] == one[0]
    # A second kind on the page costs one query more, to read its records.
    with audit.acting_as(None):
        loop.acknowledge_suggestion(cast.suggestions["a"], actor=cast.users["unit_a"])
        loop.reply_to_suggestion(
            cast.suggestions["a"], actor=cast.users["unit_a"], category="A", text="已装护栏。"
        )
    two_kinds = count_queries()
    assert two_kinds == (one[0] + 1, 14)
    assert two_kinds[0] <= 10
