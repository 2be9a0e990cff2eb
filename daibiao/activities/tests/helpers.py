"""Small builders for the campaign tests, all through the services."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.utils import timezone

from daibiao.activities import services
from daibiao.activities.choices import ActivityKind


def campaign(cast, *, due_in_days: int | None = -5, **fields):
    today = timezone.localdate()
    values = {
        "theme": "聚力共同缔造",
        "starts_on": today - dt.timedelta(days=20),
        "ends_on": today + dt.timedelta(days=60),
        "town_plans_due_on": today + dt.timedelta(days=due_in_days) if due_in_days is not None else None,
    }
    values.update(fields)
    return services.create_campaign(actor=cast.users["county"], **values)


def activity(cast, *, actor="county", kind=ActivityKind.TRAINING, start_in=dt.timedelta(0), **fields):
    now = timezone.now()
    values = {
        "name": "代表培训会",
        "kind": kind,
        "starts_at": now + start_in,
        "ends_at": now + start_in + dt.timedelta(hours=2),
        "place": "县人大会议室",
    }
    values.update(fields)
    user = cast.users[actor] if isinstance(actor, str) else actor
    return services.create_activity(actor=user, **values)


def at(moment):
    """Set the clock (``timezone.now``, which ``localdate`` and ``auto_now`` read too)."""
    return mock.patch("django.utils.timezone.now", return_value=moment)
