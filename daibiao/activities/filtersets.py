"""Filters shared by the campaign and activity lists, HTML and API."""

import django_filters as filters
from django.utils.translation import gettext_lazy as _

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

    class Meta:
        model = MediaArticle
        fields = ["search", "level", "published_after", "published_before"]
