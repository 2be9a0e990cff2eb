"""The roster upload form: one file, read into a table while the form is cleaned."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import roster


class RosterUploadForm(forms.Form):
    """Accepts an .xlsx or .csv roster; ``cleaned_data["table"]`` holds its rows.

    Whether the file can be read at all (type, size, encoding, headings) is the form's business;
    whether its rows are right is ``roster.validate``'s, which reports them row by row."""

    file = forms.FileField(
        label=_("Roster file"),
        help_text=_(
            "An Excel workbook (.xlsx) or a CSV file (.csv), with the column headings in the first row."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv", "class": "form-control"}),
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            try:
                cleaned["table"] = roster.read_table(upload)
            except roster.RosterFileError as exc:
                self.add_error("file", exc)
        return cleaned
