"""The inbox and the e-mails and text messages that carry it.

A ``Notification`` is one message to one user: it is their inbox entry and the record of
what the platform told whom, and when. Each e-mail or text message sent for it is a
``Delivery``, which the worker sends once (``jobs.send_delivery``). Both are written only by
``services`` and ``jobs``; neither is in the change log, because each row already is a log.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from daibiao.core.scoping import Action, ScopedQuerySet

from .choices import Channel, DeliveryStatus, NotificationKind


class NotificationQuerySet(ScopedQuerySet):
    """Notifications are personal: a user reaches exactly their own, whatever their roles.

    That holds for the system administrator and for superusers too, so that everyone's inbox
    (page and API) is theirs alone and nobody marks another person's message as read.
    Administrators who must check what was sent read it in the Django admin, which is
    read-only for these models. Nobody adds or deletes notifications through a view: the
    services write them.
    """

    def scope(self, role, user, action):
        # Used by ``may_add``; ``restrict`` below does not go through the roles.
        return Q(recipient=user) if action in (Action.VIEW, Action.CHANGE) else None

    def restrict(self, user, action=Action.VIEW):
        action = Action(action)
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if action not in (Action.VIEW, Action.CHANGE):
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one user: their inbox entry, and what the e-mail and SMS carry.

    ``dedupe_key`` lets a job or a retried request say "this is the same notice as before":
    a recipient holds at most one notification with a given non-blank key, so a deadline job
    that runs twice notifies once. ``data`` holds what a client needs to act on it (the
    suggestion's id, the step) without parsing the text.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,  # an inbox belongs to its user
        related_name="notifications",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who caused it; empty when the platform itself did (a deadline job)."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(
        _("link"), max_length=500, blank=True, help_text=_("The page it is about, as a path on this site.")
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    dedupe_key = models.CharField(_("de-duplication key"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="unique_notification_dedupe_key",
            )
        ]
        indexes = [
            # The inbox: one user's notifications, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            # The unread count in every page's navbar.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("notifications:detail", args=[self.pk])

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.Model):
    """One e-mail or text message carrying a notification, and whether it went out.

    The worker claims a pending delivery with a conditional update before sending it, so two
    workers (or one job run twice) never send it twice. For SMS, ``address`` holds the number
    masked (138****1234): the full number stays on the user's account only.
    """

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # When it was last handed to the task queue; a pending delivery queued long ago was lost.
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["notification_id", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="unique_delivery_channel")
        ]
        # The retry job looks for failed and stale pending deliveries.
        indexes = [models.Index(fields=["status", "queued_at"], name="delivery_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address or '—'} ({self.get_status_display()})"
