"""The registry's newer rows for the scoping matrix: a deputy on each station's roster, in the
cast's county and in the neighbouring one."""

from __future__ import annotations

from django.utils import timezone

from daibiao.core.services import save_record
from daibiao.registry.models import Deputy, LiaisonStation, StationDuty


def populate(cast) -> None:
    today = timezone.localdate()
    for station in [*cast.stations.values(), LiaisonStation.objects.get(name="城关代表联络站")]:
        deputy = Deputy.objects.filter(town=station.town).order_by("pk").first()
        save_record(StationDuty(station=station, deputy=deputy, on_date=today), actor=None)
