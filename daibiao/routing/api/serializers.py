"""What ``POST /api/v1/routing/suggest/`` takes and answers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from daibiao.suggestions.choices import Category


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
