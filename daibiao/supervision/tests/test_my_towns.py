"""The leader's page (我的联系镇): who reaches it, whose towns it shows, that each figure is the
count of the list it links to, and that it runs as many queries for many towns as for few."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from daibiao.accounts.choices import Role
from daibiao.accounts.services import create_user
from daibiao.activities import services as campaign_services
from daibiao.activities.choices import ActivityKind
from daibiao.core.services import save_record
from daibiao.registry.models import County, Town
from daibiao.suggestions import services as loop
from daibiao.suggestions.choices import State
from daibiao.supervision import services
from daibiao.supervision.choices import GroupRole
from daibiao.supervision.models import FollowUpItem

from .conftest import at_local, days, follow_up

pytestmark = pytest.mark.django_db

URL = reverse("supervision:my-towns")


def figures_of(response) -> dict:
    return {f.town.name: f for f in response.context["figures"]}


def towns_of(response) -> set[str]:
    return set(figures_of(response))


# --- who reaches it, and whose towns ----------------------------------------------------------


def test_a_leader_sees_the_towns_he_answers_for(cast, world, client_for):
    response = client_for("leader").get(URL)
    assert response.status_code == 200
    assert response.context["member"] == world.head
    assert towns_of(response) == {"武安镇"}
    html = response.content.decode()
    assert 'data-town="{}"'.format(cast.towns["a"].pk) in html
    assert 'data-town="{}"'.format(cast.towns["b"].pk) not in html


def test_a_leader_may_also_look_at_every_town_or_another_members(cast, world, client_for):
    client = client_for("leader")
    assert towns_of(client.get(URL, {"member": "all"})) == {"武安镇", "九集镇"}
    assert towns_of(client.get(URL, {"member": world.second.pk})) == {"九集镇"}


def test_county_staff_see_every_town_unless_they_pick_a_member(cast, world, client_for):
    client = client_for("county")
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["member"] is None
    assert towns_of(response) == {"武安镇", "九集镇"}
    assert towns_of(client.get(URL, {"member": world.second.pk})) == {"九集镇"}
    assert client_for("admin").get(URL, {"member": world.head.pk}).status_code == 200


@pytest.mark.parametrize("role", ["town_a", "unit_a", "deputy_a", "station_a"])
def test_the_page_is_refused_to_those_who_do_not_lead_or_run_the_campaign(cast, world, client_for, role):
    assert client_for(role).get(URL).status_code == 403


def test_anonymous_is_sent_to_log_in(cast, world, client_for):
    response = client_for("anonymous").get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_member_out_of_scope_or_made_up_is_not_found(cast, world, client_for):
    other = save_record(County(name="邻县"), actor=None)
    town = save_record(Town(county=other, name="城关镇"), actor=None)
    far = create_user("邻县组长", actor=None, password=None, roles=[Role.LEADER], county=other)
    from daibiao.activities.models import Campaign

    campaign = save_record(Campaign(county=other, theme="邻县行动", starts_on=days(-30)), actor=None)
    member = services.add_member(campaign, far, actor=None, role=GroupRole.HEAD, towns=[town])
    client = client_for("county")
    for wanted in (member.pk, 999999, "x1"):
        assert client.get(URL, {"member": wanted}).status_code == 404
    assert client_for("admin").get(URL, {"member": member.pk}).status_code == 200


def test_a_leader_outside_the_group_sees_every_town_and_is_told_nothing_is_his(cast, world, client_for):
    outsider = create_user(
        "局外领导", actor=None, password="pw-12345678", roles=[Role.LEADER], county=cast.county
    )
    client = client_for("anonymous")
    client.force_login(outsider)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["own"] is None
    assert towns_of(response) == {"武安镇", "九集镇"}


def test_the_campaign_picker_chooses_among_campaigns_and_a_member_brings_his_own(cast, world, client_for):
    from daibiao.activities.models import Campaign

    later = save_record(Campaign(county=cast.county, theme="下一季行动", starts_on=days(-1)), actor=None)
    client = client_for("leader")
    # The latest campaign he is a member of, not merely the latest one.
    assert client.get(URL).context["campaign"] == world.campaign
    response = client.get(URL, {"campaign": later.pk})
    assert response.context["campaign"] == later
    assert response.context["member"] is None  # not in that campaign's group: every town
    # A member comes with his campaign; a member of another campaign than the one picked is dropped.
    assert client.get(URL, {"member": world.second.pk}).context["campaign"] == world.campaign
    response = client.get(URL, {"campaign": later.pk, "member": world.second.pk})
    assert (response.context["campaign"], response.context["member"]) == (later, None)


# --- the figures ------------------------------------------------------------------------------


def fill(cast, world) -> None:
    """Clues, suggestions in several states (one overdue), activities this month and before,
    and a second visit with an open item, in 武安镇; a clue and a suggestion in 九集镇."""
    campaign = world.campaign
    deputy = cast.users["deputy_a"]
    for n in range(3):
        loop.create_clue(
            actor=deputy, title=f"武安线索{n}", content="路灯坏了。", town=cast.towns["a"], campaign=campaign
        )
    loop.create_clue(
        actor=cast.users["deputy_b"],
        title="九集线索",
        content="水渠堵了。",
        town=cast.towns["b"],
        campaign=campaign,
    )
    made = [
        loop.create_suggestion(
            actor=deputy,
            title=f"武安建议{n}",
            content="建议修复。",
            campaign=campaign,
            tier="county",
            submit=n > 0,
        )
        for n in range(4)
    ]
    long_ago = timezone.now() - dt.timedelta(days=200)
    with mock.patch("django.utils.timezone.now", return_value=long_ago):
        loop.assign_suggestion(made[2], actor=cast.users["town_a"], lead_unit=cast.units["a"])
    loop.assign_suggestion(made[3], actor=cast.users["town_a"], lead_unit=cast.units["b"])
    loop.create_suggestion(
        actor=cast.users["deputy_b"], title="九集建议", content="建议疏通。", campaign=campaign, submit=True
    )
    now = timezone.now()
    for start in (
        now - dt.timedelta(days=45),
        timezone.localtime(now).replace(hour=0, minute=5),
        now + dt.timedelta(days=3),
    ):
        campaign_services.create_activity(
            actor=cast.users["town_a"],
            name="进村入户走访",
            kind=ActivityKind.VISIT,
            campaign=campaign,
            town=cast.towns["a"],
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
        )
    services.record_visit(
        world.head,
        cast.towns["a"],
        actor=cast.users["leader"],
        visited_on=days(-2),
        findings="线索台账已补齐。",
        follow_ups=[follow_up(cast.towns["a"], 10), follow_up(cast.towns["a"], 12)],
    )


def test_the_figures_count_what_the_town_holds(cast, world, client_for):
    fill(cast, world)
    response = client_for("county").get(URL)
    wuan, jiuji = figures_of(response)["武安镇"], figures_of(response)["九集镇"]
    assert wuan.clues == 3  # the cast's own clues belong to no campaign
    assert wuan.states == {State.DRAFT: 1, State.SUBMITTED: 1, State.ASSIGNED: 2}
    assert wuan.overdue == 1
    assert (wuan.activities, wuan.activities_month) == (2, 1)  # the one in three days is not held yet
    assert (wuan.follow_ups_open, wuan.follow_ups_overdue) == (2, 1)
    assert wuan.visits == 2
    assert wuan.last_visit == days(-2)
    # Round 1 is past due: 武安镇 handed in on time, 九集镇 nothing; round 2 is not due yet.
    assert (wuan.reports_late, wuan.reports_missing) == (0, 0)
    assert (jiuji.reports_late, jiuji.reports_missing) == (0, 1)
    assert jiuji.plan_status == "missing"
    assert jiuji.coverage.figures["deputies"].total == 2
    assert [m.user for m in wuan.members] == [cast.users["leader"]]


def test_a_report_handed_in_after_its_day_counts_as_late(cast, world, client_for):
    with mock.patch("django.utils.timezone.now", return_value=at_local(days(-3), 9)):
        services.submit_report(world.round1, cast.towns["b"], actor=cast.users["town_b"], text="九集镇进展。")
    jiuji = figures_of(client_for("county").get(URL))["九集镇"]
    assert (jiuji.reports_late, jiuji.reports_missing) == (1, 0)


@pytest.mark.parametrize("role", ["county", "leader"])
def test_each_figure_is_the_count_of_the_list_it_links_to(cast, world, client_for, role):
    fill(cast, world)
    client = client_for(role)
    response = client.get(URL, {"member": "all"})
    html = response.content.decode()
    checked = 0
    for f in response.context["figures"]:
        links = f.links
        pairs = [
            (links["clues"], f.clues),
            (links["suggestions"], f.suggestions),
            (links["overdue"], f.overdue),
            (links["activities"], f.activities),
            (links["activities_month"], f.activities_month),
            (links["follow_ups_open"], f.follow_ups_open),
            (links["follow_ups_overdue"], f.follow_ups_overdue),
            (links["visits"], f.visits),
        ]
        pairs += [(s["url"], s["n"]) for s in f.by_state]
        for url, figure in pairs:
            assert f'href="{url.replace("&", "&amp;")}"' in html, url
            listed = client.get(url)
            assert listed.status_code == 200, url
            assert listed.context["total"] == figure, (f.town.name, url)
            checked += 1
    assert checked >= 20


def test_the_report_link_shows_the_towns_row_only(cast, world, client_for):
    wuan = figures_of(client_for("county").get(URL))["武安镇"]
    response = client_for("county").get(wuan.links["reports"])
    assert [row["town"].name for row in response.context["table"]] == ["武安镇"]


def test_the_follow_up_list_filters_by_standing(cast, world, client_for):
    item = FollowUpItem.objects.get(visit=world.visit_a)
    client = client_for("county")
    url = reverse("supervision:follow-up-list")
    assert [
        f.pk
        for f in client.get(url, {"standing": "overdue", "town": cast.towns["a"].pk}).context["object_list"]
    ] == [item.pk]
    services.close_follow_up(item, actor=cast.users["town_a"])
    assert not client.get(url, {"standing": "overdue", "town": cast.towns["a"].pk}).context["object_list"]
    assert [f.pk for f in client.get(url, {"standing": "done"}).context["object_list"]] == [item.pk]


# --- the query budget ---------------------------------------------------------------------------


def grow(cast, world, n: int, start: int) -> None:
    """``n`` more towns, each answered for by the head, with a clue, a suggestion, an activity,
    a visit with a follow-up item and a report."""
    for i in range(start, start + n):
        town = save_record(Town(county=cast.county, name=f"新镇{i:02d}", sort_order=10 + i), actor=None)
        services.assign_towns(world.head, [*world.head.towns.all(), town], actor=None)
        clue = loop.create_clue(
            actor=None, title=f"线索{i}", content="问题。", town=town, campaign=world.campaign
        )
        loop.create_suggestion(
            actor=None,
            title=f"建议{i}",
            content="建议。",
            town=town,
            clues=[clue],
            campaign=world.campaign,
            submit=True,
        )
        campaign_services.create_activity(
            actor=None,
            name="走访",
            kind=ActivityKind.VISIT,
            campaign=world.campaign,
            town=town,
            starts_at=timezone.now() - dt.timedelta(days=1),
            ends_at=timezone.now() - dt.timedelta(days=1) + dt.timedelta(hours=2),
        )
        services.record_visit(
            world.head, town, actor=None, visited_on=days(-5), findings="督导。", follow_ups=[follow_up(town)]
        )
        services.submit_report(world.round1, town, actor=None, text="进展。")


def queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(("role", "params"), [("leader", {}), ("county", {}), ("county", {"member": "all"})])
def test_the_page_runs_as_many_queries_for_many_towns_as_for_few(cast, world, client_for, role, params):
    client = client_for(role)
    grow(cast, world, 2, 0)
    few = queries(client, **params)
    grow(cast, world, 8, 2)
    many = queries(client, **params)
    assert len(client.get(URL, params).context["figures"]) >= 10
    assert many == few
    assert many <= 25
