"""The supervision pages: what each role sees and may do, bad input shown on the form, and
nothing saved by a refused or invalid post."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from daibiao.core.models import ChangeLog
from daibiao.supervision.choices import ReportStatus
from daibiao.supervision.models import (
    FollowUpItem,
    LeadingGroupMember,
    OversightItem,
    ProgressReport,
    ReportRound,
    SupervisionVisit,
)

from .conftest import days

pytestmark = pytest.mark.django_db


def test_the_group_page_shows_members_towns_and_who_answers_for_each_town(cast, world, client_for):
    response = client_for("leader").get(reverse("supervision:member-list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "县人大常委会主任" in html
    assert "副组长乙" in html
    by_town = {t.name: [str(m.user) for m in t.answering] for t in response.context["by_town"]}
    assert by_town == {"武安镇": [str(cast.users["leader"])], "九集镇": ["副组长乙"]}
    assert not response.context["can_add"]
    assert client_for("county").get(reverse("supervision:member-list")).context["can_add"]


def test_town_staff_see_who_answers_for_their_town(cast, world, client_for):
    response = client_for("town_a").get(reverse("supervision:member-list"))
    assert [m.pk for m in response.context["object_list"]] == [world.head.pk]
    assert client_for("town_a").get(world.second.get_absolute_url()).status_code == 404


def test_county_staff_add_a_member_on_the_page(cast, world, client_for):
    url = reverse("supervision:member-create")
    assert client_for("leader").get(url).status_code == 403
    client = client_for("county")
    response = client.post(
        url,
        {
            "campaign": world.campaign.pk,
            "user": cast.users["admin"].pk,
            "role": "member",
            "towns": [cast.towns["b"].pk],
        },
    )
    assert response.status_code == 302
    member = LeadingGroupMember.objects.get(user=cast.users["admin"])
    assert list(member.towns.all()) == [cast.towns["b"]]
    # Twice: an error on the form, nothing saved.
    logs = ChangeLog.objects.count()
    response = client.post(
        url, {"campaign": world.campaign.pk, "user": cast.users["admin"].pk, "role": "member"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["user"]
    assert ChangeLog.objects.count() == logs


def test_editing_a_member_reassigns_towns(cast, world, client_for):
    url = reverse("supervision:member-update", args=[world.second.pk])
    assert client_for("leader").get(url).status_code == 403
    response = client_for("county").post(
        url, {"role": "member", "title": "委员", "towns": [cast.towns["a"].pk]}
    )
    assert response.status_code == 302
    assert list(world.second.towns.all()) == [cast.towns["a"]]


def test_the_visit_list_filters_overdue_and_exports(cast, world, client_for):
    client = client_for("county")
    url = reverse("supervision:visit-list")
    assert len(client.get(url, {"overdue": "true"}).context["object_list"]) == 2
    services_close = reverse("supervision:follow-up-close", args=[world.visit_a.follow_ups.get().pk])
    assert client.post(services_close, {"note": "已整改"}).status_code == 302
    assert [v.pk for v in client.get(url, {"overdue": "true"}).context["object_list"]] == [world.visit_b.pk]
    assert [v.pk for v in client.get(url, {"member": world.head.pk}).context["object_list"]] == [
        world.visit_a.pk
    ]
    export = client.get(url, {"export": "xlsx", "town": cast.towns["b"].pk})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sheet.max_row == 2
    assert sheet.cell(2, 2).value == "九集镇"


def test_a_leader_records_a_visit_with_follow_ups_on_the_page(cast, world, client_for):
    client = client_for("leader")
    url = reverse("supervision:visit-create")
    response = client.get(url)
    assert [m.pk for m in response.context["form"].fields["member"].queryset] == [world.head.pk]
    data = {
        "member": world.head.pk,
        "town": cast.towns["a"].pk,
        "visited_on": str(days(-1)),
        "findings": "档案规范。",
        "follow_up_0_text": "补录",
        "follow_up_0_owner": "镇人大",
        "follow_up_0_due_on": str(days(5)),
    }
    response = client.post(url, data)
    assert response.status_code == 302
    visit = SupervisionVisit.objects.latest("id")
    assert visit.follow_ups.get().owner == "镇人大"
    # In a town he does not answer for: refused on the form, nothing saved.
    count = SupervisionVisit.objects.count()
    response = client.post(url, {**data, "town": cast.towns["b"].pk})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    # A follow-up item without its owner: the whole visit is refused.
    response = client.post(url, {**data, "follow_up_0_owner": ""})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert SupervisionVisit.objects.count() == count
    assert client_for("town_a").get(url).status_code == 403


def test_the_visit_page_lets_the_town_close_items_but_not_add_them(cast, world, client_for):
    response = client_for("town_a").get(world.visit_a.get_absolute_url())
    assert response.status_code == 200
    assert "follow_up_form" not in response.context
    assert response.context["follow_ups"][0].closable
    assert client_for("town_b").get(world.visit_a.get_absolute_url()).status_code == 404
    add = reverse("supervision:visit-follow-up", args=[world.visit_a.pk])
    assert (
        client_for("town_a").post(add, {"text": "x", "owner": "y", "due_on": str(days(3))}).status_code == 403
    )
    response = client_for("county").post(add, {"text": "", "owner": "", "due_on": ""})
    assert response.status_code == 200
    assert response.context["follow_up_form"].errors
    assert FollowUpItem.objects.filter(visit=world.visit_a).count() == 1


def test_closing_twice_on_the_page_says_so(cast, world, client_for):
    url = reverse("supervision:follow-up-close", args=[world.visit_a.follow_ups.get().pk])
    assert client_for("town_a").post(url, {}).status_code == 302
    response = client_for("county").post(url, {}, follow=True)
    assert any("already" in str(m) or "已" in str(m) for m in response.context["messages"])
    assert client_for("town_b").post(url, {}).status_code == 404


def test_the_report_matrix_shows_in_late_missing_and_not_due(cast, world, client_for):
    response = client_for("county").get(reverse("supervision:report-matrix"), {"campaign": world.campaign.pk})
    assert response.status_code == 200
    cells = {
        (row["town"].name, c["round"].title): c["status"]
        for row in response.context["table"]
        for c in row["cells"]
    }
    assert cells == {
        ("武安镇", "上月进展"): ReportStatus.ON_TIME,
        ("武安镇", "本月进展"): ReportStatus.NOT_DUE,
        ("九集镇", "上月进展"): ReportStatus.MISSING,
        ("九集镇", "本月进展"): ReportStatus.NOT_DUE,
    }
    assert 'data-status="missing"' in response.content.decode()
    # A town's staff see their own town's row only.
    response = client_for("town_b").get(reverse("supervision:report-matrix"))
    assert [row["town"].name for row in response.context["table"]] == ["九集镇"]


def test_town_staff_hand_in_and_revise_on_the_page(cast, world, client_for):
    client = client_for("town_b")
    url = reverse("supervision:report-submit", args=[world.round1.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"town": cast.towns["b"].pk, "text": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["text"]
    response = client.post(url, {"town": cast.towns["b"].pk, "text": "九集镇五月进展。"})
    assert response.status_code == 302
    report = ProgressReport.objects.get(town=cast.towns["b"])
    detail = client.get(report.get_absolute_url())
    assert detail.context["object"].timeliness == ReportStatus.LATE
    revise = reverse("supervision:report-update", args=[report.pk])
    assert client.post(revise, {"text": "修订。"}).status_code == 302
    assert client_for("leader").get(revise).status_code == 403
    assert client_for("town_a").get(revise).status_code == 404
    # Town b's staff may not hand in for town a.
    response = client.post(url, {"town": cast.towns["a"].pk, "text": "x"})
    assert response.status_code == 200
    assert "town" in response.context["form"].errors
    assert client_for("leader").get(url).status_code == 403
    assert client_for("unit_a").get(url).status_code == 404


def test_round_pages_for_the_county(cast, world, client_for):
    client = client_for("county")
    response = client.get(world.round1.get_absolute_url())
    statuses = {t.name: t.report_status for t in response.context["table"]}
    assert statuses == {"武安镇": ReportStatus.ON_TIME, "九集镇": ReportStatus.MISSING}
    response = client.post(
        reverse("supervision:round-schedule"),
        {"campaign": world.campaign.pk, "first_due": "2027-01-15", "months": 3},
    )
    assert response.status_code == 302
    assert ReportRound.objects.filter(campaign=world.campaign).count() == 5
    response = client.post(
        reverse("supervision:round-create"),
        {"campaign": world.campaign.pk, "title": "重复", "due_on": str(world.round1.due_on)},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["due_on"]
    assert client_for("leader").get(reverse("supervision:round-create")).status_code == 403


def test_oversight_items_are_proposed_from_suggestions_on_the_page(cast, world, client_for):
    url = reverse("supervision:oversight-create")
    client = client_for("county")
    response = client.get(url, {"suggestions": [cast.suggestions["a"].pk]})
    assert response.context["form"].initial["suggestions"] == [str(cast.suggestions["a"].pk)]
    response = client.post(
        url,
        {
            "title": "村道专项监督",
            "year": 2026,
            "committee": "urban",
            "suggestions": [cast.suggestions["a"].pk],
            "units": [cast.units["a"].pk],
        },
    )
    assert response.status_code == 302
    item = OversightItem.objects.get()
    detail = client_for("unit_a").get(item.get_absolute_url())
    assert detail.status_code == 200
    # Unit a sees the suggestion assigned to it; the clue it came from is not the unit's to open.
    assert [s.pk for s in detail.context["suggestions"]] == [cast.suggestions["a"].pk]
    assert client_for("unit_b").get(item.get_absolute_url()).status_code == 404
    assert client_for("leader").get(url).status_code == 403
    response = client.post(url, {"title": "", "year": 2026, "committee": "urban"})
    assert response.status_code == 200
    assert response.context["form"].errors["title"]
    assert OversightItem.objects.count() == 1


def test_a_suggestion_shows_the_oversight_items_that_cite_it_to_those_who_may_see_them(
    cast, world, client_for
):
    from daibiao.supervision import services
    from daibiao.supervision.choices import Committee

    suggestion = cast.suggestions["a"]  # assigned to unit a, unit b co-handling
    item = services.propose_oversight_item(
        [suggestion],
        "村道养护专项监督",
        actor=cast.users["county"],
        year=2026,
        committee=Committee.URBAN,
        units=[cast.units["a"]],
    )
    for role in ("leader", "county", "unit_a"):
        response = client_for(role).get(suggestion.get_absolute_url())
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="oversight-items"' in html, role
        assert f'href="{item.get_absolute_url()}"' in html
        assert "村道养护专项监督" in html
    # Unit b handles the suggestion too, but the item does not name it: no card, no title.
    response = client_for("unit_b").get(suggestion.get_absolute_url())
    assert response.status_code == 200
    assert 'data-testid="oversight-items"' not in response.content.decode()
    assert "村道养护专项监督" not in response.content.decode()
    # A suggestion no item cites has no card.
    other = client_for("county").get(cast.suggestions["b"].get_absolute_url()).content.decode()
    assert 'data-testid="oversight-items"' not in other


def test_the_section_roots_send_a_logged_in_user_to_the_first_page_and_others_to_log_in(cast, client_for):
    for root, first in (
        ("/supervision/", reverse("supervision:member-list")),
        ("/loop/", reverse("suggestions:suggestion-list")),
        ("/mediation/", reverse("mediation:clinic-list")),
        ("/registry/", reverse("registry:deputy-list")),
    ):
        response = client_for("county").get(root)
        assert response.status_code == 302
        assert response["Location"] == first
        assert client_for("county").get(root, follow=True).status_code == 200
        anonymous = client_for("anonymous").get(root)
        assert anonymous["Location"].startswith(f"{reverse('login')}?next=")
    assert client_for("county").get("/campaign/").status_code == 200  # already a page
