"""Periodic retraining of each county's routing model.

Idempotent: ``train_county`` compares a fingerprint of the history, the units and the lexicon
with the stored model's and does nothing when they match, so a run repeated, or run by two
workers at once, changes nothing the second time."""

from __future__ import annotations

from django_tasks import task

from daibiao.registry.models import County

from .services import train_county

RETRAIN_EVERY_S = 24 * 60 * 60  # nightly: a county decides a few items a day at most


def retrain_all() -> dict[str, int]:
    """Retrain every county whose history changed; returns how many were trained and skipped."""
    counts = {"trained": 0, "unchanged": 0}
    for county in County.objects.order_by("pk"):
        counts["trained" if train_county(county) is not None else "unchanged"] += 1
    return counts


@task()
def retrain_routing() -> dict[str, int]:
    return retrain_all()
