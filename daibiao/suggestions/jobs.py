"""Deadline jobs of the closed loop: reminders before a deadline, escalation after it.

Idempotent: every notification carries a dedupe key naming the item, the kind of reminder
and the deadline it is about, so a run repeated (or run by two workers at once, or resumed
after a worker was killed) tells nobody twice; a moved deadline is a new deadline and is
reminded of again."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from daibiao.accounts.choices import Role
from daibiao.core import workdays

from .choices import OPEN_STATES, AssignmentState
from .models import Assignment, Suggestion

REPLY_REMINDER_WORKING_DAYS = 5  # remind the lead unit a week (five working days) before
ACK_REMINDER_WORKING_DAYS = 1  # and a unit the day before it must acknowledge


def _unit_users(unit_id):
    return get_user_model().objects.filter(unit_id=unit_id, is_active=True, role_grants__role=Role.UNIT_STAFF)


def _supervisors(suggestion):
    q = Q(county_id=suggestion.county_id, role_grants__role=Role.COUNTY_STAFF)
    if suggestion.town_id:
        q |= Q(town_id=suggestion.town_id, role_grants__role=Role.TOWN_STAFF)
    if suggestion.responsible_leader_id:
        q |= Q(pk=suggestion.responsible_leader_id)
    return get_user_model().objects.filter(q, is_active=True).distinct()


def _day(moment: dt.datetime) -> str:
    return timezone.localtime(moment).date().isoformat()


def _horizon(today: dt.date, working_days: int) -> dt.datetime:
    return workdays.deadline_at(workdays.add_working_days(today, working_days))


def run_deadline_checks(now: dt.datetime | None = None) -> dict[str, int]:
    """One pass over the deadlines; returns how many notifications each rule created."""
    from daibiao.notifications.services import notify

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    counts = {"acknowledge_reminders": 0, "reply_reminders": 0, "overdue": 0, "acknowledge_overdue": 0}

    pending = Assignment.objects.filter(state=AssignmentState.PENDING).select_related("suggestion", "unit")
    for a in pending.filter(
        acknowledge_by__gt=now, acknowledge_by__lte=_horizon(today, ACK_REMINDER_WORKING_DAYS)
    ):
        counts["acknowledge_reminders"] += len(
            notify(
                _unit_users(a.unit_id),
                kind="reminder",
                subject=_("Acknowledge by {date}: {title}").format(
                    date=_day(a.acknowledge_by), title=a.suggestion.title
                ),
                body=_("Your unit has been given this suggestion and has not acknowledged it yet."),
                link=a.suggestion.get_absolute_url(),
                dedupe_key=f"ack-reminder:{a.pk}:{_day(a.acknowledge_by)}",
            )
        )
    for a in pending.filter(acknowledge_by__lte=now):
        users = [*_unit_users(a.unit_id), *_supervisors(a.suggestion)]
        counts["acknowledge_overdue"] += len(
            notify(
                users,
                kind="overdue",
                subject=_("Not acknowledged in time: {title}").format(title=a.suggestion.title),
                body=_("{unit} has not acknowledged the suggestion; it was due on {date}.").format(
                    unit=a.unit.name, date=_day(a.acknowledge_by)
                ),
                link=a.suggestion.get_absolute_url(),
                dedupe_key=f"ack-overdue:{a.pk}:{_day(a.acknowledge_by)}",
            )
        )

    live = Suggestion.objects.filter(state__in=OPEN_STATES, deadline__isnull=False).select_related(
        "lead_unit"
    )
    for s in live.filter(deadline__gt=now, deadline__lte=_horizon(today, REPLY_REMINDER_WORKING_DAYS)):
        counts["reply_reminders"] += len(
            notify(
                _unit_users(s.lead_unit_id),
                kind="reminder",
                subject=_("Reply by {date}: {title}").format(date=_day(s.deadline), title=s.title),
                body=_("The reply to this suggestion is due soon."),
                link=s.get_absolute_url(),
                dedupe_key=f"reply-reminder:{s.pk}:{_day(s.deadline)}",
            )
        )
    for s in live.filter(deadline__lte=now):
        lead_users = list(_unit_users(s.lead_unit_id)) if s.lead_unit_id else []
        counts["overdue"] += len(
            notify(
                [*lead_users, *_supervisors(s)],
                kind="overdue",
                subject=_("Overdue: {title}").format(title=s.title),
                body=_("The reply was due on {date} and has not been given.").format(date=_day(s.deadline)),
                link=s.get_absolute_url(),
                dedupe_key=f"overdue:{s.pk}:{_day(s.deadline)}",
            )
        )
    return counts


@task()
def check_deadlines() -> dict[str, int]:
    """Periodic (the scheduler enqueues it): remind and escalate; safe to run twice."""
    return run_deadline_checks()
