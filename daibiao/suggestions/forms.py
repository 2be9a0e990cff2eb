"""Forms of the closed-loop pages. They only read and check input: every write is a service.

Each step form's fields are named like the keyword arguments of its service, so the step
view passes ``cleaned_data`` on as it is. Pickers offer only rows within the user's scope.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from daibiao.activities.models import Activity
from daibiao.core.files import DOCUMENTS, PHOTOS, FilesField
from daibiao.core.scoping import Action
from daibiao.registry.models import Deputy, Unit, Village

from .choices import Category, ClueState, ReplyCategory, Satisfaction, State, Tier
from .models import Clue, Suggestion

TEXTAREA = {"rows": 3}


def _style(form: forms.BaseForm) -> None:
    """The Bootstrap classes each widget wants (radios and check boxes are laid out by the
    template, which needs only the input's own class)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StepForm(forms.Form):
    """The input of one step on one suggestion, for one user."""

    def __init__(self, *args, user, suggestion: Suggestion, **kwargs):
        kwargs.setdefault("auto_id", f"id_s{suggestion.pk}_%s")
        super().__init__(*args, **kwargs)
        self.user = user
        self.suggestion = suggestion
        self.setup()
        _style(self)

    def setup(self) -> None:
        """Fill the pickers (subclasses)."""


class EmptyForm(StepForm):
    """Steps that take no input: submit, acknowledge."""


def _units(user, suggestion):
    return (
        Unit.objects.restrict(user, Action.VIEW)
        .filter(county_id=suggestion.county_id, is_active=True)
        .order_by("kind", "name")
    )


class AssignForm(StepForm):
    lead_unit = forms.ModelChoiceField(
        label=_("Lead unit"), queryset=Unit.objects.none(), empty_label=_("Choose the lead unit")
    )
    co_units = forms.ModelMultipleChoiceField(
        label=_("Co-handling units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Optional. They send the lead unit their opinion."),
    )
    deadline = forms.DateField(
        label=_("Reply deadline"),
        required=False,
        widget=_date_input(),
        help_text=_("Leave empty for the standard time limit."),
    )
    note = forms.CharField(
        label=_("Note to the units"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def setup(self):
        units = _units(self.user, self.suggestion)
        self.fields["lead_unit"].queryset = units
        self.fields["co_units"].queryset = units
        if not self.is_bound:
            # The routing model's first choice is offered; the presidium keeps or changes it,
            # and what it decides is what the model learns from next.
            from daibiao.routing.services import recommend

            suggestion = self.suggestion
            ranked = recommend(
                suggestion.county, suggestion.title, suggestion.content, k=1, units=units
            ).units
            if ranked:
                unit, score = ranked[0]
                self.fields["lead_unit"].initial = unit.pk
                self.fields["lead_unit"].help_text = _("Recommended: {unit} (score {score:.2f}).").format(
                    unit=unit.name, score=score
                )


class TransferForm(StepForm):
    to = forms.CharField(
        label=_("Transferred to"),
        max_length=120,
        help_text=_("The body outside the county that handles it, e.g. the city's transport bureau."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs=TEXTAREA))


class ReasonForm(StepForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs=TEXTAREA))


class OptionalReasonForm(StepForm):
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs=TEXTAREA))


class TextForm(StepForm):
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs=TEXTAREA))


def files_field(label, kinds=DOCUMENTS):
    return FilesField(
        label=label,
        kinds=kinds,
        help_text=_("Optional. Photos, PDF, Word or Excel files; at most 9, each up to 20 MB."),
    )


class ProgressForm(TextForm):
    files = files_field(_("Photos or documents"))

    def setup(self):
        self.fields["text"].label = _("What has been done so far")


class CoOpinionForm(TextForm):
    def setup(self):
        self.fields["text"].label = _("Your unit's opinion for the lead unit")


class ExtensionForm(StepForm):
    until = forms.DateField(label=_("New deadline"), widget=_date_input())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs=TEXTAREA))


class DecideExtensionForm(StepForm):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Approve")), ("no", _("Refuse"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(StepForm):
    category = forms.ChoiceField(
        label=_("Reply class"), choices=ReplyCategory.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 5}))
    files = files_field(_("Reply documents"))
    confidential = forms.BooleanField(
        label=_("Confidential: do not publish this reply"),
        required=False,
        help_text=_("Published replies have phone numbers, ID numbers and the constituents' names masked."),
    )


class ReclassifyForm(StepForm):
    category = forms.ChoiceField(
        label=_("Reply class"), choices=ReplyCategory.choices, widget=forms.RadioSelect
    )

    def setup(self):
        self.fields["category"].initial = self.suggestion.reply_category or None


class RateForm(StepForm):
    attitude = forms.ChoiceField(
        label=_("Handling attitude"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    result = forms.ChoiceField(label=_("Result"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ConcludeForm(StepForm):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(StepForm):
    evidence = forms.CharField(label=_("What was seen on the ground"), widget=forms.Textarea(attrs=TEXTAREA))
    files = files_field(_("Evidence (photos, documents)"))


class FindingForm(StepForm):
    finding = forms.CharField(label=_("Finding"), widget=forms.Textarea(attrs=TEXTAREA))
    files = files_field(_("Photos or documents"))


class UrgeForm(StepForm):
    text = forms.CharField(label=_("Urging"), widget=forms.Textarea(attrs=TEXTAREA))
    key = forms.BooleanField(label=_("Make it key supervision"), required=False)


class MergeForm(StepForm):
    into = forms.ModelChoiceField(
        label=_("Merge into"), queryset=Suggestion.objects.none(), empty_label=_("Choose a suggestion")
    )

    def setup(self):
        field = self.fields["into"]
        field.queryset = (
            Suggestion.objects.restrict(self.user, Action.VIEW)
            .filter(county_id=self.suggestion.county_id)
            .exclude(pk=self.suggestion.pk)
            .exclude(state__in=[State.WITHDRAWN, State.MERGED])
            .order_by("-id")
        )
        field.label_from_instance = lambda s: f"#{s.pk} {s.title}"


# --- clues ----------------------------------------------------------------------------------


class ClueForm(forms.Form):
    """A deputy records a clue in his or her town."""

    title = forms.CharField(label=_("What is the problem?"), max_length=120)
    content = forms.CharField(
        label=_("Details"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("Where exactly, since when, who is affected."),
    )
    village = forms.ModelChoiceField(
        label=_("Village or community"),
        queryset=Village.objects.none(),
        required=False,
        empty_label=_("Not specified"),
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("Not sure")), *Category.choices], required=False
    )
    raised_by = forms.CharField(label=_("Raised by"), max_length=100, required=False)
    activity = forms.ModelChoiceField(
        label=_("Raised at"),
        queryset=Activity.objects.none(),
        required=False,
        empty_label=_("Not at an activity"),
        help_text=_("Optional: the visit, reception or meeting where you heard it."),
    )
    photos = FilesField(
        label=_("Photos"), kinds=PHOTOS, help_text=_("Optional: up to 9 photos of the problem.")
    )
    # Filled by the phone's location (static/js/app.js) when the deputy allows it; the page
    # shows them as a place, so they are hidden inputs, checked in ``clean``.
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, town, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = (
            Village.objects.restrict(user, Action.VIEW).filter(town=town).order_by("name")
            if town is not None
            else Village.objects.none()
        )
        self.fields["raised_by"].help_text = _("Optional: the constituents who raised it.")
        # The deputy's activities of the last month, most recent first.
        since = timezone.now() - dt.timedelta(days=31)
        self.fields["activity"].queryset = (
            Activity.objects.restrict(user, Action.VIEW).filter(starts_at__gte=since).order_by("-starts_at")
        )
        self.fields["activity"].label_from_instance = activity_label
        _style(self)

    def clean(self):
        data = super().clean()
        try:
            data["latitude"], data["longitude"] = coordinates(data.get("latitude"), data.get("longitude"))
        except forms.ValidationError as exc:
            # Hidden inputs show no errors of their own: say it above the form.
            data["latitude"] = data["longitude"] = None
            self.add_error(None, exc)
        return data


def coordinates(latitude: str | None, longitude: str | None) -> tuple[Decimal | None, Decimal | None]:
    """A place from the browser's location: both or neither, in range, rounded to the six
    decimals the clue keeps (about 0.1 m; phones report more digits than they know)."""
    latitude, longitude = (latitude or "").strip(), (longitude or "").strip()
    if not latitude and not longitude:
        return None, None
    invalid = forms.ValidationError(
        _("The location could not be read. Locate again, or record the clue without it."), code="location"
    )
    try:
        lat, lon = Decimal(latitude), Decimal(longitude)
    except InvalidOperation:
        raise invalid from None
    if not (lat.is_finite() and lon.is_finite() and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise invalid
    six = Decimal("0.000001")
    return lat.quantize(six, rounding=ROUND_HALF_EVEN), lon.quantize(six, rounding=ROUND_HALF_EVEN)


def activity_label(activity) -> str:
    return f"{timezone.localtime(activity.starts_at):%m-%d} {activity.name}"


class PhotosForm(forms.Form):
    photos = FilesField(label=_("Add photos"), kinds=PHOTOS, required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("It is given back to whoever raised the clue."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


def open_clues(user):
    """Open clues the user may turn into a suggestion (or close)."""
    return Clue.objects.restrict(user, Action.CHANGE).filter(state=ClueState.OPEN)


class SuggestionForm(forms.Form):
    """A new suggestion, from the triage board (several clues) or from a deputy's page."""

    clues = forms.ModelMultipleChoiceField(
        label=_("Clues"), queryset=Clue.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    title = forms.CharField(label=_("Title"), max_length=120)
    content = forms.CharField(
        label=_("Suggestion"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices, initial=Tier.TOWN)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices, initial=Category.OTHER)
    lead_deputy = forms.ModelChoiceField(
        label=_("Leading deputy"), queryset=Deputy.objects.none(), required=False
    )
    submit = forms.BooleanField(label=_("Submit it now"), required=False, initial=True)

    def __init__(self, *args, user, deputy_picker: bool, require_clues: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        clues = (
            open_clues(user).select_related("town", "village", "recorded_by").order_by("-occurred_on", "-id")
        )
        self.fields["clues"].queryset = clues
        self.fields["clues"].label_from_instance = lambda c: c.title
        self.fields["clues"].required = require_clues
        if deputy_picker:
            # The deputies who recorded the clues on offer: one of them leads the suggestion.
            self.fields["lead_deputy"].queryset = (
                Deputy.objects.restrict(user, Action.VIEW)
                .filter(pk__in=clues.exclude(recorded_by=None).values("recorded_by_id"))
                .order_by("name")
            )
            self.fields["lead_deputy"].empty_label = _("The deputy who recorded the first clue")
        else:
            del self.fields["lead_deputy"]
        _style(self)

    def clean(self):
        data = super().clean()
        deputy, clues = data.get("lead_deputy"), data.get("clues") or []
        if deputy is not None and clues and deputy.pk not in {c.recorded_by_id for c in clues}:
            self.add_error("lead_deputy", _("Choose a deputy who recorded one of the chosen clues."))
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        clues = list(data.pop("clues") or [])
        kwargs = {
            "title": data["title"],
            "content": data["content"],
            "tier": data["tier"],
            "category": data["category"],
            "clues": clues,
            "submit": data.get("submit", True),
        }
        if "lead_deputy" in self.fields:
            deputy = data.get("lead_deputy")
            if deputy is None and clues:
                deputy = clues[0].recorded_by
            kwargs["lead_deputy"] = deputy
        return kwargs
