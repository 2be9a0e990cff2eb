"""The one write path for notifications: tell users something, and mark it read.

Callers (the suggestion workflow, deadline jobs) pass text already written for the reader,
through ``gettext`` and ``.format()``; it is stored as it is, so the inbox shows what was
sent even after the templates change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from daibiao.core.privacy import mask_phone
from daibiao.core.scoping import Action, can

from .choices import Channel, DeliveryStatus, NotificationKind
from .models import Delivery, Notification


def notify(
    recipients: Iterable,
    *,
    kind: str,
    subject: str,
    body: str,
    link: str = "",
    data: dict | None = None,
    dedupe_key: str = "",
    channels: Iterable[str] = (Channel.INBOX, Channel.EMAIL, Channel.SMS),
    actor=None,
) -> list[Notification]:
    """Put a notification in each recipient's inbox and queue its e-mail and text message.

    Guarantees:

    * The inbox entry is always made: it is the record of what the platform told whom.
      ``channels`` chooses whether an e-mail (users with an address) and a text message
      (users with a mobile number) carry it too.
    * With a ``dedupe_key``, a recipient who already holds a notification with that key is
      skipped, even when two processes notify at the same moment (the database's unique
      constraint decides; the loser's insert is rolled back to a savepoint). So a job that
      runs twice notifies once.
    * Inactive users and repeated recipients are skipped.
    * Nothing leaves the building before the surrounding transaction commits: the sending
      tasks are enqueued in ``transaction.on_commit``, so a rolled-back request sends
      nothing, and its inbox rows vanish with it.

    Returns the notifications created by this call (not the ones skipped).
    """
    kind = NotificationKind(kind)  # a typo in a caller fails here, not in the inbox
    channels = {Channel(c) for c in channels}
    if link and (not link.startswith("/") or link.startswith("//")):
        # A path on this site only: the inbox redirects to it, and must not send anyone away.
        raise ValueError(f"link must be a path on this site, not {link!r}")
    users = {}
    for user in recipients:
        if user is not None and user.is_active:
            users.setdefault(user.pk, user)
    created: list[Notification] = []
    deliveries: list[Delivery] = []
    with transaction.atomic():
        already = set()
        if dedupe_key:
            already = set(
                Notification.objects.filter(recipient_id__in=users, dedupe_key=dedupe_key).values_list(
                    "recipient_id", flat=True
                )
            )
        for user in users.values():
            if user.pk in already:
                continue
            notification = _create_once(
                recipient=user,
                actor=actor if getattr(actor, "pk", None) else None,
                kind=kind,
                # One line: a line break in an e-mail subject is refused by the mail library.
                subject=" ".join(subject.split())[:200],
                body=body,
                link=link,
                data=data or {},
                dedupe_key=dedupe_key,
            )
            if notification is None:
                continue
            created.append(notification)
            if Channel.EMAIL in channels and user.email:
                deliveries.append(
                    Delivery(notification=notification, channel=Channel.EMAIL, address=user.email)
                )
            if Channel.SMS in channels and user.phone:
                deliveries.append(
                    Delivery(notification=notification, channel=Channel.SMS, address=mask_phone(user.phone))
                )
        if deliveries:
            Delivery.objects.bulk_create(deliveries)
            # robust: a queue that is down must not fail a request whose data is committed; the
            # deliveries stay pending and ``jobs.retry_deliveries`` enqueues them again.
            transaction.on_commit(partial(_enqueue, [d.pk for d in deliveries]), robust=True)
    return created


def _create_once(**fields) -> Notification | None:
    """Insert one notification; ``None`` if its (recipient, dedupe_key) is already taken."""
    if not fields["dedupe_key"]:
        return Notification.objects.create(**fields)  # no key, no constraint, no race to lose
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the outer transaction usable
            return Notification.objects.create(**fields)
    except IntegrityError:
        return None


def _enqueue(delivery_ids: list[int]) -> None:
    from .jobs import send_delivery

    for delivery_id in delivery_ids:
        send_delivery.enqueue(delivery_id)


def mark_read(notification: Notification, *, actor) -> bool:
    """Mark ``notification`` read for its recipient. Only the recipient may (``None``: the
    system). Returns whether this call marked it: marking it again changes nothing, and of
    two requests at once exactly one does (a conditional update)."""
    if actor is not None and not can(actor, Action.CHANGE, notification):
        raise PermissionDenied(_("You may not do this to this record."))
    now = timezone.now()
    changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    if changed:
        notification.read_at = now
    elif notification.read_at is None:
        notification.refresh_from_db(fields=["read_at"])
    return bool(changed)


def mark_all_read(user, *, actor) -> int:
    """Mark every unread notification of ``user`` read; only ``user`` may (``None``: the
    system). Returns how many this call marked; notifications that arrive meanwhile stay
    unread only if they were created after the update ran."""
    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied(_("You may not do this to this record."))
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def unread_count(user) -> int:
    """How many notifications ``user`` has not read yet (one query)."""
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def requeue_deliveries(*, max_attempts: int = 3, stale_after: timedelta = timedelta(minutes=15)) -> list[int]:
    """Queue again what the worker should have sent by now; returns the deliveries queued.

    Failed deliveries go back to pending while they have had fewer than ``max_attempts``
    tries; pending ones queued more than ``stale_after`` ago (their task was lost: the queue
    was down, or a worker died before claiming) are queued again. Safe to run twice and
    alongside the worker: the worker's claim sends each delivery at most once, however many
    tasks name it. A delivery left "sending" by a worker that died mid-send is not retried:
    whether the gateway took it is unknown, and a duplicate text message is worse than one
    that an administrator resends by hand.
    """
    now = timezone.now()
    with transaction.atomic():
        failed = list(
            Delivery.objects.filter(status=DeliveryStatus.FAILED, attempts__lt=max_attempts).values_list(
                "pk", flat=True
            )
        )
        Delivery.objects.filter(pk__in=failed, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.PENDING, queued_at=now
        )
        stale = list(
            Delivery.objects.filter(status=DeliveryStatus.PENDING, queued_at__lt=now - stale_after)
            .exclude(pk__in=failed)
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=stale, status=DeliveryStatus.PENDING).update(queued_at=now)
        ids = sorted(failed + stale)
        if ids:
            transaction.on_commit(partial(_enqueue, ids), robust=True)
    return ids
