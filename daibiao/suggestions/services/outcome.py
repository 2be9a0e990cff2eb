"""The end of the loop: the reply and its class, the deputies' ratings, conclusion,
implementation on the ground, look-backs; urging, withdrawal, merging; the steps a user may
take now."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from daibiao.accounts.choices import Role
from daibiao.core import audit, privacy
from daibiao.core.files import CheckedFile, cleanup_on_failure
from daibiao.core.scoping import Action, can

from .. import workflow
from ..choices import (
    AssignmentState,
    ExtensionState,
    ReplyCategory,
    Satisfaction,
    State,
    Step,
    UnitRole,
)
from ..errors import Conflict, Forbidden, Invalid
from ..models import Clue, Rating, Reply, Suggestion
from .base import (
    _attach,
    _check,
    _file_names,
    _live_assignment,
    _move,
    _require,
    roles_of,
)


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
