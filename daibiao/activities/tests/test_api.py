"""The campaign API: shapes, field errors, 404 outside scope, 403 for what is only visible."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from daibiao.activities import services
from daibiao.activities.choices import AttendanceStatus
from daibiao.activities.models import Activity, Attendance, Campaign
from daibiao.core.models import ChangeLog
from daibiao.core.testing.files import photo

from .helpers import activity as make_activity
from .helpers import campaign as make_campaign

pytestmark = pytest.mark.django_db


def test_campaign_shape_with_the_towns_plans(cast, api_for):
    campaign = make_campaign(cast, due_in_days=3, documents=[photo("方案.jpg")])
    services.submit_town_plan(campaign, cast.towns["a"], actor=cast.users["town_a"], summary="方案")
    body = api_for("county").get(f"/api/v1/campaigns/{campaign.pk}/").json()
    assert set(body) >= {
        "id",
        "theme",
        "county",
        "starts_on",
        "ends_on",
        "town_plans_due_on",
        "documents",
        "plans",
    }
    assert body["documents"][0]["name"] == "方案.jpg"
    assert body["documents"][0]["url"].startswith("http://testserver/campaign/documents/")
    assert {p["town_name"]: p["status"] for p in body["plans"]} == {"武安镇": "on_time", "九集镇": "missing"}
    town_b = api_for("town_b").get(f"/api/v1/campaigns/{campaign.pk}/").json()
    assert [(p["town_name"], p["status"], p["summary"]) for p in town_b["plans"]] == [
        ("九集镇", "missing", "")
    ]
    assert api_for("deputy_a").get(f"/api/v1/campaigns/{campaign.pk}/").json()["plans"] == []
    assert api_for("unit_a").get(f"/api/v1/campaigns/{campaign.pk}/").status_code == 404


def test_create_a_campaign_through_the_api(cast, api_for):
    payload = {"theme": "新行动", "starts_on": "2026-04-28", "town_plans_due_on": "2026-05-15"}
    response = api_for("county").post("/api/v1/campaigns/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert Campaign.objects.get().county == cast.county
    assert api_for("town_a").post("/api/v1/campaigns/", payload, format="json").status_code == 403
    bad = api_for("county").post("/api/v1/campaigns/", {"theme": "", "starts_on": "x"}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()) == {"theme", "starts_on"}
    late = api_for("county").post("/api/v1/campaigns/", {**payload, "ends_on": "2026-01-01"}, format="json")
    assert late.status_code == 400
    assert "ends_on" in late.json()
    assert Campaign.objects.count() == 1


def test_campaigns_are_read_only_through_put(cast, api_for):
    campaign = make_campaign(cast)
    response = api_for("county").patch(f"/api/v1/campaigns/{campaign.pk}/", {"theme": "x"}, format="json")
    assert response.status_code == 405


def test_activity_shape_and_the_deputys_view_of_it(cast, api_for):
    activity = make_activity(cast, town=cast.towns["a"], files=[photo()])
    services.invite_deputies(activity, [cast.deputies["a"], cast.deputies["a2"]], actor=None)
    body = api_for("town_a").get(f"/api/v1/activities/{activity.pk}/").json()
    assert body["organiser"] == "town"
    assert body["organiser_name"] == "武安镇"
    assert {a["deputy_name"] for a in body["attendances"]} == {"王小明", "李春兰"}
    assert len(body["files"]) == 1
    assert "qr_token" not in body
    mine = api_for("deputy_a").get(f"/api/v1/activities/{activity.pk}/").json()
    assert [a["deputy_name"] for a in mine["attendances"]] == ["王小明"]
    assert api_for("deputy_b").get(f"/api/v1/activities/{activity.pk}/").status_code == 404
    assert api_for("town_b").get(f"/api/v1/activities/{activity.pk}/").status_code == 404


def test_create_an_activity_through_the_api_with_invitees(cast, api_for):
    now = timezone.now()
    payload = {
        "name": "屋场会",
        "kind": "courtyard",
        "town": cast.towns["a"].pk,
        "starts_at": now.isoformat(),
        "ends_at": (now + dt.timedelta(hours=2)).isoformat(),
        "invitees": [cast.deputies["a"].pk],
    }
    response = api_for("town_a").post("/api/v1/activities/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["attendances"][0]["status"] == "invited"
    refused = api_for("town_b").post("/api/v1/activities/", payload, format="json")
    assert refused.status_code in (400, 403)
    bad = api_for("town_a").post("/api/v1/activities/", {**payload, "kind": "party"}, format="json")
    assert bad.status_code == 400
    assert "kind" in bad.json()
    backwards = api_for("town_a").post(
        "/api/v1/activities/", {**payload, "ends_at": (now - dt.timedelta(days=1)).isoformat()}, format="json"
    )
    assert backwards.status_code == 400
    assert "ends_at" in backwards.json()
    assert Activity.objects.count() == 1


def test_the_tick_list_in_bulk(cast, api_for):
    activity = make_activity(cast, town=cast.towns["a"])
    url = f"/api/v1/activities/{activity.pk}/attendance/"
    entries = [
        {"deputy": cast.deputies["a"].pk, "status": "present"},
        {"deputy": cast.deputies["a2"].pk, "status": "leave", "leave_reason": "出差"},
    ]
    response = api_for("town_a").post(url, {"entries": entries}, format="json")
    assert response.status_code == 200
    assert {a["deputy_name"]: a["status"] for a in response.json()["attendances"]} == {
        "王小明": "present",
        "李春兰": "leave",
    }
    logs = ChangeLog.objects.count()
    no_reason = api_for("town_a").post(
        url, {"entries": [{"deputy": cast.deputies["a"].pk, "status": "leave"}]}, format="json"
    )
    assert no_reason.status_code == 400
    assert "entries" in no_reason.json()
    assert api_for("town_a").post(url, {"entries": []}, format="json").status_code == 400
    outside = api_for("town_a").post(
        url, {"entries": [{"deputy": cast.deputies["b"].pk, "status": "present"}]}, format="json"
    )
    assert outside.status_code == 400
    assert api_for("leader").post(url, {"entries": entries}, format="json").status_code == 403
    assert api_for("deputy_a").post(url, {"entries": entries}, format="json").status_code == 403
    assert api_for("town_b").post(url, {"entries": entries}, format="json").status_code == 404
    assert ChangeLog.objects.count() == logs
    assert Attendance.objects.get(deputy=cast.deputies["a"]).status == AttendanceStatus.PRESENT


def test_invite_through_the_api(cast, api_for):
    activity = make_activity(cast, town=cast.towns["b"])
    url = f"/api/v1/activities/{activity.pk}/invite/"
    assert api_for("town_b").post(url, {}, format="json").status_code == 400
    response = api_for("town_b").post(url, {"everyone": True}, format="json")
    assert response.status_code == 200
    assert {a["deputy_name"] for a in response.json()["attendances"]} == {"张建国", "赵秀英"}
    assert api_for("town_a").post(url, {"everyone": True}, format="json").status_code == 404


def test_activity_list_filters(cast, api_for):
    make_activity(cast, town=cast.towns["a"], name="培训A")
    make_activity(cast, town=cast.towns["b"], name="走访B", kind="visit")
    client = api_for("county")
    assert [a["name"] for a in client.get("/api/v1/activities/", {"kind": "visit"}).json()["results"]] == [
        "走访B"
    ]
    names = [
        a["name"] for a in client.get("/api/v1/activities/", {"town": cast.towns["a"].pk}).json()["results"]
    ]
    assert names == ["培训A"]
    assert client.get("/api/v1/activities/", {"kind": "nonsense"}).status_code == 400


def test_files_come_with_a_multipart_create_and_are_checked(cast, api_for):
    from daibiao.core.testing.files import jpeg_bytes, upload

    now = timezone.now()
    payload = {
        "name": "走访",
        "kind": "visit",
        "town": cast.towns["a"].pk,
        "starts_at": now.isoformat(),
        "ends_at": (now + dt.timedelta(hours=1)).isoformat(),
    }
    response = api_for("town_a").post(
        "/api/v1/activities/", {**payload, "upload": [upload("现场.jpg", jpeg_bytes(), "image/jpeg")]}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["files"][0]["content_type"] == "image/jpeg"
    bad = api_for("town_a").post(
        "/api/v1/activities/", {**payload, "upload": [upload("x.jpg", b"not a photo")]}
    )
    assert bad.status_code == 400
    assert "upload" in bad.json()
    assert Activity.objects.count() == 1
