"""Pieces every filterset uses: pickers limited to the user's scope, and a search box."""

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .scoping import Action

ALL = _("All")  # the empty choice of a picker


def scoped_choices(model):
    """A picker queryset: the rows of ``model`` the requesting user may see."""

    def queryset(request):
        if request is None:
            return model.objects.none()
        return model.objects.restrict(request.user, Action.VIEW)

    return queryset


class SearchFilterSet(filters.FilterSet):
    """``?search=`` over ``search_fields`` (any of them may match)."""

    search = filters.CharFilter(label=_("Search"), method="filter_search")
    search_fields: tuple[str, ...] = ("name__icontains",)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        q = Q()
        for lookup in self.search_fields:
            q |= Q(**{lookup: value})
        return queryset.filter(q)
