"""Who hears of each step, and what they read. Called after commit by ``services``."""

from __future__ import annotations

import contextlib
import contextvars

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from daibiao.accounts.choices import Role

from .choices import AssignmentState, Step

# Steps the units hear of, and steps the deputies behind the item hear of.
UNIT_STEPS = {Step.ASSIGN, Step.URGE, Step.DECIDE_EXTENSION, Step.RATE, Step.RECLASSIFY, Step.CO_OPINION}
DEPUTY_STEPS = {
    Step.ASSIGN,
    Step.TRANSFER,
    Step.ACKNOWLEDGE,
    Step.REPLY,
    Step.CONCLUDE,
    Step.VERIFY_IMPLEMENTED,
    Step.WITHDRAW,
    Step.MERGE,
    Step.RETURN,
}
STAFF_STEPS = {Step.SUBMIT, Step.RETURN, Step.REQUEST_EXTENSION, Step.REPLY, Step.RATE, Step.CO_OPINION}


_muted: contextvars.ContextVar[bool] = contextvars.ContextVar("daibiao_loop_muted", default=False)


@contextlib.contextmanager
def muted():
    """Steps taken inside the block notify nobody: the demo loader replays months of history
    that happened before anyone had an inbox."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def is_muted() -> bool:
    return _muted.get()


def recipients(suggestion, event):
    """The users a step concerns, never the one who took it."""
    from .services import raters

    User = get_user_model()
    q = Q(pk__in=[])
    if event.step in UNIT_STEPS:
        units = suggestion.assignments.exclude(state=AssignmentState.RETURNED).values("unit_id")
        q |= Q(unit_id__in=units, role_grants__role=Role.UNIT_STAFF)
    if event.step in DEPUTY_STEPS:
        q |= Q(deputy_id__in=raters(suggestion), role_grants__role=Role.DEPUTY)
    if event.step in STAFF_STEPS and suggestion.town_id:
        q |= Q(town_id=suggestion.town_id, role_grants__role=Role.TOWN_STAFF)
    users = User.objects.filter(q, is_active=True).distinct()
    if event.actor_id:
        users = users.exclude(pk=event.actor_id)
    return list(users)


def notify_step(suggestion_id: int, event_id: int) -> None:
    from daibiao.notifications.services import notify

    from .feedback import queue_feedback
    from .models import Event, Suggestion

    suggestion = Suggestion.objects.get(pk=suggestion_id)
    event = Event.objects.get(pk=event_id)
    queue_feedback(suggestion, event)
    users = recipients(suggestion, event)
    if not users:
        return
    subject = _("{step}: {title}").format(step=event.get_step_display(), title=suggestion.title)
    body = _("{actor} — {step}. The suggestion is now “{state}”.").format(
        actor=event.actor_name, step=event.get_step_display(), state=suggestion.get_state_display()
    )
    if event.note:
        body += "\n" + event.note
    kind = (
        "suggestion_assigned"
        if event.step == Step.ASSIGN
        else "urge"
        if event.step == Step.URGE
        else ("suggestion_step")
    )
    notify(
        users,
        kind=kind,
        subject=subject[:200],
        body=body,
        link=suggestion.get_absolute_url(),
        data={"suggestion": suggestion.pk, "event": event.pk},
        dedupe_key=f"event:{event.pk}",
    )
