"""Training coverage: chairs, station heads and every deputy, per town and for the county."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from daibiao.accounts.choices import Role
from daibiao.accounts.services import create_user
from daibiao.activities import services
from daibiao.activities.choices import ActivityKind, AttendanceStatus, CoverageGroup
from daibiao.activities.coverage import training_coverage
from daibiao.core.services import save_record
from daibiao.registry.choices import DeputyStatus, Gender
from daibiao.registry.models import Deputy
from daibiao.registry.services import save_deputy

from .helpers import activity as make_activity
from .helpers import campaign as make_campaign

pytestmark = pytest.mark.django_db

PRESENT, ABSENT = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT
CHAIRS, HEADS, ALL = CoverageGroup.CHAIRS, CoverageGroup.STATION_HEADS, CoverageGroup.DEPUTIES


def tick(activity, *pairs):
    services.record_attendance(activity, [{"deputy": d, "status": s} for d, s in pairs], actor=None)


def figures(row) -> dict:
    return {group: (f.trained, f.total) for group, f in row.figures.items()}


def coverage(campaign):
    rows, county = training_coverage(campaign)
    return {row.town.name: row for row in rows}, county


@pytest.fixture
def world(cast):
    """武安镇: 周主席 is the presidium chair (a deputy whose login is the town's staff),
    李春兰 heads its station. A training of the campaign where 周主席, 王小明 and 张建国 were
    present and 李春兰 absent; 赵秀英 only at a visit and at another campaign's training."""
    d = cast.deputies
    station = cast.stations["a"]
    station.head = d["a2"]
    save_record(station, actor=None)
    chair = save_deputy(
        Deputy(name="周主席", gender=Gender.MALE, phone="13500000001", town=cast.towns["a"]), actor=None
    )
    create_user(
        "chair_a",
        actor=None,
        password=None,
        roles=[Role.TOWN_STAFF, Role.DEPUTY],
        town=cast.towns["a"],
        deputy=chair,
    )
    campaign = make_campaign(cast)
    training = make_activity(cast, campaign=campaign, name="全县代表培训")
    visit = make_activity(cast, campaign=campaign, kind=ActivityKind.VISIT, name="走访")
    elsewhere = make_activity(cast, campaign=make_campaign(cast, theme="另一次行动"), name="另一次培训")
    tick(training, (chair, PRESENT), (d["a"], PRESENT), (d["a2"], ABSENT), (d["b"], PRESENT))
    tick(visit, (d["b2"], PRESENT))
    tick(elsewhere, (d["b2"], PRESENT))
    return campaign, training


def test_coverage_counts_only_presence_at_a_training_of_the_campaign(cast, world):
    campaign, _ = world
    towns, county = coverage(campaign)
    assert figures(towns["武安镇"]) == {CHAIRS: (1, 1), HEADS: (0, 1), ALL: (2, 3)}
    assert figures(towns["九集镇"]) == {CHAIRS: (0, 0), HEADS: (0, 0), ALL: (1, 2)}
    assert figures(county) == {CHAIRS: (1, 1), HEADS: (0, 1), ALL: (3, 5)}
    assert county.figures[ALL].percent == 60.0
    assert towns["武安镇"].figures[CHAIRS].full
    assert not towns["武安镇"].full
    assert not county.full


def test_full_coverage_when_everyone_was_trained(cast, world):
    campaign, _training = world
    d = cast.deputies
    # 以会代训 counts as a training too.
    meeting = make_activity(cast, campaign=campaign, at_meeting=True, name="以会代训")
    tick(meeting, (d["a2"], PRESENT), (d["b2"], PRESENT))
    towns, county = coverage(campaign)
    assert figures(county) == {CHAIRS: (1, 1), HEADS: (1, 1), ALL: (5, 5)}
    assert towns["武安镇"].full
    assert towns["九集镇"].full
    assert county.full


def test_deputies_no_longer_serving_are_not_counted(cast, world):
    campaign, _ = world
    leaver = cast.deputies["b2"]
    leaver.status = DeputyStatus.RESIGNED
    save_record(leaver, actor=None)
    towns, _county = coverage(campaign)
    assert figures(towns["九集镇"])[ALL] == (1, 1)
    assert towns["九集镇"].full


def test_the_coverage_page_and_api(cast, world, client_for, api_for):
    campaign, _ = world
    response = client_for("county").get(reverse("activities:coverage", args=[campaign.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="coverage-row"') == 3  # two towns and the county
    assert "full-coverage" not in html
    body = api_for("leader").get(f"/api/v1/campaigns/{campaign.pk}/coverage/").json()
    assert body["county"]["deputies"] == {"trained": 3, "total": 5, "percent": 60.0, "full": False}
    assert {t["town_name"]: t["chairs"]["total"] for t in body["towns"]} == {"武安镇": 1, "九集镇": 0}
    assert api_for("unit_a").get(f"/api/v1/campaigns/{campaign.pk}/coverage/").status_code == 404


def test_the_coverage_page_marks_full_coverage(cast, world, client_for):
    campaign, _ = world
    d = cast.deputies
    tick(make_activity(cast, campaign=campaign, name="补训"), (d["a2"], PRESENT), (d["b2"], PRESENT))
    html = client_for("town_a").get(reverse("activities:coverage", args=[campaign.pk])).content.decode()
    assert html.count('data-testid="full-coverage"') == 3


def test_the_coverage_page_runs_as_many_queries_for_40_deputies_as_for_4(cast, world, client_for):
    campaign, training = world
    client = client_for("county")
    url = reverse("activities:coverage", args=[campaign.pk])

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = count()
    new = [
        save_deputy(
            Deputy(name=f"代表{i:02d}", gender=Gender.MALE, phone=f"1360000{i:04d}", town=cast.towns["b"]),
            actor=None,
        )
        for i in range(36)
    ]
    tick(training, *[(deputy, PRESENT) for deputy in new])
    assert count() == few
