"""What the schema fuzz test (``tests/robustness/test_api_schema_fuzz.py``) found in the
campaign API, pinned: each answer checked against the schema the API serves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from daibiao.activities import services
from daibiao.activities.models import Activity
from tests.robustness.schema import call_checked

pytestmark = pytest.mark.django_db


def test_coverage_answers_with_the_figures_the_schema_describes(cast):
    campaign = _campaign(cast)
    response = call_checked(
        cast.users["county"], "GET", "/api/v1/campaigns/{id}/coverage/", path_parameters={"id": campaign.pk}
    )
    body = response.json()
    assert {row["town"] for row in body["towns"]} == {town.pk for town in cast.towns.values()}
    assert body["county"]["town"] is None
    assert set(body["county"]["deputies"]) == {"trained", "total", "percent", "full"}


def _campaign(cast):
    today = timezone.localdate()
    return services.create_campaign(
        actor=cast.users["county"], theme="代表行动", starts_on=today, ends_on=today + dt.timedelta(days=90)
    )


@pytest.mark.parametrize("year", [270, 1900, 2101])
def test_an_activity_dated_outside_2000_to_2100_is_refused_with_a_field_error(cast, api_for, year):
    before = Activity.objects.count()
    response = api_for("county").post(
        "/api/v1/activities/",
        {
            "name": "代表培训会",
            "kind": "training",
            "starts_at": f"{year}-12-23T09:00:00+08:00",
            "ends_at": "2030-12-23T11:00:00+08:00",
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["starts_at"]
    assert Activity.objects.count() == before


def test_an_activity_in_the_span_is_created_and_reads_back_as_rfc3339(cast):
    response = call_checked(
        cast.users["county"],
        "POST",
        "/api/v1/activities/",
        body={
            "name": "代表培训会",
            "kind": "training",
            "starts_at": "2000-01-01T09:00:00+08:00",
            "ends_at": "2000-01-01T11:00:00+08:00",
        },
    )
    assert response.status_code == 201
    assert response.json()["starts_at"].endswith("+08:00")


def test_an_unknown_sign_in_code_is_the_documented_404(cast):
    response = call_checked(
        cast.users["deputy_a"], "POST", "/api/v1/activities/sign-in/", body={"token": "no-such-token"}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "unknown"
