"""What ``POST /api/v1/routing/suggest/`` takes and answers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from daibiao.suggestions.choices import Category

from ..choices import SearchKind


class RoutingRequestSerializer(serializers.Serializer):
    title = serializers.CharField(label=_("title"), max_length=120)
    body = serializers.CharField(
        label=_("content"), max_length=10000, allow_blank=True, required=False, default=""
    )
    k = serializers.IntegerField(
        label=_("how many"), min_value=1, max_value=10, default=3, help_text=_("How many of each to rank.")
    )


class CategoryScoreSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=Category.choices)
    label = serializers.CharField()
    score = serializers.FloatField()


class UnitScoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    score = serializers.FloatField()


class RoutingResponseSerializer(serializers.Serializer):
    categories = CategoryScoreSerializer(many=True)
    units = UnitScoreSerializer(many=True)
    reasons = serializers.ListField(child=serializers.CharField())
    trained = serializers.BooleanField(
        help_text=_("Whether the county's own trained model answered (else the shipped lexicon).")
    )


class SearchHitSerializer(serializers.Serializer):
    """One search result (``routing.search.engine.Hit``)."""

    type = serializers.ChoiceField(source="kind.key", choices=SearchKind.choices, help_text=_("What it is."))
    id = serializers.IntegerField(source="obj.pk", help_text=_("The record's id in its own resource."))
    title = serializers.CharField()
    title_html = serializers.CharField(help_text=_("The title, HTML-escaped, the query's words in <mark>."))
    snippet_html = serializers.CharField(
        help_text=_("Some text around the first match, HTML-escaped, the query's words in <mark>.")
    )
    url = serializers.CharField(help_text=_("The record's page."))
    town = serializers.CharField(source="town.name", allow_null=True, default=None)
    date = serializers.DateField(allow_null=True)
    state = serializers.CharField(help_text=_("The state of a clue or suggestion; blank for others."))


class SearchResultsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("Results; a broad search counts up to 200."))
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    ranked = serializers.BooleanField(
        help_text=_("Whether the results are ranked by relevance (else newest first: a broad search).")
    )
    results = SearchHitSerializer(many=True)
