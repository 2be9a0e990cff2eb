"""Forms of the registry pages. Pickers offer only the rows the user may see."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from daibiao.core.forms import ScopedModelForm

from .models import (
    Courtyard,
    Deputy,
    DeputyGroup,
    ElectoralDistrict,
    LiaisonStation,
    Mandate,
    Organization,
    OrgMembership,
    StationDuty,
    Town,
    Unit,
    Village,
)


class TownForm(ScopedModelForm):
    class Meta:
        model = Town
        fields = ["name", "kind", "code", "sort_order"]


class VillageForm(ScopedModelForm):
    class Meta:
        model = Village
        fields = ["town", "name", "kind"]


class CourtyardForm(ScopedModelForm):
    class Meta:
        model = Courtyard
        fields = ["village", "name", "head_deputy", "head_name"]


class UnitForm(ScopedModelForm):
    placement_fields = ()  # a unit's own staff edit it; its town is only informative

    class Meta:
        model = Unit
        fields = [
            "name",
            "short_name",
            "kind",
            "town",
            "contact_person",
            "contact_phone",
            "address",
            "is_active",
        ]


class StationForm(ScopedModelForm):
    class Meta:
        model = LiaisonStation
        fields = [
            "town",
            "village",
            "name",
            "address",
            "phone",
            "head",
            "is_legislative_contact_point",
            "is_budget_contact_point",
        ]


class StationDutyForm(ScopedModelForm):
    # A station's head keeps its roster without managing the station: the write scope of the
    # duty itself decides (saving refuses a station outside it).
    placement_fields = ()

    class Meta:
        model = StationDuty
        fields = ["station", "deputy", "on_date", "period", "note"]
        widgets = {"on_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class GroupForm(ScopedModelForm):
    class Meta:
        model = DeputyGroup
        fields = ["town", "name", "station", "leader"]


class DeputyForm(ScopedModelForm):
    phone = forms.RegexField(
        label=_("mobile phone"),
        regex=r"^1[3-9]\d{9}$",
        error_messages={"invalid": _("Enter an 11-digit mobile number starting with 1.")},
    )

    class Meta:
        model = Deputy
        fields = [
            "name",
            "gender",
            "ethnicity",
            "party",
            "birth_year",
            "phone",
            "occupation",
            "employer",
            "town",
            "group",
            "station",
            "status",
        ]


class MandateForm(forms.ModelForm):
    class Meta:
        model = Mandate
        fields = ["level", "term", "electoral_district"]


class BaseMandateFormSet(forms.BaseInlineFormSet):
    """The deputy's mandates: at least one, each level at most once."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        districts = ElectoralDistrict.objects.restrict(user)
        for form in self.forms:
            form.fields["electoral_district"].queryset = districts
            for field in form.fields.values():
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)

    def clean(self):
        super().clean()
        levels = [
            form.cleaned_data["level"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("level")
        ]
        if not levels:
            raise ValidationError(_("Give at least one mandate (the level of congress the deputy sits in)."))
        if len(levels) != len(set(levels)):
            raise ValidationError(_("Each level may be given only once."))

    def mandate_data(self) -> list[dict]:
        return [
            {k: form.cleaned_data[k] for k in ("level", "term", "electoral_district")}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("level")
        ]


MandateFormSet = forms.inlineformset_factory(
    Deputy, Mandate, form=MandateForm, formset=BaseMandateFormSet, extra=1, can_delete=True, max_num=4
)


class OrganizationForm(ScopedModelForm):
    class Meta:
        model = Organization
        fields = ["name", "kind", "town", "village"]


class MembershipForm(forms.ModelForm):
    """Embed a deputy in an organisation: the deputies offered are those the user may see."""

    class Meta:
        model = OrgMembership
        fields = ["deputy", "role", "since"]
        widgets = {"since": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputy"].queryset = Deputy.objects.restrict(user).select_related("town")
        self.fields["deputy"].error_messages["invalid_choice"] = _("Choose a deputy from the list.")
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def validate_unique(self):
        # The service says it in the user's words (one live membership per deputy).
        pass
