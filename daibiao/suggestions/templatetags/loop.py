"""Template helpers of the closed-loop pages: state colours, step URLs, form fields."""

from django import forms, template
from django.urls import reverse

from daibiao.core import privacy

register = template.Library()

# Bootstrap colour of each state's badge: grey before the loop, blue while it runs, amber
# while a unit owes work, green once closed well, light when it left the loop.
STATE_COLOURS = {
    "draft": "secondary",
    "submitted": "info",
    "assigned": "primary",
    "transferred": "dark",
    "handling": "warning",
    "replied": "info",
    "rated": "primary",
    "concluded": "success",
    "implemented": "success",
    "withdrawn": "light",
    "merged": "light",
    # clues
    "open": "info",
    "solved": "success",
    "dismissed": "light",
    # assignments and extensions
    "pending": "warning",
    "acknowledged": "success",
    "returned": "light",
    "approved": "success",
    "refused": "danger",
}


@register.filter
def state_colour(state) -> str:
    return STATE_COLOURS.get(str(state), "secondary")


@register.simple_tag
def step_url(step, pk) -> str:
    """The URL that takes ``step`` on suggestion ``pk``."""
    return reverse(f"suggestions:suggestion-{str(step).replace('_', '-')}", args=[pk])


@register.filter
def widget_kind(field) -> str:
    """How the field template lays a bound field out."""
    widget = field.field.widget
    if isinstance(widget, forms.RadioSelect):
        return "radio"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    return "input"


@register.filter
def invalid(field) -> str:
    """The bound field rendered with ``is-invalid`` added when it has errors."""
    if not field.errors:
        return field.as_widget()
    css = field.field.widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{css} is-invalid".strip()})


@register.filter
def masked_contact(raised_by: str) -> str:
    """Who raised a clue, with their names masked, for readers outside the clue's own scope."""
    return privacy.redact(raised_by, names=privacy.redact_contact_names(raised_by))
