"""Forms of the law-clinic pages. Pickers offer only the rows the user may see; messages
are in English msgids, translated into Chinese in the catalogue."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from daibiao.core.files import DOCUMENTS, FilesField
from daibiao.core.forms import ScopedModelForm
from daibiao.registry.models import Deputy

from .choices import CLOSED_OUTCOMES, Outcome
from .models import LawClinic, MediationCase

DATE = {"type": "date"}
PHONE_HELP = _("Several numbers: separate them with 、")


def style(form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            continue
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class ClinicForm(ScopedModelForm):
    class Meta:
        model = LawClinic
        fields = ["town", "village", "name", "mediators", "contact_person", "contact_phone", "address"]
        widgets = {"mediators": forms.SelectMultiple(attrs={"size": 8})}


class CaseForm(ScopedModelForm):
    """Open a case: the clinic (one the user may record cases for), the parties and the
    dispute. Its number is given when it is saved."""

    placement_fields = ("clinic",)
    mediators = forms.ModelMultipleChoiceField(
        label=_("mediators"),
        queryset=Deputy.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Deputies of the clinic who mediate this dispute."),
    )

    class Meta:
        model = MediationCase
        fields = [
            "clinic",
            "dispute_type",
            "received_on",
            "party_a_name",
            "party_a_phone",
            "party_b_name",
            "party_b_phone",
            "summary",
        ]
        widgets = {"received_on": forms.DateInput(attrs=DATE), "summary": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"party_a_phone": PHONE_HELP, "party_b_phone": PHONE_HELP}
        error_messages = {
            "clinic": {"invalid_choice": _("Choose one of your law clinics.")},
            "party_a_name": {"required": _("Give the name of at least one party.")},
            "summary": {"required": _("Describe the dispute in a few sentences.")},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["mediators"].queryset = (
            Deputy.objects.restrict(user).filter(law_clinics__isnull=False).distinct()
        )
        if self.instance.pk:
            self.initial.setdefault("mediators", list(self.instance.mediators.values_list("pk", flat=True)))

    def validate_unique(self):
        # The number is the service's; nothing else here is unique.
        pass


class CaseEditForm(CaseForm):
    """Correct a case's details; the clinic and number stay."""

    class Meta(CaseForm.Meta):
        fields = [f for f in CaseForm.Meta.fields if f != "clinic"]


class OutcomeForm(forms.Form):
    """Close a case: how it ended, when, and the agreement if there is one."""

    outcome = forms.ChoiceField(
        label=_("outcome"),
        choices=[(o.value, o.label) for o in Outcome if o in CLOSED_OUTCOMES],
        error_messages={"required": _("Choose how the case ended.")},
    )
    closed_on = forms.DateField(label=_("closed on"), widget=forms.DateInput(attrs=DATE))
    note = forms.CharField(
        label=_("how it ended"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was agreed, or to whom the case was referred."),
    )
    files = FilesField(label=_("agreement"), kinds=DOCUMENTS, max_count=5)
    # The outcome the page showed: a case closed meanwhile by someone else is not overwritten.
    expected = forms.ChoiceField(choices=Outcome.choices, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Outcome.REFERRED and not (data.get("note") or "").strip():
            self.add_error("note", _("Say to whom the case was referred."))
        return data


class AgreementForm(forms.Form):
    files = FilesField(label=_("agreement"), kinds=DOCUMENTS, max_count=5, required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)
