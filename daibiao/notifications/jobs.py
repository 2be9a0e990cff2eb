"""Background work: send one e-mail or text message; queue again what was lost or failed.

Each task is safe to run twice and from several workers at once: a delivery is claimed with
a conditional update (pending → sending) before it is sent, and only the worker whose update
changed the row sends it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from daibiao.core.privacy import mask_phone

from . import services
from .choices import Channel, DeliveryStatus
from .models import Delivery
from .sms import get_sms_backend

logger = logging.getLogger(__name__)

# Text messages are billed per 70 Chinese characters; the inbox has the full text.
SMS_MAX_CHARS = 70


@task()
def send_delivery(delivery_id: int) -> str:
    """Send delivery ``delivery_id`` once; returns "sent", "failed" or "skipped".

    Skipped: the delivery is gone, or not pending (already sent, being sent by another
    worker, or failed and not yet queued again). A failure of the mail server or SMS gateway
    marks the delivery failed with the error and never raises into the worker.
    """
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    if not claimed:
        return "skipped"
    try:
        delivery = Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)
        # The worker runs outside any request: write in the platform's language.
        with translation.override(settings.LANGUAGE_CODE):
            address = _send(delivery)
    except Exception as exc:
        logger.warning("Delivery %s failed: %s", delivery_id, exc)
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return "failed"
    Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), address=address, last_error=""
    )
    return "sent"


@task()
def retry_deliveries() -> int:
    """Periodic: queue failed deliveries again (up to three tries) and pending ones whose
    task was lost. Returns how many were queued."""
    return len(services.requeue_deliveries())


def _send(delivery: Delivery) -> str:
    """Hand ``delivery`` to the mail server or SMS gateway; return the address it went to
    (masked for a phone). Reads the recipient's address now: it may have changed since."""
    notification = delivery.notification
    user = notification.recipient
    url = absolute_url(notification.link)
    if delivery.channel == Channel.EMAIL:
        if not user.email:
            raise ValueError("the user has no e-mail address")
        footer = (
            _("Open it on the platform: {url}").format(url=url)
            if url
            else _("Log in to the platform to see it in your inbox.")
        )
        body = f"{notification.body}\n\n{footer}" if notification.body else footer
        send_mail(notification.subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
        return user.email
    if delivery.channel == Channel.SMS:
        if not user.phone:
            raise ValueError("the user has no mobile number")
        get_sms_backend().send(user.phone, sms_text(notification.subject, url))
        return mask_phone(user.phone)
    raise ValueError(f"no sender for channel {delivery.channel!r}")


def sms_text(subject: str, url: str = "") -> str:
    """A text message: the subject, cut to fit, and where to read the rest."""
    tail = _("Details: {url}").format(url=url) if url else _("Details in your inbox on the platform.")
    room = SMS_MAX_CHARS - len(tail) - 1
    if len(subject) > room:
        subject = subject[: max(room - 1, 0)] + "…"
    return f"{subject} {tail}"


def absolute_url(path: str) -> str:
    """``path`` on the public address of the site, or "" when the site has none configured."""
    # SITE_URL (e.g. "https://daibiao.example.gov.cn") is not in the settings yet: without it
    # the messages point to the inbox instead of carrying a link.
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{path}" if base and path else ""
