"""The QR sign-in: a logged-in deputy, on a phone, while the code is valid; twice is once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from daibiao.activities import services
from daibiao.activities.choices import AttendanceStatus, SignInMethod
from daibiao.activities.models import QR_GRACE_AFTER, QR_OPENS_BEFORE, Attendance
from daibiao.activities.qr import qr_image
from daibiao.core.models import ChangeLog

from .helpers import activity as make_activity
from .helpers import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(cast):
    activity = make_activity(cast, town=cast.towns["a"], start_in=-dt.timedelta(minutes=30))
    services.invite_deputies(activity, [cast.deputies["a"]], actor=None)
    return activity


def test_an_invited_deputy_signs_in_and_is_present(cast, activity):
    row, signed = services.sign_in_by_qr(activity.qr_token, actor=cast.users["deputy_a"])
    assert signed
    assert (row.status, row.method, row.invited) == (AttendanceStatus.PRESENT, SignInMethod.QR, True)
    assert row.signed_in_at is not None
    entry = ChangeLog.objects.for_object(row).filter(note="QR sign-in").get()
    assert entry.actor == cast.users["deputy_a"]
    assert entry.changes["status"] == ["invited", "present"]


def test_signing_in_twice_keeps_one_attendance_and_changes_nothing(cast, activity):
    first, _ = services.sign_in_by_qr(activity.qr_token, actor=cast.users["deputy_a"])
    logs = ChangeLog.objects.count()
    again, signed = services.sign_in_by_qr(activity.qr_token, actor=cast.users["deputy_a"])
    assert not signed
    assert again.pk == first.pk
    assert again.signed_in_at == first.signed_in_at
    assert Attendance.objects.filter(activity=activity).count() == 1
    assert ChangeLog.objects.count() == logs


def test_an_uninvited_deputy_of_the_county_signs_in_as_uninvited(cast, activity):
    row, signed = services.sign_in_by_qr(activity.qr_token, actor=cast.users["deputy_b"])
    assert signed
    assert (row.deputy, row.invited, row.status) == (cast.deputies["b"], False, AttendanceStatus.PRESENT)
    # ... and from now on reads the activity.
    assert activity in type(activity).objects.restrict(cast.users["deputy_b"])


def test_a_deputy_on_leave_who_comes_after_all_is_present(cast, activity):
    services.record_attendance(
        activity,
        [{"deputy": cast.deputies["a"], "status": AttendanceStatus.LEAVE, "leave_reason": "出差"}],
        actor=None,
    )
    row, signed = services.sign_in_by_qr(activity.qr_token, actor=cast.users["deputy_a"])
    assert signed
    assert (row.status, row.leave_reason) == (AttendanceStatus.PRESENT, "")


def test_the_code_expires_after_the_grace_period(cast, activity):
    with at(activity.ends_at + QR_GRACE_AFTER - dt.timedelta(minutes=1)):
        services.sign_in_by_qr(activity.qr_token, actor=cast.users["deputy_a"])
    late = activity.ends_at + QR_GRACE_AFTER + dt.timedelta(minutes=1)
    with at(late), pytest.raises(services.SignInRefused) as caught:
        services.sign_in_by_qr(activity.qr_token, actor=cast.users["deputy_b"])
    assert caught.value.code == "expired"
    assert not Attendance.objects.filter(deputy=cast.deputies["b"]).exists()


def test_the_code_does_not_work_long_before_the_start(cast, activity):
    with pytest.raises(services.SignInRefused) as caught:
        services.sign_in_by_qr(
            activity.qr_token,
            actor=cast.users["deputy_a"],
            now=activity.starts_at - QR_OPENS_BEFORE - dt.timedelta(minutes=1),
        )
    assert caught.value.code == "not_open"
    assert Attendance.objects.get().status == AttendanceStatus.INVITED


@pytest.mark.parametrize("role", ["town_a", "county", "station_a", "unit_a", "admin"])
def test_only_a_deputy_signs_in(cast, activity, role):
    with pytest.raises(services.SignInRefused) as caught:
        services.sign_in_by_qr(activity.qr_token, actor=cast.users[role])
    assert (caught.value.code, caught.value.status) == ("not_deputy", 403)


def test_an_unknown_token_is_refused(cast, activity):
    with pytest.raises(services.SignInRefused) as caught:
        services.sign_in_by_qr("nope", actor=cast.users["deputy_a"])
    assert caught.value.status == 404


def test_a_deputy_of_another_county_is_refused(cast, activity):
    from daibiao.accounts.services import create_user
    from daibiao.core.services import save_record
    from daibiao.registry.models import County, Deputy, Town

    other = save_record(County(name="外县"), actor=None)
    town = save_record(Town(county=other, name="外镇"), actor=None)
    deputy = save_record(Deputy(name="外人", gender="male", phone="13911112222", town=town), actor=None)
    user = create_user("outsider", actor=None, password="x-pass-123", roles=["deputy"], deputy=deputy)
    with pytest.raises(services.SignInRefused) as caught:
        services.sign_in_by_qr(activity.qr_token, actor=user)
    assert caught.value.code == "other_county"


# --- the phone page -----------------------------------------------------------------------


def test_the_sign_in_page_shows_a_button_and_get_never_signs_in(cast, client_for, activity):
    client = client_for("deputy_a")
    url = reverse("activities:sign-in", args=[activity.qr_token])
    response = client.get(url, HTTP_USER_AGENT="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)")
    assert response.status_code == 200
    assert 'data-testid="sign-in-button"' in response.content.decode()
    assert Attendance.objects.get().status == AttendanceStatus.INVITED
    response = client.post(url)
    assert response.status_code == 200
    assert 'data-testid="signed-in"' in response.content.decode()
    assert Attendance.objects.get().status == AttendanceStatus.PRESENT
    # Back on the page: already signed in, no button.
    assert 'data-testid="sign-in-button"' not in client.get(url).content.decode()


def test_the_sign_in_page_says_why_it_refuses(cast, client_for, activity):
    url = reverse("activities:sign-in", args=[activity.qr_token])
    staff = client_for("town_a")
    assert 'data-testid="refusal"' in staff.get(url).content.decode()
    response = staff.post(url)
    assert response.status_code == 403
    assert Attendance.objects.get().status == AttendanceStatus.INVITED
    with at(activity.ends_at + QR_GRACE_AFTER + dt.timedelta(hours=1)):
        response = client_for("deputy_a").post(url)
    assert response.status_code == 200
    assert 'data-testid="refusal"' in response.content.decode()
    assert Attendance.objects.get().status == AttendanceStatus.INVITED


def test_the_sign_in_page_asks_an_anonymous_visitor_to_log_in_first(cast, client, activity):
    url = reverse("activities:sign-in", args=[activity.qr_token])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.post(url).status_code == 302
    assert Attendance.objects.get().status == AttendanceStatus.INVITED


def test_an_unknown_token_page_is_404(cast, client_for, activity):
    assert client_for("deputy_a").get(reverse("activities:sign-in", args=["x" * 43])).status_code == 404


def test_staff_get_the_qr_code_of_the_absolute_sign_in_link(cast, client_for, activity):
    client = client_for("town_a")
    svg = client.get(reverse("activities:activity-qr-svg", args=[activity.pk]))
    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    png = client.get(reverse("activities:activity-qr-png", args=[activity.pk]))
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    page = client.get(activity.get_absolute_url()).content.decode()
    assert reverse("activities:activity-qr-svg", args=[activity.pk]) in page
    assert (
        client_for("deputy_a").get(reverse("activities:activity-qr-svg", args=[activity.pk])).status_code
        == 403
    )
    assert (
        client_for("town_b").get(reverse("activities:activity-qr-svg", args=[activity.pk])).status_code == 404
    )


def test_the_qr_code_encodes_the_absolute_sign_in_url(cast, client_for, activity):
    svg = client_for("town_a").get(reverse("activities:activity-qr-svg", args=[activity.pk])).content
    url = f"http://testserver/campaign/sign-in/{activity.qr_token}/"
    assert activity.sign_in_path() == f"/campaign/sign-in/{activity.qr_token}/"
    assert svg == qr_image(url, "svg")[0]
    assert svg != qr_image(url.replace("sign-in", "sign-out"), "svg")[0]


def test_api_sign_in(cast, api_for, activity):
    response = api_for("deputy_a").post(
        "/api/v1/activities/sign-in/", {"token": activity.qr_token}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["signed_in"] is True
    assert body["activity"] == activity.pk
    assert body["attendance"]["status"] == "present"
    again = api_for("deputy_a").post(
        "/api/v1/activities/sign-in/", {"token": activity.qr_token}, format="json"
    )
    assert again.json()["signed_in"] is False
    refused = api_for("town_a").post(
        "/api/v1/activities/sign-in/", {"token": activity.qr_token}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_deputy"
    missing = api_for("deputy_a").post("/api/v1/activities/sign-in/", {}, format="json")
    assert missing.status_code == 400
    assert "token" in missing.json()
    with at(timezone.now() + dt.timedelta(days=2)):
        expired = api_for("deputy_b").post(
            "/api/v1/activities/sign-in/", {"token": activity.qr_token}, format="json"
        )
    assert expired.status_code == 400
    assert expired.json()["code"] == "expired"
