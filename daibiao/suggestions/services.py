"""Every write of the closed loop. Each step is one function ``verb_noun(suggestion, …, *,
actor)``: it checks the workflow table and the step's guard, moves the state with a
conditional update (exactly one row, or ``Conflict``), writes the step's event row and its
change-log row in the same transaction, and schedules notifications after commit.

``actor=None`` is the system (jobs, the demo loader acting for a named user pass that user).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from daibiao.accounts.choices import Role
from daibiao.core import audit, privacy, workdays
from daibiao.core.files import CheckedFile, cleanup_on_failure, store_files
from daibiao.core.models import ChangeAction
from daibiao.core.scoping import Action, can
from daibiao.registry.choices import UnitKind

from . import workflow
from .choices import (
    AssignmentState,
    ClueState,
    ExtensionState,
    ReplyCategory,
    Satisfaction,
    State,
    Step,
    Tier,
    UnitRole,
)
from .errors import Conflict, Forbidden, Invalid
from .models import Assignment, Attachment, Clue, Event, Extension, Rating, Reply, Suggestion

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
    from .notify import is_muted, notify_step

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


# --- clues --------------------------------------------------------------------------------


def create_clue(
    *, actor, title: str, content: str, town, photos: Sequence[CheckedFile] = (), **fields
) -> Clue:
    """Record a clue, with its photos. The recording deputy defaults to the actor's deputy."""
    with cleanup_on_failure(), transaction.atomic(), audit.actor_bound(actor):
        if "recorded_by" not in fields and getattr(actor, "deputy_id", None):
            fields["recorded_by"] = actor.deputy
        clue = Clue(
            title=title, content=content, town=town, county_id=town.county_id, created_by=actor, **fields
        )
        _clean(clue, exclude=["tracking_code"])
        if clue.village_id and clue.village.town_id != town.pk:
            raise Invalid({"village": [_("The village is not in {town}.").format(town=town.name)]})
        clue.save()
        # ADD, not VIEW: leaders and station heads see clues but do not record them.
        if actor is not None and not can(actor, Action.ADD, clue):
            raise Forbidden(_("You may not record a clue there."))
        store_files(Attachment, photos, actor=actor, clue=clue)
    return clue


def add_clue_photos(clue: Clue, *, actor, photos: Sequence[CheckedFile]) -> list[Attachment]:
    """More photos of a clue, by whoever may change it (its deputy, the town's staff)."""
    _require({} if photos else {"photos": [_("Choose at least one photo.")]})
    with cleanup_on_failure(), transaction.atomic(), audit.actor_bound(actor):
        if actor is not None and not can(actor, Action.CHANGE, clue):
            raise Forbidden(_("You may not change this clue."))
        rows = store_files(Attachment, photos, actor=actor, clue=clue)
        audit.write_entry(clue, ChangeAction.UPDATE, {"photos": [None, [row.name for row in rows]]})
    return rows


def _close_clue(clue: Clue, to_state: str, outcome: str, *, actor, suggestion=None) -> Clue:
    if (
        Clue.objects.filter(pk=clue.pk, state=ClueState.OPEN).update(
            state=to_state, outcome=outcome, suggestion=suggestion, updated_at=timezone.now()
        )
        != 1
    ):
        clue.refresh_from_db()
        raise Conflict(_("The clue is no longer open."))
    before = clue.state
    clue.state, clue.outcome, clue.suggestion = to_state, outcome, suggestion
    audit.write_entry(clue, ChangeAction.STATE, {"state": [before, to_state], "outcome": ["", outcome]})
    return clue


def solve_clue_on_spot(clue: Clue, *, actor, outcome: str) -> Clue:
    """A clue answered at once (当场解决), with what was done."""
    _require({} if outcome.strip() else {"outcome": [_("Say what was done.")]})
    with transaction.atomic(), audit.actor_bound(actor):
        if actor is not None and not can(actor, Action.CHANGE, clue):
            raise Forbidden(_("You may not change this clue."))
        return _close_clue(clue, ClueState.SOLVED, outcome, actor=actor)


def dismiss_clue(clue: Clue, *, actor, reason: str) -> Clue:
    """A clue not taken further, with the reason given back to whoever raised it."""
    _require({} if reason.strip() else {"reason": [_("Give a reason.")]})
    with transaction.atomic(), audit.actor_bound(actor):
        if actor is not None and not can(actor, Action.CHANGE, clue):
            raise Forbidden(_("You may not change this clue."))
        return _close_clue(clue, ClueState.DISMISSED, reason, actor=actor)


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


def public_version(suggestion: Suggestion, text: str) -> str:
    """The reply as it may be published: phone, ID and card numbers, e-mail addresses and the
    names of the people behind its clues (of this item and of those merged into it) masked."""
    raised_by = Clue.objects.filter(
        Q(suggestion=suggestion) | Q(suggestion__merged_into=suggestion)
    ).values_list("raised_by", flat=True)
    names = {name for value in raised_by for name in privacy.redact_contact_names(value)}
    return privacy.redact(text, names=names)


def reply_to_suggestion(
    suggestion: Suggestion,
    *,
    actor,
    category: str,
    text: str,
    confidential: bool = False,
    files: Sequence[CheckedFile] = (),
) -> Reply:
    """答复 by the lead unit: the round's reply; or, on a concluded B or C item, a later
    reply that reports it solved (class A)."""
    errors = {}
    if category not in ReplyCategory.values:
        errors["category"] = [_("Choose A, B, C or D.")]
    if not text.strip():
        errors["text"] = [_("This field is required.")]
    _require(errors, suggestion)
    with cleanup_on_failure(), transaction.atomic(), audit.actor_bound(actor):
        _check(suggestion, Step.REPLY, actor)
        assignment = _live_assignment(suggestion, actor, lead_only=True)
        follow_up = suggestion.state == State.CONCLUDED
        if follow_up and suggestion.reply_category not in (ReplyCategory.B, ReplyCategory.C):
            raise Conflict(_("Only items replied as B or C take a later reply."), suggestion=suggestion)
        reply = Reply.objects.create(
            suggestion=suggestion,
            unit_id=assignment.unit_id,
            round=suggestion.round,
            category=category,
            text=text,
            confidential=confidential,
            public_text="" if confidential else public_version(suggestion, text),
            follow_up=follow_up,
            created_by=actor,
        )
        event = _move(
            suggestion,
            Step.REPLY,
            actor,
            None if follow_up else State.REPLIED,
            note=text,
            data={"category": category, "reply": reply.pk, "follow_up": follow_up, **_file_names(files)},
            reply_category=category,
        )
        _attach(suggestion, event, files, actor, reply=reply)
    return reply


def reclassify_reply(suggestion: Suggestion, *, actor, category: str) -> Suggestion:
    """The presidium corrects the class a unit gave its reply."""
    _require(
        {} if category in ReplyCategory.values else {"category": [_("Choose A, B, C or D.")]}, suggestion
    )
    with transaction.atomic(), audit.actor_bound(actor):
        _check(suggestion, Step.RECLASSIFY, actor)
        reply = suggestion.replies.order_by("-id").first()
        _move(
            suggestion,
            Step.RECLASSIFY,
            actor,
            None,
            data={"from": suggestion.reply_category, "to": category},
            reply_category=category,
        )
        if reply is not None:
            Reply.objects.filter(pk=reply.pk).update(category=category, updated_at=timezone.now())
    return suggestion


def raters(suggestion: Suggestion) -> set[int]:
    """Deputies who get the reply and may rate it: the leading deputy, co-signers, the
    deputies who recorded its clues, and the same for every item merged into it."""
    items = [suggestion, *Suggestion.objects.filter(merged_into=suggestion)]
    ids = set()
    for item in items:
        if item.lead_deputy_id:
            ids.add(item.lead_deputy_id)
        ids.update(item.co_signers.values_list("pk", flat=True))
        ids.update(item.clues.exclude(recorded_by=None).values_list("recorded_by_id", flat=True))
    return ids


def rate_reply(suggestion: Suggestion, *, actor, attitude: str, result: str, comment: str = "") -> Rating:
    """评价. The leading deputy's rating moves the item: satisfied or basically satisfied →
    rated; unsatisfied in the first round → handled again; unsatisfied in the second round →
    rated, flagged for key supervision. Other deputies' ratings are recorded."""
    errors = {
        k: [_("Choose satisfied, basically satisfied or unsatisfied.")]
        for k, v in (("attitude", attitude), ("result", result))
        if v not in Satisfaction.values
    }
    _require(errors, suggestion)
    with transaction.atomic(), audit.actor_bound(actor):
        _check(suggestion, Step.RATE, actor)
        deputy_id = getattr(actor, "deputy_id", None)
        if deputy_id not in raters(suggestion):
            raise Forbidden(
                _("Only the deputies behind this suggestion rate its reply."), suggestion=suggestion
            )
        is_lead = deputy_id == suggestion.lead_deputy_id
        if is_lead and suggestion.state != State.REPLIED:
            raise Conflict(_("The reply has been rated already."), suggestion=suggestion)
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    suggestion=suggestion,
                    deputy_id=deputy_id,
                    round=suggestion.round,
                    attitude=attitude,
                    result=result,
                    comment=comment,
                )
        except IntegrityError as exc:
            raise Conflict(_("You have rated this reply already."), suggestion=suggestion) from exc
        data = {"attitude": attitude, "result": result, "round": suggestion.round, "lead": is_lead}
        if not is_lead:
            _move(suggestion, Step.RATE, actor, None, note=comment, data=data)
        elif result != Satisfaction.UNSATISFIED:
            _move(suggestion, Step.RATE, actor, State.RATED, note=comment, data=data)
        elif suggestion.round == 1:
            # Back to the lead unit for a second reply; its assignment stays acknowledged.
            _move(suggestion, Step.RATE, actor, State.HANDLING, note=comment, data=data, round=F("round") + 1)
            suggestion.refresh_from_db(fields=["round"])
        else:
            _move(
                suggestion,
                Step.RATE,
                actor,
                State.RATED,
                note=comment,
                data={**data, "key": True},
                key_supervision=True,
            )
    return rating


def conclude_suggestion(suggestion: Suggestion, *, actor, note: str = "") -> Suggestion:
    """办结. A replied item waits for its leading deputy's rating, unless it has none."""
    with transaction.atomic(), audit.actor_bound(actor):
        _check(suggestion, Step.CONCLUDE, actor)
        if suggestion.state == State.REPLIED and suggestion.lead_deputy_id:
            raise Conflict(_("The leading deputy has not rated the reply yet."), suggestion=suggestion)
        _move(suggestion, Step.CONCLUDE, actor, State.CONCLUDED, note=note, concluded_at=timezone.now())
    return suggestion


def verify_implemented(
    suggestion: Suggestion, *, actor, evidence: str, files: Sequence[CheckedFile] = ()
) -> Suggestion:
    """办成落地: verified on the ground, with evidence (and its photos or documents); only a
    solved (class A) item."""
    _require(
        {} if evidence.strip() else {"evidence": [_("Describe what was seen on the ground.")]}, suggestion
    )
    with cleanup_on_failure(), transaction.atomic(), audit.actor_bound(actor):
        _check(suggestion, Step.VERIFY_IMPLEMENTED, actor)
        if suggestion.reply_category != ReplyCategory.A:
            raise Conflict(
                _("Only an item replied as solved (A) can be verified as implemented."), suggestion=suggestion
            )
        event = _move(
            suggestion,
            Step.VERIFY_IMPLEMENTED,
            actor,
            State.IMPLEMENTED,
            note=evidence,
            data=_file_names(files),
            implemented_at=timezone.now(),
        )
        _attach(suggestion, event, files, actor)
    return suggestion


def look_back(
    suggestion: Suggestion, *, actor, finding: str, files: Sequence[CheckedFile] = ()
) -> Suggestion:
    """回头看: a later check that what was done still works."""
    _require({} if finding.strip() else {"finding": [_("This field is required.")]}, suggestion)
    with cleanup_on_failure(), transaction.atomic(), audit.actor_bound(actor):
        roles = _check(suggestion, Step.LOOK_BACK, actor)
        if not roles & workflow.STAFF and getattr(actor, "deputy_id", None) not in raters(suggestion):
            raise Forbidden(
                _("Only the deputies behind this suggestion look back at it."), suggestion=suggestion
            )
        event = _move(suggestion, Step.LOOK_BACK, actor, None, note=finding, data=_file_names(files))
        _attach(suggestion, event, files, actor)
    return suggestion


def urge_suggestion(suggestion: Suggestion, *, actor, text: str, key: bool = False) -> Suggestion:
    """督办; ``key`` makes it key supervision (重点督办), with the urging leader responsible."""
    _require({} if text.strip() else {"text": [_("This field is required.")]}, suggestion)
    with transaction.atomic(), audit.actor_bound(actor):
        _check(suggestion, Step.URGE, actor)
        fields = {}
        if key:
            fields["key_supervision"] = True
            if actor is not None and Role.LEADER in roles_of(actor):
                fields["responsible_leader"] = actor
        _move(suggestion, Step.URGE, actor, None, note=text, data={"key": key}, **fields)
    return suggestion


def withdraw_suggestion(suggestion: Suggestion, *, actor, reason: str = "") -> Suggestion:
    with transaction.atomic(), audit.actor_bound(actor):
        roles = _check(suggestion, Step.WITHDRAW, actor)
        if not roles & workflow.STAFF and suggestion.lead_deputy_id != getattr(actor, "deputy_id", None):
            raise Forbidden(_("Only the leading deputy may withdraw this suggestion."), suggestion=suggestion)
        suggestion.assignments.filter(state=AssignmentState.PENDING).update(
            state=AssignmentState.RETURNED, return_reason=_("Withdrawn."), returned_at=timezone.now()
        )
        _move(suggestion, Step.WITHDRAW, actor, State.WITHDRAWN, note=reason)
    return suggestion


def merge_suggestion(suggestion: Suggestion, *, actor, into: Suggestion) -> Suggestion:
    """并案: the item is carried on by ``into``; its deputies and clues still get the reply."""
    with transaction.atomic(), audit.actor_bound(actor):
        _check(suggestion, Step.MERGE, actor)
        if (
            into.pk == suggestion.pk
            or into.state in (State.WITHDRAWN, State.MERGED)
            or (actor is not None and not can(actor, Action.VIEW, into))
        ):
            raise Invalid(
                {"into": [_("Choose another live suggestion within your scope.")]}, suggestion=suggestion
            )
        _move(suggestion, Step.MERGE, actor, State.MERGED, data={"into": into.pk}, merged_into=into)
    return suggestion


def allowed_steps(suggestion: Suggestion, user) -> list[str]:
    """The steps ``user`` may take now: the table, narrowed by the guards that need only
    what is already loaded (the page and the API show these as buttons). Extensions and
    ratings are read only for the steps they decide; lists prefetch them."""
    roles = roles_of(user)
    steps = []
    unit_id = getattr(user, "unit_id", None)
    live = [a for a in suggestion.assignments.all() if a.state != AssignmentState.RETURNED]
    mine = [a for a in live if a.unit_id == unit_id] if unit_id else []
    deputy_id = getattr(user, "deputy_id", None)
    for step in workflow.steps_for(suggestion.state, roles):
        staff = bool(roles & workflow.TABLE[step].roles & (workflow.SUPERVISORS))
        if step in (Step.ACKNOWLEDGE,) and not any(a.state == AssignmentState.PENDING for a in mine):
            continue
        if step in (Step.RETURN,) and not mine:
            continue
        if step == Step.CO_OPINION and not any(a.role == UnitRole.CO for a in mine):
            continue
        if step in (Step.REPLY, Step.REQUEST_EXTENSION) and not any(a.role == UnitRole.LEAD for a in mine):
            continue
        if (
            step == Step.REPLY
            and suggestion.state == State.CONCLUDED
            and suggestion.reply_category not in "BC"
        ):
            continue
        # A request while another waits, or a decision with none waiting, could only be a 409.
        if step in (Step.REQUEST_EXTENSION, Step.DECIDE_EXTENSION) and (step == Step.DECIDE_EXTENSION) != any(
            e.state == ExtensionState.PENDING for e in suggestion.extensions.all()
        ):
            continue
        if step == Step.PROGRESS and not staff and not mine:
            continue
        if step in (Step.SUBMIT, Step.WITHDRAW) and not staff and suggestion.lead_deputy_id != deputy_id:
            continue
        if step == Step.RATE and (
            deputy_id is None
            or (deputy_id == suggestion.lead_deputy_id and suggestion.state != State.REPLIED)
            or any(r.deputy_id == deputy_id and r.round == suggestion.round for r in suggestion.ratings.all())
        ):
            continue
        if step == Step.VERIFY_IMPLEMENTED and suggestion.reply_category != ReplyCategory.A:
            continue
        if step == Step.CONCLUDE and suggestion.state == State.REPLIED and suggestion.lead_deputy_id:
            continue
        steps.append(step.value)
    return steps
