"""The search box and its filters: one form for the page and the API."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from daibiao.core.filters import ALL
from daibiao.core.scoping import Action
from daibiao.registry.models import Town

from .choices import SearchKind
from .search import analysis
from .search.engine import Search

YEARS_OFFERED = 10


class SearchForm(forms.Form):
    """``q`` (the words, all of which must occur), ``type``, ``town`` and ``year``. The town
    picker offers the towns the reader may see; any town id outside them is refused."""

    q = forms.CharField(
        label=_("Search"),
        max_length=analysis.MAX_QUERY_CHARS,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_("Words or numbers; every one must occur, anywhere in the text."),
    )
    type = forms.ChoiceField(label=_("Type"), choices=[("", ALL), *SearchKind.choices], required=False)
    town = forms.ModelChoiceField(
        label=_("Town"), queryset=Town.objects.none(), required=False, empty_label=ALL
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["town"].queryset = Town.objects.restrict(user, Action.VIEW)
        this_year = timezone.localdate().year
        years = [(y, str(y)) for y in range(this_year, this_year - YEARS_OFFERED, -1)]
        self.fields["year"].widget = forms.Select(choices=[("", ALL), *years])

    def clean_q(self) -> str:
        q = self.cleaned_data["q"]
        if q and not analysis.parse(q):
            raise forms.ValidationError(_("Type at least one word or number."), code="no_words")
        return q

    @property
    def terms(self) -> list[analysis.Term]:
        return analysis.parse(self.cleaned_data.get("q", ""))

    def search(self) -> Search:
        """The results for a valid form (none for an empty query)."""
        data = self.cleaned_data
        return Search(
            self.user,
            self.terms,
            kinds=[data["type"]] if data.get("type") else None,
            town=data.get("town"),
            year=data.get("year"),
        )
