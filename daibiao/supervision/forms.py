"""Forms of the supervision pages. Pickers offer only the rows the user may see; messages
are English msgids, translated into Chinese in the catalogue."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from daibiao.activities.models import Campaign
from daibiao.core.files import DOCUMENTS, FilesField
from daibiao.core.scoping import Action
from daibiao.registry.models import Town, Unit
from daibiao.suggestions.models import Clue, Suggestion

from .choices import Committee, GroupRole
from .models import LeadingGroupMember

DATE = {"type": "date"}


def style(form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
            continue
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


def scoped(model, user, action=Action.VIEW):
    return model.objects.restrict(user, action)


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


class MemberForm(StyledForm):
    """Put a person into a campaign's leading group."""

    campaign = forms.ModelChoiceField(
        label=_("campaign"),
        queryset=Campaign.objects.none(),
        error_messages={
            "required": _("Choose the campaign."),
            "invalid_choice": _("Choose one of your campaigns."),
        },
    )
    user = forms.ModelChoiceField(
        label=_("person"),
        queryset=get_user_model().objects.none(),
        error_messages={
            "required": _("Choose the person."),
            "invalid_choice": _("Choose a person of your county."),
        },
    )
    role = forms.ChoiceField(
        label=_("role in the group"), choices=GroupRole.choices, initial=GroupRole.MEMBER
    )
    title = forms.CharField(label=_("title"), max_length=100, required=False)
    towns = forms.ModelMultipleChoiceField(
        label=_("towns answered for"),
        queryset=Town.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = scoped(Campaign, user, Action.CHANGE)
        self.fields["user"].queryset = (
            scoped(get_user_model(), user).filter(is_active=True).order_by("username")
        )
        self.fields["towns"].queryset = scoped(Town, user)


class MemberEditForm(StyledForm):
    """A member's role, title and towns."""

    role = forms.ChoiceField(label=_("role in the group"), choices=GroupRole.choices)
    title = forms.CharField(label=_("title"), max_length=100, required=False)
    towns = forms.ModelMultipleChoiceField(
        label=_("towns answered for"),
        queryset=Town.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["towns"].queryset = scoped(Town, user)


class VisitForm(StyledForm):
    """Record a supervision visit, with up to three follow-up items."""

    member = forms.ModelChoiceField(
        label=_("member"),
        queryset=LeadingGroupMember.objects.none(),
        error_messages={"required": _("Choose the member who visited.")},
    )
    town = forms.ModelChoiceField(
        label=_("town"),
        queryset=Town.objects.none(),
        error_messages={"required": _("Choose the town visited.")},
    )
    visited_on = forms.DateField(label=_("visited on"), widget=forms.DateInput(attrs=DATE))
    findings = forms.CharField(
        label=_("findings"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write down what the visit found.")},
    )

    FOLLOW_UPS = 3

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        members = scoped(LeadingGroupMember, user).select_related("user", "campaign")
        if not user.has_role("county_staff", "admin"):
            members = members.filter(user=user)  # a leader records his or her own visits
        self.fields["member"].queryset = members
        self.fields["town"].queryset = scoped(Town, user)
        for i in range(self.FOLLOW_UPS):
            self.fields[f"follow_up_{i}_text"] = forms.CharField(
                label=_("follow-up item"), required=False, widget=forms.TextInput()
            )
            self.fields[f"follow_up_{i}_owner"] = forms.CharField(
                label=_("owner"), required=False, max_length=100
            )
            self.fields[f"follow_up_{i}_due_on"] = forms.DateField(
                label=_("due on"), required=False, widget=forms.DateInput(attrs=DATE)
            )
        style(self)

    def follow_ups(self) -> list[dict]:
        data = self.cleaned_data
        rows = []
        for i in range(self.FOLLOW_UPS):
            row = {k: data.get(f"follow_up_{i}_{k}") for k in ("text", "owner", "due_on")}
            if any(row.values()):
                rows.append(row)
        return rows


class FollowUpForm(StyledForm):
    text = forms.CharField(
        label=_("what is to be done"), error_messages={"required": _("Say what is to be done.")}
    )
    owner = forms.CharField(
        label=_("owner"), max_length=100, error_messages={"required": _("Say who sees to it.")}
    )
    due_on = forms.DateField(
        label=_("due on"),
        widget=forms.DateInput(attrs=DATE),
        error_messages={"required": _("Give the day it is due.")},
    )


class CloseForm(StyledForm):
    done_on = forms.DateField(label=_("done on"), required=False, widget=forms.DateInput(attrs=DATE))
    note = forms.CharField(label=_("how it was done"), required=False)


class RoundForm(StyledForm):
    campaign = forms.ModelChoiceField(label=_("campaign"), queryset=Campaign.objects.none())
    title = forms.CharField(label=_("title"), max_length=100, help_text=_("For example: May progress"))
    due_on = forms.DateField(label=_("due on"), widget=forms.DateInput(attrs=DATE))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = scoped(Campaign, user, Action.CHANGE)


class ScheduleForm(StyledForm):
    campaign = forms.ModelChoiceField(label=_("campaign"), queryset=Campaign.objects.none())
    first_due = forms.DateField(label=_("first round due on"), widget=forms.DateInput(attrs=DATE))
    months = forms.IntegerField(label=_("number of monthly rounds"), min_value=1, max_value=24, initial=6)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = scoped(Campaign, user, Action.CHANGE)


class ReportForm(StyledForm):
    """Hand in (or revise) a town's progress report."""

    town = forms.ModelChoiceField(label=_("town"), queryset=Town.objects.none())
    text = forms.CharField(
        label=_("report"),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write the report.")},
    )
    files = FilesField(label=_("files"), kinds=DOCUMENTS, max_count=10)

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns
        if towns.count() == 1:
            self.fields["town"].initial = towns.first().pk
            self.fields["town"].widget = forms.HiddenInput()


class ReviseForm(StyledForm):
    text = forms.CharField(
        label=_("report"),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write the report.")},
    )
    files = FilesField(label=_("more files"), kinds=DOCUMENTS, max_count=10)


class OversightForm(StyledForm):
    """Propose an oversight item from a set of suggestions."""

    title = forms.CharField(
        label=_("title"), max_length=200, error_messages={"required": _("Give the item a title.")}
    )
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    committee = forms.ChoiceField(label=_("committee"), choices=Committee.choices)
    subject = forms.CharField(label=_("subject"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    suggestions = forms.ModelMultipleChoiceField(
        label=_("suggestions"),
        queryset=Suggestion.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    clues = forms.ModelMultipleChoiceField(
        label=_("other clues"),
        queryset=Clue.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("The clues of the chosen suggestions are added by themselves."),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("units overseen"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        self.fields["suggestions"].queryset = scoped(Suggestion, user).order_by("-id")
        self.fields["clues"].queryset = scoped(Clue, user).order_by("-id")
        self.fields["units"].queryset = scoped(Unit, user)
