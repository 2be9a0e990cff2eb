"""Filters shared by the suggestion and clue lists, HTML and API."""

import django_filters as filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from daibiao.activities.models import Campaign
from daibiao.core.filters import ALL, SearchFilterSet, YearFilter
from daibiao.core.filters import scoped_choices as _scoped
from daibiao.registry.models import Town, Unit

from .choices import CONCLUDED_STATES, AssignmentState, Category, ClueState, State, Tier
from .models import Assignment, Clue, Suggestion


class SuggestionFilterSet(SearchFilterSet):
    search_fields = ("title__icontains", "content__icontains")
    state = filters.MultipleChoiceFilter(label=_("State"), choices=State.choices)
    overdue = filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")
    concluded = filters.BooleanFilter(label=_("Concluded"), method="filter_concluded")
    implemented = filters.BooleanFilter(label=_("Implemented"), method="filter_implemented")
    key = filters.BooleanFilter(label=_("Key supervision"), field_name="key_supervision")
    # The schema cannot guess a method-backed filter's type: a unit is given by its id.
    unit = extend_schema_field(OpenApiTypes.INT)(
        filters.ModelChoiceFilter(
            label=_("Unit"), queryset=_scoped(Unit), method="filter_unit", empty_label=ALL
        )
    )
    town = filters.ModelChoiceFilter(label=_("Town"), queryset=_scoped(Town), empty_label=ALL)
    category = filters.ChoiceFilter(label=_("Category"), choices=Category.choices)
    tier = filters.ChoiceFilter(label=_("Tier"), choices=Tier.choices)
    campaign = filters.ModelChoiceFilter(label=_("Campaign"), queryset=_scoped(Campaign), empty_label=ALL)
    deadline_before = filters.DateFilter(
        label=_("Deadline before"), field_name="deadline", lookup_expr="date__lte"
    )
    # The year-end evaluation's score lines link here with the year they count.
    year = YearFilter()

    class Meta:
        model = Suggestion
        fields = [
            "search",
            "state",
            "overdue",
            "unit",
            "town",
            "category",
            "tier",
            "campaign",
            "concluded",
            "implemented",
            "key",
            "deadline_before",
            "year",
        ]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = queryset.overdue(timezone.now())
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def filter_concluded(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(state__in=CONCLUDED_STATES)
            if value
            else queryset.exclude(state__in=CONCLUDED_STATES)
        )

    def filter_implemented(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(state=State.IMPLEMENTED) if value else queryset.exclude(state=State.IMPLEMENTED)
        )

    def filter_unit(self, queryset, name, value):
        live = Assignment.objects.filter(unit=value).exclude(state=AssignmentState.RETURNED)
        return queryset.filter(pk__in=live.values("suggestion_id"))


class ClueFilterSet(SearchFilterSet):
    search_fields = ("title__icontains", "content__icontains")
    state = filters.ChoiceFilter(label=_("State"), choices=ClueState.choices)
    town = filters.ModelChoiceFilter(label=_("Town"), queryset=_scoped(Town), empty_label=ALL)
    category = filters.ChoiceFilter(label=_("Category"), choices=Category.choices)
    campaign = filters.ModelChoiceFilter(label=_("Campaign"), queryset=_scoped(Campaign), empty_label=ALL)
    year = YearFilter(field_name="occurred_on", lookup_expr="year")

    class Meta:
        model = Clue
        fields = ["search", "state", "town", "category", "campaign", "year"]
