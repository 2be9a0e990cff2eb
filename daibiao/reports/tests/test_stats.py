"""The overview's figures come from the records, scoped like the lists they link to."""

from __future__ import annotations

import pytest
from django.urls import reverse

from daibiao.activities.tests.helpers import campaign as make_campaign

pytestmark = pytest.mark.django_db

URL = reverse("api:stats-overview")


def count(api, name, **params):
    return api.get(reverse(f"api:{name}"), params).json()["count"]


@pytest.mark.parametrize("user", ["county", "leader", "town_a", "admin"])
def test_each_figure_equals_the_length_of_its_list(cast, api_for, user):
    api = api_for(user)
    body = api.get(URL).json()
    assert body["clues"] == count(api, "clue-list")
    assert body["suggestions"] == count(api, "suggestion-list")
    assert body["concluded"] == count(api, "suggestion-list", concluded="true")
    assert body["implemented"] == count(api, "suggestion-list", implemented="true")
    assert body["overdue"] == count(api, "suggestion-list", overdue="true")
    assert body["mediation_cases"] == count(api, "mediation-case-list")
    assert body["media_articles"] == count(api, "media-article-list")


def test_town_staff_get_their_towns_figures_only(cast, api_for):
    api = api_for("town_a")
    body = api.get(URL).json()
    assert body["town"] == cast.towns["a"].pk
    assert body["clues"] == 2  # 武安镇's two clues; 九集镇's are not counted
    refused = api.get(URL, {"town": cast.towns["b"].pk})
    assert refused.status_code == 400
    assert set(refused.json()) == {"town"}


def test_the_county_narrows_to_a_town_and_a_campaign(cast, api_for):
    campaign = make_campaign(cast)
    api = api_for("county")
    whole = api.get(URL).json()
    town = api.get(URL, {"town": cast.towns["b"].pk}).json()
    assert (whole["clues"], town["clues"]) == (4, 2)
    with_campaign = api.get(URL, {"campaign": campaign.pk}).json()
    assert with_campaign["clues"] == 0  # the cast's clues belong to no campaign
    assert with_campaign["training_coverage"] == 0.0  # nobody trained yet
    assert whole["training_coverage"] is None  # coverage is a campaign's figure


def test_bad_input_is_a_field_error(cast, api_for):
    response = api_for("county").get(URL, {"campaign": "nope", "town": 999999})
    assert response.status_code == 400
    assert set(response.json()) == {"campaign", "town"}


def test_a_unit_sees_only_what_is_given_to_it(cast, api_for):
    body = api_for("unit_a").get(URL).json()
    assert body["suggestions"] == 1  # 武安镇's, assigned to unit a
    assert body["deputies"] == 0
