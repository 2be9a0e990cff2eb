"""Filters shared by the HTML lists and the API (``?town=``, ``?level=``, ``?search=`` …)."""

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from daibiao.core.filters import ALL, SearchFilterSet
from daibiao.core.filters import scoped_choices as _scoped

from .choices import DeputyStatus, Level, OrganizationKind, UnitKind, VillageKind
from .models import (
    Courtyard,
    Deputy,
    DeputyGroup,
    LiaisonStation,
    Mandate,
    Organization,
    OrgMembership,
    StationDuty,
    Town,
    Unit,
    Village,
)


class TownFilterSet(SearchFilterSet):
    class Meta:
        model = Town
        fields = ["search", "kind"]


class VillageFilterSet(SearchFilterSet):
    town = filters.ModelChoiceFilter(label=_("Town"), queryset=_scoped(Town), empty_label=ALL)
    kind = filters.ChoiceFilter(label=_("Kind"), choices=VillageKind.choices)

    class Meta:
        model = Village
        fields = ["search", "town", "kind"]


class UnitFilterSet(SearchFilterSet):
    kind = filters.ChoiceFilter(label=_("Kind"), choices=UnitKind.choices)
    town = filters.ModelChoiceFilter(label=_("Town"), queryset=_scoped(Town), empty_label=ALL)
    search_fields = ("name__icontains", "short_name__icontains", "contact_person__icontains")

    class Meta:
        model = Unit
        fields = ["search", "kind", "town"]


class StationFilterSet(SearchFilterSet):
    town = filters.ModelChoiceFilter(label=_("Town"), queryset=_scoped(Town), empty_label=ALL)
    search_fields = ("name__icontains", "address__icontains")

    class Meta:
        model = LiaisonStation
        fields = ["search", "town", "is_legislative_contact_point", "is_budget_contact_point"]


class GroupFilterSet(SearchFilterSet):
    town = filters.ModelChoiceFilter(label=_("Town"), queryset=_scoped(Town), empty_label=ALL)
    station = filters.ModelChoiceFilter(
        label=_("Liaison station"), queryset=_scoped(LiaisonStation), empty_label=ALL
    )

    class Meta:
        model = DeputyGroup
        fields = ["search", "town", "station"]


class DeputyFilterSet(filters.FilterSet):
    search = filters.CharFilter(
        label=_("Search"), method="filter_search", help_text=_("Name, pinyin initials or phone")
    )
    town = filters.ModelChoiceFilter(label=_("Town"), queryset=_scoped(Town), empty_label=ALL)
    level = filters.ChoiceFilter(label=_("Level"), choices=Level.choices, method="filter_level")
    group = filters.ModelChoiceFilter(label=_("Deputy group"), queryset=_scoped(DeputyGroup), empty_label=ALL)
    station = filters.ModelChoiceFilter(
        label=_("Liaison station"), queryset=_scoped(LiaisonStation), empty_label=ALL
    )
    status = filters.ChoiceFilter(label=_("Status"), choices=DeputyStatus.choices)
    # The overview's "代表+" and courtyard figures link here (reports.dashboard).
    courtyard_head = filters.BooleanFilter(label=_("Courtyard head"), method="filter_courtyard_head")
    in_organization = filters.BooleanFilter(
        label=_("Embedded in an organisation"), method="filter_in_organization"
    )

    class Meta:
        model = Deputy
        fields = [
            "search",
            "town",
            "level",
            "group",
            "station",
            "status",
            "courtyard_head",
            "in_organization",
        ]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_level(self, queryset, name, value):
        # A subquery, not a join, so a deputy with two mandates is listed once.
        return queryset.filter(pk__in=Mandate.objects.filter(level=value).values("deputy_id"))

    def filter_courtyard_head(self, queryset, name, value):
        return _having(queryset, value, Courtyard.objects.filter(head_deputy__isnull=False), "head_deputy_id")

    def filter_in_organization(self, queryset, name, value):
        return _having(queryset, value, OrgMembership.objects.live(), "deputy_id")


class OrganizationFilterSet(SearchFilterSet):
    kind = filters.ChoiceFilter(label=_("Kind"), choices=OrganizationKind.choices)
    town = filters.ModelChoiceFilter(label=_("Town"), queryset=_scoped(Town), empty_label=ALL)
    with_deputies = filters.BooleanFilter(label=_("With deputies embedded"), method="filter_with_deputies")
    search_fields = ("name__icontains", "village__name__icontains")

    class Meta:
        model = Organization
        fields = ["search", "kind", "town", "with_deputies"]

    def filter_with_deputies(self, queryset, name, value):
        return _having(queryset, value, OrgMembership.objects.live(), "organization_id")


def _having(queryset, value, rows, column):
    """``queryset`` narrowed to the records that ``rows`` name in ``column`` (``value`` true)
    or to the others (false); a subquery, so each record is listed once."""
    if value is None:
        return queryset
    ids = rows.values(column)
    return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)


class StationDutyFilterSet(filters.FilterSet):
    on_date = filters.DateFromToRangeFilter(label=_("Date"))

    class Meta:
        model = StationDuty
        fields = ["station", "deputy", "on_date", "period"]
