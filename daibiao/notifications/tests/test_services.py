"""notify, mark_read, mark_all_read: what reaches whom, once, and only after commit."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from daibiao.core.services import save_record
from daibiao.notifications.choices import Channel, DeliveryStatus, NotificationKind
from daibiao.notifications.models import Delivery, Notification
from daibiao.notifications.services import mark_all_read, mark_read, notify

pytestmark = pytest.mark.django_db


def tell(users, **kwargs):
    fields = {
        "kind": NotificationKind.SUGGESTION_ASSIGNED,
        "subject": "新交办建议：村道硬化",
        "body": "请在7个工作日内签收。",
        "link": "/loop/suggestions/1/",
    }
    fields.update(kwargs)
    return notify(users, **fields)


def test_notify_fills_the_inbox_and_sends_email_and_sms_after_commit(
    cast, reachable, sms_outbox, django_capture_on_commit_callbacks
):
    deputy = reachable("deputy_a")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [notification] = tell([deputy], actor=cast.users["town_a"], data={"suggestion": 1})
        # Inside the transaction: the inbox row and the deliveries exist, nothing has gone out.
        assert mail.outbox == []
        assert sms_outbox == []
    assert notification.recipient == deputy
    assert notification.actor == cast.users["town_a"]
    assert notification.data == {"suggestion": 1}
    assert notification.read_at is None
    assert {(d.channel, d.address, d.status) for d in notification.deliveries.all()} == {
        (Channel.EMAIL, "deputy_a@example.org", DeliveryStatus.PENDING),
        (Channel.SMS, "138****1234", DeliveryStatus.PENDING),
    }
    for callback in callbacks:
        callback()  # the commit
    assert [m.to for m in mail.outbox] == [["deputy_a@example.org"]]
    assert mail.outbox[0].subject == "新交办建议：村道硬化"
    assert "请在7个工作日内签收。" in mail.outbox[0].body
    assert [phone for phone, _ in sms_outbox] == ["13812341234"]
    assert sms_outbox[0][1].startswith("新交办建议：村道硬化")
    assert set(notification.deliveries.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert all(d.attempts == 1 and d.sent_at for d in notification.deliveries.all())


def test_a_rolled_back_transaction_sends_nothing_and_leaves_no_inbox_row(
    cast, reachable, sms_outbox, django_capture_on_commit_callbacks
):
    deputy = reachable("deputy_a")

    def step_that_fails_after_notifying():
        with transaction.atomic():
            tell([deputy])
            raise RuntimeError("the step failed after notifying")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        step_that_fails_after_notifying()
    assert callbacks == []
    assert mail.outbox == []
    assert sms_outbox == []
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


def test_the_same_dedupe_key_twice_notifies_once(cast, reachable, django_capture_on_commit_callbacks):
    deputy = reachable("deputy_a")
    with django_capture_on_commit_callbacks(execute=True):
        first = tell([deputy], dedupe_key="overdue:suggestion:1:reply")
    with django_capture_on_commit_callbacks(execute=True):
        second = tell([deputy], dedupe_key="overdue:suggestion:1:reply")
    assert len(first) == 1
    assert second == []
    assert Notification.objects.filter(recipient=deputy).count() == 1
    assert len(mail.outbox) == 1


def test_a_dedupe_key_skips_only_the_recipients_who_already_have_it(cast, django_capture_on_commit_callbacks):
    town_a, town_b = cast.users["town_a"], cast.users["town_b"]
    tell([town_a], dedupe_key="k")
    created = tell([town_a, town_b], dedupe_key="k")
    assert [n.recipient for n in created] == [town_b]
    # Without a key, the same text twice is two notifications.
    tell([town_a])
    tell([town_a])
    assert Notification.objects.filter(recipient=town_a, dedupe_key="").count() == 2


def test_a_concurrent_duplicate_loses_at_the_database_and_is_skipped(cast, monkeypatch):
    # Another process inserted the same (recipient, key) after our check: the unique
    # constraint refuses ours, the savepoint keeps the transaction usable, the user is skipped.
    town_a, town_b = cast.users["town_a"], cast.users["town_b"]
    Notification.objects.create(
        recipient=town_a, kind=NotificationKind.REMINDER, subject="earlier", dedupe_key="k"
    )
    real_filter = Notification.objects.filter

    def blind_check(*args, **kwargs):
        if "dedupe_key" in kwargs:
            return Notification.objects.none()
        return real_filter(*args, **kwargs)

    with monkeypatch.context() as patched, transaction.atomic():
        patched.setattr(Notification.objects, "filter", blind_check)
        created = tell([town_a, town_b], dedupe_key="k")
    assert [n.recipient for n in created] == [town_b]
    assert Notification.objects.filter(recipient=town_a, dedupe_key="k").count() == 1


def test_the_database_refuses_a_second_row_with_the_same_key(cast):
    user = cast.users["unit_a"]
    Notification.objects.create(recipient=user, kind=NotificationKind.URGE, subject="a", dedupe_key="k")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=user, kind=NotificationKind.URGE, subject="b", dedupe_key="k")


def test_deliveries_only_where_the_user_has_an_address_and_the_channel_is_asked(cast, reachable):
    with_both = reachable("deputy_a")
    email_only = reachable("deputy_b", phone="")
    nothing = cast.users["unit_a"]
    created = tell([with_both, email_only, nothing])
    channels = {n.recipient.username: set(n.deliveries.values_list("channel", flat=True)) for n in created}
    assert channels == {"deputy_a": {"email", "sms"}, "deputy_b": {"email"}, "unit_a": set()}
    [inbox_only] = tell([with_both], channels=[Channel.INBOX])
    assert not inbox_only.deliveries.exists()
    [sms_only] = tell([with_both], channels=["inbox", "sms"])
    assert list(sms_only.deliveries.values_list("channel", flat=True)) == ["sms"]


def test_inactive_users_and_repeats_are_skipped(cast):
    gone = cast.users["unit_b"]
    gone.is_active = False
    save_record(gone, actor=None)
    created = tell([cast.users["unit_a"], cast.users["unit_a"], gone, None])
    assert [n.recipient.username for n in created] == ["unit_a"]


def test_an_unknown_kind_or_channel_is_refused(cast):
    with pytest.raises(ValueError, match="not a valid NotificationKind"):
        tell([cast.users["unit_a"]], kind="suggestion_asigned")
    with pytest.raises(ValueError, match="not a valid Channel"):
        tell([cast.users["unit_a"]], channels=["wechat"])
    assert not Notification.objects.exists()


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/x", "loop/1/"])
def test_a_link_must_be_a_path_on_this_site(cast, link):
    with pytest.raises(ValueError, match="path on this site"):
        tell([cast.users["unit_a"]], link=link)
    assert not Notification.objects.exists()


def test_mark_read_once_and_only_by_the_recipient(cast):
    [notification] = tell([cast.users["deputy_a"]])
    with pytest.raises(PermissionDenied):
        mark_read(notification, actor=cast.users["deputy_b"])
    with pytest.raises(PermissionDenied):
        mark_read(notification, actor=cast.users["admin"])
    assert Notification.objects.get(pk=notification.pk).read_at is None
    assert mark_read(notification, actor=cast.users["deputy_a"]) is True
    first = Notification.objects.get(pk=notification.pk).read_at
    assert first is not None
    # A second request (a double tap, a stale copy of the row) changes nothing.
    stale = Notification.objects.get(pk=notification.pk)
    stale.read_at = None
    assert mark_read(stale, actor=cast.users["deputy_a"]) is False
    assert stale.read_at == first
    assert Notification.objects.get(pk=notification.pk).read_at == first


def test_mark_all_read_touches_only_my_unread_notifications(cast):
    mine = tell([cast.users["town_a"]]) + tell([cast.users["town_a"]])
    theirs = tell([cast.users["town_b"]])
    mark_read(mine[0], actor=cast.users["town_a"])
    read_before = Notification.objects.get(pk=mine[0].pk).read_at
    with pytest.raises(PermissionDenied):
        mark_all_read(cast.users["town_a"], actor=cast.users["town_b"])
    assert mark_all_read(cast.users["town_a"], actor=cast.users["town_a"]) == 1
    assert mark_all_read(cast.users["town_a"], actor=cast.users["town_a"]) == 0
    assert Notification.objects.get(pk=mine[0].pk).read_at == read_before
    assert not Notification.objects.filter(recipient=cast.users["town_a"], read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None


def test_nobody_reaches_another_users_notifications_not_even_the_administrator(cast):
    [notification] = tell([cast.users["deputy_a"]])
    for name in cast.ROLE_USERS:
        user = cast.users[name]
        for action in ("view", "change"):
            visible = Notification.objects.restrict(user, action).filter(pk=notification.pk).exists()
            assert visible == (name == "deputy_a"), (name, action)
        assert not Notification.objects.restrict(user, "add").exists()
        assert not Notification.objects.restrict(user, "delete").exists()
