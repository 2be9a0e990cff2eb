"""Keyset pages of the suggestion list (``?cursor=``): newest first, every suggestion once,
no count, as many queries deep in the list as on its first page — and ``?page=`` as before."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from daibiao.suggestions import services
from daibiao.suggestions.models import Suggestion

pytestmark = pytest.mark.django_db

URL = "/api/v1/suggestions/"


def make_suggestions(cast, n: int) -> list[int]:
    """``n`` suggestions of town a, each submitted and assigned (so that every page has
    assignments to prefetch), as county staff."""
    county = cast.users["county"]
    ids = []
    for i in range(n):
        suggestion = services.create_suggestion(
            actor=county, title=f"村道修缮 {i}", content="村道破损。", town=cast.towns["a"], submit=True
        )
        services.assign_suggestion(suggestion, actor=county, lead_unit=cast.units["a"])
        ids.append(suggestion.pk)
    return ids


def walk(client, url, params=None) -> list[dict]:
    """Every page from ``url`` on, by ``next``."""
    pages = []
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content[:300]
        pages.append(response.json())
        if not pages[-1]["next"]:
            return pages
        response = client.get(pages[-1]["next"])


def newest_first() -> list[int]:
    """Every suggestion, newest first: what county staff see (the cast has one county)."""
    return list(Suggestion.objects.order_by("-id").values_list("id", flat=True))


def test_keyset_pages_give_every_suggestion_once_newest_first_without_a_count(cast, api_for):
    make_suggestions(cast, 23)  # and the cast's own two
    pages = walk(api_for("county"), URL, {"cursor": "", "page_size": 10})
    assert [len(p["results"]) for p in pages] == [10, 10, 5]
    assert [r["id"] for p in pages for r in p["results"]] == newest_first()
    assert all("count" not in p for p in pages)
    assert pages[0]["previous"] is None


def test_previous_leads_back_to_the_page_before(cast, api_for):
    make_suggestions(cast, 15)
    client = api_for("county")
    first = client.get(URL, {"cursor": "", "page_size": 5}).json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]


def test_keyset_pages_keep_to_the_filters_and_the_scope(cast, api_for):
    make_suggestions(cast, 6)
    services.create_suggestion(
        actor=cast.users["county"], title="另一镇的建议", content="内容。", town=cast.towns["b"]
    )
    town_b = [r["id"] for p in walk(api_for("town_b"), URL, {"cursor": ""}) for r in p["results"]]
    assert town_b == list(Suggestion.objects.filter(town=cast.towns["b"]).values_list("id", flat=True))
    drafts = walk(api_for("county"), URL, {"cursor": "", "state": "draft"})
    assert [r["state"] for p in drafts for r in p["results"]] == ["draft"]


def test_page_numbers_work_as_before(cast, api_for):
    make_suggestions(cast, 12)
    ids = newest_first()
    body = api_for("county").get(URL, {"page": 2, "page_size": 5}).json()
    assert body["count"] == len(ids) == 14
    assert [r["id"] for r in body["results"]] == ids[5:10]
    assert "page=3" in body["next"]


def test_a_cursor_with_an_ordering_is_refused(cast, api_for):
    response = api_for("county").get(URL, {"cursor": "", "ordering": "deadline"})
    assert response.status_code == 400
    assert "ordering" in response.json()


def test_a_forged_cursor_is_404(cast, api_for):
    assert api_for("county").get(URL, {"cursor": "not base64!"}).status_code == 404


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["county", "town_a", "unit_a"])
def test_a_deep_keyset_page_runs_as_many_queries_as_the_first(cast, api_for, role):
    make_suggestions(cast, 40)
    client = api_for(role)
    pages = walk(client, URL, {"cursor": "", "page_size": 5})
    assert len(pages) >= 8
    first = queries(client, URL, {"cursor": "", "page_size": 5})
    deep = queries(client, pages[6]["next"])  # a full page, 35 rows down
    assert deep == first
    assert first <= 15


def test_the_schema_documents_the_cursor_next_to_page_numbers(cast, api_for):
    schema = api_for("county").get("/api/v1/schema/", {"format": "json"}).json()
    listing = schema["paths"][URL]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"cursor", "page", "page_size"} <= names
    body = listing["responses"]["200"]["content"]["application/json"]["schema"]
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert "count" not in body["required"]
    assert {"next", "previous", "results"} <= set(body["properties"])
