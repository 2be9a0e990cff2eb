"""A suggestion from its creation to its handling: submit, assign, transfer, acknowledge,
return, the co-units' opinions, progress and extensions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from daibiao.accounts.choices import Role
from daibiao.core import audit, workdays
from daibiao.core.files import CheckedFile, cleanup_on_failure
from daibiao.core.scoping import Action, can

from .. import workflow
from ..choices import (
    AssignmentState,
    ClueState,
    ExtensionState,
    State,
    Step,
    UnitRole,
)
from ..errors import Conflict, Forbidden, Invalid
from ..models import Assignment, Clue, Event, Extension, Suggestion
from .base import (
    CO_OPINION_WORKING_DAYS,
    DEFAULT_ACKNOWLEDGE_DAYS,
    MAX_EXTENSION_MONTHS,
    RETURN_WINDOW_WORKING_DAYS,
    _attach,
    _campaign_rule,
    _check,
    _clean,
    _file_names,
    _live_assignment,
    _move,
    _require,
    reply_deadline,
    roles_of,
)
from .clues import _close_clue

# --- creating suggestions -----------------------------------------------------------------


def create_suggestion(
    *,
    actor,
    title: str,
    content: str,
    clues: Iterable[Clue] = (),
    town=None,
    lead_deputy=None,
    co_signers: Iterable = (),
    submit: bool = False,
    **fields,
) -> Suggestion:
    """A suggestion, in draft (or submitted), grown from ``clues`` (which it absorbs).

    The leading deputy defaults to the actor's deputy; the town to the deputy's or the
    clues' town; a deputy drafts only his or her own."""
    clues = list(clues)
    with transaction.atomic(), audit.actor_bound(actor):
        if (
            lead_deputy is None
            and getattr(actor, "deputy_id", None)
            and not (roles_of(actor) & {Role.TOWN_STAFF, Role.COUNTY_STAFF, Role.ADMIN})
        ):
            lead_deputy = actor.deputy
        if town is None:
            town = (
                (lead_deputy.town if lead_deputy else None)
                or (clues[0].town if clues else None)
                or getattr(actor, "town", None)
            )
        county_id = town.county_id if town else getattr(actor, "county_id", None)
        if county_id is None:
            raise Invalid({"town": [_("Say which town the suggestion belongs to.")]})
        suggestion = Suggestion(
            title=title,
            content=content,
            town=town,
            county_id=county_id,
            lead_deputy=lead_deputy,
            created_by=actor,
            state=State.DRAFT,
            state_entered_at=timezone.now(),
            **fields,
        )
        _clean(suggestion)
        suggestion.save()
        # ADD, not VIEW: leaders, units and station heads see suggestions but do not raise them.
        if actor is not None and not can(actor, Action.ADD, suggestion):
            raise Forbidden(_("You may not raise a suggestion there."))
        if co_signers:
            suggestion.co_signers.set(co_signers)
        for clue in clues:
            if actor is not None and not can(actor, Action.CHANGE, clue):
                raise Forbidden(_("You may not use the clue “{title}”.").format(title=clue.title))
            _close_clue(
                clue,
                ClueState.MERGED,
                _("Merged into suggestion {id}.").format(id=suggestion.pk),
                actor=actor,
                suggestion=suggestion,
            )
        Event.objects.create(
            suggestion=suggestion,
            step=Step.CREATE,
            actor=actor,
            actor_name=actor.get_full_name() if actor else _("system"),
            to_state=State.DRAFT,
            data={"clues": [c.pk for c in clues]},
            created_at=timezone.now(),
        )
        if submit:
            submit_suggestion(suggestion, actor=actor)
    return suggestion


# --- the steps ----------------------------------------------------------------------------


def submit_suggestion(suggestion: Suggestion, *, actor) -> Suggestion:
    with transaction.atomic(), audit.actor_bound(actor):
        roles = _check(suggestion, Step.SUBMIT, actor)
        if not roles & workflow.STAFF and suggestion.lead_deputy_id != getattr(actor, "deputy_id", None):
            raise Forbidden(_("Only the leading deputy may submit this suggestion."), suggestion=suggestion)
        _move(suggestion, Step.SUBMIT, actor, State.SUBMITTED)
    return suggestion


def assign_suggestion(
    suggestion: Suggestion,
    *,
    actor,
    lead_unit,
    co_units: Iterable = (),
    deadline: dt.date | None = None,
    note: str = "",
) -> Suggestion:
    """交办: one lead unit and any co-units; deadlines from the campaign's rules unless given."""
    co_units = [u for u in co_units if u.pk != lead_unit.pk]
    with transaction.atomic(), audit.actor_bound(actor):
        _check(suggestion, Step.ASSIGN, actor)
        now = timezone.now()
        if deadline is not None:
            _require(
                {}
                if deadline > timezone.localdate()
                else {"deadline": [_("The deadline must be in the future.")]},
                suggestion,
            )
            reply_by = workdays.deadline_at(deadline)
        else:
            reply_by = reply_deadline(suggestion, lead_unit, now)
        acknowledge_by = workdays.deadline_after(
            now, working_days=_campaign_rule(suggestion, "acknowledge_working_days", DEFAULT_ACKNOWLEDGE_DAYS)
        )
        opinion_by = min(reply_by, workdays.deadline_after(now, working_days=CO_OPINION_WORKING_DAYS))
        # The state first: whoever assigned a moment earlier makes this a Conflict here, before
        # a second set of assignments could run into the one-live-assignment constraint.
        _move(
            suggestion,
            Step.ASSIGN,
            actor,
            State.ASSIGNED,
            note=note,
            data={"lead_unit": lead_unit.pk, "co_units": [u.pk for u in co_units]},
            lead_unit=lead_unit,
            assigned_at=now,
            deadline=reply_by,
            original_deadline=suggestion.original_deadline or reply_by,
        )
        for unit, role in [(lead_unit, UnitRole.LEAD)] + [(u, UnitRole.CO) for u in co_units]:
            Assignment.objects.create(
                suggestion=suggestion,
                unit=unit,
                role=role,
                acknowledge_by=acknowledge_by,
                opinion_by=opinion_by if role == UnitRole.CO else None,
            )
    return suggestion


def transfer_suggestion(suggestion: Suggestion, *, actor, to: str, reason: str) -> Suggestion:
    """转办: to another jurisdiction (usually above the county); its outcome is tracked with
    progress notes until the presidium concludes it."""
    _require(
        {k: [_("This field is required.")] for k, v in (("to", to), ("reason", reason)) if not v.strip()},
        suggestion,
    )
    with transaction.atomic(), audit.actor_bound(actor):
        _check(suggestion, Step.TRANSFER, actor)
        _move(
            suggestion,
            Step.TRANSFER,
            actor,
            State.TRANSFERRED,
            note=reason,
            data={"to": to},
            transferred_to=to,
        )
    return suggestion


def acknowledge_suggestion(suggestion: Suggestion, *, actor) -> Suggestion:
    """签收: the lead unit's acknowledgement starts the handling."""
    with transaction.atomic(), audit.actor_bound(actor):
        _check(suggestion, Step.ACKNOWLEDGE, actor)
        assignment = _live_assignment(suggestion, actor)
        now = timezone.now()
        if (
            Assignment.objects.filter(pk=assignment.pk, state=AssignmentState.PENDING).update(
                state=AssignmentState.ACKNOWLEDGED, acknowledged_at=now, updated_at=now
            )
            != 1
        ):
            raise Conflict(_("Your unit has already acknowledged this item."), suggestion=suggestion)
        lead = assignment.role == UnitRole.LEAD
        _move(
            suggestion,
            Step.ACKNOWLEDGE,
            actor,
            State.HANDLING if lead else None,
            data={
                "unit": assignment.unit_id,
                "role": assignment.role,
                "late": now > assignment.acknowledge_by,
            },
        )
    return suggestion


def return_suggestion(suggestion: Suggestion, *, actor, reason: str) -> Suggestion:
    """退回: not this unit's remit, within 7 working days of assignment. The lead unit's return
    sends the item back to the presidium to re-assign; a co-unit's only drops that unit."""
    _require({} if reason.strip() else {"reason": [_("Give a reason.")]}, suggestion)
    with transaction.atomic(), audit.actor_bound(actor):
        _check(suggestion, Step.RETURN, actor)
        assignment = _live_assignment(suggestion, actor)
        assigned_on = timezone.localtime(suggestion.assigned_at).date()
        if workdays.working_days_between(assigned_on, timezone.localdate()) > RETURN_WINDOW_WORKING_DAYS:
            raise Conflict(
                _("Items can be returned only within 7 working days of assignment."), suggestion=suggestion
            )
        now = timezone.now()
        # Conditional, like a state change: a co-unit's return leaves the suggestion's state as
        # it is, so only the assignment's own state stops a second return at the same moment.
        if (
            Assignment.objects.filter(pk=assignment.pk)
            .exclude(state=AssignmentState.RETURNED)
            .update(state=AssignmentState.RETURNED, return_reason=reason, returned_at=now, updated_at=now)
            != 1
        ):
            raise Conflict(_("Your unit has returned this item already."), suggestion=suggestion)
        if assignment.role == UnitRole.LEAD:
            # Every unit's part ends; the presidium assigns afresh.
            suggestion.assignments.exclude(state=AssignmentState.RETURNED).update(
                state=AssignmentState.RETURNED, return_reason=reason, returned_at=now, updated_at=now
            )
            _move(
                suggestion,
                Step.RETURN,
                actor,
                State.SUBMITTED,
                note=reason,
                data={"unit": assignment.unit_id, "role": assignment.role},
                lead_unit=None,
                deadline=None,
                # The next assignment's deadlines (and the six-month cap on extensions)
                # count from that assignment, not from the misrouted one.
                original_deadline=None,
                assigned_at=None,
            )
        else:
            _move(
                suggestion,
                Step.RETURN,
                actor,
                None,
                note=reason,
                data={"unit": assignment.unit_id, "role": assignment.role},
            )
    return suggestion


def send_co_opinion(suggestion: Suggestion, *, actor, text: str) -> Suggestion:
    """A co-unit's opinion to the lead unit (会办意见)."""
    _require({} if text.strip() else {"text": [_("This field is required.")]}, suggestion)
    with transaction.atomic(), audit.actor_bound(actor):
        _check(suggestion, Step.CO_OPINION, actor)
        assignment = _live_assignment(suggestion, actor)
        if assignment.role != UnitRole.CO:
            raise Forbidden(_("Only a co-handling unit sends an opinion."), suggestion=suggestion)
        now = timezone.now()
        Assignment.objects.filter(pk=assignment.pk).update(opinion=text, opinion_at=now, updated_at=now)
        _move(
            suggestion,
            Step.CO_OPINION,
            actor,
            None,
            note=text,
            data={
                "unit": assignment.unit_id,
                "late": bool(assignment.opinion_by and now > assignment.opinion_by),
            },
        )
    return suggestion


def report_progress(
    suggestion: Suggestion, *, actor, text: str, files: Sequence[CheckedFile] = ()
) -> Suggestion:
    _require({} if text.strip() else {"text": [_("This field is required.")]}, suggestion)
    with cleanup_on_failure(), transaction.atomic(), audit.actor_bound(actor):
        roles = _check(suggestion, Step.PROGRESS, actor)
        if not roles & workflow.STAFF:
            _live_assignment(suggestion, actor)
        event = _move(suggestion, Step.PROGRESS, actor, None, note=text, data=_file_names(files))
        _attach(suggestion, event, files, actor)
    return suggestion


def request_extension(suggestion: Suggestion, *, actor, until: dt.date, reason: str) -> Extension:
    """延期申请 by the lead unit; at most six months past the first deadline in all."""
    errors = {}
    if not reason.strip():
        errors["reason"] = [_("Give a reason.")]
    with transaction.atomic(), audit.actor_bound(actor):
        _check(suggestion, Step.REQUEST_EXTENSION, actor)
        assignment = _live_assignment(suggestion, actor, lead_only=True)
        first = timezone.localtime(suggestion.original_deadline or suggestion.deadline).date()
        limit = workdays.add_months(first, MAX_EXTENSION_MONTHS)
        current = timezone.localtime(suggestion.deadline).date()
        if until <= current:
            errors["until"] = [_("The new date must be later than the current deadline.")]
        elif until > limit:
            errors["until"] = [
                _("Extensions may add up to six months at most: until {date}.").format(date=limit)
            ]
        _require(errors, suggestion)
        try:
            with transaction.atomic():
                extension = Extension.objects.create(
                    suggestion=suggestion, unit_id=assignment.unit_id, until=until, reason=reason
                )
        except IntegrityError as exc:
            raise Conflict(
                _("An extension request is already waiting for a decision."), suggestion=suggestion
            ) from exc
        _move(
            suggestion,
            Step.REQUEST_EXTENSION,
            actor,
            None,
            note=reason,
            data={"until": until.isoformat(), "extension": extension.pk},
        )
    return extension


def decide_extension(suggestion: Suggestion, *, actor, approve: bool, note: str = "") -> Extension:
    with transaction.atomic(), audit.actor_bound(actor):
        _check(suggestion, Step.DECIDE_EXTENSION, actor)
        extension = suggestion.extensions.filter(state=ExtensionState.PENDING).first()
        if extension is None:
            raise Conflict(_("No extension request is waiting."), suggestion=suggestion)
        now = timezone.now()
        new_state = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
        if (
            Extension.objects.filter(pk=extension.pk, state=ExtensionState.PENDING).update(
                state=new_state, decided_by=actor, decided_at=now, updated_at=now
            )
            != 1
        ):
            raise Conflict(_("The request was decided a moment ago."), suggestion=suggestion)
        extension.state = new_state
        fields = {"deadline": workdays.deadline_at(extension.until)} if approve else {}
        _move(
            suggestion,
            Step.DECIDE_EXTENSION,
            actor,
            None,
            note=note,
            data={"approve": approve, "until": extension.until.isoformat()},
            **fields,
        )
    return extension
