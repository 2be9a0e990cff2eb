from django import forms

from .scoping import Action


class ScopedModelForm(forms.ModelForm):
    """A model form whose foreign-key pickers list only rows the user may see.

    A single-choice picker is pre-selected when the user can reach exactly one row (a town's
    staff adding a village see their town chosen already). A field that places the record
    (``placement_fields``, e.g. its town) offers only the rows the user may change, since a
    record may only be put where its author works. The county is the user's own."""

    placement_fields = ("town",)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if (
            self.instance._state.adding
            and hasattr(self.instance, "county_id")
            and not self.instance.county_id
        ):
            self.instance.county_id = user.county_id
        for name, field in self.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset, "restrict"):
                action = Action.CHANGE if name in self.placement_fields else Action.VIEW
                field.queryset = queryset.restrict(user, action)
                if self.instance._state.adding and field.required and not self.initial.get(name):
                    first_two = list(field.queryset[:2])
                    if len(first_two) == 1:
                        self.initial[name] = first_two[0].pk
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")
            else:
                field.widget.attrs.setdefault("class", "form-control")


def add_errors(form, exc) -> None:
    """A service's ``ValidationError`` onto the form: by field where the form shows it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
