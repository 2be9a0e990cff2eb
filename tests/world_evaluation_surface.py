"""More evaluation rows for the scoping matrix, besides ``world_evaluation``: the neighbouring
county's survey of last year, so that a round's values posted by the cast's county staff can
open a round their county does not have yet (``test_api_create_puts_records_only_within_add_scope``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from daibiao.evaluation.survey import open_survey
from daibiao.registry.models import County


def populate(cast) -> None:
    today = timezone.localdate()
    last_year = dt.date(today.year - 1, 12, 1)
    open_survey(
        County.objects.get(name="邻县"),
        actor=None,
        year=today.year - 1,
        opens_on=last_year,
        closes_on=last_year + dt.timedelta(days=20),
    )
