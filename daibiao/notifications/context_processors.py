from django.utils.functional import SimpleLazyObject

from .services import unread_count


def inbox(request):
    """The unread count for the navbar's bell: one query, and only on pages that show it."""
    user = getattr(request, "user", None)
    return {"inbox_unread": SimpleLazyObject(lambda: unread_count(user))}
