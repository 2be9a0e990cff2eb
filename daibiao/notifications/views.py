"""The inbox pages: thin adapters over the scoped base views and the services."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views import generic

from daibiao.core.scoping import Action
from daibiao.core.views import ScopedListView, ScopedMixin

from . import services
from .filtersets import NotificationFilterSet
from .models import Notification


class InboxList(ScopedListView):
    """My notifications, newest first; ``?unread=true`` for the unread ones only."""

    model = Notification
    filterset_class = NotificationFilterSet
    template_name = "notifications/inbox.html"
    paginate_by = 20

    def base_queryset(self):
        return Notification.objects.select_related("actor")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = self.filterset.form
        ctx["unread_only"] = form.is_valid() and form.cleaned_data.get("unread") is True
        return ctx


class NotificationDetail(ScopedMixin, generic.DetailView):
    """One notification in full, with a button to open what it is about."""

    model = Notification
    template_name = "notifications/notification_detail.html"

    def base_queryset(self):
        return Notification.objects.select_related("actor")


def _target(request, notification) -> str:
    """Where opening ``notification`` leads: its link if it stays on this site, else its page."""
    link = notification.link
    if link and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return link
    return notification.get_absolute_url()


class NotificationRead(ScopedMixin, generic.detail.SingleObjectMixin, generic.View):
    """POST: mark the notification read and go to what it is about (a form button, so that
    it works without scripts). Another user's notification is a 404."""

    model = Notification
    scope_action = Action.CHANGE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        notification = self.get_object()
        services.mark_read(notification, actor=request.user)
        return HttpResponseRedirect(_target(request, notification))


class InboxReadAll(ScopedMixin, generic.View):
    """POST: mark all my notifications read, then back to the inbox."""

    model = Notification
    scope_action = Action.CHANGE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        count = services.mark_all_read(request.user, actor=request.user)
        if count:
            messages.success(
                request,
                ngettext(
                    "Marked {count} notification as read.", "Marked {count} notifications as read.", count
                ).format(count=count),
            )
        return HttpResponseRedirect(reverse("notifications:inbox"))
