"""The reports' rows for the scoping matrix: a finished batch of annual reports for each cast
town and for the neighbouring county's town."""

from __future__ import annotations

from django.utils import timezone

from daibiao.registry.models import Town
from daibiao.reports import services


def populate(cast) -> None:
    year = timezone.localdate().year
    for town in [*cast.towns.values(), Town.objects.get(name="城关镇")]:
        batch = services.request_town_reports(town, year, actor=None)
        services.make_town_reports.call(batch.pk)
