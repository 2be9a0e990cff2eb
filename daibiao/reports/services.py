"""The reports' only writes: a batch of a town's annual reports, requested by staff and made
by the worker (claimed once, progress counted as it goes, the archive kept at the end)."""

from __future__ import annotations

import io
import zipfile

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from daibiao.accounts.choices import Role
from daibiao.core.files import CheckedFile, cleanup_on_failure, store_files
from daibiao.registry.choices import DeputyStatus
from daibiao.registry.models import Deputy, Town

from .annual_report import annual_report, report_filename
from .duty import build_duty_record
from .models import BatchStatus, ReportArchive, ReportBatch

PROGRESS_EVERY = 10  # deputies between two progress writes


def town_deputies(town: Town):
    return (
        Deputy.objects.filter(town=town, status=DeputyStatus.SERVING)
        .select_related("town")
        .order_by("name", "pk")
    )


def may_request(user, town: Town) -> bool:
    """County staff for the county's towns, a town's staff for their town, administrators."""
    roles = set(user.roles)
    return (
        user.is_superuser
        or Role.ADMIN in roles
        or (Role.COUNTY_STAFF in roles and town.county_id == user.county_id)
        or (Role.TOWN_STAFF in roles and town.pk == user.town_id)
    )


def request_town_reports(town: Town, year: int, *, actor) -> ReportBatch:
    """Queue the annual reports of every serving deputy of ``town`` for ``year``; the worker
    makes them (``make_town_reports``)."""
    if actor is not None and not may_request(actor, town):
        raise PermissionDenied(
            _("Only the congress's staff of this town or county make its reports in bulk.")
        )
    with transaction.atomic():
        batch = ReportBatch.objects.create(
            town=town, year=year, requested_by=actor, total=town_deputies(town).count()
        )
        transaction.on_commit(lambda: make_town_reports.enqueue(batch.pk))
    return batch


@task()
def make_town_reports(batch_id: int) -> str:
    """Make one batch, once: claim it (pending → running), write the reports into a .zip,
    counting progress, then keep the archive. A second run finds nothing to claim."""
    if not ReportBatch.objects.filter(pk=batch_id, status=BatchStatus.PENDING).update(
        status=BatchStatus.RUNNING
    ):
        return "skipped"
    batch = ReportBatch.objects.select_related("town").get(pk=batch_id)
    try:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            deputies = list(town_deputies(batch.town))
            ReportBatch.objects.filter(pk=batch_id).update(total=len(deputies))
            for n, deputy in enumerate(deputies, start=1):
                record = build_duty_record(deputy, batch.year)
                archive.writestr(f"{n:04d}-{report_filename(record)}", annual_report(record))
                if n % PROGRESS_EVERY == 0:
                    ReportBatch.objects.filter(pk=batch_id).update(done=n)
        name = _("Annual reports {year} {town}.zip").format(year=batch.year, town=batch.town.name)
        content = buffer.getvalue()
        checked = CheckedFile(name=name, content=content, content_type="application/zip", kind="zip")
        with cleanup_on_failure(), transaction.atomic():
            store_files(ReportArchive, [checked], actor=batch.requested_by, batch=batch)
            ReportBatch.objects.filter(pk=batch_id).update(
                status=BatchStatus.DONE, done=F("total"), finished_at=timezone.now()
            )
    except Exception as exc:
        ReportBatch.objects.filter(pk=batch_id).update(
            status=BatchStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:300], finished_at=timezone.now()
        )
        raise
    return "done"
