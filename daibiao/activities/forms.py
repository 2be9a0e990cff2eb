"""Forms of the campaign pages. They only read and check input; the views pass
``cleaned_data`` to the services, whose keyword arguments the field names follow."""

from __future__ import annotations

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from daibiao.core.files import DOCUMENTS, FilesField
from daibiao.core.forms import ScopedModelForm
from daibiao.registry.choices import DeputyStatus
from daibiao.registry.models import Deputy, Town

from .choices import AttendanceStatus
from .models import Activity, Campaign, Material, MediaArticle
from .services import ACTIVITY_FIELDS, CAMPAIGN_FIELDS

FILES_HELP = _("Optional. Photos, PDF, Word or Excel files; at most 9, each up to 20 MB.")


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _datetime_input():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CampaignForm(ScopedModelForm):
    """A campaign's theme, period, requirement and due date, and the county plan's files."""

    documents = FilesField(label=_("County plan documents"), kinds=DOCUMENTS, help_text=FILES_HELP)

    class Meta:
        model = Campaign
        fields = list(CAMPAIGN_FIELDS)  # what the service takes
        widgets = {
            "starts_on": _date_input(),
            "ends_on": _date_input(),
            "town_plans_due_on": _date_input(),
            "requirement": forms.Textarea(attrs={"rows": 3}),
        }


class PlanForm(forms.Form):
    """A town's plan: its summary and documents."""

    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"})
    )
    documents = FilesField(label=_("Plan documents"), kinds=DOCUMENTS, help_text=FILES_HELP)


class ActivityForm(ScopedModelForm):
    """An activity's details. The organiser is the most specific body chosen: a group, else a
    station, else a town, else the county."""

    # The town places the activity; the station and group may only be ones the user reaches.
    placement_fields = ()
    files = FilesField(label=_("Photos and documents"), kinds=DOCUMENTS, help_text=FILES_HELP)

    class Meta:
        model = Activity
        fields = list(ACTIVITY_FIELDS)  # what the service takes
        widgets = {
            "starts_at": _datetime_input(),
            "ends_at": _datetime_input(),
            "minutes": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "town": _("Leave town, station and group empty for an activity of the county."),
        }


class InviteForm(forms.Form):
    """Whom to invite: everyone of the organiser's area, or chosen deputies."""

    everyone = forms.BooleanField(
        label=_("Every serving deputy of the organiser's area"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    deputies = forms.ModelMultipleChoiceField(
        label=_("Deputies"),
        queryset=Deputy.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
    )

    def __init__(self, *args, deputies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputies"].queryset = deputies.filter(status=DeputyStatus.SERVING).select_related("town")

    def clean(self):
        data = super().clean()
        if not data.get("everyone") and not data.get("deputies"):
            raise forms.ValidationError(_("Choose the deputies to invite."))
        return data


STATUS_CHOICES = [(s.value, s.label) for s in AttendanceStatus if s != AttendanceStatus.INVITED]


def attendance_entries(data, deputy_ids) -> tuple[list[dict], list[str]]:
    """The tick list as posted (``status-<deputy>``, ``reason-<deputy>``) for the deputies on
    the list; rows left unchanged at "invited" are skipped."""
    entries, errors = [], []
    allowed = {value for value, _label in STATUS_CHOICES}
    for pk in deputy_ids:
        status = data.get(f"status-{pk}", "")
        if not status or status == AttendanceStatus.INVITED:
            continue
        if status not in allowed:
            errors.append(str(_("Unknown attendance status.")))
            continue
        entries.append({"deputy": pk, "status": status, "leave_reason": data.get(f"reason-{pk}", "")})
    return entries, errors


class MaterialForm(ScopedModelForm):
    """A material's title, campaign and description, its files, and whether to send it to
    every serving deputy of the county straight away."""

    files = FilesField(label=_("Files"), kinds=DOCUMENTS, help_text=FILES_HELP)
    send_to_all = forms.BooleanField(
        label=_("Send it to every serving deputy of the county now"), required=False
    )

    class Meta:
        model = Material
        fields = ["title", "campaign", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class SendForm(forms.Form):
    """To whom a material goes: every serving deputy of the county, or of chosen towns."""

    everyone = forms.BooleanField(label=_("Every serving deputy of the county"), required=False)
    towns = forms.ModelMultipleChoiceField(
        label=_("Every serving deputy of these towns"), queryset=Town.objects.none(), required=False
    )

    def __init__(self, *args, user, county_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["towns"].queryset = Town.objects.restrict(user).filter(county_id=county_id)

    def clean(self):
        data = super().clean()
        if not data.get("everyone") and not data.get("towns"):
            raise forms.ValidationError(_("Choose to whom it goes."))
        return data


class MediaArticleForm(ScopedModelForm):
    """A media article and the deputies and activities it covers."""

    placement_fields = ()

    class Meta:
        model = MediaArticle
        fields = ["title", "outlet", "level", "published_on", "url", "deputies", "activities"]
        widgets = {
            "published_on": _date_input(),
            "deputies": forms.SelectMultiple(attrs={"size": 6}),
            "activities": forms.SelectMultiple(attrs={"size": 6}),
        }
        # A link typed without a scheme is taken as https (Django 6's default, chosen now).
        formfield_callback = staticmethod(
            lambda field, **kwargs: (
                field.formfield(assume_scheme="https", **kwargs)
                if isinstance(field, models.URLField)
                else field.formfield(**kwargs)
            )
        )
