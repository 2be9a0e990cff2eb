"""Filters shared by the HTML lists and the API."""

from __future__ import annotations

import django_filters as filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BooleanWidget

from daibiao.activities.models import Campaign
from daibiao.core.filters import ALL, IdFilter, SearchFilterSet, YearFilter
from daibiao.core.filters import scoped_choices as _scoped
from daibiao.registry.models import Town, Unit

from .choices import Committee, FollowUpStanding, GroupRole
from .models import FollowUpItem, LeadingGroupMember, OversightItem, ProgressReport, SupervisionVisit


class MemberFilterSet(filters.FilterSet):
    campaign = filters.ModelChoiceFilter(label=_("Campaign"), queryset=_scoped(Campaign), empty_label=ALL)
    town = filters.ModelChoiceFilter(
        label=_("Town"), field_name="towns", queryset=_scoped(Town), empty_label=ALL, distinct=True
    )
    role = filters.ChoiceFilter(label=_("Role in the group"), choices=GroupRole.choices, empty_label=ALL)

    class Meta:
        model = LeadingGroupMember
        fields = ["campaign", "town", "role"]


def members_in_scope(request):
    """The member picker: the members the user may see, with their names in the same query."""
    return _scoped(LeadingGroupMember)(request).select_related("user")


class VisitFilterSet(filters.FilterSet):
    campaign = filters.ModelChoiceFilter(label=_("Campaign"), queryset=_scoped(Campaign), empty_label=ALL)
    town = filters.ModelChoiceFilter(label=_("Town"), queryset=_scoped(Town), empty_label=ALL)
    member = filters.ModelChoiceFilter(label=_("Member"), queryset=members_in_scope, empty_label=ALL)
    overdue = filters.BooleanFilter(
        label=_("With overdue follow-up items"), method="filter_overdue", widget=BooleanWidget()
    )

    class Meta:
        model = SupervisionVisit
        fields = ["campaign", "town", "member", "overdue"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = FollowUpItem.objects.overdue(timezone.localdate())
        ids = overdue.values("visit_id")
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)


class FollowUpFilterSet(filters.FilterSet):
    campaign = filters.ModelChoiceFilter(
        label=_("Campaign"), field_name="visit__campaign", queryset=_scoped(Campaign), empty_label=ALL
    )
    town = filters.ModelChoiceFilter(
        label=_("Town"), field_name="visit__town", queryset=_scoped(Town), empty_label=ALL
    )
    member = filters.ModelChoiceFilter(
        label=_("Member"), field_name="visit__member", queryset=members_in_scope, empty_label=ALL
    )
    standing = filters.ChoiceFilter(
        label=_("Standing"), choices=FollowUpStanding.choices, method="filter_standing", empty_label=ALL
    )

    class Meta:
        model = FollowUpItem
        fields = ["campaign", "town", "member", "standing"]

    def filter_standing(self, queryset, name, value):
        """The same dates as ``FollowUpItem.standing``: done, past due, or still to come."""
        today = timezone.localdate()
        if value == FollowUpStanding.DONE:
            return queryset.filter(done_on__isnull=False)
        if value == FollowUpStanding.OVERDUE:
            return queryset.overdue(today)
        if value == FollowUpStanding.OPEN:
            return queryset.filter(done_on__isnull=True, due_on__gte=today)
        return queryset


class ReportFilterSet(filters.FilterSet):
    town = filters.ModelChoiceFilter(label=_("Town"), queryset=_scoped(Town), empty_label=ALL)
    round = IdFilter(label=_("Report round"), field_name="round_id")
    campaign = IdFilter(label=_("Campaign"), field_name="round__campaign_id")

    class Meta:
        model = ProgressReport
        fields = ["town", "round", "campaign"]


class OversightFilterSet(SearchFilterSet):
    year = YearFilter()
    committee = filters.ChoiceFilter(label=_("Committee"), choices=Committee.choices, empty_label=ALL)
    unit = filters.ModelChoiceFilter(
        label=_("Unit"), field_name="units", queryset=_scoped(Unit), empty_label=ALL, distinct=True
    )
    search_fields = ("title__icontains", "subject__icontains")

    class Meta:
        model = OversightItem
        fields = ["search", "year", "committee", "unit"]
