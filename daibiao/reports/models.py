"""The one thing the reports keep: a batch of annual reports made for a whole town, so that
the work runs in the worker and the page can show how far it has got."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from daibiao.accounts.choices import Role
from daibiao.core.files import StoredFile
from daibiao.core.scoping import Action, ScopedQuerySet, scope_through


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")  # queued for the worker
    RUNNING = "running", _("Running")  # claimed by one worker
    DONE = "done", _("Done")  # the archive is ready
    FAILED = "failed", _("Failed")  # see the error


class ReportBatchQuerySet(ScopedQuerySet):
    """County staff and leaders: the county's batches; a town's staff: the town's. Only staff
    start one (the service checks they may see the town)."""

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF and user.county_id:
            return Q(town__county_id=user.county_id)
        if role == Role.TOWN_STAFF and user.town_id:
            return Q(town_id=user.town_id)
        if role == Role.LEADER and user.county_id and action == Action.VIEW:
            return Q(town__county_id=user.county_id)
        return None


class ReportBatch(models.Model):
    """The annual reports of every serving deputy of a town for a year, as one .zip of .docx
    files; ``done`` of ``total`` tells the progress."""

    town = models.ForeignKey(
        "registry.Town", verbose_name=_("town"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.PENDING, db_index=True
    )
    total = models.PositiveIntegerField(_("reports"), default=0)
    done = models.PositiveIntegerField(_("made"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ReportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("batch of annual reports")
        verbose_name_plural = _("batches of annual reports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.town} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("reports:batch-detail", args=[self.pk])

    @property
    def percent(self) -> int:
        return (
            100 if self.status == BatchStatus.DONE else int(100 * self.done / self.total) if self.total else 0
        )

    @property
    def is_finished(self) -> bool:
        return self.status in (BatchStatus.DONE, BatchStatus.FAILED)


class ReportArchiveQuerySet(ScopedQuerySet):
    def scope(self, role, user, action):
        return scope_through(ReportBatch, "batch", role, user, action)


class ReportArchive(StoredFile):
    """The finished batch: a .zip with one .docx per deputy."""

    batch = models.OneToOneField(ReportBatch, on_delete=models.CASCADE, related_name="archive")

    objects = ReportArchiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("archive of annual reports")
        verbose_name_plural = _("archives of annual reports")
