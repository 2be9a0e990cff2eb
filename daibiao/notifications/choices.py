from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What a notification is about; the inbox shows it as a badge and the API as a filter."""

    # 交办: a suggestion was assigned or transferred to the recipient's unit or town.
    SUGGESTION_ASSIGNED = "suggestion_assigned", _("Suggestion assigned")
    # A suggestion the recipient raised, handles or supervises moved on a step
    # (acknowledged, returned, extended, evaluated, concluded …).
    SUGGESTION_STEP = "suggestion_step", _("Suggestion progress")
    # A deadline is near (acknowledging, replying, implementing).
    REMINDER = "reminder", _("Reminder")
    # A deadline has passed without the step being taken.
    OVERDUE = "overdue", _("Overdue")
    # 督办: someone with the standing to do so urged the handling of an item.
    URGE = "urge", _("Urged")
    # 答复: a unit's reply was published; the deputy is asked for their satisfaction.
    REPLY_PUBLISHED = "reply_published", _("Reply published")
    # Anything else: announcements, account matters.
    GENERAL = "general", _("General")


class Channel(models.TextChoices):
    """How a notification reaches its recipient."""

    # The in-app inbox: the notification row itself, so it has no delivery row of its own.
    INBOX = "inbox", _("Inbox")
    # E-mail to the address on the user's account.
    EMAIL = "email", _("E-mail")
    # Text message to the mobile number on the user's account, through the SMS backend.
    SMS = "sms", _("Text message")


class DeliveryStatus(models.TextChoices):
    """Where one e-mail or text message stands."""

    # Created with the notification; waiting for the worker.
    PENDING = "pending", _("Pending")
    # Claimed by one worker, which is handing it to the mail server or SMS gateway now.
    SENDING = "sending", _("Sending")
    # Accepted by the mail server or SMS gateway.
    SENT = "sent", _("Sent")
    # The mail server or gateway refused it, or the recipient has no address; see last_error.
    FAILED = "failed", _("Failed")
