"""send_delivery sends each delivery once and survives failures; retry_deliveries picks up the rest."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from daibiao.accounts.services import create_user
from daibiao.core.privacy import mask_phone
from daibiao.notifications import jobs
from daibiao.notifications.choices import Channel, DeliveryStatus, NotificationKind
from daibiao.notifications.models import Delivery, Notification
from daibiao.notifications.services import notify
from daibiao.notifications.sms import BaseSMSBackend

pytestmark = pytest.mark.django_db


class FailingSMSBackend(BaseSMSBackend):
    def send(self, phone, text):
        raise ConnectionError("gateway unreachable")


def pending(reachable, **kwargs):
    """A notification to deputy_a whose deliveries were created but not sent (no commit)."""
    [notification] = notify(
        [reachable("deputy_a")],
        kind=NotificationKind.OVERDUE,
        subject="建议办理已超期",
        body="请尽快答复。",
        link="/loop/suggestions/7/",
        **kwargs,
    )
    return {d.channel: d for d in notification.deliveries.all()}


def test_send_delivery_run_twice_sends_once(reachable, sms_outbox):
    deliveries = pending(reachable)
    for delivery in deliveries.values():
        assert jobs.send_delivery.call(delivery.pk) == "sent"
        assert jobs.send_delivery.call(delivery.pk) == "skipped"
    assert len(mail.outbox) == 1
    assert len(sms_outbox) == 1
    for delivery in Delivery.objects.all():
        assert delivery.status == DeliveryStatus.SENT
        assert delivery.attempts == 1


def test_a_delivery_claimed_by_another_worker_is_not_sent_again(reachable, sms_outbox):
    sms = pending(reachable)[Channel.SMS]
    Delivery.objects.filter(pk=sms.pk).update(status=DeliveryStatus.SENDING)
    assert jobs.send_delivery.call(sms.pk) == "skipped"
    assert sms_outbox == []


def test_a_missing_delivery_is_skipped():
    assert jobs.send_delivery.call(999999) == "skipped"


@override_settings(SMS_BACKEND="daibiao.notifications.tests.test_jobs.FailingSMSBackend")
def test_a_failing_sms_gateway_marks_the_delivery_failed_and_does_not_raise(reachable, sms_outbox):
    deliveries = pending(reachable)
    assert jobs.send_delivery.call(deliveries[Channel.SMS].pk) == "failed"
    sms = Delivery.objects.get(pk=deliveries[Channel.SMS].pk)
    assert sms.status == DeliveryStatus.FAILED
    assert sms.attempts == 1
    assert "gateway unreachable" in sms.last_error
    assert sms.sent_at is None
    # The e-mail is not held up by the SMS gateway.
    assert jobs.send_delivery.call(deliveries[Channel.EMAIL].pk) == "sent"
    # A failed delivery is not sent by a stray second task; only the retry job queues it again.
    assert jobs.send_delivery.call(sms.pk) == "skipped"


def test_a_user_who_lost_their_number_fails_the_delivery_with_a_reason(reachable, sms_outbox):
    sms = pending(reachable)[Channel.SMS]
    get_user_model().objects.filter(username="deputy_a").update(phone="")
    assert jobs.send_delivery.call(sms.pk) == "failed"
    assert "no mobile number" in Delivery.objects.get(pk=sms.pk).last_error
    assert sms_outbox == []


def test_retry_queues_failed_deliveries_until_the_third_try(
    reachable, sms_outbox, settings, django_capture_on_commit_callbacks
):
    sms = pending(reachable)[Channel.SMS]
    settings.SMS_BACKEND = "daibiao.notifications.tests.test_jobs.FailingSMSBackend"
    assert jobs.send_delivery.call(sms.pk) == "failed"
    queued = []
    for _ in range(3):
        # The immediate backend runs each queued send at once, after the retry job commits.
        with django_capture_on_commit_callbacks(execute=True):
            queued.append(jobs.retry_deliveries.call())
    assert queued == [1, 1, 0]
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (DeliveryStatus.FAILED, 3)
    assert sms_outbox == []


def test_retry_sends_a_failed_delivery_once_the_gateway_is_back(
    reachable, sms_outbox, settings, django_capture_on_commit_callbacks
):
    sms = pending(reachable)[Channel.SMS]
    settings.SMS_BACKEND = "daibiao.notifications.tests.test_jobs.FailingSMSBackend"
    jobs.send_delivery.call(sms.pk)
    settings.SMS_BACKEND = "daibiao.notifications.sms.LoggingSMSBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.retry_deliveries.call() == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (DeliveryStatus.SENT, 2)
    assert len(sms_outbox) == 1


def test_retry_queues_again_a_pending_delivery_whose_task_was_lost(
    reachable, sms_outbox, django_capture_on_commit_callbacks
):
    deliveries = pending(reachable)
    # Fresh ones are left to their own tasks.
    assert jobs.retry_deliveries.call() == 0
    Delivery.objects.update(queued_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.retry_deliveries.call() == 2
    assert {d.status for d in Delivery.objects.filter(pk__in=[d.pk for d in deliveries.values()])} == {
        DeliveryStatus.SENT
    }
    assert len(sms_outbox) == 1
    assert len(mail.outbox) == 1


def test_the_message_texts(reachable, sms_outbox, settings):
    settings.SITE_URL = "https://daibiao.example.gov.cn/"
    deliveries = pending(reachable)
    for delivery in deliveries.values():
        jobs.send_delivery.call(delivery.pk)
    assert "https://daibiao.example.gov.cn/loop/suggestions/7/" in mail.outbox[0].body
    assert mail.outbox[0].body.startswith("请尽快答复。")
    text = sms_outbox[0][1]
    assert text.startswith("建议办理已超期 ")
    assert "https://daibiao.example.gov.cn/loop/suggestions/7/" in text


def test_a_long_subject_is_cut_to_fit_one_text_message():
    text = jobs.sms_text("很长的标题" * 30)
    assert len(text) <= jobs.SMS_MAX_CHARS
    assert "…" in text


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812341234", "138****1234"), ("+8613812341234", "+86*******1234"), ("12345", "***45"), ("", "")],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


# --- a real commit and a real rollback (no test transaction around them) -------------------


@pytest.mark.django_db(transaction=True)
def test_after_a_real_commit_the_messages_go_out_and_after_a_rollback_they_do_not(sms_outbox):
    user = create_user("reader", actor=None, password=None, roles=[])
    user.email, user.phone = "reader@example.org", "13900001111"
    user.save()

    def request_that_fails_after_notifying():
        with transaction.atomic():
            notify([user], kind=NotificationKind.GENERAL, subject="回滚", body="")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        request_that_fails_after_notifying()
    assert (Notification.objects.count(), len(mail.outbox), len(sms_outbox)) == (0, 0, 0)
    with transaction.atomic():
        notify([user], kind=NotificationKind.GENERAL, subject="提交", body="")
        assert (len(mail.outbox), len(sms_outbox)) == (0, 0)
    assert [m.subject for m in mail.outbox] == ["提交"]
    assert [text.split()[0] for _, text in sms_outbox] == ["提交"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
