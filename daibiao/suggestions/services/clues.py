"""Clues: recorded (with photos), solved on the spot, dismissed."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from daibiao.core import audit
from daibiao.core.files import CheckedFile, cleanup_on_failure, store_files
from daibiao.core.models import ChangeAction
from daibiao.core.scoping import Action, can

from ..choices import (
    ClueState,
)
from ..errors import Conflict, Forbidden, Invalid
from ..models import Attachment, Clue
from .base import (
    _clean,
    _require,
)

# --- clues --------------------------------------------------------------------------------


def create_clue(
    *, actor, title: str, content: str, town, photos: Sequence[CheckedFile] = (), **fields
) -> Clue:
    """Record a clue, with its photos. The recording deputy defaults to the actor's deputy."""
    with cleanup_on_failure(), transaction.atomic(), audit.actor_bound(actor):
        defaulted = []
        if "recorded_by" not in fields and getattr(actor, "deputy_id", None):
            fields["recorded_by_id"] = actor.deputy_id
            defaulted.append("recorded_by")
        clue = Clue(
            title=title, content=content, town=town, county_id=town.county_id, created_by=actor, **fields
        )
        # The rows the service set itself (the town the caller chose and its county, the
        # actor, the actor's deputy) exist: full_clean would read each of them again.
        _clean(clue, exclude=["tracking_code", "county", "town", "created_by", *defaulted])
        if clue.village_id and clue.village.town_id != town.pk:
            raise Invalid({"village": [_("The village is not in {town}.").format(town=town.name)]})
        if clue.activity_id and (
            clue.activity.county_id != town.county_id
            or (actor is not None and not can(actor, Action.VIEW, clue.activity))
        ):
            raise Invalid({"activity": [_("Choose one of your activities.")]})
        if clue.activity_id and clue.campaign_id is None:
            clue.campaign_id = clue.activity.campaign_id
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
