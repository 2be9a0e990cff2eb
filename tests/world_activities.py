"""The campaign side's rows for the scoping matrix (``tests/test_scoping_matrix.py``): a
campaign, town plans, activities with attendance and files in each cast town, at a station
of 武安镇, and the same in the neighbouring county, all made through the services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from daibiao.activities import services
from daibiao.activities.choices import ActivityKind, AttendanceStatus, MediaLevel
from daibiao.core.testing.files import photo
from daibiao.registry.models import County, Deputy


def populate(cast) -> None:
    now = timezone.now()
    today = timezone.localdate()
    campaign = services.create_campaign(
        actor=None,
        county=cast.county,
        theme="聚力共同缔造·助力基层治理",
        requirement="省人大“1+N”要求",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=60),
        town_plans_due_on=today - dt.timedelta(days=10),
        documents=[photo("实施方案.jpg")],
    )
    for key in ("a", "b"):
        town = cast.towns[key]
        services.submit_town_plan(
            campaign, town, actor=None, summary=f"{town.name}活动方案", documents=[photo()]
        )
        activity = services.create_activity(
            actor=None,
            name=f"{town.name}代表培训会",
            kind=ActivityKind.TRAINING,
            campaign=campaign,
            town=town,
            starts_at=now - dt.timedelta(hours=1),
            ends_at=now + dt.timedelta(hours=1),
            place=f"{town.name}人大活动室",
            files=[photo()],
        )
        deputy = cast.deputies[key]
        services.invite_deputies(activity, [deputy, cast.deputies[f"{key}2"]], actor=None)
        services.record_attendance(
            activity, [{"deputy": deputy, "status": AttendanceStatus.PRESENT}], actor=None
        )
    station_day = services.create_activity(
        actor=None,
        name="第一代表联络站进站接待日",
        kind=ActivityKind.STATION_DAY,
        campaign=campaign,
        station=cast.stations["a"],
        starts_at=now - dt.timedelta(days=2),
        ends_at=now - dt.timedelta(days=2) + dt.timedelta(hours=3),
        files=[photo()],
    )
    services.invite_deputies(station_day, [cast.deputies["a2"]], actor=None)

    other = County.objects.get(name="邻县")
    neighbour = Deputy.objects.get(county=other)
    far = services.create_campaign(
        actor=None,
        county=other,
        theme="邻县代表行动",
        starts_on=today - dt.timedelta(days=30),
        town_plans_due_on=today + dt.timedelta(days=10),
        documents=[photo()],
    )
    services.submit_town_plan(far, neighbour.town, actor=None, summary="城关镇活动方案", documents=[photo()])
    visit = services.create_activity(
        actor=None,
        name="城关镇代表走访",
        kind=ActivityKind.VISIT,
        campaign=far,
        town=neighbour.town,
        starts_at=now - dt.timedelta(days=1),
        ends_at=now - dt.timedelta(days=1) + dt.timedelta(hours=2),
        files=[photo()],
    )
    services.invite_deputies(visit, [neighbour], actor=None)

    # The handbook, sent to a deputy of each town (one has confirmed), and one of the
    # neighbouring county; a media article in each county.
    handbook = services.create_material(
        actor=None, county=cast.county, campaign=campaign, title="代表履职资料汇编", files=[photo()]
    )
    services.send_material(handbook, [cast.deputies["a"], cast.deputies["b"]], actor=None)
    services.record_receipt(handbook, [cast.deputies["b"]], actor=None)
    far_handbook = services.create_material(actor=None, county=other, title="邻县资料汇编", files=[photo()])
    services.send_material(far_handbook, [neighbour], actor=None)
    services.save_media_article(
        actor=None,
        county=cast.county,
        title="测试县人大代表走进屋场",
        outlet="湖北日报",
        level=MediaLevel.PROVINCE,
        published_on=today,
        url="https://example.org/a",
    )
    services.save_media_article(
        actor=None,
        county=other,
        title="邻县代表行动见闻",
        outlet="邻县融媒体中心",
        level=MediaLevel.COUNTY,
        published_on=today,
    )
