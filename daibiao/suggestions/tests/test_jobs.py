"""The deadline job: reminders before, escalation after, each sent once however often it runs."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from daibiao.core import workdays
from daibiao.notifications.models import Notification
from daibiao.suggestions.jobs import run_deadline_checks
from daibiao.suggestions.models import Assignment, Suggestion

pytestmark = pytest.mark.django_db


def test_the_reminder_job_run_twice_sends_once(cast, django_capture_on_commit_callbacks):
    suggestion = cast.suggestions["a"]  # assigned, not yet acknowledged
    Assignment.objects.filter(suggestion=suggestion).update(
        acknowledge_by=timezone.now() - dt.timedelta(hours=1)
    )
    unit_a_user = cast.users["unit_a"]
    with django_capture_on_commit_callbacks(execute=True):
        first = run_deadline_checks()
    with django_capture_on_commit_callbacks(execute=True):
        second = run_deadline_checks()
    assert first["acknowledge_overdue"] >= 2  # unit a's staff, and the town's and county's staff
    assert second == dict.fromkeys(first, 0)
    assert Notification.objects.filter(recipient=unit_a_user, kind="overdue").count() == 1
    assert (
        Notification.objects.filter(recipient=cast.users["town_a"], kind="overdue").count() == 2
    )  # both units


def test_a_reply_due_soon_is_reminded_and_an_overdue_one_escalated(cast):
    suggestion = cast.suggestions["a"]
    soon = workdays.deadline_at(workdays.add_working_days(timezone.localdate(), 2))
    Suggestion.objects.filter(pk=suggestion.pk).update(deadline=soon)
    assert run_deadline_checks()["reply_reminders"] == 1  # unit a's one user
    assert run_deadline_checks()["reply_reminders"] == 0

    Suggestion.objects.filter(pk=suggestion.pk).update(deadline=timezone.now() - dt.timedelta(days=1))
    counts = run_deadline_checks()
    assert counts["overdue"] >= 3  # the lead unit, the town's staff, the county's staff
    assert Notification.objects.filter(recipient=cast.users["county"], kind="overdue").exists()


def test_a_moved_deadline_is_reminded_again(cast):
    suggestion = cast.suggestions["a"]
    today = timezone.localdate()
    Suggestion.objects.filter(pk=suggestion.pk).update(
        deadline=workdays.deadline_at(workdays.add_working_days(today, 1))
    )
    assert run_deadline_checks()["reply_reminders"] == 1
    Suggestion.objects.filter(pk=suggestion.pk).update(
        deadline=workdays.deadline_at(workdays.add_working_days(today, 3))
    )
    assert run_deadline_checks()["reply_reminders"] == 1


def test_items_not_open_are_left_alone(cast):
    submitted = cast.suggestions["b"]  # waiting for triage: no unit owes anything
    Suggestion.objects.filter(pk=submitted.pk).update(deadline=timezone.now() - dt.timedelta(days=3))
    counts = run_deadline_checks()
    assert counts["overdue"] == 0
    assert not mail.outbox
