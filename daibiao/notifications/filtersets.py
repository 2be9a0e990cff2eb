"""Filters shared by the inbox page and the API (``?unread=true``, ``?kind=``)."""

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from .choices import NotificationKind
from .models import Notification


class NotificationFilterSet(filters.FilterSet):
    # ?unread=true: only what is still unread; ?unread=false: only what was read.
    unread = filters.BooleanFilter(label=_("Unread"), field_name="read_at", lookup_expr="isnull")
    kind = filters.ChoiceFilter(label=_("Kind"), choices=NotificationKind.choices)

    class Meta:
        model = Notification
        fields = ["unread", "kind"]
