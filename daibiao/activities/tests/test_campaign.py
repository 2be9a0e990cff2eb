"""Campaigns and town plans: who may write them, and each town's plan as on time, late or
not submitted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from daibiao.activities import services
from daibiao.activities.choices import PlanStatus
from daibiao.activities.models import Campaign, CampaignFile, CampaignPlan, CampaignPlanFile
from daibiao.core.models import ChangeLog
from daibiao.core.testing.files import pdf_bytes, photo, upload
from daibiao.registry.models import Town

from .helpers import at
from .helpers import campaign as make_campaign

pytestmark = pytest.mark.django_db


def statuses(campaign, towns=None) -> dict[str, str]:
    towns = towns if towns is not None else Town.objects.filter(county_id=campaign.county_id)
    return {t.name: t.plan_status for t in campaign.town_plan_table(towns)}


def test_county_staff_create_a_campaign_with_the_county_plan(cast):
    campaign = make_campaign(cast, documents=[photo("实施方案.jpg")])
    assert campaign.county == cast.county
    assert [d.name for d in campaign.documents.all()] == ["实施方案.jpg"]
    entry = ChangeLog.objects.for_object(campaign).get()
    assert entry.actor == cast.users["county"]


@pytest.mark.parametrize("role", ["leader", "town_a", "deputy_a", "station_a", "unit_a"])
def test_only_county_staff_create_or_change_campaigns(cast, role):
    with pytest.raises(PermissionDenied):
        services.create_campaign(actor=cast.users[role], theme="x", starts_on=timezone.localdate())
    assert not Campaign.objects.exists()
    campaign = make_campaign(cast)
    with pytest.raises(PermissionDenied):
        services.update_campaign(campaign, actor=cast.users[role], theme="改")
    assert Campaign.objects.get().theme == "聚力共同缔造"


def test_a_campaign_cannot_end_before_it_starts(cast):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        make_campaign(cast, starts_on=today, ends_on=today - dt.timedelta(days=1))
    assert "ends_on" in caught.value.message_dict


def test_update_campaign_changes_fields_and_adds_documents(cast):
    campaign = make_campaign(cast)
    services.update_campaign(campaign, actor=cast.users["county"], theme="新主题", documents=[photo()])
    campaign.refresh_from_db()
    assert campaign.theme == "新主题"
    assert campaign.documents.count() == 1


def test_unit_staff_do_not_see_campaigns(cast):
    campaign = make_campaign(cast)
    assert not Campaign.objects.restrict(cast.users["unit_a"]).exists()
    for role in ("county", "leader", "town_a", "deputy_a", "station_a"):
        assert Campaign.objects.restrict(cast.users[role]).get() == campaign


def test_town_staff_hand_in_their_towns_plan(cast):
    campaign = make_campaign(cast)
    plan = services.submit_town_plan(
        campaign, cast.towns["a"], actor=cast.users["town_a"], summary="方案", documents=[photo()]
    )
    assert plan.submitted_by == cast.users["town_a"]
    assert CampaignPlanFile.objects.filter(plan=plan).count() == 1


@pytest.mark.parametrize("role", ["town_b", "county", "leader", "deputy_a", "station_a", "unit_a"])
def test_nobody_else_hands_in_a_towns_plan(cast, role):
    campaign = make_campaign(cast)
    with pytest.raises(PermissionDenied):
        services.submit_town_plan(campaign, cast.towns["a"], actor=cast.users[role], summary="方案")
    assert not CampaignPlan.objects.exists()


def test_a_refused_plan_keeps_no_files(cast, settings):
    campaign = make_campaign(cast)
    stored = settings.PRIVATE_ROOT / "files"
    before = set(stored.rglob("*"))
    with pytest.raises(PermissionDenied):
        services.submit_town_plan(
            campaign, cast.towns["a"], actor=cast.users["town_b"], summary="方案", documents=[photo()]
        )
    assert not CampaignPlanFile.objects.exists()
    assert set(stored.rglob("*")) == before


def test_a_plan_needs_a_summary(cast):
    campaign = make_campaign(cast)
    with pytest.raises(ValidationError) as caught:
        services.submit_town_plan(campaign, cast.towns["a"], actor=cast.users["town_a"], summary="  ")
    assert "summary" in caught.value.message_dict


def test_revising_a_plan_keeps_one_row_and_the_first_hand_in_time(cast):
    campaign = make_campaign(cast)
    first = services.submit_town_plan(campaign, cast.towns["a"], actor=cast.users["town_a"], summary="一")
    with at(timezone.now() + dt.timedelta(days=30)):
        again = services.submit_town_plan(campaign, cast.towns["a"], actor=cast.users["town_a"], summary="二")
    assert again.pk == first.pk
    plan = CampaignPlan.objects.get()
    assert plan.summary == "二"
    assert plan.submitted_at == first.submitted_at


def test_plan_status_is_on_time_late_or_missing(cast):
    today = timezone.localdate()
    campaign = make_campaign(cast, town_plans_due_on=today)
    # 武安镇 hands in on the due day itself (on time), 九集镇 the day after (late).
    services.submit_town_plan(campaign, cast.towns["a"], actor=cast.users["town_a"], summary="方案")
    assert statuses(campaign) == {"武安镇": PlanStatus.ON_TIME, "九集镇": PlanStatus.MISSING}
    with at(timezone.now() + dt.timedelta(days=1)):
        services.submit_town_plan(campaign, cast.towns["b"], actor=cast.users["town_b"], summary="方案")
    assert statuses(campaign) == {"武安镇": PlanStatus.ON_TIME, "九集镇": PlanStatus.LATE}
    # The Python rule agrees with the query.
    assert {p.town.name: p.status for p in CampaignPlan.objects.all()} == {
        "武安镇": PlanStatus.ON_TIME,
        "九集镇": PlanStatus.LATE,
    }


def test_without_a_due_date_every_plan_handed_in_is_on_time(cast):
    campaign = make_campaign(cast, due_in_days=None)
    services.submit_town_plan(campaign, cast.towns["a"], actor=cast.users["town_a"], summary="方案")
    assert statuses(campaign) == {"武安镇": PlanStatus.ON_TIME, "九集镇": PlanStatus.MISSING}


def test_campaign_page_shows_the_plan_table_to_the_county_and_the_own_town_to_its_staff(cast, client_for):
    campaign = make_campaign(cast, due_in_days=5)
    services.submit_town_plan(campaign, cast.towns["a"], actor=cast.users["town_a"], summary="方案")
    url = campaign.get_absolute_url()
    response = client_for("county").get(url)
    assert response.status_code == 200
    assert {t.name: t.plan_status for t in response.context["towns"]} == {
        "武安镇": PlanStatus.ON_TIME,
        "九集镇": PlanStatus.MISSING,
    }
    assert 'data-status="missing"' in response.content.decode()
    assert [t.name for t in client_for("town_b").get(url).context["towns"]] == ["九集镇"]
    assert client_for("deputy_a").get(url).context["towns"] == []
    assert client_for("unit_a").get(url).status_code == 404


def test_town_staff_hand_in_the_plan_on_its_page(cast, client_for):
    campaign = make_campaign(cast)
    url = reverse("activities:plan-submit", args=[campaign.pk])
    client = client_for("town_a")
    assert client.get(url).status_code == 200
    response = client.post(url, {"summary": "我镇方案", "documents": [upload("方案.pdf", pdf_bytes())]})
    assert response.status_code == 302
    plan = CampaignPlan.objects.get()
    assert (plan.town, plan.summary) == (cast.towns["a"], "我镇方案")
    stored = plan.documents.get()
    assert stored.content_type == "application/pdf"
    # Its document reaches the town and the county, not the other town.
    file_url = reverse("activities:plan-file", args=[stored.pk])
    assert client.get(file_url).status_code == 200
    assert client_for("county").get(file_url).status_code == 200
    assert client_for("town_b").get(file_url).status_code == 404
    # Other roles have no plan to hand in.
    for role in ("county", "deputy_a", "leader"):
        assert client_for(role).get(url).status_code == 403


def test_the_plan_page_shows_errors_and_writes_nothing_without_a_summary(cast, client_for):
    campaign = make_campaign(cast)
    response = client_for("town_a").post(
        reverse("activities:plan-submit", args=[campaign.pk]), {"summary": ""}
    )
    assert response.status_code == 200
    assert "summary" in response.context["form"].errors
    assert not CampaignPlan.objects.exists()


def test_county_staff_create_and_edit_a_campaign_on_its_pages(cast, client_for):
    client = client_for("county")
    response = client.post(
        reverse("activities:campaign-create"),
        {
            "theme": "主题",
            "starts_on": "2026-04-28",
            "ends_on": "2026-10-31",
            "town_plans_due_on": "2026-05-15",
            "documents": [upload("实施方案.pdf", pdf_bytes())],
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.town_plans_due_on == dt.date(2026, 5, 15)
    document = CampaignFile.objects.get()
    download = client_for("deputy_a").get(reverse("activities:campaign-file", args=[document.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    edit = reverse("activities:campaign-update", args=[campaign.pk])
    assert client_for("town_a").get(edit).status_code == 403
    response = client.post(edit, {"theme": "改过的主题", "starts_on": "2026-04-28"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.theme == "改过的主题"
    response = client.post(edit, {"theme": "x", "starts_on": "2026-04-28", "ends_on": "2026-01-01"})
    assert response.status_code == 200
    assert "ends_on" in response.context["form"].errors
