"""Account writes: creating users with their roles and bindings."""

from django.db import transaction

from daibiao.core import audit

from .models import User, UserRole


def create_user(
    username: str, *, actor, password: str | None, roles, display_name: str = "", **bindings
) -> User:
    """Create a user with ``roles`` and bindings (``county``, ``town``, ``unit``, ``station``,
    ``deputy``). Without a password the account cannot log in until one is set."""
    with transaction.atomic(), audit.actor_bound(actor):
        user = User(username=username, display_name=display_name, **bindings)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        for role in roles:
            UserRole.objects.create(user=user, role=role)
    return user
