"""Feedback to the people who raised a suggestion's clues, through the phone they left.

They hear when the item is replied to, transferred, concluded and verified as implemented,
with the clue's tracking code so they can look it up. Each message is one ``ClueFeedback``
row, created idempotently and claimed (pending → sending) before it is sent."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from .choices import Step
from .models import Clue, ClueFeedback, Event, Suggestion

FEEDBACK_STEPS = {Step.REPLY, Step.TRANSFER, Step.CONCLUDE, Step.VERIFY_IMPLEMENTED}
SMS_MAX_CHARS = 70  # one billed message


def clues_behind(suggestion: Suggestion):
    """The clues of the suggestion and of every item merged into it."""
    return Clue.objects.filter(Q(suggestion=suggestion) | Q(suggestion__merged_into=suggestion))


def feedback_text(clue: Clue, suggestion: Suggestion, event: Event) -> str:
    text = _("Your report “{title}” — {step}. Tracking code {code}.").format(
        title=clue.title[:16], step=event.get_step_display(), code=clue.tracking_code
    )
    return text[:SMS_MAX_CHARS]


def queue_feedback(suggestion: Suggestion, event: Event) -> list[int]:
    """Create the feedback rows for this step (skipping ones that exist) and queue them."""
    from daibiao.core.privacy import mask_phone

    if event.step not in FEEDBACK_STEPS:
        return []
    created = []
    for clue in clues_behind(suggestion).exclude(contact_phone=""):
        try:
            with transaction.atomic():
                row = ClueFeedback.objects.create(
                    clue=clue,
                    event=event,
                    phone_masked=mask_phone(clue.contact_phone),
                    text=feedback_text(clue, suggestion, event),
                )
        except IntegrityError:
            continue  # this clue has heard of this step already
        created.append(row.pk)
    for pk in created:
        transaction.on_commit(lambda pk=pk: send_clue_feedback.enqueue(pk))
    return created


@task()
def send_clue_feedback(feedback_id: int) -> str:
    """Send one feedback message once: claim it, send it, record the outcome."""
    from daibiao.notifications.sms import get_sms_backend

    if not ClueFeedback.objects.filter(pk=feedback_id, status=ClueFeedback.Status.PENDING).update(
        status=ClueFeedback.Status.SENDING
    ):
        return "skipped"
    row = ClueFeedback.objects.select_related("clue").get(pk=feedback_id)
    try:
        get_sms_backend().send(row.clue.contact_phone, row.text)
    except Exception as exc:
        ClueFeedback.objects.filter(pk=feedback_id).update(
            status=ClueFeedback.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:300]
        )
        return "failed"
    ClueFeedback.objects.filter(pk=feedback_id).update(
        status=ClueFeedback.Status.SENT, sent_at=timezone.now()
    )
    return "sent"
