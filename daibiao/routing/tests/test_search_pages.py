"""The search page ``/search/``: the empty box, no results, highlighted and escaped results,
filters, pages, a broad search, and a fixed number of queries however many results."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _

from daibiao.core import audit
from daibiao.routing.search import engine
from daibiao.suggestions import services as loop

pytestmark = pytest.mark.django_db
URL = "/search/"


def hits(response) -> list[tuple[str, int]]:
    return [(h.kind.key, h.obj.pk) for h in response.context["hits"]]


def test_the_url_is_named():
    assert reverse("routing:search") == URL


def test_anonymous_is_sent_to_log_in(client_for):
    response = client_for("anonymous").get(URL, {"q": "路灯"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_empty_box_invites_a_search_and_searches_nothing(client_for):
    response = client_for("deputy_a").get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="search-intro"' in html
    assert 'data-testid="search-results"' not in html
    assert "hits" not in response.context


def test_nothing_found_says_so_with_the_words(client_for, cast):
    response = client_for("town_a").get(URL, {"q": "飞机场"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="search-empty"' in html
    assert "飞机场" in html


def test_results_are_linked_highlighted_and_in_scope(client_for, cast, world):
    response = client_for("town_a").get(URL, {"q": "路灯"})
    assert set(hits(response)) == {("clue", cast.clues["a"].pk), ("clue", world.road.pk)}
    html = response.content.decode()
    assert f'href="{cast.clues["a"].get_absolute_url()}"' in html
    assert "武安镇<mark>路灯</mark>不亮" in html
    assert "九集镇路灯" not in html  # the other town's clue


def test_markup_in_a_record_is_shown_as_text(client_for, world):
    html = client_for("town_b").get(URL, {"q": "蓄水池"}).content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert "&lt;b&gt;村民&lt;/b&gt;" in html


def test_a_query_without_words_is_refused_on_the_form(client_for, cast):
    response = client_for("county").get(URL, {"q": "？！"})
    assert response.status_code == 200
    assert response.context["form"].errors["q"] == [_("Type at least one word or number.")]
    assert 'data-testid="search-error"' in response.content.decode()


def test_the_type_filter_keeps_only_that_type(client_for, cast, world):
    response = client_for("county").get(URL, {"q": "村道", "type": "reply"})
    assert hits(response) == [("reply", world.reply.pk)]
    html = response.content.decode()
    assert f'href="{cast.suggestions["a"].get_absolute_url()}"' in html  # a reply opens its suggestion


def add_clues(cast, n, start=0):
    with audit.acting_as(None):
        for i in range(start, start + n):
            loop.create_clue(
                actor=cast.users["deputy_a"],
                title=f"护栏缺失{i}处",
                content="临崖路段无护栏。",
                town=cast.towns["a"],
            )


def test_results_come_in_pages_of_twenty_with_the_filters_kept(client_for, cast):
    add_clues(cast, 25)
    client = client_for("town_a")
    first = client.get(URL, {"q": "护栏", "type": "clue"})
    assert len(first.context["hits"]) == 20
    assert first.context["paginator"].count == 25
    html = first.content.decode()
    assert "?q=%E6%8A%A4%E6%A0%8F&amp;type=clue&amp;page=2" in html
    second = client.get(URL, {"q": "护栏", "type": "clue", "page": 2})
    assert len(second.context["hits"]) == 5
    assert not set(hits(first)) & set(hits(second))
    assert client.get(URL, {"q": "护栏", "page": 99}).context["page_obj"].number == 2


def test_a_broad_search_is_listed_newest_first_and_says_so(client_for, cast, monkeypatch):
    monkeypatch.setattr(engine, "RANK_LIMIT", 3)
    add_clues(cast, 5)
    response = client_for("town_a").get(URL, {"q": "护栏"})
    ids = [pk for _, pk in hits(response)]
    assert ids == sorted(ids, reverse=True)
    assert not response.context["results"].ranked
    html = response.content.decode()
    assert (
        _("These words occur in a great many records: add a word to rank the results by relevance.") in html
    )


def test_the_page_runs_as_many_queries_for_25_results_as_for_5(client_for, cast):
    client = client_for("town_a")

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"q": "护栏"})
        assert response.status_code == 200
        return len(captured), response.context["paginator"].count

    add_clues(cast, 5)
    client.get(URL, {"q": "护栏"})  # warm up
    few = count()
    add_clues(cast, 20, start=5)
    many = count()
    assert (few[1], many[1]) == (5, 25)
    assert many[0] == few[0]
    assert many[0] <= 12


def test_a_word_from_the_middle_of_a_clue_finds_it(client_for, cast):
    with audit.acting_as(None):
        clue = loop.create_clue(
            actor=cast.users["deputy_b"],
            title="九集村饮水管道老化",
            content="九集村三组的饮水管道铺设于上世纪九十年代，锈蚀严重，经常爆管停水。",
            town=cast.towns["b"],
        )
    middle = re.sub(r"\W", "", clue.content)[20:24]
    response = client_for("town_b").get(URL, {"q": middle})
    assert ("clue", clue.pk) in hits(response), middle
