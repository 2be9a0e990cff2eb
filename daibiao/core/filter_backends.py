"""The API's filter backends: django-filter's and DRF's ordering, refusing a parameter that
takes one value when it comes more than once.

Django's ``QueryDict.get`` keeps the last of ``?year=2025&year=2026``, so a client that
built its query wrongly would get an answer for a question it did not ask; these backends
answer 400 with the parameter's name instead. Filters that take several values
(``?state=a&state=b``) are left alone: their form field says so."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from .drf import query_param


def _takes_several(filter_) -> bool:
    # From the classes, not ``filter_.field``: that would build the field once for every
    # request, with a picker's queryset as it is without one (empty).
    widget = filter_.extra.get("widget") or filter_.field_class.widget
    return bool(getattr(widget, "allow_multiple_selected", False))


class FilterBackend(DjangoFilterBackend):
    def get_filterset_kwargs(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            for name, filter_ in filterset_class.base_filters.items():
                if not _takes_several(filter_):
                    query_param(request, name)
        return super().get_filterset_kwargs(request, queryset, view)


class Ordering(OrderingFilter):
    """DRF's ordering, refusing a field it cannot order by (DRF leaves it out and answers in
    the default order, as if the client had asked for that)."""

    def get_ordering(self, request, queryset, view):
        query_param(request, self.ordering_param)
        return super().get_ordering(request, queryset, view)

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        unknown = [term for term in fields if term not in valid]
        if unknown:
            choices = [name for name, _label in self.get_valid_fields(queryset, view, {"request": request})]
            message = _("Cannot order by “{terms}”; choose from: {fields} (a leading - for descending).")
            raise ValidationError(
                {self.ordering_param: [message.format(terms=", ".join(unknown), fields=", ".join(choices))]}
            )
        return valid
