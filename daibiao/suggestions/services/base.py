"""What every step shares: the workflow check, the conditional move with its event and
change-log rows, input checks, files, deadlines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from daibiao.accounts.choices import Role
from daibiao.core import audit, workdays
from daibiao.core.files import CheckedFile, store_files
from daibiao.core.models import ChangeAction
from daibiao.core.scoping import Action, can
from daibiao.registry.choices import UnitKind

from .. import workflow
from ..choices import (
    AssignmentState,
    Step,
    Tier,
    UnitRole,
)
from ..errors import Conflict, Forbidden, Invalid
from ..models import Assignment, Attachment, Event, Suggestion

RETURN_WINDOW_WORKING_DAYS = 7  # a unit may return a misrouted item within 7 working days
MAX_EXTENSION_MONTHS = 6  # extensions add up to at most six months past the first deadline
DEFAULT_ACKNOWLEDGE_DAYS = 3
DEFAULT_COUNTY_MONTHS = 3
DEFAULT_TOWN_DAYS = 15
CO_OPINION_WORKING_DAYS = 10


# --- helpers ------------------------------------------------------------------------------


def roles_of(actor) -> set[str]:
    if actor is None:
        return {Role.ADMIN}
    roles = set(actor.roles)
    if actor.is_superuser:
        roles.add(Role.ADMIN)
    return roles


def _check(suggestion: Suggestion, step: Step, actor) -> set[str]:
    """The table's verdict: the role may take the step (else 403) from this state (else 409)."""
    roles = roles_of(actor)
    if not workflow.role_may(step, roles):
        raise Forbidden(_("Your role may not take this step."), suggestion=suggestion)
    if actor is not None and not can(actor, Action.VIEW, suggestion):
        raise Forbidden(_("This suggestion is outside your scope."), suggestion=suggestion)
    if not workflow.state_allows(step, suggestion.state):
        raise Conflict.for_state(suggestion)
    return roles


def _move(
    suggestion: Suggestion,
    step: Step,
    actor,
    to_state: str | None = None,
    *,
    note: str = "",
    data: dict | None = None,
    **fields,
) -> Event:
    """Move ``suggestion`` (and set ``fields``) only if it is still in the state the caller
    read; write the event and change-log rows. Must run inside a transaction."""
    now = timezone.now()
    from_state, entered = suggestion.state, suggestion.state_entered_at
    updates = dict(fields)
    if to_state is not None and to_state != from_state:
        updates.update(state=to_state, state_entered_at=now)
    updates["updated_at"] = now
    if Suggestion.objects.filter(pk=suggestion.pk, state=from_state).update(**updates) != 1:
        suggestion.refresh_from_db()
        raise Conflict.for_state(suggestion)
    before = {k: getattr(suggestion, k) for k in updates if k != "updated_at"}
    for key, value in updates.items():
        setattr(suggestion, key, value)
    computed = [k for k, v in updates.items() if hasattr(v, "resolve_expression")]
    if computed:  # e.g. ``round=F("round") + 1``: the change log records the value, not the sum
        suggestion.refresh_from_db(fields=computed)
    event = Event.objects.create(
        suggestion=suggestion,
        step=step,
        actor=actor,
        actor_name=actor.get_full_name() if actor is not None else _("system"),
        from_state=from_state,
        to_state=suggestion.state,
        from_entered_at=entered,
        note=note,
        data=data or {},
        created_at=now,
    )
    changes = {
        k: [audit._plain(before[k]), audit._plain(getattr(suggestion, k))]
        for k in before
        if before[k] != getattr(suggestion, k)
    }
    audit.write_entry(
        suggestion,
        ChangeAction.STATE if "state" in changes else ChangeAction.UPDATE,
        changes,
        note=str(Step(step).label),
    )
    _notify_after_commit(suggestion, event)
    return event


def _notify_after_commit(suggestion: Suggestion, event: Event) -> None:
    """Tell whom a step concerns, once the transaction has committed (habit 7)."""
    from ..notify import is_muted, notify_step

    if not is_muted():
        transaction.on_commit(lambda: notify_step(suggestion.pk, event.pk))


def _clean(obj, **kwargs) -> None:
    """Model validation, reported as the steps report bad input (field errors, HTTP 400)."""
    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        raise Invalid(exc.message_dict) from exc


def _require(errors: dict, suggestion=None) -> None:
    if errors:
        raise Invalid(errors, suggestion=suggestion)


def _file_names(files: Sequence[CheckedFile]) -> dict:
    """What the step's event records of its files (their rows point back at the event)."""
    return {"files": [f.name for f in files]} if files else {}


def _attach(suggestion: Suggestion, event: Event, files: Sequence[CheckedFile], actor, **owner) -> None:
    store_files(Attachment, files, actor=actor, suggestion=suggestion, event=event, step=event.step, **owner)


def _live_assignment(suggestion: Suggestion, actor, *, lead_only=False) -> Assignment:
    """The actor's unit's live assignment on this suggestion (403 if it has none)."""
    unit_id = getattr(actor, "unit_id", None)
    qs = suggestion.assignments.exclude(state=AssignmentState.RETURNED).filter(unit_id=unit_id)
    if lead_only:
        qs = qs.filter(role=UnitRole.LEAD)
    assignment = qs.first() if unit_id else None
    if assignment is None:
        raise Forbidden(
            _("Only the lead unit may take this step.")
            if lead_only
            else _("Your unit does not handle this item."),
            suggestion=suggestion,
        )
    return assignment


def _campaign_rule(suggestion: Suggestion, name: str, default: int) -> int:
    return getattr(suggestion.campaign, name, None) or default


def reply_deadline(suggestion: Suggestion, lead_unit, start: dt.datetime) -> dt.datetime:
    """3 months for county units (and anything above the town); 15 working days for
    town-level items (defaults; each campaign may set its own)."""
    town_level = suggestion.tier in (Tier.VILLAGE, Tier.TOWN) or lead_unit.kind == UnitKind.TOWN_GOVERNMENT
    if town_level:
        days = _campaign_rule(suggestion, "town_reply_working_days", DEFAULT_TOWN_DAYS)
        return workdays.deadline_after(start, working_days=days)
    months = _campaign_rule(suggestion, "county_reply_months", DEFAULT_COUNTY_MONTHS)
    return workdays.deadline_after(start, months=months)
