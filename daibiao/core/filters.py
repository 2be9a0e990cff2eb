"""Pieces every filterset uses: pickers limited to the user's scope, and a search box."""

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .scoping import Action

ALL = _("All")  # the empty choice of a picker

# The largest key a database column holds (a bigger one is a 400, not an overflow).
MAX_ID = 2**63 - 1


class IdFilter(filters.NumberFilter):
    """A record's id given as a number: whole, positive, within what a key column holds."""

    bounds = {"min_value": 1, "max_value": MAX_ID}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{"decimal_places": 0, **self.bounds, **kwargs})


class YearFilter(IdFilter):
    """A year: a whole number from 1 to 9999 (what a date holds), else a field error."""

    bounds = {"min_value": 1, "max_value": 9999}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{"label": _("Year"), "field_name": "year", **kwargs})


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
