"""Filters shared by the HTML lists and the API."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from daibiao.core.filters import ALL, SearchFilterSet, YearFilter
from daibiao.core.filters import scoped_choices as _scoped
from daibiao.registry.models import Town

from .choices import DisputeType, Outcome
from .masking import masker_for
from .models import LawClinic, MediationCase


class ClinicFilterSet(SearchFilterSet):
    town = filters.ModelChoiceFilter(label=_("Town"), queryset=_scoped(Town), empty_label=ALL)
    search_fields = ("name__icontains", "village__name__icontains", "contact_person__icontains")

    class Meta:
        model = LawClinic
        fields = ["search", "town"]


class CaseFilterSet(filters.FilterSet):
    search = filters.CharFilter(
        label=_("Search"), method="filter_search", help_text=_("Case number, summary or party")
    )
    clinic = filters.ModelChoiceFilter(label=_("Law clinic"), queryset=_scoped(LawClinic), empty_label=ALL)
    town = filters.ModelChoiceFilter(
        label=_("Town"), field_name="clinic__town", queryset=_scoped(Town), empty_label=ALL
    )
    dispute_type = filters.ChoiceFilter(label=_("Type of dispute"), choices=DisputeType.choices)
    outcome = filters.ChoiceFilter(label=_("Outcome"), choices=Outcome.choices)
    year = YearFilter()

    class Meta:
        model = MediationCase
        fields = ["search", "clinic", "town", "dispute_type", "outcome", "year"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        q = Q(pk__in=[])
        year, _dash, number = value.partition("-")
        if year.isdigit() and number.isdigit():
            q |= Q(year=int(year), number=int(number))
        # The summary and the parties are searched only in the cases whose parties the user
        # sees in full: otherwise a search would tell who is party to a dispute.
        full = self._full_cases()
        if full is not None:
            text = Q(summary__icontains=value) | Q(party_a_name__icontains=value)
            text |= Q(party_b_name__icontains=value) | Q(party_a_phone__contains=value)
            text |= Q(party_b_phone__contains=value)
            q |= text & full
        return queryset.filter(q)

    def _full_cases(self) -> Q | None:
        """The cases whose parties the requesting user sees in full, as a condition."""
        return masker_for(self.request).full_condition() if self.request is not None else None
