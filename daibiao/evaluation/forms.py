"""Forms of the evaluation pages. Pickers offer only the rows the user may reach; a form
only validates input, the services decide (their ``ValidationError`` comes back onto it)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from daibiao.activities.models import Campaign
from daibiao.core.scoping import Action
from daibiao.suggestions.choices import Satisfaction

from .choices import Rule
from .metrics import METRICS
from .models import Scheme

DATE = {"type": "date"}


def style(form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.HiddenInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


class SchemeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_target_kind_display()} · {obj}"


class EvaluationForm(StyledForm):
    """Start a year's evaluation under a scheme version (computed on its page afterwards)."""

    scheme = SchemeChoiceField(
        label=_("scheme"),
        queryset=Scheme.objects.none(),
        error_messages={
            "required": _("Choose the scheme."),
            "invalid_choice": _("Choose one of your county's schemes."),
        },
    )
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    campaign = forms.ModelChoiceField(
        label=_("campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        help_text=_("The campaign whose plans and trainings count; empty for the whole year."),
    )
    title = forms.CharField(
        label=_("title"),
        max_length=200,
        required=False,
        help_text=_("Left empty, the title is made from the year and the scheme."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = Scheme.objects.restrict(user, Action.CHANGE).order_by(
            "target_kind", "-version"
        )
        self.fields["campaign"].queryset = Campaign.objects.restrict(user).order_by("-starts_on", "-id")
        self.fields["year"].initial = timezone.localdate().year


def metric_choices(kind: str) -> list[tuple[str, str]]:
    return [(code, str(metric.label)) for code, metric in METRICS.get(kind, {}).items()]


class SchemeVersionForm(StyledForm):
    """The next version of a scheme: its name and notes (the indicators are the formset)."""

    name = forms.CharField(
        label=_("name"), max_length=100, error_messages={"required": _("Give the scheme a name.")}
    )
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class IndicatorForm(forms.Form):
    """One indicator of the new version: which measure, its label, weight and rule."""

    metric = forms.ChoiceField(label=_("measure"), choices=())
    label = forms.CharField(label=_("indicator"), max_length=100)
    weight = forms.DecimalField(label=_("weight (points)"), max_digits=6, decimal_places=2, min_value=0)
    rule = forms.ChoiceField(label=_("scoring rule"), choices=Rule.choices, initial=Rule.RATE)
    target = forms.DecimalField(
        label=_("target"), max_digits=8, decimal_places=2, min_value=0, required=False
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [("", "—"), *metric_choices(kind)]
        style(self)
        for field in self.fields.values():
            css = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = (
                f"{css} form-control-sm" if "form-control" in css else f"{css} form-select-sm"
            )


class BaseIndicatorFormSet(forms.BaseFormSet):
    """The indicators of the new version; blank rows are left out, the service checks the rest
    (at least one, each measure once, weights, targets)."""

    def __init__(self, *args, kind: str, **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "kind": self.kind}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            kind=self.kind,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    def indicators(self) -> list[dict]:
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            rows.append({key: data.get(key) for key in ("metric", "label", "weight", "rule", "target")})
        return rows


IndicatorFormSet = forms.formset_factory(
    IndicatorForm, formset=BaseIndicatorFormSet, extra=2, can_delete=True, max_num=30
)


def indicator_initial(indicators) -> list[dict]:
    """The formset's rows prefilled from a version's indicators."""
    return [
        {
            "metric": i.metric,
            "label": i.label,
            "weight": i.weight,
            "rule": i.rule,
            "target": i.target,
        }
        for i in indicators
    ]


class SurveyForm(StyledForm):
    """Open the year-end survey round of a year."""

    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    title = forms.CharField(
        label=_("title"),
        max_length=200,
        required=False,
        help_text=_("Left empty, the title is made from the year."),
    )
    opens_on = forms.DateField(label=_("opens on"), widget=forms.DateInput(attrs=DATE))
    closes_on = forms.DateField(label=_("closes on"), widget=forms.DateInput(attrs=DATE))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["year"].initial = today.year
        self.fields["opens_on"].initial = today

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("The survey cannot close before it opens."))
        return data


class AnswersForm(forms.Form):
    """A deputy's ratings of the units he or she dealt with: for each unit one of the three
    results (or none yet) and an optional comment."""

    def __init__(self, *args, units, answered: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = list(units)
        for unit in self.units:
            old = answered.get(unit.pk)
            self.fields[f"result_{unit.pk}"] = forms.ChoiceField(
                label=unit.name,
                choices=Satisfaction.choices,
                required=False,
                widget=forms.RadioSelect,
                initial=old.result if old else None,
            )
            self.fields[f"comment_{unit.pk}"] = forms.CharField(
                label=_("comment"),
                max_length=500,
                required=False,
                initial=old.comment if old else "",
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            )

    def rows(self):
        """For the template: each unit with its two bound fields."""
        for unit in self.units:
            yield unit, self[f"result_{unit.pk}"], self[f"comment_{unit.pk}"]

    def answers(self) -> dict:
        data = self.cleaned_data
        return {
            unit.pk: (data[f"result_{unit.pk}"], data.get(f"comment_{unit.pk}", ""))
            for unit in self.units
            if data.get(f"result_{unit.pk}")
        }
