"""Data scoping in one place.

Every model's queryset answers ``restrict(user, action)``: the rows that this user may see
(``view``) or write (``add``, ``change``, ``delete``). HTML views, API viewsets, form and
serializer pickers, exports and reports all go through it, so no endpoint has to remember a
rule of its own. A model states its rules in ``scope(role, user, action)``, returning a ``Q``
for the rows that role reaches, or ``None`` for none; a user with several roles reaches the
union. Out-of-scope rows are simply absent, so the views answer 404 for them.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.db.models import Q


class Action(StrEnum):
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"


WRITE_ACTIONS = frozenset({Action.ADD, Action.CHANGE, Action.DELETE})


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows which rows each user may reach."""

    def scope(self, role: str, user, action: Action) -> Q | None:
        """The rows ``role`` reaches for ``action``; ``None`` for none. Models override this."""
        return None

    def restrict(self, user, action: Action | str = Action.VIEW):
        action = Action(action)
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        combined: Q | None = None
        for role in sorted(user.roles):
            q = self.scope(role, user, action)
            if q is None:
                continue
            if not q:  # an empty Q() means every row
                return self
            combined = q if combined is None else combined | q
        if combined is None:
            return self.none()
        return self.filter(combined)


def can(user, action: Action | str, obj) -> bool:
    """Whether ``user`` may take ``action`` on the saved record ``obj``."""
    manager = type(obj)._default_manager
    return manager.all().restrict(user, action).filter(pk=obj.pk).exists()


def may_add(user, model) -> bool:
    """Whether the user may add records of ``model`` somewhere (so an "add" button makes sense)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    qs = model._default_manager.all()
    return any(qs.scope(role, user, Action.ADD) is not None for role in user.roles)


def scope_through(parent, lookup: str, role: str, user, action: Action) -> Q | None:
    """The scope of rows that belong to a ``parent`` row (``lookup`` names the foreign key):
    they reach whoever the parent reaches, for the same action."""
    q = parent.objects.none().scope(role, user, action)
    if q is None:
        return None
    return Q(**{f"{lookup}__in": parent.objects.filter(q).values("pk")}) if q else Q()
