"""The public forms: a problem report, a tracking lookup, and the answer on a reply. Every
limit the services enforce is also on the field, so that the phone's keyboard and the
browser help before the server refuses."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from daibiao.core.files import PHOTOS, FilesField
from daibiao.registry.models import Village
from daibiao.suggestions.choices import Category
from daibiao.suggestions.models import CitizenFeedback
from daibiao.suggestions.services import public

from .challenge import Challenge, ChallengeFailed, check_challenge


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select form-select-lg")
        else:
            widget.attrs.setdefault("class", "form-control form-control-lg")


class ChallengeMixin(forms.Form):
    """The question and its signed token; ``cleaned_data["nonce"]`` once answered right."""

    challenge_answer = forms.CharField(
        label=_("Your answer"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    challenge_token = forms.CharField(widget=forms.HiddenInput, max_length=300)

    def set_challenge(self, challenge: Challenge) -> None:
        """A new question (every time the form is shown, also after a refusal)."""
        self.challenge = challenge
        self.fields["challenge_answer"].label = challenge.question
        self.fields["challenge_token"].initial = challenge.token
        if self.is_bound:
            data = self.data.copy()
            data["challenge_token"] = challenge.token
            data["challenge_answer"] = ""
            self.data = data

    def clean(self):
        cleaned = super().clean()
        if "challenge_answer" in cleaned and "challenge_token" in cleaned:
            try:
                cleaned["nonce"] = check_challenge(cleaned["challenge_token"], cleaned["challenge_answer"])
            except ChallengeFailed as exc:
                self.add_error("challenge_answer", exc.message)
        return cleaned


class ClueForm(ChallengeMixin):
    """A citizen's report: what, where, a category if known, photos and a phone if wished."""

    content = forms.CharField(
        label=_("What is the problem?"),
        min_length=public.CONTENT_MIN,
        max_length=public.CONTENT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Where exactly, since when, who is affected. Please do not write ID numbers."),
    )
    village = forms.ModelChoiceField(
        label=_("Village or community"), queryset=Village.objects.none(), empty_label=_("Choose…")
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("Not sure")), *Category.choices], required=False
    )
    photos = FilesField(
        label=_("Photos"),
        kinds=PHOTOS,
        max_count=public.MAX_PHOTOS,
        help_text=_("Optional: up to 3 photos of the problem."),
    )
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_(
            "Optional: to hear how it goes by text message. You will need its last four digits "
            "to follow your report."
        ),
    )

    field_order = ["content", "village", "category", "photos", "contact_phone", "challenge_answer"]

    def __init__(self, *args, town, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = Village.objects.filter(town=town).order_by("name")
        _style(self)


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    phone_last4 = forms.CharField(
        label=_("Last four digits of your phone"),
        required=False,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Leave empty if you did not give a phone number."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class FeedbackForm(forms.Form):
    """Solved, partly, not solved; and a comment."""

    answer = forms.ChoiceField(
        label=_("Has the problem been solved?"),
        choices=CitizenFeedback.Answer.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=public.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    code = forms.CharField(widget=forms.HiddenInput, max_length=20)
    phone_last4 = forms.CharField(widget=forms.HiddenInput, max_length=4, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class StationSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    town = forms.IntegerField(required=False, widget=forms.HiddenInput)
