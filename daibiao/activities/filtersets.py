"""Filters shared by the campaign and activity lists, HTML and API."""

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from daibiao.core.filters import ALL, SearchFilterSet, scoped_choices
from daibiao.registry.models import Town

from .choices import ActivityKind, MediaLevel
from .models import Activity, Campaign, Material, MediaArticle


class CampaignFilterSet(SearchFilterSet):
    search_fields = ("theme__icontains", "requirement__icontains")

    class Meta:
        model = Campaign
        fields = ["search"]


class ActivityFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "place__icontains")
    kind = filters.ChoiceFilter(label=_("Kind"), choices=ActivityKind.choices, empty_label=ALL)
    campaign = filters.ModelChoiceFilter(
        label=_("Campaign"), queryset=scoped_choices(Campaign), empty_label=ALL
    )
    town = filters.ModelChoiceFilter(label=_("Town"), queryset=scoped_choices(Town), empty_label=ALL)
    starts_after = filters.DateFilter(label=_("From"), field_name="starts_at", lookup_expr="date__gte")
    starts_before = filters.DateFilter(label=_("Until"), field_name="starts_at", lookup_expr="date__lte")

    class Meta:
        model = Activity
        fields = ["search", "kind", "campaign", "town", "starts_after", "starts_before"]


class MaterialFilterSet(SearchFilterSet):
    search_fields = ("title__icontains", "description__icontains")
    campaign = filters.ModelChoiceFilter(
        label=_("Campaign"), queryset=scoped_choices(Campaign), empty_label=ALL
    )

    class Meta:
        model = Material
        fields = ["search", "campaign"]


class MediaArticleFilterSet(SearchFilterSet):
    search_fields = ("title__icontains", "outlet__icontains")
    level = filters.ChoiceFilter(label=_("Level"), choices=MediaLevel.choices, empty_label=ALL)
    published_after = filters.DateFilter(label=_("From"), field_name="published_on", lookup_expr="gte")
    published_before = filters.DateFilter(label=_("Until"), field_name="published_on", lookup_expr="lte")
    # The schema cannot guess a method-backed filter's type: a town is given by its id.
    town = extend_schema_field(OpenApiTypes.INT)(
        filters.ModelChoiceFilter(
            label=_("Town"), queryset=scoped_choices(Town), empty_label=ALL, method="filter_town"
        )
    )

    class Meta:
        model = MediaArticle
        fields = ["search", "level", "published_after", "published_before", "town"]

    def filter_town(self, queryset, name, value):
        return queryset.filter(about_town(value)) if value else queryset


def about_town(town) -> Q:
    """Articles about a town: those covering one of its activities or one of its deputies (a
    subquery, so an article is counted once). The overview's town figure counts the same."""
    through = MediaArticle.activities.through.objects.filter(activity__town=town)
    covering = MediaArticle.deputies.through.objects.filter(deputy__town=town)
    return Q(pk__in=through.values("mediaarticle_id")) | Q(pk__in=covering.values("mediaarticle_id"))
