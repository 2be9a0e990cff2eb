"""The supervision services: what each does, whom it refuses, and that a refusal leaves
nothing behind."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from daibiao.activities.models import Campaign
from daibiao.core.models import ChangeAction, ChangeLog
from daibiao.core.services import save_record
from daibiao.registry.models import County, Town
from daibiao.supervision import services
from daibiao.supervision.choices import Committee, FollowUpStanding, GroupRole, ReportStatus
from daibiao.supervision.models import (
    FollowUpItem,
    LeadingGroupMember,
    OversightItem,
    ProgressReport,
    ReportRound,
    SupervisionVisit,
    oversight_items_citing,
)

from .conftest import at_local, days, follow_up

pytestmark = pytest.mark.django_db


def footprint():
    return ChangeLog.objects.count()


# --- the leading group ----------------------------------------------------------------------


def test_county_staff_add_a_member_with_towns_and_it_is_logged(cast, world):
    user = cast.users["county"]
    member = services.add_member(
        world.campaign, cast.users["admin"], actor=user, role=GroupRole.MEMBER, towns=[cast.towns["a"]]
    )
    assert set(member.towns.all()) == {cast.towns["a"]}
    assert ChangeLog.objects.for_object(member).filter(action=ChangeAction.CREATE).exists()


@pytest.mark.parametrize("who", ["leader", "town_a", "unit_a", "deputy_a", "station_a"])
def test_only_county_staff_add_members(cast, world, who):
    before = (LeadingGroupMember.objects.count(), footprint())
    with pytest.raises(PermissionDenied):
        services.add_member(world.campaign, cast.users["admin"], actor=cast.users[who], role=GroupRole.MEMBER)
    assert (LeadingGroupMember.objects.count(), footprint()) == before


def test_a_person_is_in_a_group_once(cast, world):
    with pytest.raises(ValidationError) as exc:
        services.add_member(world.campaign, cast.users["leader"], actor=cast.users["county"])
    assert "user" in exc.value.message_dict


def test_members_and_towns_come_from_the_campaigns_county(cast, world):
    other = save_record(County(name="外县"), actor=None)
    far_town = save_record(Town(county=other, name="外镇"), actor=None)
    with pytest.raises(ValidationError) as exc:
        services.add_member(world.campaign, cast.users["admin"], actor=None, towns=[far_town])
    assert "towns" in exc.value.message_dict
    assert not LeadingGroupMember.objects.filter(user=cast.users["admin"]).exists()


def test_assigning_towns_replaces_the_earlier_ones(cast, world):
    services.assign_towns(world.head, [cast.towns["b"]], actor=cast.users["county"])
    assert list(world.head.towns.all()) == [cast.towns["b"]]
    with pytest.raises(PermissionDenied):
        services.assign_towns(world.head, [cast.towns["a"]], actor=cast.users["leader"])


def test_update_member_changes_role_title_and_towns(cast, world):
    services.update_member(
        world.second, actor=cast.users["county"], role=GroupRole.MEMBER, title="委员", towns=[]
    )
    world.second.refresh_from_db()
    assert (world.second.role, world.second.title, world.second.towns.count()) == (
        GroupRole.MEMBER,
        "委员",
        0,
    )


def test_a_member_with_visits_cannot_be_removed_one_without_can(cast, world):
    with pytest.raises(ValidationError):
        services.remove_member(world.head, actor=cast.users["county"])
    fresh = services.add_member(world.campaign, cast.users["admin"], actor=cast.users["county"])
    services.remove_member(fresh, actor=cast.users["county"])
    assert not LeadingGroupMember.objects.filter(pk=fresh.pk).exists()


def test_the_group_is_read_by_leaders_and_the_towns_it_covers(cast, world):
    def seen(name):
        return set(LeadingGroupMember.objects.restrict(cast.users[name]))

    assert seen("county") == seen("leader") == {world.head, world.second}
    assert seen("town_a") == {world.head}
    assert seen("town_b") == {world.second}
    for name in ("unit_a", "deputy_a", "station_a"):
        assert seen(name) == set()


# --- supervision visits ---------------------------------------------------------------------


def test_a_leader_records_his_own_visit_in_his_town(cast, world):
    visit = services.record_visit(
        world.head,
        cast.towns["a"],
        actor=cast.users["leader"],
        visited_on=days(-1),
        findings="好。",
        follow_ups=[follow_up(cast.towns["a"], 10)],
    )
    assert visit.campaign == world.campaign
    assert visit.follow_ups.get().standing == FollowUpStanding.OPEN


def test_a_leader_may_not_record_in_a_town_he_does_not_answer_for(cast, world):
    before = (SupervisionVisit.objects.count(), FollowUpItem.objects.count(), footprint())
    with pytest.raises(PermissionDenied):
        services.record_visit(
            world.head,
            cast.towns["b"],
            actor=cast.users["leader"],
            visited_on=days(-1),
            findings="x",
            follow_ups=[follow_up(cast.towns["b"])],
        )
    assert (SupervisionVisit.objects.count(), FollowUpItem.objects.count(), footprint()) == before


def test_a_leader_may_not_record_another_members_visit(cast, world):
    with pytest.raises(PermissionDenied):
        services.record_visit(
            world.second, cast.towns["b"], actor=cast.users["leader"], visited_on=days(-1), findings="x"
        )


@pytest.mark.parametrize("who", ["town_a", "unit_a", "deputy_a"])
def test_others_may_not_record_visits(cast, world, who):
    with pytest.raises(PermissionDenied):
        services.record_visit(
            world.head, cast.towns["a"], actor=cast.users[who], visited_on=days(-1), findings="x"
        )


def test_county_staff_record_a_visit_anywhere_in_the_county(cast, world):
    visit = services.record_visit(
        world.head, cast.towns["b"], actor=cast.users["county"], visited_on=days(0), findings="临时督导。"
    )
    assert visit.town == cast.towns["b"]


def test_bad_visits_are_refused_whole(cast, world):
    before = (SupervisionVisit.objects.count(), FollowUpItem.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.record_visit(world.head, cast.towns["a"], actor=None, visited_on=days(1), findings="x")
    assert "visited_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.record_visit(
            world.head,
            cast.towns["a"],
            actor=None,
            visited_on=days(-1),
            findings="x",
            follow_ups=[{"text": "", "owner": "", "due_on": None}],
        )
    assert set(exc.value.message_dict) == {"text", "owner", "due_on"}
    with pytest.raises(ValidationError):
        services.record_visit(world.head, cast.towns["a"], actor=None, visited_on=days(-1), findings="  ")
    assert (SupervisionVisit.objects.count(), FollowUpItem.objects.count()) == before


def test_follow_ups_are_open_overdue_or_done_by_their_dates(cast, world):
    item = world.visit_a.follow_ups.get()
    assert item.standing == FollowUpStanding.OVERDUE
    assert list(FollowUpItem.objects.overdue()) == sorted(
        [item, world.visit_b.follow_ups.get()], key=lambda i: (i.due_on, i.pk)
    )
    services.close_follow_up(item, actor=cast.users["county"], note="已补齐")
    item.refresh_from_db()
    assert item.standing == FollowUpStanding.DONE
    assert item.done_on == days(0)
    added = services.add_follow_up(
        world.visit_a, actor=cast.users["leader"], text="回访", owner="镇人大", due_on=days(5)
    )
    assert added.standing == FollowUpStanding.OPEN


def test_closing_a_follow_up_twice_closes_it_once(cast, world):
    item = world.visit_a.follow_ups.get()
    stale = FollowUpItem.objects.get(pk=item.pk)  # a second request that loaded it meanwhile
    services.close_follow_up(item, actor=cast.users["town_a"], note="第一次")
    logs = footprint()
    with pytest.raises(services.Conflict):
        services.close_follow_up(stale, actor=cast.users["county"], note="第二次")
    item.refresh_from_db()
    assert item.done_note == "第一次"
    assert item.closed_by == cast.users["town_a"]
    assert footprint() == logs
    entries = ChangeLog.objects.for_object(item).filter(action=ChangeAction.STATE)
    assert entries.count() == 1


def test_closing_is_one_conditional_update(cast, world, django_assert_num_queries):
    item = FollowUpItem.objects.select_related("visit").get(visit=world.visit_a)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        services.close_follow_up(item, actor=None)
    updates = [q["sql"] for q in captured if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert "done_on" in updates[0]
    assert "IS NULL" in updates[0]


@pytest.mark.parametrize(
    ("who", "allowed"), [("town_a", True), ("leader", True), ("town_b", False), ("unit_a", False)]
)
def test_who_may_close_a_follow_up(cast, world, who, allowed):
    item = world.visit_a.follow_ups.get()
    if allowed:
        services.close_follow_up(item, actor=cast.users[who])
    else:
        with pytest.raises(PermissionDenied):
            services.close_follow_up(item, actor=cast.users[who])
        item.refresh_from_db()
        assert item.done_on is None


def test_a_follow_up_is_not_done_in_the_future_or_before_the_visit(cast, world):
    item = world.visit_a.follow_ups.get()
    for day in (days(1), days(-30)):
        with pytest.raises(ValidationError):
            services.close_follow_up(item, actor=None, done_on=day)
    item.refresh_from_db()
    assert item.done_on is None


# --- progress reports -----------------------------------------------------------------------


def status_of(report_round, town):
    return report_round.town_table(Town.objects.filter(pk=town.pk)).get().report_status


def test_statuses_on_time_late_missing_and_not_due(cast, world):
    assert status_of(world.round1, cast.towns["a"]) == ReportStatus.ON_TIME
    assert status_of(world.round1, cast.towns["b"]) == ReportStatus.MISSING
    assert status_of(world.round2, cast.towns["a"]) == ReportStatus.NOT_DUE
    services.submit_report(world.round1, cast.towns["b"], actor=cast.users["town_b"], text="迟交。")
    assert status_of(world.round1, cast.towns["b"]) == ReportStatus.LATE
    timeliness = dict(ProgressReport.objects.with_timeliness().values_list("town__name", "timeliness"))
    assert timeliness == {"武安镇": ReportStatus.ON_TIME, "九集镇": ReportStatus.LATE}


def test_the_due_day_ends_at_local_midnight(cast, world):
    due = days(-5)
    report_round = services.create_round(world.campaign, actor=None, title="边界", due_on=due)
    with mock.patch("django.utils.timezone.now", return_value=at_local(due, 23, 50)):
        services.submit_report(report_round, cast.towns["a"], actor=None, text="赶在最后。")
    with mock.patch("django.utils.timezone.now", return_value=at_local(due + dt.timedelta(days=1), 0, 10)):
        services.submit_report(report_round, cast.towns["b"], actor=None, text="晚了十分钟。")
    assert status_of(report_round, cast.towns["a"]) == ReportStatus.ON_TIME
    assert status_of(report_round, cast.towns["b"]) == ReportStatus.LATE
    rows = dict(report_round.reports.with_timeliness().values_list("town_id", "timeliness"))
    assert rows == {cast.towns["a"].pk: ReportStatus.ON_TIME, cast.towns["b"].pk: ReportStatus.LATE}


def test_revising_keeps_the_first_hand_in_time_and_is_audited(cast, world):
    first = world.report_a.submitted_at
    again = services.submit_report(world.round1, cast.towns["a"], actor=cast.users["town_a"], text="修订后。")
    assert again.pk == world.report_a.pk
    again.refresh_from_db()
    assert (again.text, again.submitted_at) == ("修订后。", first)
    assert again.revised_at is not None
    assert status_of(world.round1, cast.towns["a"]) == ReportStatus.ON_TIME
    change = ChangeLog.objects.for_object(again).filter(action=ChangeAction.UPDATE).latest("id")
    assert change.changes["text"] == ["武安镇进展。", "修订后。"]
    assert change.actor == cast.users["town_a"]


@pytest.mark.parametrize("who", ["town_b", "leader", "unit_a", "deputy_a"])
def test_only_the_towns_staff_or_the_county_hand_in_its_report(cast, world, who):
    before = (ProgressReport.objects.count(), footprint())
    with pytest.raises(PermissionDenied):
        services.submit_report(world.round2, cast.towns["a"], actor=cast.users[who], text="x")
    with pytest.raises(PermissionDenied):
        services.revise_report(world.report_a, actor=cast.users[who], text="x")
    assert (ProgressReport.objects.count(), footprint()) == before


def test_county_staff_hand_in_for_a_town(cast, world):
    report = services.submit_report(world.round2, cast.towns["b"], actor=cast.users["county"], text="代报。")
    assert report.submitted_by == cast.users["county"]


def test_an_empty_report_is_refused(cast, world):
    with pytest.raises(ValidationError) as exc:
        services.submit_report(world.round2, cast.towns["a"], actor=cast.users["town_a"], text=" ")
    assert "text" in exc.value.message_dict


def test_a_round_is_unique_per_due_day_and_schedules_are_idempotent(cast, world):
    with pytest.raises(ValidationError):
        services.create_round(
            world.campaign, actor=cast.users["county"], title="重复", due_on=world.round1.due_on
        )
    created = services.schedule_rounds(world.campaign, dt.date(2027, 1, 31), 3, actor=cast.users["county"])
    assert [r.due_on for r in created] == [dt.date(2027, 1, 31), dt.date(2027, 2, 28), dt.date(2027, 3, 31)]
    again = services.schedule_rounds(world.campaign, dt.date(2027, 1, 31), 4, actor=cast.users["county"])
    assert [r.due_on for r in again] == [dt.date(2027, 4, 30)]
    assert ReportRound.objects.filter(campaign=world.campaign).count() == 2 + 4


@pytest.mark.parametrize("who", ["leader", "town_a", "unit_a"])
def test_only_county_staff_set_rounds(cast, world, who):
    with pytest.raises(PermissionDenied):
        services.create_round(world.campaign, actor=cast.users[who], title="x", due_on=days(40))
    with pytest.raises(PermissionDenied):
        services.schedule_rounds(world.campaign, days(40), 2, actor=cast.users[who])
    assert ReportRound.objects.count() == 2


def test_town_staff_read_their_own_towns_reports_only(cast, world):
    services.submit_report(world.round1, cast.towns["b"], actor=cast.users["town_b"], text="九集。")
    assert set(ProgressReport.objects.restrict(cast.users["town_a"]).values_list("town", flat=True)) == {
        cast.towns["a"].pk
    }
    assert ProgressReport.objects.restrict(cast.users["leader"]).count() == 2
    assert ProgressReport.objects.restrict(cast.users["unit_a"]).count() == 0


def test_rounds_of_another_county_are_out_of_reach(cast, world):
    other = save_record(County(name="外县"), actor=None)
    far = save_record(Campaign(county=other, theme="外县行动", starts_on=days(-5)), actor=None)
    far_round = services.create_round(far, actor=None, title="外县", due_on=days(5))
    with pytest.raises(PermissionDenied):
        services.submit_report(far_round, cast.towns["a"], actor=cast.users["county"], text="x")
    with pytest.raises(PermissionDenied):
        services.create_round(far, actor=cast.users["county"], title="x", due_on=days(9))


# --- oversight items ------------------------------------------------------------------------


def test_staff_propose_an_item_from_suggestions_and_their_clues_join_it(cast, world):
    suggestion = cast.suggestions["a"]
    item = services.propose_oversight_item(
        [suggestion],
        "村道建设管护专项监督",
        actor=cast.users["county"],
        year=2026,
        committee=Committee.URBAN,
        subject="听取审议县交通运输局专项工作报告",
        units=[cast.units["a"]],
    )
    assert item.county == cast.county
    assert list(item.suggestions.all()) == [suggestion]
    assert set(item.clues.all()) == set(suggestion.clues.all())
    assert item.clues.exists()
    assert list(oversight_items_citing(suggestion, cast.users["county"])) == [item]
    assert list(oversight_items_citing(suggestion, cast.users["unit_a"])) == [item]  # names unit a
    assert list(oversight_items_citing(suggestion, cast.users["unit_b"])) == []
    assert list(oversight_items_citing(suggestion, cast.users["deputy_a"])) == []
    assert list(oversight_items_citing(cast.suggestions["b"], cast.users["county"])) == []


@pytest.mark.parametrize("who", ["leader", "town_a", "unit_a", "deputy_a"])
def test_only_county_staff_propose_items(cast, world, who):
    with pytest.raises(PermissionDenied):
        services.propose_oversight_item(
            [], "x", actor=cast.users[who], year=2026, committee=Committee.LEGAL, county=cast.county
        )
    assert not OversightItem.objects.exists()


def test_an_item_cannot_cite_another_countys_suggestions(cast, world):
    other = save_record(County(name="外县"), actor=None)
    with pytest.raises(ValidationError) as exc:
        services.propose_oversight_item(
            [cast.suggestions["a"]], "x", actor=None, year=2026, committee=Committee.LEGAL, county=other
        )
    assert "suggestions" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.propose_oversight_item([], "", actor=cast.users["county"], year=2026, committee="nonsense")
    assert {"title", "committee"} <= set(exc.value.message_dict)
    assert not OversightItem.objects.exists()
