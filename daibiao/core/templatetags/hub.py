"""The frame's question for the phone layout: does this user get the hub and its tab bar?"""

from django import template

from daibiao.core.views_home import has_deputy_desk, lands_on_hub

register = template.Library()


@register.filter
def phone_tabs(user) -> bool:
    """A deputy (with his or her deputy record) whose only roles are deputy and station head:
    the frame adds the phone's bottom tab bar to the pages."""
    if not getattr(user, "is_authenticated", False):  # error pages may render without a user
        return False
    return lands_on_hub(user) and has_deputy_desk(user)
