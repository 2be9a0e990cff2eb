"""The "代表+" organisations and the deputies embedded in them: the membership services and
their scope, the pages (list, filters, export, detail, add and remove members, the deputy's
own section), the API, the figures per town, and a query budget."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from daibiao.core.models import ChangeAction, ChangeLog
from daibiao.core.scoping import Action
from daibiao.core.services import save_record
from daibiao.registry.choices import OrganizationKind
from daibiao.registry.models import Organization, OrgMembership
from daibiao.registry.services import add_membership, end_membership

pytestmark = pytest.mark.django_db

SINCE = dt.date(2025, 1, 1)


def organization(cast, key="a", name="妇女联合会", kind=OrganizationKind.MASS, town=True):
    return save_record(
        Organization(
            county=cast.county,
            town=cast.towns[key] if town else None,
            name=name,
            kind=kind,
        ),
        actor=None,
    )


@pytest.fixture
def orgs(cast):
    """Two organisations in 武安镇, one in 九集镇 and one at county level, with members."""
    made = {
        "women": organization(cast, "a", "武安镇妇女联合会", OrganizationKind.MASS),
        "coop": organization(cast, "a", "武安镇柑橘合作社", OrganizationKind.ECONOMIC),
        "b_coop": organization(cast, "b", "九集镇养殖合作社", OrganizationKind.ECONOMIC),
        "county": organization(cast, name="县个体劳动者协会", kind=OrganizationKind.SOCIAL, town=False),
    }
    add_membership(made["women"], cast.deputies["a"], actor=None, role="执委", since=SINCE)
    add_membership(made["coop"], cast.deputies["a"], actor=None, role="理事长", since=SINCE)
    add_membership(made["coop"], cast.deputies["a2"], actor=None, since=SINCE)
    add_membership(made["b_coop"], cast.deputies["b"], actor=None, since=SINCE)
    add_membership(made["county"], cast.deputies["b2"], actor=None, since=SINCE)
    return made


def names(rows) -> set[str]:
    return {row.name if hasattr(row, "name") else row["name"] for row in rows}


# --- services -----------------------------------------------------------------------------


def test_town_staff_embed_a_deputy_in_their_towns_organisation(cast, orgs):
    membership = add_membership(orgs["women"], cast.deputies["a2"], actor=cast.users["town_a"], role="委员")
    assert membership.is_live
    assert membership.since == timezone.localdate()
    assert (
        ChangeLog.objects.for_object(membership).get(action=ChangeAction.CREATE).actor == cast.users["town_a"]
    )


def test_a_deputy_is_a_live_member_of_an_organisation_once(cast, orgs):
    with pytest.raises(ValidationError) as caught:
        add_membership(orgs["women"], cast.deputies["a"], actor=cast.users["town_a"])
    assert "deputy" in caught.value.message_dict
    assert OrgMembership.objects.filter(organization=orgs["women"]).count() == 1


def test_an_ended_membership_may_be_taken_up_again(cast, orgs):
    first = OrgMembership.objects.get(organization=orgs["women"])
    end_membership(first, actor=cast.users["town_a"], until=dt.date(2025, 6, 30))
    again = add_membership(orgs["women"], cast.deputies["a"], actor=cast.users["town_a"])
    assert OrgMembership.objects.filter(organization=orgs["women"], deputy=cast.deputies["a"]).count() == 2
    assert again.is_live


@pytest.mark.parametrize(
    ("who", "org", "deputy"),
    [
        ("town_b", "women", "a2"),  # another town's organisation
        ("town_a", "county", "a2"),  # a county-level organisation
        ("town_a", "women", "b"),  # a deputy out of sight
        ("leader", "women", "a2"),
        ("deputy_a", "women", "a2"),
        ("unit_a", "women", "a2"),
    ],
)
def test_adding_a_member_is_refused_out_of_scope_and_writes_nothing(cast, orgs, who, org, deputy):
    logs = ChangeLog.objects.count()
    with pytest.raises(PermissionDenied):
        add_membership(orgs[org], cast.deputies[deputy], actor=cast.users[who])
    assert ChangeLog.objects.count() == logs
    assert not OrgMembership.objects.filter(organization=orgs[org], deputy=cast.deputies[deputy]).exists()


def test_ending_a_membership_is_race_safe_and_logged(cast, orgs):
    first = OrgMembership.objects.get(organization=orgs["women"])
    second = OrgMembership.objects.get(organization=orgs["women"])  # both read it live
    end_membership(first, actor=cast.users["town_a"], until=dt.date(2025, 6, 30))
    with pytest.raises(ValidationError):
        end_membership(second, actor=cast.users["county"], until=dt.date(2025, 7, 1))
    stored = OrgMembership.objects.get(pk=first.pk)
    assert stored.until == dt.date(2025, 6, 30)
    entries = ChangeLog.objects.for_object(stored).filter(action=ChangeAction.UPDATE)
    assert [e.changes for e in entries] == [{"until": [None, "2025-06-30"]}]


def test_a_membership_cannot_end_before_it_began_or_out_of_scope(cast, orgs):
    membership = OrgMembership.objects.get(organization=orgs["women"])
    with pytest.raises(ValidationError):
        end_membership(membership, actor=cast.users["town_a"], until=dt.date(2024, 1, 1))
    with pytest.raises(PermissionDenied):
        end_membership(membership, actor=cast.users["town_b"])
    assert OrgMembership.objects.get(pk=membership.pk).is_live


def test_town_staff_may_not_create_a_county_level_organisation(cast):
    with pytest.raises(PermissionDenied):
        save_record(
            Organization(county=cast.county, name="县级协会", kind="social"), actor=cast.users["town_a"]
        )
    assert not Organization.objects.filter(name="县级协会").exists()


# --- scoping ------------------------------------------------------------------------------


def test_who_sees_which_memberships(cast, orgs):
    def seen(who, action=Action.VIEW):
        return {
            (m.organization.name, m.deputy.name)
            for m in OrgMembership.objects.restrict(cast.users[who], action).select_related(
                "organization", "deputy"
            )
        }

    every = seen("county")
    assert len(every) == 5
    assert seen("leader") == every
    assert seen("town_a") == {
        ("武安镇妇女联合会", "王小明"),
        ("武安镇柑橘合作社", "王小明"),
        ("武安镇柑橘合作社", "李春兰"),
    }
    assert seen("deputy_a") == {("武安镇妇女联合会", "王小明"), ("武安镇柑橘合作社", "王小明")}
    assert seen("unit_a") == set()
    assert seen("town_a", Action.CHANGE) == seen("town_a")
    assert seen("leader", Action.CHANGE) == seen("deputy_a", Action.DELETE) == set()
    assert len(seen("county", Action.DELETE)) == 5


def test_every_role_of_the_county_reads_organisations_and_town_staff_write_their_own(cast, orgs):
    assert names(Organization.objects.restrict(cast.users["unit_a"])) == {o.name for o in orgs.values()}
    assert names(Organization.objects.restrict(cast.users["town_a"], Action.CHANGE)) == {
        "武安镇妇女联合会",
        "武安镇柑橘合作社",
    }


# --- figures per town ---------------------------------------------------------------------


def test_figures_per_town_count_organisations_by_kind_and_deputies_once(cast, orgs):
    figures = Organization.objects.restrict(cast.users["county"]).figures_by_town()
    a, b = cast.towns["a"].pk, cast.towns["b"].pk
    assert figures[a] == {
        "organizations": {"mass": 1, "social": 0, "self_governing": 0, "economic": 1},
        "deputies": 2,  # 王小明 (in two) and 李春兰
    }
    assert figures[b]["organizations"]["economic"] == 1
    assert figures[b]["deputies"] == 1
    assert figures[None]["organizations"]["social"] == 1
    end_membership(OrgMembership.objects.get(deputy=cast.deputies["a2"]), actor=None)
    assert Organization.objects.all().figures_by_town()[a]["deputies"] == 1
    town_a_only = Organization.objects.restrict(cast.users["town_a"], Action.CHANGE).figures_by_town()
    assert set(town_a_only) == {a}


def test_figures_per_town_take_two_queries_however_many_rows(cast, orgs):
    with CaptureQueriesContext(connection) as few:
        Organization.objects.all().figures_by_town()
    for i in range(10):
        org = organization(cast, "b", f"九集镇协会{i}", OrganizationKind.SOCIAL)
        add_membership(org, cast.deputies["b2"], actor=None)
    with CaptureQueriesContext(connection) as many:
        figures = Organization.objects.all().figures_by_town()
    assert len(few) == len(many) == 2
    assert figures[cast.towns["b"].pk]["organizations"]["social"] == 10


# --- pages --------------------------------------------------------------------------------


def listed(client, **params) -> set[str]:
    response = client.get(reverse("registry:organization-list"), params)
    assert response.status_code == 200
    return names(response.context["object_list"])


def test_the_list_filters_by_kind_town_and_search(cast, orgs, client_for):
    client = client_for("county")
    assert listed(client, kind="economic") == {"武安镇柑橘合作社", "九集镇养殖合作社"}
    assert listed(client, town=cast.towns["a"].pk) == {"武安镇妇女联合会", "武安镇柑橘合作社"}
    assert listed(client, kind="economic", town=cast.towns["b"].pk) == {"九集镇养殖合作社"}
    assert listed(client, search="协会") == {"县个体劳动者协会"}


def test_the_export_lists_every_filtered_organisation_with_its_members(cast, orgs, client_for):
    response = client_for("county").get(
        reverse("registry:organization-list"), {"export": "xlsx", "kind": "economic"}
    )
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["武安镇柑橘合作社"][-1] == 2


def test_the_detail_page_lists_the_members_and_adds_one(cast, orgs, client_for):
    org = orgs["women"]
    client = client_for("town_a")
    html = client.get(org.get_absolute_url()).content.decode()
    assert "王小明" in html
    assert "执委" in html
    response = client.post(
        reverse("registry:organization-member-add", args=[org.pk]),
        {"member-deputy": cast.deputies["a2"].pk, "member-role": "委员", "member-since": "2025-05-01"},
    )
    assert response.status_code == 302
    assert (
        OrgMembership.objects.live()
        .filter(organization=org, deputy=cast.deputies["a2"], role="委员")
        .exists()
    )


def test_adding_a_member_twice_shows_the_reason_on_the_page(cast, orgs, client_for):
    response = client_for("town_a").post(
        reverse("registry:organization-member-add", args=[orgs["women"].pk]),
        {"member-deputy": cast.deputies["a"].pk, "member-since": "2025-05-01"},
    )
    assert response.status_code == 200
    assert "deputy" in response.context["member_form"].errors


def test_a_viewer_gets_no_member_form_and_may_not_post_one(cast, orgs, client_for):
    org = orgs["women"]
    response = client_for("leader").get(org.get_absolute_url())
    assert "member_form" not in response.context
    url = reverse("registry:organization-member-add", args=[org.pk])
    assert client_for("leader").post(url, {"member-deputy": cast.deputies["a2"].pk}).status_code == 403
    assert client_for("town_b").post(url, {"member-deputy": cast.deputies["a2"].pk}).status_code == 403


def test_removing_a_member_asks_first_then_ends_the_membership(cast, orgs, client_for):
    membership = OrgMembership.objects.get(organization=orgs["women"])
    url = reverse("registry:membership-end", args=[membership.pk])
    client = client_for("town_a")
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert OrgMembership.objects.get(pk=membership.pk).is_live  # asking changes nothing
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == orgs["women"].get_absolute_url()
    assert OrgMembership.objects.get(pk=membership.pk).until == timezone.localdate()
    assert client_for("leader").get(url).status_code == 403
    assert client_for("town_b").get(url).status_code == 404


def test_the_deputy_page_shows_the_memberships(cast, orgs, client_for):
    end_membership(
        OrgMembership.objects.get(organization=orgs["women"]), actor=None, until=dt.date(2025, 6, 30)
    )
    html = client_for("deputy_a").get(cast.deputies["a"].get_absolute_url()).content.decode()
    assert "武安镇柑橘合作社" in html
    assert "理事长" in html
    assert "2025-06-30" in html  # the ended one, kept for the record


# --- API ----------------------------------------------------------------------------------

API = "/api/v1/organizations/"


def test_the_api_lists_organisations_with_the_memberships_the_user_may_see(cast, orgs, api_for):
    rows = {row["name"]: row for row in api_for("deputy_a").get(API).json()["results"]}
    assert set(rows) == {o.name for o in orgs.values()}
    assert [m["deputy_name"] for m in rows["武安镇柑橘合作社"]["memberships"]] == ["王小明"]
    rows = {row["name"]: row for row in api_for("town_a").get(API, {"kind": "economic"}).json()["results"]}
    assert set(rows) == {"武安镇柑橘合作社", "九集镇养殖合作社"}
    assert {m["deputy_name"] for m in rows["武安镇柑橘合作社"]["memberships"]} == {"王小明", "李春兰"}


def test_the_api_adds_and_ends_memberships(cast, orgs, api_for):
    client = api_for("town_a")
    url = f"{API}{orgs['women'].pk}/"
    response = client.post(
        f"{url}add-member/", {"deputy": cast.deputies["a2"].pk, "role": "委员"}, format="json"
    )
    assert response.status_code == 201, response.json()
    membership = response.json()["id"]
    again = client.post(f"{url}add-member/", {"deputy": cast.deputies["a2"].pk}, format="json")
    assert again.status_code == 400
    assert "deputy" in again.json()
    assert (
        "deputy" in client.post(f"{url}add-member/", {"deputy": cast.deputies["b"].pk}, format="json").json()
    )
    response = client.post(f"{url}end-member/", {"membership": membership}, format="json")
    assert response.status_code == 200
    assert response.json()["is_live"] is False
    assert client.post(f"{url}end-member/", {"membership": membership}, format="json").status_code == 400
    refused = api_for("leader").post(f"{url}add-member/", {"deputy": cast.deputies["a2"].pk}, format="json")
    assert refused.status_code == 403


def test_the_api_creates_organisations_within_scope_with_field_errors(cast, api_for):
    client = api_for("town_a")
    response = client.post(
        API, {"name": "武安镇青年志愿者协会", "kind": "social", "town": cast.towns["a"].pk}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["county"] == cast.county.pk
    bad = client.post(API, {"name": "", "kind": "club", "town": cast.towns["a"].pk}, format="json")
    assert bad.status_code == 400
    assert {"name", "kind"} <= set(bad.json())
    elsewhere = client.post(API, {"name": "九集镇协会", "kind": "social", "town": cast.towns["b"].pk})
    assert elsewhere.status_code == 403
    assert not Organization.objects.filter(name="九集镇协会").exists()
    village = client.post(
        API,
        {"name": "错村组织", "kind": "mass", "town": cast.towns["a"].pk, "village": cast.villages["b"].pk},
    )
    assert village.status_code == 400
    assert "village" in village.json()


# --- a query budget -----------------------------------------------------------------------


def count_queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("registry:organization-list", {}),
        ("registry:organization-list", {"export": "xlsx"}),
        ("api:organization-list", {}),
    ],
)
def test_organisation_lists_do_not_grow_with_the_rows(cast, orgs, client_for, api_for, url, params):
    client = (api_for if url.startswith("api:") else client_for)("county")
    few = count_queries(client, reverse(url), **params)
    for i in range(10):
        org = organization(cast, "b", f"九集镇协会{i}", OrganizationKind.SOCIAL)
        add_membership(org, cast.deputies["b2"], actor=None)
        add_membership(org, cast.deputies["b"], actor=None)
    assert count_queries(client, reverse(url), **params) == few
    assert few <= 15


def test_the_organisation_and_deputy_pages_keep_to_a_budget(cast, orgs, client_for):
    client = client_for("town_a")
    org_page = count_queries(client, orgs["coop"].get_absolute_url())
    deputy_page = count_queries(client, cast.deputies["a"].get_absolute_url())
    for i in range(6):
        org = organization(cast, "a", f"武安镇协会{i}", OrganizationKind.SOCIAL)
        add_membership(org, cast.deputies["a"], actor=None)
    assert count_queries(client, cast.deputies["a"].get_absolute_url()) == deputy_page
    assert count_queries(client, orgs["coop"].get_absolute_url()) == org_page
