"""Forms of the registry pages. Pickers offer only the rows the user may see."""

from django import forms
from django.utils.translation import gettext_lazy as _

from daibiao.core.forms import ScopedModelForm

from .models import Courtyard, Deputy, DeputyGroup, LiaisonStation, Town, Unit, Village


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
