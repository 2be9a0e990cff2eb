"""Query budgets (STYLE habit 13): the supervision lists run as many queries for many rows
as for a few, on the pages and in the API."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from daibiao.accounts.choices import Role
from daibiao.accounts.services import create_user
from daibiao.supervision import services
from daibiao.supervision.choices import Committee

from .conftest import days, follow_up

pytestmark = pytest.mark.django_db

CEILING = 20


def grow(cast, world, n: int, start: int) -> None:
    """``n`` more members (each with a visit and two follow-ups), rounds and oversight items."""
    for i in range(start, start + n):
        key = "a" if i % 2 else "b"
        user = create_user(f"成员{i:03d}", actor=None, password=None, roles=[Role.LEADER], county=cast.county)
        member = services.add_member(world.campaign, user, actor=None, towns=[cast.towns[key]])
        services.record_visit(
            member,
            cast.towns[key],
            actor=None,
            visited_on=days(-3),
            findings="督导。",
            follow_ups=[follow_up(cast.towns[key]), follow_up(cast.towns[key], 5)],
        )
        report_round = services.create_round(
            world.campaign, actor=None, title=f"第{i}轮", due_on=days(30 + i)
        )
        services.submit_report(report_round, cast.towns[key], actor=None, text="进展。")
        services.propose_oversight_item(
            [cast.suggestions[key]],
            f"监督{i}",
            actor=None,
            county=cast.county,
            year=2026,
            committee=Committee.SOCIAL,
            units=[cast.units[key]],
        )


def queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


PAGES = [
    ("supervision:member-list", {}),
    ("supervision:member-list", {"export": "xlsx"}),
    ("supervision:visit-list", {}),
    ("supervision:visit-list", {"overdue": "true", "export": "xlsx"}),
    ("supervision:follow-up-list", {}),
    ("supervision:follow-up-list", {"standing": "overdue", "export": "xlsx"}),
    ("supervision:report-matrix", {}),
    ("supervision:oversight-list", {}),
    ("supervision:oversight-list", {"export": "xlsx"}),
]


@pytest.mark.parametrize("role", ["county", "town_a", "leader"])
@pytest.mark.parametrize(("name", "params"), PAGES, ids=[f"{n}{p}" for n, p in PAGES])
def test_pages_run_as_many_queries_for_many_rows_as_for_few(cast, world, client_for, role, name, params):
    client = client_for(role)
    url = reverse(name)
    grow(cast, world, 2, 0)
    few = queries(client, url, **params)
    grow(cast, world, 8, 2)
    many = queries(client, url, **params)
    assert many == few
    assert many <= CEILING


@pytest.mark.parametrize("role", ["county", "town_a"])
@pytest.mark.parametrize(
    "resource", ["leading-group", "supervision-visits", "progress-reports", "oversight-items"]
)
def test_api_lists_run_as_many_queries_for_many_rows_as_for_few(cast, world, api_for, role, resource):
    client = api_for(role)
    url = f"/api/v1/{resource}/"
    grow(cast, world, 2, 0)
    few = queries(client, url)
    grow(cast, world, 8, 2)
    many = queries(client, url)
    assert many == few
    assert many <= CEILING


def test_the_round_and_visit_pages_have_a_budget(cast, world, client_for, django_assert_max_num_queries):
    grow(cast, world, 4, 0)
    client = client_for("county")
    for url in (
        world.round1.get_absolute_url(),
        world.visit_a.get_absolute_url(),
        world.head.get_absolute_url(),
    ):
        with django_assert_max_num_queries(CEILING):
            assert client.get(url).status_code == 200
