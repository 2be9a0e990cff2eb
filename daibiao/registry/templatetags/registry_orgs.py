"""Template helpers of the registry's "代表+" pages."""

from django import template

from daibiao.core.scoping import Action

from ..models import OrgMembership

register = template.Library()


@register.simple_tag(takes_context=True)
def memberships_of(context, deputy):
    """The deputy's memberships that the requesting user may see, live ones first."""
    request = context.get("request")
    if request is None:
        return OrgMembership.objects.none()
    return (
        OrgMembership.objects.restrict(request.user, Action.VIEW)
        .filter(deputy=deputy)
        .select_related("organization")
        .order_by("until", "organization__name", "id")
    )
