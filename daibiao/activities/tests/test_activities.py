"""Activities, invitations and the staff's tick list: who may do what, and what it records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from daibiao.activities import services
from daibiao.activities.choices import ActivityKind, AttendanceStatus, Organiser, SignInMethod
from daibiao.activities.models import Activity, ActivityFile, Attendance, Campaign
from daibiao.core.models import ChangeLog
from daibiao.core.services import save_record
from daibiao.core.testing.files import jpeg_bytes, photo, upload
from daibiao.registry.models import County, Deputy

from .helpers import activity as make_activity
from .helpers import campaign as make_campaign

pytestmark = pytest.mark.django_db


def test_county_staff_organise_a_county_activity(cast):
    activity = make_activity(cast, files=[photo()])
    assert activity.county == cast.county
    assert activity.organiser == Organiser.COUNTY
    assert activity.created_by == cast.users["county"]
    assert ActivityFile.objects.filter(activity=activity).count() == 1
    assert len(activity.qr_token) >= 40


def test_a_group_places_the_activity_in_its_station_and_town(cast):
    activity = make_activity(cast, actor="town_a", group=cast.groups["a"], kind=ActivityKind.COURTYARD)
    assert (activity.station, activity.town, activity.organiser) == (
        cast.stations["a"],
        cast.towns["a"],
        Organiser.GROUP,
    )


def test_town_staff_organise_in_their_town_only(cast):
    make_activity(cast, actor="town_a", town=cast.towns["a"])
    with pytest.raises(PermissionDenied):
        make_activity(cast, actor="town_a", town=cast.towns["b"])
    with pytest.raises(PermissionDenied):
        make_activity(cast, actor="town_a")  # a county activity
    assert Activity.objects.count() == 1


def test_a_station_head_organises_at_the_station_only(cast):
    make_activity(cast, actor="station_a", station=cast.stations["a"], kind=ActivityKind.STATION_DAY)
    with pytest.raises(PermissionDenied):
        make_activity(cast, actor="station_a", town=cast.towns["a"])


@pytest.mark.parametrize("role", ["leader", "deputy_a", "unit_a"])
def test_readers_deputies_and_units_organise_nothing(cast, role):
    with pytest.raises(PermissionDenied):
        make_activity(cast, actor=role, town=cast.towns["a"])
    assert not Activity.objects.exists()


def test_an_activity_cannot_end_before_it_starts_and_only_a_training_is_at_a_meeting(cast):
    with pytest.raises(ValidationError) as caught:
        make_activity(cast, ends_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert "ends_at" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        make_activity(cast, kind=ActivityKind.VISIT, at_meeting=True)
    assert "at_meeting" in caught.value.message_dict


def test_the_campaign_must_be_the_activitys_county(cast):
    other = save_record(County(name="外县"), actor=None)
    foreign = save_record(Campaign(county=other, theme="外县行动", starts_on=dt.date(2026, 1, 1)), actor=None)
    with pytest.raises(ValidationError) as caught:
        services.create_activity(
            actor=None,
            county=cast.county,
            name="x",
            kind=ActivityKind.SEMINAR,
            campaign=foreign,
            starts_at=dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC),
            ends_at=dt.datetime(2026, 5, 1, 11, tzinfo=dt.UTC),
        )
    assert "campaign" in caught.value.message_dict


def test_update_activity_within_scope(cast):
    activity = make_activity(cast, actor="town_a", town=cast.towns["a"])
    services.update_activity(activity, actor=cast.users["town_a"], minutes="会议纪要", files=[photo()])
    activity.refresh_from_db()
    assert activity.minutes == "会议纪要"
    assert activity.files.count() == 1
    with pytest.raises(PermissionDenied):
        services.update_activity(activity, actor=cast.users["town_b"], minutes="改")
    with pytest.raises(PermissionDenied):  # moving it out of one's town
        services.update_activity(activity, actor=cast.users["town_a"], town=cast.towns["b"])
    assert Activity.objects.get(pk=activity.pk).town == cast.towns["a"]


def test_invite_deputies_is_idempotent_and_logged(cast):
    activity = make_activity(cast, actor="town_a", town=cast.towns["a"])
    actor = cast.users["town_a"]
    assert services.invite_deputies(activity, [cast.deputies["a"], cast.deputies["a2"]], actor=actor) == 2
    assert services.invite_deputies(activity, [cast.deputies["a"]], actor=actor) == 0
    rows = Attendance.objects.filter(activity=activity)
    assert {r.status for r in rows} == {AttendanceStatus.INVITED}
    assert all(r.invited for r in rows)
    for row in rows:
        assert ChangeLog.objects.for_object(row).filter(actor=actor).exists()


def test_staff_invite_only_deputies_within_their_reach(cast):
    activity = make_activity(cast, actor="town_a", town=cast.towns["a"])
    with pytest.raises(ValidationError):
        services.invite_deputies(activity, [cast.deputies["b"]], actor=cast.users["town_a"])
    with pytest.raises(PermissionDenied):
        services.invite_deputies(activity, [cast.deputies["a"]], actor=cast.users["town_b"])
    assert not Attendance.objects.exists()


def test_area_deputies_follow_the_organiser(cast):
    county = make_activity(cast)
    town = make_activity(cast, town=cast.towns["b"])
    assert set(services.area_deputies(county)) == set(Deputy.objects.all())
    assert set(services.area_deputies(town)) == {cast.deputies["b"], cast.deputies["b2"]}


def test_record_attendance_ticks_present_absent_and_leave(cast):
    activity = make_activity(cast, actor="town_a", town=cast.towns["a"])
    actor = cast.users["town_a"]
    services.invite_deputies(activity, [cast.deputies["a"], cast.deputies["a2"]], actor=actor)
    changed = services.record_attendance(
        activity,
        [
            {"deputy": cast.deputies["a"], "status": AttendanceStatus.PRESENT},
            {"deputy": cast.deputies["a2"], "status": AttendanceStatus.LEAVE, "leave_reason": "外出务工"},
        ],
        actor=actor,
    )
    assert changed == 2
    present = Attendance.objects.get(deputy=cast.deputies["a"])
    assert (present.status, present.method, present.recorded_by) == (
        AttendanceStatus.PRESENT,
        SignInMethod.STAFF,
        actor,
    )
    assert present.signed_in_at is not None
    leave = Attendance.objects.get(deputy=cast.deputies["a2"])
    assert (leave.status, leave.leave_reason) == (AttendanceStatus.LEAVE, "外出务工")
    # The same again changes nothing.
    assert (
        services.record_attendance(
            activity, [{"deputy": cast.deputies["a"], "status": AttendanceStatus.PRESENT}], actor=actor
        )
        == 0
    )


def test_leave_needs_a_reason_and_statuses_are_known(cast):
    activity = make_activity(cast, actor="town_a", town=cast.towns["a"])
    actor = cast.users["town_a"]
    with pytest.raises(ValidationError):
        services.record_attendance(
            activity, [{"deputy": cast.deputies["a"], "status": AttendanceStatus.LEAVE}], actor=actor
        )
    with pytest.raises(ValidationError):
        services.record_attendance(
            activity, [{"deputy": cast.deputies["a"], "status": "asleep"}], actor=actor
        )
    assert not Attendance.objects.exists()


def test_staff_may_tick_an_uninvited_deputy_present(cast):
    activity = make_activity(cast, actor="town_a", town=cast.towns["a"])
    services.record_attendance(
        activity,
        [{"deputy": cast.deputies["a2"], "status": AttendanceStatus.PRESENT}],
        actor=cast.users["town_a"],
    )
    row = Attendance.objects.get()
    assert (row.invited, row.status) == (False, AttendanceStatus.PRESENT)
    assert ChangeLog.objects.for_object(row).exists()


def test_a_deputy_reads_the_activities_he_was_invited_to_and_only_his_own_attendance(cast):
    mine = make_activity(cast, town=cast.towns["a"], name="我的活动")
    make_activity(cast, town=cast.towns["a"], name="别人的活动")
    services.invite_deputies(mine, [cast.deputies["a"], cast.deputies["a2"]], actor=None)
    user = cast.users["deputy_a"]
    assert list(Activity.objects.restrict(user)) == [mine]
    assert list(Attendance.objects.restrict(user).values_list("deputy", flat=True)) == [cast.deputies["a"].pk]
    assert not Activity.objects.restrict(user, "change").exists()
    assert not Activity.objects.restrict(cast.users["unit_a"]).exists()


def test_activity_scope_by_role(cast):
    county = make_activity(cast, name="县级")
    town_a = make_activity(cast, town=cast.towns["a"], name="武安")
    station = make_activity(cast, station=cast.stations["a"], name="站")
    town_b = make_activity(cast, town=cast.towns["b"], name="九集")
    reach = {role: set(Activity.objects.restrict(cast.users[role])) for role in cast.users}
    assert reach["county"] == reach["leader"] == reach["admin"] == {county, town_a, station, town_b}
    assert reach["town_a"] == {town_a, station}
    assert reach["town_b"] == {town_b}
    assert reach["station_a"] == {station}
    assert reach["unit_a"] == set()
    assert not Activity.objects.restrict(cast.users["leader"], "change").exists()


# --- pages --------------------------------------------------------------------------------


def test_the_tick_list_page_records_attendance(cast, client_for):
    activity = make_activity(cast, actor="town_a", town=cast.towns["a"])
    services.invite_deputies(activity, [cast.deputies["a"], cast.deputies["a2"]], actor=None)
    client = client_for("town_a")
    page = client.get(activity.get_absolute_url())
    assert page.status_code == 200
    assert f'name="status-{cast.deputies["a"].pk}"' in page.content.decode()
    response = client.post(
        reverse("activities:activity-attendance", args=[activity.pk]),
        {
            f"status-{cast.deputies['a'].pk}": "present",
            f"status-{cast.deputies['a2'].pk}": "leave",
            f"reason-{cast.deputies['a2'].pk}": "生病",
        },
    )
    assert response.status_code == 302
    assert dict(Attendance.objects.values_list("deputy__name", "status")) == {
        "王小明": "present",
        "李春兰": "leave",
    }


def test_the_tick_list_refuses_a_leave_without_reason_and_writes_nothing(cast, client_for):
    activity = make_activity(cast, actor="town_a", town=cast.towns["a"])
    services.invite_deputies(activity, [cast.deputies["a"]], actor=None)
    logs = ChangeLog.objects.count()
    response = client_for("town_a").post(
        reverse("activities:activity-attendance", args=[activity.pk]),
        {f"status-{cast.deputies['a'].pk}": "leave"},
    )
    assert response.status_code == 302
    assert Attendance.objects.get().status == AttendanceStatus.INVITED
    assert ChangeLog.objects.count() == logs


def test_readers_cannot_tick_or_invite(cast, client_for):
    activity = make_activity(cast, town=cast.towns["a"])
    services.invite_deputies(activity, [cast.deputies["a"]], actor=None)
    for role, expected in (("leader", 403), ("deputy_a", 403), ("town_b", 404), ("unit_a", 404)):
        client = client_for(role)
        for name in ("activities:activity-attendance", "activities:activity-invite"):
            response = client.post(
                reverse(name, args=[activity.pk]), {f"status-{cast.deputies['a'].pk}": "present"}
            )
            assert response.status_code == expected, (role, name)
    assert Attendance.objects.get().status == AttendanceStatus.INVITED


def test_invite_page_invites_the_whole_area(cast, client_for):
    activity = make_activity(cast, actor="town_b", town=cast.towns["b"])
    response = client_for("town_b").post(
        reverse("activities:activity-invite", args=[activity.pk]), {"everyone": "on"}
    )
    assert response.status_code == 302
    assert set(Attendance.objects.values_list("deputy__name", flat=True)) == {"张建国", "赵秀英"}


def test_create_edit_and_delete_an_activity_on_its_pages(cast, client_for):
    client = client_for("town_a")
    campaign = make_campaign(cast)
    response = client.post(
        reverse("activities:activity-create"),
        {
            "name": "屋场会",
            "kind": "courtyard",
            "campaign": campaign.pk,
            "town": cast.towns["a"].pk,
            "starts_at": "2026-06-05T09:00",
            "ends_at": "2026-06-05T11:00",
            "place": "王家坡屋场",
            "files": [upload("现场.jpg", jpeg_bytes(), "image/jpeg")],
        },
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    activity = Activity.objects.get()
    assert activity.files.get().content_type == "image/jpeg"
    photo_url = reverse("activities:activity-file", args=[activity.files.get().pk])
    assert client.get(photo_url).status_code == 200
    assert client_for("town_b").get(photo_url).status_code == 404
    edit = reverse("activities:activity-update", args=[activity.pk])
    assert client.get(edit).status_code == 200
    assert client_for("leader").get(edit).status_code == 403
    assert client_for("town_b").get(edit).status_code == 404
    data = {
        "name": "屋场会(改)",
        "kind": "courtyard",
        "town": cast.towns["a"].pk,
        "starts_at": "2026-06-05T09:00",
        "ends_at": "2026-06-05T11:00",
        "minutes": "群众反映村道破损。",
    }
    assert client.post(edit, data).status_code == 302
    activity.refresh_from_db()
    assert (activity.name, activity.minutes) == ("屋场会(改)", "群众反映村道破损。")
    # Moving it to another town is refused, with the form shown again.
    response = client.post(edit, {**data, "town": cast.towns["b"].pk})
    assert response.status_code == 200
    assert Activity.objects.get().town == cast.towns["a"]
    delete = reverse("activities:activity-delete", args=[activity.pk])
    assert client.get(delete).status_code == 200  # the confirmation
    assert client.post(delete).status_code == 302
    assert not Activity.objects.exists()


def test_create_page_refuses_a_town_outside_ones_reach(cast, client_for):
    response = client_for("town_a").post(
        reverse("activities:activity-create"),
        {
            "name": "x",
            "kind": "visit",
            "town": cast.towns["b"].pk,
            "starts_at": "2026-06-05T09:00",
            "ends_at": "2026-06-05T11:00",
        },
    )
    assert response.status_code == 200
    assert not Activity.objects.exists()
    assert client_for("deputy_a").get(reverse("activities:activity-create")).status_code == 403


def test_activity_list_filters_and_exports(cast, client_for):
    make_activity(cast, town=cast.towns["a"], name="培训A")
    make_activity(cast, town=cast.towns["b"], name="走访B", kind=ActivityKind.VISIT)
    client = client_for("county")
    response = client.get(reverse("activities:activity-list"), {"kind": "visit"})
    assert [a.name for a in response.context["object_list"]] == ["走访B"]
    response = client.get(reverse("activities:activity-list"), {"search": "培训"})
    assert [a.name for a in response.context["object_list"]] == ["培训A"]
    export = client.get(reverse("activities:activity-list"), {"export": "xlsx"})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    empty = client.get(reverse("activities:activity-list"), {"search": "没有"})
    assert "empty-state" in empty.content.decode()
