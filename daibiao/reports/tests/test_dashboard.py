"""The overview page: who sees it and at which scope, and — above all — that every figure on
it equals the length of the list it links to, for the county's staff and for a town's.

The world is the cast grown through the services: a campaign, clues of several categories
(one solved on the spot), suggestions of each town walked to implemented, concluded,
replied and overdue, a training with attendance, a media article, a deputy embedded in an
organisation and heading a courtyard, and a mediation case."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from daibiao.accounts.choices import Role
from daibiao.accounts.services import create_user
from daibiao.activities import services as campaign_services
from daibiao.activities.choices import ActivityKind, AttendanceStatus, CoverageGroup
from daibiao.activities.coverage import training_coverage
from daibiao.activities.tests.helpers import activity as make_activity
from daibiao.activities.tests.helpers import at
from daibiao.activities.tests.helpers import campaign as make_campaign
from daibiao.core import audit
from daibiao.core.services import save_record
from daibiao.mediation import services as mediation
from daibiao.mediation.choices import DisputeType
from daibiao.mediation.models import LawClinic
from daibiao.registry.choices import OrganizationKind
from daibiao.registry.models import County, Courtyard, Organization, Town
from daibiao.registry.services import add_membership
from daibiao.suggestions import services as loop
from daibiao.suggestions.choices import Category, ReplyCategory, Satisfaction, State

pytestmark = pytest.mark.django_db

URL = reverse("reports:overview")
SCREEN = reverse("reports:overview-screen")
API = reverse("api:stats-overview")


# --- the world ---------------------------------------------------------------------------------


def walk_to(cast, key: str, state: str, *, campaign, category=Category.WATER, assigned_at=None, unit="a"):
    """A new suggestion of town ``key``, led by that town's deputy, driven to ``state``
    through the services; ``assigned_at`` sets the clock of the assignment (a past one makes
    an overdue item)."""
    users = cast.users
    deputy, staff = users[f"deputy_{key}"], users[f"town_{key}"]
    s = loop.create_suggestion(
        actor=deputy,
        title=f"{cast.towns[key].name}{state}的建议",
        content="建议尽快办理。",
        tier="county",
        category=category,
        campaign=campaign,
        submit=True,
    )
    if state == State.SUBMITTED:
        return s
    other = "b" if unit == "a" else "a"
    with at(assigned_at or timezone.now()):
        loop.assign_suggestion(s, actor=staff, lead_unit=cast.units[unit], co_units=[cast.units[other]])
        loop.acknowledge_suggestion(s, actor=users[f"unit_{unit}"])
    if state == State.HANDLING:
        return s
    loop.reply_to_suggestion(s, actor=users[f"unit_{unit}"], category=ReplyCategory.A, text="已办理。")
    if state == State.REPLIED:
        return s
    loop.rate_reply(s, actor=deputy, attitude=Satisfaction.SATISFIED, result=Satisfaction.SATISFIED)
    loop.conclude_suggestion(s, actor=staff)
    if state == State.IMPLEMENTED:
        loop.verify_implemented(s, actor=staff, evidence="现场查看，已完工。")
    s.refresh_from_db()
    assert s.state == state
    return s


def grow(cast, campaign, *, n: int = 1, start: int = 0) -> None:
    """``n`` rounds of records in each town: clues, suggestions in several states, an
    activity with attendance, an article, an organisation, a courtyard and a dispute
    (``start`` numbers the rounds, whose names must not repeat)."""
    long_ago = timezone.now() - dt.timedelta(days=200)
    with audit.acting_as(None):
        for i in range(start, start + n):
            for key, category in (("a", Category.TRANSPORT), ("b", Category.HEALTH)):
                town, deputy = cast.towns[key], cast.deputies[key]
                actor = cast.users[f"deputy_{key}"]
                loop.create_clue(
                    actor=actor, title="村口路灯不亮", content="坏了半年。", town=town, campaign=campaign
                )
                solved = loop.create_clue(
                    actor=actor,
                    title="水渠堵塞",
                    content="水渠堵了。",
                    town=town,
                    campaign=campaign,
                    category=category,
                )
                loop.solve_clue_on_spot(solved, actor=cast.users[f"town_{key}"], outcome="当场疏通。")
                walk_to(cast, key, State.IMPLEMENTED, campaign=campaign, category=category)
                walk_to(cast, key, State.CONCLUDED, campaign=campaign, unit="b")
                walk_to(cast, key, State.REPLIED, campaign=campaign, category=category)
                walk_to(cast, key, State.HANDLING, campaign=campaign, assigned_at=long_ago)
                walk_to(cast, key, State.SUBMITTED, campaign=campaign)
                training = make_activity(
                    cast, town=town, campaign=campaign, kind=ActivityKind.TRAINING, name=f"培训{i}"
                )
                visit = make_activity(
                    cast, town=town, campaign=campaign, kind=ActivityKind.VISIT, name=f"走访{i}"
                )
                for event in (training, visit):
                    campaign_services.invite_deputies(event, [deputy], actor=None)
                    campaign_services.record_attendance(
                        event, [{"deputy": deputy, "status": AttendanceStatus.PRESENT}], actor=None
                    )
                campaign_services.save_media_article(
                    actor=cast.users["county"],
                    title=f"{town.name}代表走访{i}",
                    outlet="襄阳日报",
                    level="city",
                    published_on=campaign.starts_on,
                    deputies=[deputy],
                )
                organization = save_record(
                    Organization(
                        county=cast.county,
                        town=town,
                        name=f"{town.name}合作社{i}",
                        kind=OrganizationKind.ECONOMIC if key == "a" else OrganizationKind.SOCIAL,
                    ),
                    actor=None,
                )
                add_membership(organization, deputy, actor=None, role="理事", since=campaign.starts_on)
                save_record(
                    Courtyard(village=cast.villages[key], name=f"{town.name}屋场{i}", head_deputy=deputy),
                    actor=None,
                )
                clinic = mediation.save_clinic(
                    LawClinic(
                        town=town,
                        village=cast.villages[key],
                        name=f"{town.name}法治诊所{i}",
                        contact_person="刘干事",
                    ),
                    actor=None,
                    mediators=[deputy],
                )
                mediation.open_case(
                    actor=None,
                    clinic=clinic,
                    dispute_type=DisputeType.NEIGHBOUR,
                    party_a_name="周明",
                    party_a_phone="13900000001",
                    party_b_name="吴华",
                    party_b_phone="13700000001",
                    summary="两家因排水沟发生争执。",
                    received_on=campaign.starts_on,
                    mediators=[deputy],
                )


@pytest.fixture
def world(cast):
    campaign = make_campaign(cast)
    grow(cast, campaign)
    return campaign


# --- reading the page ---------------------------------------------------------------------------


class Figures(HTMLParser):
    """The linked figures of a page: (data-figure, data-count, href), and the API figures
    shown: {data-api: data-value}."""

    def __init__(self):
        super().__init__()
        self.linked, self.api = [], {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-count" in attrs:
            self.linked.append((attrs["data-figure"], int(attrs["data-count"]), attrs["href"]))
        if "data-api" in attrs:
            self.api[attrs["data-api"]] = attrs["data-value"]


def read(response) -> Figures:
    assert response.status_code == 200, response.content[:300]
    parser = Figures()
    parser.feed(response.content.decode())
    return parser


def charts(response) -> dict:
    found = re.search(
        r'<script id="dashboard-data" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    return json.loads(found.group(1))["charts"]


def list_total(client, href) -> int:
    response = client.get(href)
    assert response.status_code == 200, (href, response.status_code)
    return response.context["total"]


def chart_links(spec) -> list[tuple[str, int, str]]:
    """(name, value, url) of every bar, point or slice of a chart that links to a list."""
    items = spec.get("data", [])
    for series in spec.get("series", []):
        items = [*items, *series["data"]]
    return [
        (spec["kind"], item["value"], item["url"]) for item in items if isinstance(item, dict) and item["url"]
    ]


# --- the agreement: every figure equals its list ------------------------------------------------


@pytest.mark.parametrize(
    ("user", "params"),
    [
        ("county", {}),
        ("county", {"campaign": ""}),
        ("county", {"town": "b"}),
        ("leader", {}),
        ("town_a", {}),
        ("town_b", {"campaign": ""}),
        ("station_a", {}),
    ],
    ids=[
        "county",
        "county-all-records",
        "county-town-b",
        "leader",
        "town_a",
        "town_b-all-records",
        "station_a",
    ],
)
def test_every_linked_figure_equals_the_length_of_the_list_it_opens(cast, world, client_for, user, params):
    if "town" in params:
        params = {**params, "town": cast.towns[params["town"]].pk}
    client = client_for(user)
    response = client.get(URL, params)
    page = read(response)
    keys = {key for key, _count, _href in page.linked}
    assert {"deputies", "clues", "suggestions", "concluded", "implemented", "overdue"} <= keys
    assert {
        "mediation_cases",
        "media_articles",
        "courtyard_heads",
        "embedded_deputies",
        "overdue_all",
    } <= keys
    assert any(key.startswith("unit:") for key in keys)
    for key, count, href in page.linked:
        assert list_total(client, href) == count, (key, href)
    for name, spec in charts(response).items():
        for kind, value, url in chart_links(spec):
            if "/coverage/" not in url:  # the coverage bars are rates: their page is the table
                assert list_total(client, url) == value, (name, kind, url)
    # The world has something behind every headline count, so the test cannot pass on zeros.
    counted = {key: count for key, count, _href in page.linked}
    assert all(counted[key] > 0 for key in ("clues", "suggestions", "concluded", "implemented", "overdue"))


def test_the_county_page_compares_the_towns_and_each_town_figure_equals_its_list(cast, world, client_for):
    client = client_for("county")
    page = read(client.get(URL))
    towns = [(key, count, href) for key, count, href in page.linked if key.startswith("town:")]
    assert {key.split(":")[1] for key, _c, _h in towns} == {str(t.pk) for t in cast.towns.values()}
    for key, count, href in towns:
        assert list_total(client, href) == count, key
    assert "towns" in charts(client.get(URL))


@pytest.mark.parametrize(("user", "params"), [("county", {}), ("county", {"town": "a"}), ("town_b", {})])
def test_the_page_shows_the_overview_apis_figures(cast, world, client_for, api_for, user, params):
    if "town" in params:
        params = {"town": cast.towns[params["town"]].pk}
    page = read(client_for(user).get(URL, {"campaign": world.pk, **params}))
    body = api_for(user).get(API, {"campaign": world.pk, **params}).json()
    assert set(page.api) == {
        "deputies",
        "clues",
        "suggestions",
        "concluded",
        "implemented",
        "overdue",
        "satisfaction_rate",
        "training_coverage",
        "mediation_cases",
        "media_articles",
        "org_memberships",
        "courtyard_heads",
    }
    for key, shown in page.api.items():
        expected = body[key]
        assert shown == ("" if expected is None else str(expected)), key


def test_the_figures_count_what_the_world_holds(cast, world, api_for):
    # One round of records per town: the API the page shows says so.
    body = api_for("county").get(API, {"campaign": world.pk}).json()
    assert (body["suggestions"], body["concluded"], body["implemented"], body["overdue"]) == (10, 4, 2, 2)
    assert body["clues"] == 4  # two per town; the cast's own clues belong to no campaign
    assert body["satisfaction_rate"] == 100.0  # every rating satisfied
    assert (body["mediation_cases"], body["media_articles"], body["courtyard_heads"]) == (2, 2, 2)
    town = api_for("town_a").get(API, {"campaign": world.pk}).json()
    assert (town["suggestions"], town["media_articles"], town["courtyard_heads"]) == (5, 1, 1)


# --- who sees what -------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["county", "leader", "admin", "town_a", "station_a"])
def test_the_congress_side_may_open_the_overview_and_its_full_screen(cast, client_for, user):
    client = client_for(user)
    assert client.get(URL).status_code == 200
    assert client.get(SCREEN).status_code == 200


@pytest.mark.parametrize("user", ["unit_a", "unit_b", "deputy_a", "deputy_b"])
def test_units_and_deputies_are_refused_the_overview(cast, client_for, user):
    client = client_for(user)
    assert client.get(URL).status_code == 403
    assert client.get(SCREEN).status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_towns_staff_see_their_own_town_only(cast, world, client_for):
    client = client_for("town_a")
    response = client.get(URL)
    assert response.context["town"] == cast.towns["a"]
    assert response.context["board"].towns == []  # no comparison of other towns
    assert 'name="town"' not in response.content.decode()  # no town picker
    assert client.get(URL, {"town": cast.towns["a"].pk}).status_code == 200
    assert client.get(URL, {"town": cast.towns["b"].pk}).status_code == 404
    html = response.content.decode()
    assert "九集镇" not in html


def test_the_county_narrows_to_a_town_and_to_every_record(cast, world, client_for):
    client = client_for("county")
    whole = client.get(URL)
    assert whole.context["campaign"] == world  # the latest campaign when none is asked for
    assert whole.context["town"] is None
    town = client.get(URL, {"town": cast.towns["b"].pk})
    assert town.context["town"] == cast.towns["b"]
    assert town.context["board"].figures["suggestions"] < whole.context["board"].figures["suggestions"]
    everything = client.get(URL, {"campaign": ""})
    assert everything.context["campaign"] is None
    # The cast's own clues and suggestions belong to no campaign: "all records" counts them.
    assert everything.context["board"].figures["clues"] == whole.context["board"].figures["clues"] + 4


@pytest.mark.parametrize(
    "params", [{"town": "999999"}, {"campaign": "999999"}, {"town": "x"}, {"campaign": "x"}]
)
def test_a_town_or_campaign_out_of_scope_or_nonsense_is_not_found(cast, world, client_for, params):
    assert client_for("county").get(URL, params).status_code == 404


def test_another_countys_town_is_not_found(cast, client_for):
    other = save_record(County(name="邻县"), actor=None)
    town = save_record(Town(county=other, name="城关镇"), actor=None)
    assert client_for("county").get(URL, {"town": town.pk}).status_code == 404


# --- the page itself ---------------------------------------------------------------------------


def test_the_full_screen_page_has_no_navigation_refreshes_itself_and_keeps_the_selection(
    cast, world, client_for
):
    client = client_for("county")
    page = client.get(URL, {"town": cast.towns["a"].pk})
    assert f'href="{SCREEN}?town={cast.towns["a"].pk}"' in page.content.decode()
    response = client.get(SCREEN, {"town": cast.towns["a"].pk})
    html = response.content.decode()
    assert 'class="navbar' not in html
    assert '<meta http-equiv="refresh" content="300">' in html
    assert 'data-bs-theme="dark"' in html
    assert response.context["town"] == cast.towns["a"]
    for name in ("trend", "categories", "activities", "organizations"):
        assert f'data-chart="{name}"' in html


def test_the_charts_come_in_the_page_as_json_with_chinese_labels(cast, world, client_for):
    response = client_for("county").get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans")
    data = charts(response)
    assert set(data) == {"trend", "categories", "activities", "organizations", "towns"}
    assert data["categories"]["series"][0]["name"] == "问题线索"
    assert "道路交通" in data["categories"]["categories"]
    assert data["trend"]["categories"][0] == world.starts_on.strftime("%Y-%m")
    assert sum(data["trend"]["series"][1]["data"]) == 10  # every suggestion of the campaign, by month


def test_the_league_ranks_units_by_their_rates(cast, world, client_for):
    league = client_for("county").get(URL).context["board"].league
    scores = [row.score for row in league]
    assert scores == sorted(scores, reverse=True)
    unit_a = next(row for row in league if row.unit_id == cast.units["a"].pk)
    # In each town unit a leads the implemented, the replied and the overdue item and
    # co-handles the concluded one (unit b leads that).
    assert (unit_a.assigned.value, unit_a.lead, unit_a.overdue.value) == (8, 6, 2)
    assert unit_a.acknowledged_on_time == 100.0
    # Four replies, each the day it was assigned; the two overdue items have none yet.
    assert unit_a.replied_on_time == round(100 * 4 / 6, 1)
    assert unit_a.implemented == round(100 * 2 / 6, 1)
    assert unit_a.satisfaction == 100.0


def test_a_county_with_no_records_yet_shows_empty_states(cast, client):
    county = save_record(County(name="新县"), actor=None)
    user = create_user(
        "newcounty", actor=None, password="x-pass-123", roles=[Role.COUNTY_STAFF], county=county
    )
    client.force_login(user)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="overview-empty"' in html
    assert "data-chart=" not in html  # no chart without data: an empty state instead
    assert html.count("data-empty-chart=") == 4
    assert 'data-testid="overdue-empty"' in html


def test_training_coverage_is_the_coverage_pages_all_deputies_line(cast, world, client_for):
    rows, county = training_coverage(world)
    board = client_for("county").get(URL).context["board"]
    assert board.figures["training_coverage"] == county.figures[CoverageGroup.DEPUTIES].percent
    by_town = {row.town.pk: row.figures[CoverageGroup.DEPUTIES].percent for row in rows}
    for row in board.towns:
        (shown,) = [f.value for f in row.figures if f.key.endswith(":training_coverage")]
        assert shown == by_town[row.town.pk]
    assert 0 < board.figures["training_coverage"] < 100  # one trained deputy a town, of two
