"""The people behind a clue hear how it stands, by text message, once per step."""

import pytest

from daibiao.notifications.sms import LoggingSMSBackend
from daibiao.suggestions import services
from daibiao.suggestions.models import Clue, ClueFeedback, Event
from daibiao.suggestions.notify import notify_step

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_outbox():
    LoggingSMSBackend.outbox.clear()
    yield
    LoggingSMSBackend.outbox.clear()


def test_a_reply_is_texted_to_the_phone_left_on_the_clue_once(cast, django_capture_on_commit_callbacks):
    suggestion = cast.suggestions["a"]
    clue = Clue.objects.get(suggestion=suggestion)
    Clue.objects.filter(pk=clue.pk).update(contact_phone="13912345678")
    unit = cast.users["unit_a"]
    with django_capture_on_commit_callbacks(execute=True):
        services.acknowledge_suggestion(suggestion, actor=unit)
    assert LoggingSMSBackend.outbox == []  # acknowledging is not news for the villagers
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_to_suggestion(suggestion, actor=unit, category="A", text="已修复。")
    assert len(LoggingSMSBackend.outbox) == 1
    phone, text = LoggingSMSBackend.outbox[0][:2]
    assert phone == "13912345678"
    assert clue.tracking_code in text
    assert len(text) <= 70
    row = ClueFeedback.objects.get(clue=clue)
    assert (row.status, row.phone_masked) == ("sent", "139****5678")

    # The same step noticed twice (a retried job) texts nobody again.
    event = Event.objects.filter(suggestion=suggestion, step="reply").get()
    with django_capture_on_commit_callbacks(execute=True):
        notify_step(suggestion.pk, event.pk)
    assert len(LoggingSMSBackend.outbox) == 1


def test_clues_without_a_phone_get_no_message(cast, django_capture_on_commit_callbacks):
    suggestion = cast.suggestions["a"]
    unit = cast.users["unit_a"]
    with django_capture_on_commit_callbacks(execute=True):
        services.acknowledge_suggestion(suggestion, actor=unit)
        services.reply_to_suggestion(suggestion, actor=unit, category="B", text="已列入计划。")
    assert LoggingSMSBackend.outbox == []
    assert not ClueFeedback.objects.exists()
