"""Template helpers shared by every page."""

from django import forms, template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def bs(field):
    """Render a bound field with the Bootstrap class its widget wants."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.NullBooleanSelect):
        css = "form-select form-select-sm" if field.form.prefix == "f" else "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    existing = widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{existing} {css}".strip()})


@register.simple_tag(takes_context=True)
def page_url(context, page_number):
    """The current list URL with its filters kept and ``page`` replaced."""
    query = context.get("query_string", "")
    return f"?{query}&page={page_number}" if query else f"?page={page_number}"


@register.filter
def change_value(value):
    """A change-log value as a reader wants it: blanks shown as a dash."""
    if value in (None, "", [], {}):
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return value


@register.filter
def verbose(obj, field_name):
    """The verbose name of ``field_name`` on ``obj``'s model (falls back to the name itself)."""
    name = field_name[:-3] if field_name.endswith("_id") else field_name
    try:
        return obj._meta.get_field(name).verbose_name
    except Exception:
        return field_name
