"""Infrastructure models: the base every record inherits, and the append-only change log."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .scoping import ScopedQuerySet


class TimeStampedModel(models.Model):
    """Creation and modification times for every record."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class ChangeAction(models.TextChoices):
    CREATE = "create", _("Created")  # a new record
    UPDATE = "update", _("Updated")  # fields changed; `changes` holds before and after
    DELETE = "delete", _("Deleted")  # the record is gone; `changes` holds its last values
    STATE = "state", _("State changed")  # a workflow step moved the record to a new state


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a change-log row."""


class ChangeLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The change log is append-only.")

    def delete(self):
        raise AppendOnlyError("The change log is append-only.")

    def for_object(self, obj):
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
        )


class ChangeLog(models.Model):
    """One create, update, delete or state change of any audited record.

    Written only through ``core.audit``; rows are never changed or deleted (the model, its
    queryset and the admin all refuse), so the trail shows exactly what happened, field by field.
    """

    timestamp = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,  # the trail outlives the user rows it names
    )
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True)
    remote_addr = models.GenericIPAddressField(_("address"), null=True, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64, db_index=True)
    object_repr = models.CharField(_("record"), max_length=200)
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    # {"field": [before, after]}; for create "before" is null, for delete "after" is null.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ChangeLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("change log entry")
        verbose_name_plural = _("change log")
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-timestamp"])]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The change log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The change log is append-only.")
