"""The one write path for plain records: create, update and delete inside the actor's scope.

Apps with workflows write their own ``verb_noun`` services; records without one (the registry)
use these. Each runs in one transaction, checks the actor's scope before and after the write
(so nobody can move a record out of their reach or create one outside it), and leaves its
change-log rows through the audit signals, attributed to ``actor``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from . import audit
from .scoping import Action, can


def _assert(actor, action, obj) -> None:
    # ``actor=None`` is the system itself (a console command, the demo loader, a job): it
    # answers to whoever ran it, not to a role's scope.
    if actor is not None and not can(actor, action, obj):
        raise PermissionDenied(_("You may not do this to this record."))


def save_record(instance, *, actor, update_fields=None):
    """Create ``instance`` or save its changes, within ``actor``'s scope."""
    adding = instance._state.adding
    with transaction.atomic(), audit.actor_bound(actor):
        if not adding:
            # The row as stored must be in the actor's reach, whatever the form changed.
            _assert(actor, Action.CHANGE, instance)
        instance.save(update_fields=update_fields)
        # And where it now stands, too: no record is created or moved out of one's scope.
        _assert(actor, Action.ADD if adding else Action.CHANGE, instance)
    return instance


def delete_record(instance, *, actor) -> None:
    """Delete ``instance`` if ``actor`` may; refuse while other records still point at it."""
    with transaction.atomic(), audit.actor_bound(actor):
        _assert(actor, Action.DELETE, instance)
        try:
            instance.delete()
        except (ProtectedError, RestrictedError) as exc:
            raise ValidationError(
                _("“{name}” cannot be deleted while other records refer to it.").format(name=instance)
            ) from exc
