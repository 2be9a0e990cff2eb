"""Helpers for tests that drive the HTML pages like a browser would."""

from __future__ import annotations

from django.forms import BaseFormSet, CheckboxInput
from django.test.utils import ContextList


def submission(response, *, as_new=False) -> dict:
    """What a browser would post back from the page in ``response``: its form and every
    formset, as rendered. ``as_new`` turns an edit page's formsets into new rows, so that a
    record's values can be posted to the page that creates one."""
    data = {}
    formsets = []
    contexts = response.context if isinstance(response.context, ContextList) else [response.context]
    for context in contexts:
        for layer in context.dicts:
            for value in layer.values():
                if isinstance(value, BaseFormSet) and all(value is not known for known in formsets):
                    formsets.append(value)
    data.update(_values(response.context["form"]))
    for formset in formsets:
        data.update(_values(formset.management_form))
        for form in formset.forms:
            data.update(_values(form))
            if as_new:
                for name in (formset.model._meta.pk.name, getattr(formset, "fk", None) and formset.fk.name):
                    if name:
                        data.pop(form.add_prefix(name), None)
        if as_new:
            data[f"{formset.prefix}-INITIAL_FORMS"] = "0"
    return data


def _values(form) -> dict:
    data = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field.widget, CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif value is None:
            data[bound.html_name] = ""
        else:
            data[bound.html_name] = value
    return data
