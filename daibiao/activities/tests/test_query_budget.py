"""A query budget (STYLE habit 13): campaign and activity pages and API lists run as many
queries for many rows as for few."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from daibiao.activities import services
from daibiao.activities.choices import AttendanceStatus
from daibiao.core.testing.files import photo

from .helpers import activity as make_activity
from .helpers import campaign as make_campaign

pytestmark = pytest.mark.django_db

CEILING = 20


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


def grow(cast, campaign, n: int) -> None:
    """``n`` activities, each with a file and every deputy invited, two present."""
    for i in range(n):
        town = cast.towns["a" if i % 2 else "b"]
        activity = make_activity(cast, town=town, campaign=campaign, name=f"活动{i}", files=[photo()])
        services.invite_deputies(activity, list(cast.deputies.values()), actor=None)
        services.record_attendance(
            activity,
            [{"deputy": d, "status": AttendanceStatus.PRESENT} for d in list(cast.deputies.values())[:2]],
            actor=None,
        )
    material = services.create_material(
        actor=None, county=cast.county, campaign=campaign, title="资料", files=[photo()]
    )
    services.send_material(material, list(cast.deputies.values()), actor=None)
    services.save_media_article(
        actor=None,
        county=cast.county,
        title="报道",
        outlet="湖北日报",
        level="province",
        published_on=campaign.starts_on,
        deputies=list(cast.deputies.values()),
    )
    for key in ("a", "b"):
        services.submit_town_plan(campaign, cast.towns[key], actor=None, summary="方案", documents=[photo()])


@pytest.mark.parametrize("role", ["county", "town_a", "deputy_a"])
@pytest.mark.parametrize(
    "url",
    [
        "activities:campaign-list",
        "activities:activity-list",
        "activities:material-list",
        "activities:media-list",
        "/api/v1/campaigns/",
        "/api/v1/activities/",
        "/api/v1/materials/",
        "/api/v1/media-articles/",
        "campaign-detail",
        "activity-detail",
    ],
)
def test_pages_and_api_lists_run_as_many_queries_for_many_rows_as_for_few(
    cast, client_for, api_for, role, url
):
    campaign = make_campaign(cast)
    grow(cast, campaign, 2)
    first = make_activity(cast, town=cast.towns["a"], campaign=campaign, name="首个")
    services.invite_deputies(first, list(cast.deputies.values()), actor=None)
    if url.startswith("/api/"):
        client, target = api_for(role), url
    elif url == "campaign-detail":
        client, target = client_for(role), campaign.get_absolute_url()
    elif url == "activity-detail":
        client, target = client_for(role), first.get_absolute_url()
    else:
        client, target = client_for(role), reverse(url)
    few = queries(client, target)
    grow(cast, make_campaign(cast, theme="第二次"), 6)
    for i in range(10):
        make_campaign(cast, theme=f"行动{i}")
    many = queries(client, target)
    assert many == few
    assert many <= CEILING
