"""Writes of the registry. Plain records go through ``core.services.save_record``; a deputy
and his or her mandates are saved together here."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from daibiao.core import audit
from daibiao.core.models import ChangeAction
from daibiao.core.scoping import Action, can
from daibiao.core.services import save_record

from .models import Deputy, Mandate, OrgMembership


def save_deputy(deputy: Deputy, *, actor, mandates: Iterable[dict] | None = None) -> Deputy:
    """Create or update ``deputy``; when ``mandates`` is given, they replace the deputy's
    mandates (matched by level, so unchanged ones keep their history). One transaction."""
    with transaction.atomic(), audit.actor_bound(actor):
        save_record(deputy, actor=actor)
        if mandates is not None:
            wanted = {m["level"]: m for m in mandates}
            existing = {m.level: m for m in deputy.mandates.all()}
            for level, mandate in existing.items():
                if level not in wanted:
                    mandate.delete()
            for level, data in wanted.items():
                mandate = existing.get(level) or Mandate(deputy=deputy, level=level)
                changed = mandate._state.adding
                for key in ("term", "electoral_district"):
                    if key in data and getattr(mandate, key) != data[key]:
                        setattr(mandate, key, data[key])
                        changed = True
                if changed:
                    mandate.save()
    return deputy


# --- "代表+": organisation memberships ------------------------------------------------------
# Organisations themselves are plain records (``core.services.save_record`` and
# ``delete_record``); their memberships have rules of their own, here.


def add_membership(organization, deputy, *, actor, role: str = "", since=None):
    """Embed ``deputy`` in ``organization`` from ``since`` (today by default). The actor must
    manage the organisation's members and see the deputy; a deputy holds at most one live
    membership of an organisation."""
    if actor is not None and not can(actor, Action.VIEW, deputy):
        raise PermissionDenied(_("You may not do this to this record."))
    if deputy.county_id != organization.county_id:
        raise ValidationError({"deputy": _("This deputy is not of the organisation's county.")})
    membership = OrgMembership(
        organization=organization,
        deputy=deputy,
        role=(role or "").strip(),
        since=since or timezone.localdate(),
    )
    with transaction.atomic(), audit.actor_bound(actor):
        if OrgMembership.objects.live().filter(organization=organization, deputy=deputy).exists():
            raise ValidationError({"deputy": _("This deputy is already a member of this organisation.")})
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin loses here, not the caller
                save_record(membership, actor=actor)
        except IntegrityError as exc:
            raise ValidationError(
                {"deputy": _("This deputy is already a member of this organisation.")}
            ) from exc
    return membership


def end_membership(membership, *, actor, until=None):
    """End a live membership on ``until`` (today by default); the row stays, for the record.
    A conditional update: of two people ending it at once, one does and the other is told."""
    until = until or timezone.localdate()
    if actor is not None and not can(actor, Action.CHANGE, membership):
        raise PermissionDenied(_("You may not do this to this record."))
    if until < membership.since:
        raise ValidationError({"until": _("A membership cannot end before it began.")})
    with transaction.atomic(), audit.actor_bound(actor):
        ended = OrgMembership.objects.filter(pk=membership.pk, until__isnull=True).update(
            until=until, updated_at=timezone.now()
        )
        if ended != 1:
            raise ValidationError(_("This membership has already ended."))
        membership.until = until
        # ``update`` sends no signals: the change-log row is written here.
        audit.write_entry(membership, ChangeAction.UPDATE, {"until": [None, until.isoformat()]})
    return membership
