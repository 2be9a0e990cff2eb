"""/api/v1/inbox/: my notifications, ?unread=true, marking read; another user's is a 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from daibiao.notifications.choices import NotificationKind
from daibiao.notifications.models import Notification
from daibiao.notifications.services import notify

pytestmark = pytest.mark.django_db

LIST = "/api/v1/inbox/"


def tell(user, subject="督办通知", **kwargs):
    [notification] = notify(
        [user], kind=NotificationKind.URGE, subject=subject, body="请加快办理。", **kwargs
    )
    return notification


def test_the_list_holds_only_my_notifications_newest_first(cast, api_for):
    older = tell(cast.users["unit_a"], subject="第一条", actor=cast.users["county"])
    newer = tell(cast.users["unit_a"], subject="第二条", data={"suggestion": 5})
    tell(cast.users["unit_b"])
    body = api_for("unit_a").get(LIST).json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [newer.pk, older.pk]
    row = body["results"][0]
    assert row["subject"] == "第二条"
    assert row["kind"] == "urge"
    assert row["data"] == {"suggestion": 5}
    assert row["is_read"] is False
    assert row["read_at"] is None
    assert body["results"][1]["actor_name"] == "county"


def test_the_unread_filter(cast, api_for):
    read, unread = tell(cast.users["unit_a"]), tell(cast.users["unit_a"])
    client = api_for("unit_a")
    assert client.post(f"{LIST}{read.pk}/read/").status_code == 200
    assert [r["id"] for r in client.get(LIST, {"unread": "true"}).json()["results"]] == [unread.pk]
    assert [r["id"] for r in client.get(LIST, {"unread": "false"}).json()["results"]] == [read.pk]


def test_mark_read_returns_the_notification_and_is_idempotent(cast, api_for):
    notification = tell(cast.users["unit_a"])
    client = api_for("unit_a")
    first = client.post(f"{LIST}{notification.pk}/read/")
    assert first.status_code == 200
    assert first.json()["is_read"] is True
    again = client.post(f"{LIST}{notification.pk}/read/")
    assert again.json()["read_at"] == first.json()["read_at"]


@pytest.mark.parametrize("name", ["unit_b", "county", "admin"])
def test_another_users_notification_is_404(cast, api_for, name):
    notification = tell(cast.users["unit_a"], subject="给交通局的通知")
    client = api_for(name)
    response = client.post(f"{LIST}{notification.pk}/read/")
    assert response.status_code == 404
    assert "给交通局的通知" not in response.content.decode()
    assert client.get(LIST).json()["count"] == 0
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_read_all_marks_only_mine(cast, api_for):
    tell(cast.users["unit_a"])
    tell(cast.users["unit_a"])
    theirs = tell(cast.users["unit_b"])
    client = api_for("unit_a")
    assert client.post(f"{LIST}read-all/").json() == {"marked": 2}
    assert client.post(f"{LIST}read-all/").json() == {"marked": 0}
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_nothing_is_written_through_the_api_but_read_marks(cast, api_for):
    notification = tell(cast.users["unit_a"])
    client = api_for("unit_a")
    assert client.post(LIST, {"subject": "伪造", "kind": "general"}, format="json").status_code == 405
    for method in ("get", "put", "patch", "delete"):
        response = getattr(client, method)(f"{LIST}{notification.pk}/read/", {}, format="json")
        assert response.status_code == 405, method
    assert Notification.objects.count() == 1


def test_anonymous_is_refused(cast, api_for):
    notification = tell(cast.users["unit_a"])
    client = api_for("anonymous")
    assert client.get(LIST).status_code == 401
    assert client.post(f"{LIST}{notification.pk}/read/").status_code == 401
    assert client.post(f"{LIST}read-all/").status_code == 401
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_the_list_runs_as_many_queries_for_40_notifications_as_for_2(cast, api_for):
    client = api_for("unit_a")

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    for name in ("county", "leader"):
        tell(cast.users["unit_a"], actor=cast.users[name])
    few = count()
    for i in range(38):
        tell(cast.users["unit_a"], actor=cast.users["county" if i % 2 else "town_a"])
    assert count() == few
    assert few <= 6
