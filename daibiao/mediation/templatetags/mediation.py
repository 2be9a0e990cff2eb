"""Template helpers of the law-clinic pages."""

from django import template

from ..masking import masker_for

register = template.Library()


@register.simple_tag(takes_context=True)
def parties(context, case):
    """``{% parties case as p %}``: the case's parties as the requesting user may see them
    (``p.a_name``, ``p.a_phone``, ``p.b_name``, ``p.b_phone``, ``p.summary``, ``p.note``,
    ``p.masked``)."""
    return masker_for(context["request"]).parties(case)
