"""The portal's periodic job: prune the limiter's counters and the used challenges."""

from __future__ import annotations

from django_tasks import task

from . import limits

PRUNE_EVERY_S = 6 * 60 * 60


@task()
def prune_public_log() -> int:
    """Remove counters older than a month and challenges past their expiry; idempotent."""
    return limits.prune()
