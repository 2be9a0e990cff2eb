"""The board's first pass: alike clues grouped by the duplicate finder too, each group with a
recommended category and lead unit; the assign form starts from the recommended unit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from daibiao.suggestions import services

pytestmark = pytest.mark.django_db

TRIAGE = reverse("suggestions:triage")


def test_the_board_recommends_a_category_and_a_unit_for_each_group(cast, client_for):
    deputy = cast.users["deputy_a"]
    for title, content in (
        ("村道坑洼严重", "武安村到镇上的通村公路路面坑洼，雨天积水，车辆难行。"),
        ("通村公路坑洼", "武安村到镇上的通村公路路面破损坑洼，雨天积水，车辆难行。"),
    ):
        services.create_clue(actor=deputy, title=title, content=content, town=cast.towns["a"])
    board = client_for("town_a").get(TRIAGE)
    groups = board.context["groups"]
    road = next(g for g in groups if {c.title for c in g.clues} >= {"村道坑洼严重", "通村公路坑洼"})
    assert road.recommendation.categories[0][0] == "transport"
    html = board.content.decode()
    assert 'data-testid="recommendation"' in html
    assert 'data-category="transport"' in html


def test_the_assign_form_starts_from_the_recommended_unit(cast, client_for):
    suggestion = cast.suggestions["b"]  # 九集镇's, submitted: waiting to be assigned
    page = client_for("county").get(reverse("suggestions:suggestion-detail", args=[suggestion.pk]))
    (panel,) = [p for p in page.context["steps"] if p["step"] == "assign"]
    field = panel["form"].fields["lead_unit"]
    assert field.initial == cast.units["a"].pk  # 县交通运输局 for a village road
    assert cast.units["a"].name in str(field.help_text)


SIMILAR = reverse("suggestions:clue-similar")


def test_the_clue_form_shows_what_may_have_been_reported_already(cast, client_for):
    deputy = cast.users["deputy_a"]
    earlier = services.create_clue(
        actor=deputy,
        title="村口路灯不亮",
        content="武安村村口路灯坏了半年，晚上出行不便。",
        town=cast.towns["a"],
        village=cast.villages["a"],
    )
    client = client_for("deputy_a")
    html = client.get(
        SIMILAR,
        {
            "clue-title": "村口路灯坏了",
            "clue-content": "武安村村口路灯坏了很久，晚上看不见。",
            "clue-village": cast.villages["a"].pk,
        },
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'data-testid="similar-clues"' in html
    assert f'data-pk="{earlier.pk}"' in html
    # Nothing alike, nothing shown; and another town's deputy never sees this town's clues.
    assert (
        "similar-clues"
        not in client.get(SIMILAR, {"clue-title": "学校", "clue-content": "操场需要翻新"}).content.decode()
    )
    other = client_for("deputy_b").get(
        SIMILAR, {"clue-title": "村口路灯坏了", "clue-content": "武安村村口路灯坏了很久，晚上看不见。"}
    )
    assert f'data-pk="{earlier.pk}"' not in other.content.decode()


def test_the_similar_clues_fragment_needs_a_login(client):
    assert client.get(SIMILAR).status_code == 302
