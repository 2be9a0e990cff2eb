"""Filters shared by the HTML lists and the API (``?year=``, ``?kind=``, ``?state=``,
``?search=``)."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from daibiao.core.filters import ALL, SearchFilterSet, YearFilter

from .choices import EvaluationState, TargetKind
from .models import Evaluation, Scheme, Score, SurveyRound


class EvaluationFilterSet(SearchFilterSet):
    year = YearFilter()
    kind = filters.ChoiceFilter(
        label=_("Evaluated"), field_name="scheme__target_kind", choices=TargetKind.choices, empty_label=ALL
    )
    state = filters.ChoiceFilter(label=_("State"), choices=EvaluationState.choices, empty_label=ALL)
    search_fields = ("title__icontains",)

    class Meta:
        model = Evaluation
        fields = ["search", "year", "kind", "state"]


class ScoreFilterSet(SearchFilterSet):
    """The ranking table's search box: a target by name."""

    class Meta:
        model = Score
        fields = ["search"]


class SchemeFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(
        label=_("Evaluated"), field_name="target_kind", choices=TargetKind.choices, empty_label=ALL
    )

    class Meta:
        model = Scheme
        fields = ["kind"]


class SurveyFilterSet(filters.FilterSet):
    year = YearFilter()

    class Meta:
        model = SurveyRound
        fields = ["year"]
