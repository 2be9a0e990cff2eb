"""Filters of the staff's list of citizens' answers."""

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from daibiao.core.filters import ALL, SearchFilterSet
from daibiao.core.filters import scoped_choices as _scoped
from daibiao.registry.models import Town
from daibiao.suggestions.models import CitizenFeedback


class CitizenFeedbackFilter(SearchFilterSet):
    search_fields = ("clue__title__icontains", "clue__tracking_code__iexact", "comment__icontains")
    answer = filters.ChoiceFilter(label=_("Answer"), choices=CitizenFeedback.Answer.choices, empty_label=ALL)
    flagged = filters.BooleanFilter(label=_("Flagged to the presidium"))
    town = filters.ModelChoiceFilter(
        label=_("Town"), field_name="clue__town", queryset=_scoped(Town), empty_label=ALL
    )

    class Meta:
        model = CitizenFeedback
        fields = ["search", "answer", "flagged", "town"]
