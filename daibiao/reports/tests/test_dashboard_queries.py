"""A query budget (STYLE habit 13): the overview runs as many queries for many towns, units and
records as for few — every breakdown is one GROUP BY — and stays under a fixed ceiling."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from daibiao.accounts.choices import Role
from daibiao.accounts.services import create_user
from daibiao.activities.tests.helpers import campaign as make_campaign
from daibiao.core import audit
from daibiao.core.services import save_record
from daibiao.registry.choices import UnitKind
from daibiao.registry.models import Town, Unit
from daibiao.suggestions.choices import State

from .test_dashboard import grow, walk_to

pytestmark = pytest.mark.django_db

# Session, user and roles; the pickers; the overview's figures and training coverage; the
# breakdowns (months, categories, kinds, towns, units, organisations); the overdue list.
CEILING = 50


def queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


def more_towns_and_units(cast, campaign, n: int) -> None:
    """``n`` more towns and ``n`` more units, each unit leading an implemented item of 武安镇."""
    with audit.acting_as(None):
        for i in range(n):
            save_record(Town(county=cast.county, name=f"新镇{i}", sort_order=20 + i), actor=None)
            key = f"extra{i}"
            cast.units[key] = save_record(
                Unit(county=cast.county, name=f"县新单位{i}", kind=UnitKind.DEPARTMENT), actor=None
            )
            cast.users[f"unit_{key}"] = create_user(
                f"unit-extra-{i}",
                actor=None,
                password="x-pass-123",
                roles=[Role.UNIT_STAFF],
                unit=cast.units[key],
            )
            walk_to(cast, "a", State.IMPLEMENTED, campaign=campaign, unit=key)


@pytest.mark.parametrize("role", ["county", "leader", "town_a", "station_a"])
@pytest.mark.parametrize("name", ["reports:overview", "reports:overview-screen"])
def test_the_overview_runs_as_many_queries_for_many_towns_units_and_records_as_for_few(
    cast, client_for, role, name
):
    campaign = make_campaign(cast)
    grow(cast, campaign)
    client = client_for(role)
    url = reverse(name)
    few = queries(client, url)
    grow(cast, campaign, n=3, start=1)
    more_towns_and_units(cast, campaign, 4)
    many = queries(client, url)
    assert many == few
    assert many <= CEILING


def test_a_town_of_the_county_runs_the_same_queries_as_the_county_less_the_comparison(cast, client_for):
    campaign = make_campaign(cast)
    grow(cast, campaign)
    client = client_for("county")
    town = queries(client, reverse("reports:overview"), town=cast.towns["a"].pk)
    grow(cast, campaign, n=2, start=1)
    assert queries(client, reverse("reports:overview"), town=cast.towns["a"].pk) == town
    assert town <= CEILING


def test_the_growth_really_reaches_the_page(cast, client_for):
    # The budget means nothing if the rows are not on the page.
    campaign = make_campaign(cast)
    grow(cast, campaign)
    more_towns_and_units(cast, campaign, 4)
    board = client_for("county").get(reverse("reports:overview")).context["board"]
    assert len(board.towns) == 6
    assert len(board.league) == 6
    assert board.figures["implemented"] == 2 + 4
