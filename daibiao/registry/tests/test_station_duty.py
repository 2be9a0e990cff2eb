"""The stations' rosters: who is on duty where and when, kept by the county, the town and the
station's own head, read by everyone of the county."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from daibiao.core.services import save_record
from daibiao.registry.models import StationDuty

pytestmark = pytest.mark.django_db


def today():
    # Read when a test runs, not when the module is imported: a run may cross midnight.
    return timezone.localdate()


def post_duty(client, station, deputy, day=None, period="morning"):
    day = day or today()
    return client.post(
        reverse("registry:stationduty-create"),
        {
            "station": station.pk,
            "deputy": deputy.pk,
            "on_date": day.isoformat(),
            "period": period,
            "note": "",
        },
    )


def test_the_station_head_keeps_the_roster_and_the_station_page_shows_it(cast, client_for):
    station, deputy = cast.stations["a"], cast.deputies["a"]
    response = post_duty(client_for("station_a"), station, deputy)
    assert response.status_code == 302
    duty = StationDuty.objects.get()
    assert (duty.station, duty.deputy, duty.on_date) == (station, deputy, today())
    page = client_for("deputy_b").get(station.get_absolute_url())  # any role of the county reads it
    assert list(page.context["duties"]) == [duty]
    assert deputy.name in page.content.decode()


def test_a_station_head_cannot_fill_another_stations_roster(cast, client_for):
    response = post_duty(client_for("station_a"), cast.stations["b"], cast.deputies["b"])
    assert response.status_code in (200, 403)  # the form refuses, or the save does
    assert not StationDuty.objects.exists()


def test_the_same_slot_twice_is_refused_with_a_message(cast, client_for):
    client = client_for("town_a")
    post_duty(client, cast.stations["a"], cast.deputies["a"])
    response = post_duty(client, cast.stations["a"], cast.deputies["a"])
    assert response.status_code == 200
    assert response.context["form"].errors
    assert StationDuty.objects.count() == 1


def test_the_api_lists_a_date_range_and_refuses_a_deputy_of_another_county(cast, api_for):
    from daibiao.registry.models import County, Deputy, Town

    for days in (0, 3, 40):
        save_record(
            StationDuty(
                station=cast.stations["a"],
                deputy=cast.deputies["a"],
                on_date=today() + dt.timedelta(days=days),
            ),
            actor=None,
        )
    api = api_for("town_a")
    body = api.get(
        reverse("api:stationduty-list"),
        {
            "station": cast.stations["a"].pk,
            "on_date_after": today(),
            "on_date_before": today() + dt.timedelta(days=30),
        },
    ).json()
    assert body["count"] == 2
    other = County.objects.create(name="外县")
    town = Town.objects.create(county=other, name="外镇")
    stranger = Deputy.objects.create(county=other, town=town, name="外人", phone="13900009999")
    response = api.post(
        reverse("api:stationduty-list"),
        {"station": cast.stations["a"].pk, "deputy": stranger.pk, "on_date": today().isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert "deputy" in response.json()
