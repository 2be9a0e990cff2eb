"""The periodic catch-up of the search index with writes that sent no signals.

Every save and delete already updates the index in its own transaction; this job only finds
what bulk writes (a roster import) left out, so it runs rarely and a second run does nothing."""

from __future__ import annotations

from django_tasks import task

from . import index

REFRESH_EVERY_S = 60 * 60  # hourly: a bulk import is searchable within the hour at worst


@task()
def refresh_search_index() -> dict[str, int]:
    return index.refresh()
