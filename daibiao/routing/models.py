"""A county's trained routing model, kept in the database with what it was trained on."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoutingModel(models.Model):
    """The category and unit classifiers of one county, fitted on its triaged history plus
    the shipped lexicon. Derived data: retraining replaces it, deleting it only sends the
    county back to lexicon-only recommendations until the next training."""

    county = models.OneToOneField(
        "registry.County", verbose_name=_("county"), on_delete=models.CASCADE, related_name="+"
    )
    data = models.BinaryField(_("model"))  # zlib-compressed pickle of classifier.Classifier pair
    trained_at = models.DateTimeField(_("trained at"))
    rows = models.PositiveIntegerField(_("history rows"), default=0)
    labels = models.JSONField(_("labels"), default=dict)  # {"categories": [...], "units": [...]}
    metrics = models.JSONField(_("metrics"), default=dict)  # sizes, seconds, fingerprint

    class Meta:
        verbose_name = _("routing model")
        verbose_name_plural = _("routing models")

    def __str__(self) -> str:
        return f"{self.county_id} @ {self.trained_at:%Y-%m-%d %H:%M}"
