"""A clue remembers the activity it was raised at; the activity lists its clues."""

from __future__ import annotations

import pytest
from django.urls import reverse

from daibiao.activities.choices import ActivityKind
from daibiao.activities.tests.helpers import activity as make_activity
from daibiao.activities.tests.helpers import campaign as make_campaign
from daibiao.suggestions.models import Clue

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(cast):
    campaign = make_campaign(cast)
    visit = make_activity(
        cast,
        actor="town_a",
        town=cast.towns["a"],
        kind=ActivityKind.VISIT,
        name="走访武安村",
        campaign=campaign,
    )
    from daibiao.activities import services

    services.invite_deputies(visit, [cast.deputies["a"]], actor=cast.users["town_a"])
    return visit


def test_a_deputy_records_a_clue_at_an_activity_through_the_api(cast, api_for, visit):
    response = api_for("deputy_a").post(
        reverse("api:clue-list"),
        {"title": "村口涵洞堵塞", "content": "雨后积水。", "activity": visit.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    clue = Clue.objects.get(pk=response.json()["id"])
    assert clue.activity == visit
    assert clue.campaign == visit.campaign  # taken from the activity


def test_an_activity_out_of_sight_is_refused_and_nothing_is_saved(cast, api_for, visit):
    count = Clue.objects.count()
    response = api_for("deputy_b").post(
        reverse("api:clue-list"), {"title": "线索", "content": "内容", "activity": visit.pk}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"activity"}
    assert Clue.objects.count() == count


def test_the_deputys_clue_form_offers_the_activities_and_the_activity_lists_the_clue(cast, client_for, visit):
    client = client_for("deputy_a")
    page = client.get(reverse("suggestions:mine"))
    assert visit in page.context["clue_form"].fields["activity"].queryset
    response = client.post(
        reverse("suggestions:mine"),
        {"clue-title": "水渠漏水", "clue-content": "三组水渠漏水。", "clue-activity": visit.pk},
    )
    assert response.status_code == 302
    clue = Clue.objects.get(title="水渠漏水")
    assert clue.activity == visit
    detail = client_for("town_a").get(reverse("activities:activity-detail", args=[visit.pk]))
    assert [c.pk for c in detail.context["clues"]] == [clue.pk]
    assert "水渠漏水" in detail.content.decode()
