"""The supervision API: shapes, JSON field errors, scoping, conflicts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from daibiao.core.testing.files import jpeg_bytes, photo
from daibiao.supervision import services
from daibiao.supervision.choices import Committee, ReportStatus
from daibiao.supervision.models import FollowUpItem, OversightItem, ProgressReport, SupervisionVisit

from .conftest import days

pytestmark = pytest.mark.django_db


def test_the_leading_group_lists_members_with_their_towns(cast, world, api_for):
    body = api_for("leader").get("/api/v1/leading-group/").json()
    assert body["count"] == 2
    head = next(row for row in body["results"] if row["id"] == world.head.pk)
    assert head == {
        "id": world.head.pk,
        "campaign": world.campaign.pk,
        "user": cast.users["leader"].pk,
        "user_name": str(cast.users["leader"]),
        "role": "head",
        "title": "县人大常委会主任",
        "towns": [cast.towns["a"].pk],
    }
    assert [r["id"] for r in api_for("town_b").get("/api/v1/leading-group/").json()["results"]] == [
        world.second.pk
    ]
    assert api_for("unit_a").get("/api/v1/leading-group/").json()["count"] == 0


def test_county_staff_add_and_reassign_members(cast, world, api_for):
    client = api_for("county")
    response = client.post(
        "/api/v1/leading-group/",
        {
            "campaign": world.campaign.pk,
            "user": cast.users["admin"].pk,
            "role": "member",
            "towns": [cast.towns["a"].pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    member_id = response.json()["id"]
    response = client.post(
        f"/api/v1/leading-group/{member_id}/towns/", {"towns": [cast.towns["b"].pk]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["towns"] == [cast.towns["b"].pk]
    # The leader reads the group but may not change it.
    response = api_for("leader").post(
        f"/api/v1/leading-group/{member_id}/towns/", {"towns": []}, format="json"
    )
    assert response.status_code == 403


def test_member_errors_are_json_field_errors(cast, world, api_for):
    response = api_for("county").post(
        "/api/v1/leading-group/",
        {"campaign": world.campaign.pk, "user": cast.users["leader"].pk, "role": "boss"},
        format="json",
    )
    assert response.status_code == 400
    assert "role" in response.json()


def test_a_visit_reads_with_its_follow_ups(cast, world, api_for):
    response = api_for("town_a").get("/api/v1/supervision-visits/")
    body = response.json()
    assert [row["id"] for row in body["results"]] == [world.visit_a.pk]
    row = body["results"][0]
    assert row["member_name"] == str(cast.users["leader"])
    assert row["town_name"] == "武安镇"
    assert row["follow_ups"][0]["standing"] == "overdue"
    overdue = api_for("county").get("/api/v1/supervision-visits/", {"overdue": "true"}).json()
    assert overdue["count"] == 2
    by_town = api_for("county").get("/api/v1/supervision-visits/", {"town": cast.towns["b"].pk}).json()
    assert [r["id"] for r in by_town["results"]] == [world.visit_b.pk]


def test_a_leader_records_his_visit_through_the_api_and_not_another_towns(cast, world, api_for):
    client = api_for("leader")
    payload = {
        "member": world.head.pk,
        "town": cast.towns["a"].pk,
        "visited_on": str(days(-1)),
        "findings": "好。",
    }
    response = client.post("/api/v1/supervision-visits/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["campaign"] == world.campaign.pk
    count = SupervisionVisit.objects.count()
    response = client.post(
        "/api/v1/supervision-visits/", {**payload, "town": cast.towns["b"].pk}, format="json"
    )
    assert response.status_code == 403
    response = client.post(
        "/api/v1/supervision-visits/", {**payload, "visited_on": str(days(3))}, format="json"
    )
    assert response.status_code == 400
    assert "visited_on" in response.json()
    assert SupervisionVisit.objects.count() == count


def test_follow_ups_are_added_and_closed_once(cast, world, api_for):
    client = api_for("county")
    url = f"/api/v1/supervision-visits/{world.visit_a.pk}/"
    response = client.post(
        url + "follow-ups/", {"text": "回访", "owner": "镇人大", "due_on": str(days(7))}, format="json"
    )
    assert response.status_code == 200
    assert len(response.json()["follow_ups"]) == 2
    assert client.post(url + "follow-ups/", {"text": ""}, format="json").json().keys() >= {
        "text",
        "owner",
        "due_on",
    }
    item = world.visit_a.follow_ups.order_by("id").first()
    response = api_for("town_a").post(
        url + "close-follow-up/", {"item": item.pk, "note": "已完成"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["follow_ups"][0]["standing"] == "done"
    response = client.post(url + "close-follow-up/", {"item": item.pk}, format="json")
    assert response.status_code == 409
    other = world.visit_b.follow_ups.get()
    response = client.post(url + "close-follow-up/", {"item": other.pk}, format="json")
    assert response.status_code == 400
    assert "item" in response.json()
    assert FollowUpItem.objects.get(pk=other.pk).done_on is None


def test_town_staff_may_not_add_follow_ups_and_others_get_404(cast, world, api_for):
    url = f"/api/v1/supervision-visits/{world.visit_a.pk}/follow-ups/"
    body = {"text": "x", "owner": "y", "due_on": str(days(3))}
    assert api_for("town_a").post(url, body, format="json").status_code == 403
    assert api_for("town_b").post(url, body, format="json").status_code == 404
    assert api_for("unit_a").get(f"/api/v1/supervision-visits/{world.visit_a.pk}/").status_code == 404


def test_reports_are_handed_in_revised_and_read_with_their_timeliness(cast, world, api_for):
    client = api_for("town_b")
    response = client.post(
        "/api/v1/progress-reports/submit/",
        {
            "round": world.round1.pk,
            "town": cast.towns["b"].pk,
            "text": "九集镇进展。",
            "files": [SimpleUploadedFile("现场.jpg", jpeg_bytes(), "image/jpeg")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    row = response.json()
    assert [f["name"] for f in row["files"]] == ["现场.jpg"]
    assert row["timeliness"] == ReportStatus.LATE
    assert row["town_name"] == "九集镇"
    assert row["due_on"] == str(days(-10))
    response = client.post(f"/api/v1/progress-reports/{row['id']}/revise/", {"text": "修订。"}, format="json")
    assert response.status_code == 200
    assert response.json()["submitted_at"] == row["submitted_at"]
    again = client.post(
        "/api/v1/progress-reports/submit/",
        {"round": world.round1.pk, "town": cast.towns["b"].pk, "text": "再交。"},
        format="json",
    )
    assert again.status_code == 200
    assert again.json()["id"] == row["id"]
    # Another town's: refused; a round's list as the county sees it.
    response = client.post(
        "/api/v1/progress-reports/submit/",
        {"round": world.round2.pk, "town": cast.towns["a"].pk, "text": "x"},
        format="json",
    )
    assert response.status_code == 403
    assert api_for("county").get("/api/v1/progress-reports/", {"round": world.round1.pk}).json()["count"] == 2
    assert api_for("town_a").get("/api/v1/progress-reports/").json()["count"] == 1
    assert (
        api_for("leader")
        .post(f"/api/v1/progress-reports/{row['id']}/revise/", {"text": "x"}, format="json")
        .status_code
        == 403
    )


def test_report_errors_are_json_field_errors(cast, world, api_for):
    response = api_for("town_a").post(
        "/api/v1/progress-reports/submit/", {"round": world.round2.pk}, format="json"
    )
    assert response.status_code == 400
    assert {"town", "text"} <= set(response.json())
    assert ProgressReport.objects.count() == 1


def test_report_files_come_with_a_download_link_in_scope(cast, world, api_for, client_for):
    report = services.revise_report(world.report_a, actor=None, text="附照片。", files=[photo()])
    row = api_for("county").get(f"/api/v1/progress-reports/{report.pk}/").json()
    link = row["files"][0]["download"]
    assert client_for("town_a").get(link).status_code == 200
    assert client_for("town_b").get(link).status_code == 404


def test_oversight_items_are_proposed_and_read_by_the_units_they_name(cast, world, api_for):
    response = api_for("county").post(
        "/api/v1/oversight-items/",
        {
            "year": 2026,
            "title": "村道管护专项监督",
            "committee": Committee.URBAN,
            "subject": "专项工作报告",
            "units": [cast.units["a"].pk],
            "suggestions": [cast.suggestions["a"].pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    row = response.json()
    assert row["county"] == cast.county.pk
    assert row["suggestions"] == [cast.suggestions["a"].pk]
    assert row["clues"]  # the suggestion's clues joined it
    assert api_for("unit_a").get("/api/v1/oversight-items/").json()["count"] == 1
    assert api_for("unit_b").get("/api/v1/oversight-items/").json()["count"] == 0
    assert api_for("town_a").get(f"/api/v1/oversight-items/{row['id']}/").status_code == 404
    assert (
        api_for("leader").post("/api/v1/oversight-items/", {**row, "units": []}, format="json").status_code
        == 403
    )
    response = api_for("county").post(
        "/api/v1/oversight-items/", {"year": 2026, "committee": "x"}, format="json"
    )
    assert response.status_code == 400
    assert {"title", "committee"} <= set(response.json())
    assert OversightItem.objects.count() == 1
