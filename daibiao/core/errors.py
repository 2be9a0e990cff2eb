"""How services refuse, the same in every app: ``PermissionDenied`` (403) for what the actor
may not do, ``Conflict`` (409) when someone else changed the record first, Django's
``ValidationError`` (400) for bad input."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .scoping import can


class Conflict(Exception):
    """Someone else changed the record first; the caller's view of it is stale (HTTP 409)."""

    status = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def refusal() -> PermissionDenied:
    return PermissionDenied(_("You may not do this to this record."))


def require(actor, action, obj) -> None:
    """Refuse unless ``actor`` (``None``: the system) may take ``action`` on ``obj``."""
    if actor is not None and not can(actor, action, obj):
        raise refusal()
