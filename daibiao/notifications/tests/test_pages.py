"""The inbox pages: only my notifications, opening marks read, the bell counts the unread."""

import pytest
from django.urls import reverse

from daibiao.notifications.choices import NotificationKind
from daibiao.notifications.models import Notification
from daibiao.notifications.services import notify

pytestmark = pytest.mark.django_db

INBOX = "/inbox/"


def tell(user, subject="新交办建议", link="/loop/suggestions/3/", **kwargs):
    [notification] = notify(
        [user],
        kind=NotificationKind.SUGGESTION_ASSIGNED,
        subject=subject,
        body="请签收。",
        link=link,
        **kwargs,
    )
    return notification


def test_the_inbox_lists_only_my_notifications(cast, client_for):
    mine = tell(cast.users["deputy_a"], subject="给王小明的通知", actor=cast.users["town_a"])
    tell(cast.users["deputy_b"], subject="给张建国的通知")
    response = client_for("deputy_a").get(INBOX)
    assert response.status_code == 200
    assert list(response.context["object_list"]) == [mine]
    html = response.content.decode()
    assert "给王小明的通知" in html
    assert "给张建国的通知" not in html
    assert f'href="{mine.get_absolute_url()}"' in html
    assert f'action="{reverse("notifications:read", args=[mine.pk])}"' in html


def test_the_administrators_inbox_is_theirs_alone(cast, client_for):
    tell(cast.users["deputy_a"], subject="给王小明的通知")
    response = client_for("admin").get(INBOX)
    assert list(response.context["object_list"]) == []
    assert "给王小明的通知" not in response.content.decode()


def test_an_empty_inbox_says_so(cast, client_for):
    response = client_for("unit_a").get(INBOX)
    assert response.status_code == 200
    assert 'data-testid="inbox-empty"' in response.content.decode()


def test_the_unread_filter(cast, client_for):
    user = cast.users["town_a"]
    read, unread = tell(user, subject="已读"), tell(user, subject="未读")
    client = client_for("town_a")
    client.post(reverse("notifications:read", args=[read.pk]))
    assert list(client.get(INBOX, {"unread": "true"}).context["object_list"]) == [unread]
    assert list(client.get(INBOX).context["object_list"]) == [unread, read]


def test_opening_a_notification_marks_it_read_and_goes_to_its_link(cast, client_for):
    notification = tell(cast.users["deputy_a"])
    response = client_for("deputy_a").post(reverse("notifications:read", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/loop/suggestions/3/"
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_a_notification_without_a_link_opens_its_own_page(cast, client_for):
    notification = tell(cast.users["deputy_a"], link="")
    client = client_for("deputy_a")
    response = client.post(reverse("notifications:read", args=[notification.pk]))
    assert response["Location"] == notification.get_absolute_url()
    page = client.get(notification.get_absolute_url())
    assert page.status_code == 200
    assert "请签收。" in page.content.decode()


def test_reading_the_page_does_not_mark_it_read(cast, client_for):
    # GET is safe: only the button (a POST) marks it.
    notification = tell(cast.users["deputy_a"])
    assert client_for("deputy_a").get(notification.get_absolute_url()).status_code == 200
    assert (
        client_for("deputy_a").get(reverse("notifications:read", args=[notification.pk])).status_code == 405
    )
    assert Notification.objects.get(pk=notification.pk).read_at is None


@pytest.mark.parametrize("name", ["deputy_b", "town_a", "county", "admin"])
def test_another_users_notification_is_404_and_stays_unread(cast, client_for, name):
    notification = tell(cast.users["deputy_a"], subject="给王小明的通知")
    client = client_for(name)
    page = client.get(notification.get_absolute_url())
    assert page.status_code == 404
    assert "给王小明的通知" not in page.content.decode()
    assert client.post(reverse("notifications:read", args=[notification.pk])).status_code == 404
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_mark_all_read(cast, client_for):
    for _ in range(3):
        tell(cast.users["town_a"])
    other = tell(cast.users["town_b"])
    client = client_for("town_a")
    assert 'data-testid="read-all"' in client.get(INBOX).content.decode()
    response = client.post(reverse("notifications:read-all"), follow=True)
    assert response.redirect_chain == [(INBOX, 302)]
    assert not Notification.objects.filter(recipient=cast.users["town_a"], read_at__isnull=True).exists()
    assert Notification.objects.get(pk=other.pk).read_at is None
    assert 'data-testid="read-all"' not in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(cast, client):
    notification = tell(cast.users["deputy_a"])
    for method, url in (
        ("get", INBOX),
        ("get", notification.get_absolute_url()),
        ("post", reverse("notifications:read", args=[notification.pk])),
        ("post", reverse("notifications:read-all")),
    ):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert Notification.objects.get(pk=notification.pk).read_at is None


def bell(client):
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="inbox-bell"' in html
    start = html.find('data-testid="inbox-unread">')
    if start < 0:
        return 0
    return html[start:].split(">", 1)[1].split("<", 1)[0]


def test_the_navbar_bell_shows_my_unread_count(cast, client_for):
    client = client_for("deputy_a")
    assert bell(client) == 0
    first = tell(cast.users["deputy_a"])
    tell(cast.users["deputy_a"])
    tell(cast.users["deputy_b"])
    assert bell(client) == "2"
    client.post(reverse("notifications:read", args=[first.pk]))
    assert bell(client) == "1"
    assert bell(client_for("deputy_b")) == "1"


def test_the_bell_caps_at_99(cast, client_for):
    for i in range(100):
        notify([cast.users["deputy_a"]], kind=NotificationKind.GENERAL, subject=str(i), body="")
    assert bell(client_for("deputy_a")) == "99+"


def test_the_unread_count_costs_one_query(cast, client_for, django_assert_num_queries):
    from django.test import RequestFactory

    from daibiao.notifications.context_processors import inbox

    tell(cast.users["deputy_a"])
    request = RequestFactory().get("/")
    request.user = cast.users["deputy_a"]
    context = inbox(request)
    with django_assert_num_queries(1):
        assert context["inbox_unread"] == 1
        assert context["inbox_unread"] > 0
        assert str(context["inbox_unread"]) == "1"


def test_the_inbox_runs_as_many_queries_for_40_notifications_as_for_2(
    cast, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = cast.users["deputy_a"]
    client = client_for("deputy_a")

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(INBOX).status_code == 200
        return len(captured)

    tell(user, actor=cast.users["town_a"])
    tell(user, actor=cast.users["town_b"])
    few = count()
    for i in range(38):
        tell(user, actor=cast.users["county" if i % 2 else "leader"])
    assert count() == few
    with django_assert_max_num_queries(10):
        client.get(INBOX)
