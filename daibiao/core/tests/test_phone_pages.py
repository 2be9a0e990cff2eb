"""Deputies' phone pages: the "my work" hub they land on, the bottom tab bar, the clue
form's location, the page weight on a slow connection, and the hub's query budget.

The browser side (390×844, geolocation granted, no sideways scrolling) is in
tests/browser/test_phone_browser.py."""

from __future__ import annotations

import datetime as dt
import gzip
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from daibiao.accounts.choices import Role
from daibiao.accounts.services import create_user
from daibiao.activities import services as campaign
from daibiao.activities.choices import ActivityKind
from daibiao.core.testing.cast import PASSWORD
from daibiao.core.testing.files import jpeg_bytes
from daibiao.evaluation import survey
from daibiao.notifications.choices import NotificationKind
from daibiao.notifications.services import mark_all_read, notify, unread_count
from daibiao.suggestions import services as loop
from daibiao.suggestions.choices import ClueState, Satisfaction, State
from daibiao.suggestions.models import Clue
from daibiao.suggestions.tests.walk import suggestion_in

pytestmark = pytest.mark.django_db

HOME = reverse("home")
MINE = reverse("suggestions:mine")


def hub_of(client):
    response = client.get(HOME)
    assert response.status_code == 200
    return response


def activity_today(cast, name, *, invite=(), hours_from_now=0):
    now = timezone.now() + dt.timedelta(hours=hours_from_now)
    return campaign.create_activity(
        actor=None,
        name=name,
        kind=ActivityKind.VISIT,
        station=cast.stations["a"],
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(minutes=30),
        place="武安镇第一代表联络站",
        invitees=list(invite),
    )


# --- who lands where ----------------------------------------------------------------------


def test_a_deputy_lands_on_the_hub_of_her_own_work(cast, client_for):
    response = hub_of(client_for("deputy_a"))
    assert next(t.name for t in response.templates) == "core/home_hub.html"
    html = response.content.decode()
    for testid in ("hub-record", "hub-mine", "hub-sign-in", "hub-duty-record", "hub-inbox"):
        assert f'data-testid="{testid}"' in html
    assert reverse("reports:duty-record", args=[cast.deputies["a"].pk]) in html
    # The registry's counts are not what a deputy needs.
    assert 'data-testid="stat-deputies"' not in html


@pytest.mark.parametrize("role", ["county", "leader", "town_a", "unit_a", "admin"])
def test_other_roles_keep_the_overview_of_the_registry(client_for, role):
    response = hub_of(client_for(role))
    assert next(t.name for t in response.templates) == "core/home.html"
    assert 'data-testid="stat-deputies"' in response.content.decode()
    assert 'data-testid="tabbar"' not in response.content.decode()


def test_a_deputy_who_is_also_town_staff_keeps_the_overview(cast, client):
    user = create_user(
        "deputy_staff",
        actor=None,
        password=PASSWORD,
        roles=[Role.DEPUTY, Role.TOWN_STAFF],
        deputy=cast.deputies["a2"],
        town=cast.towns["a"],
    )
    client.force_login(user)
    assert next(t.name for t in hub_of(client).templates) == "core/home.html"


def test_a_station_head_lands_on_the_hub_of_the_station(cast, client_for):
    here = activity_today(cast, "进站接待日")
    activity_today(cast, "明天的接待日", hours_from_now=30)
    response = hub_of(client_for("station_a"))
    ctx = response.context
    assert next(t.name for t in response.templates) == "core/home_hub.html"
    assert (ctx["is_deputy"], ctx["is_station_head"]) == (False, True)
    assert ctx["station"] == cast.stations["a"]
    assert [a.pk for a in ctx["station_activities"]] == [here.pk]
    # The station's open clues: those its deputies recorded and have not been triaged.
    assert (
        ctx["station_open_clues"]
        == Clue.objects.filter(recorded_by__station=cast.stations["a"], state=ClueState.OPEN).count()
    )
    html = response.content.decode()
    assert 'data-testid="hub-record"' not in html  # a station head who is no deputy records no clue
    assert 'data-testid="tabbar"' not in html  # the tab bar leads to a deputy's own pages


# --- what the hub shows a deputy -------------------------------------------------------------


def test_the_hub_counts_the_deputys_clues_and_suggestions_by_state(cast, client_for):
    ctx = hub_of(client_for("deputy_a")).context
    clues = {row["state"]: row["n"] for row in ctx["clue_states"]}
    mine = Clue.objects.filter(recorded_by=cast.deputies["a"])
    assert clues == {
        ClueState.OPEN: mine.filter(state=ClueState.OPEN).count(),
        ClueState.MERGED: mine.filter(state=ClueState.MERGED).count(),
    }
    assert ctx["clue_total"] == mine.count() == 2
    assert {row["state"]: row["n"] for row in ctx["suggestion_states"]} == {State.ASSIGNED: 1}
    loop.solve_clue_on_spot(cast.clues["a"], actor=cast.users["town_a"], outcome="已当场修好。")
    ctx = hub_of(client_for("deputy_a")).context
    assert {row["state"]: row["n"] for row in ctx["clue_states"]} == {
        ClueState.MERGED: 1,
        ClueState.SOLVED: 1,
    }


def test_the_hub_shows_what_waits_for_the_deputys_rating_as_her_page_does(cast, client_for):
    client = client_for("deputy_a")
    assert hub_of(client).context["to_rate_count"] == 0
    replied = suggestion_in(cast, State.REPLIED)
    suggestion_in(cast, State.HANDLING)  # nothing to rate yet
    ctx = hub_of(client).context
    assert ctx["to_rate_count"] == 1
    assert [s.pk for s in ctx["to_rate"]] == [replied.pk]
    assert [s.pk for s in client.get(MINE).context["to_rate"]] == [replied.pk]
    html = hub_of(client).content.decode()
    assert f'href="{replied.get_absolute_url()}?step=rate#steps"' in html
    # The link opens the rating form, with the reply right above it.
    page = client.get(f"{replied.get_absolute_url()}?step=rate").content.decode()
    assert re.search(r'data-testid="step-rate" open', page)
    assert 'data-testid="rate-reply"' in page
    loop.rate_reply(
        replied, actor=cast.users["deputy_a"], attitude=Satisfaction.SATISFIED, result=Satisfaction.SATISFIED
    )
    assert hub_of(client).context["to_rate_count"] == 0
    assert client.get(MINE).context["to_rate"] == []


def test_a_deputy_who_also_heads_a_station_follows_only_his_own_suggestions(cast, client):
    # 李春兰 heads the station where 王小明 is a deputy: she reads his suggestions, but they
    # are not hers to follow or rate.
    user = create_user(
        "deputy_head",
        actor=None,
        password=PASSWORD,
        roles=[Role.DEPUTY, Role.STATION_HEAD],
        deputy=cast.deputies["a2"],
        station=cast.stations["a"],
        town=cast.towns["a"],
    )
    suggestion_in(cast, State.REPLIED)  # 王小明's, replied
    client.force_login(user)
    ctx = hub_of(client).context
    assert (ctx["is_deputy"], ctx["is_station_head"]) == (True, True)
    assert (ctx["suggestion_total"], ctx["to_rate_count"], ctx["clue_total"]) == (0, 0, 0)
    mine = client.get(MINE).context
    assert (mine["my_suggestions"], mine["to_rate"]) == ([], [])


def test_the_hub_lists_todays_activities_the_deputy_is_on_the_list_of_without_their_qr_secret(
    cast, client_for
):
    invited = activity_today(cast, "王家坡走访", invite=[cast.deputies["a"]])
    other = activity_today(cast, "别人的走访", invite=[cast.deputies["a2"]])
    later = activity_today(cast, "后天的走访", invite=[cast.deputies["a"]], hours_from_now=50)
    response = hub_of(client_for("deputy_a"))
    assert [a.activity_id for a in response.context["today_attendance"]] == [invited.pk]
    html = response.content.decode()
    assert invited.get_absolute_url() in html
    assert other.name not in html
    assert later.name not in html
    # The QR code is the proof of being there: its secret is never on the deputy's phone.
    assert invited.qr_token not in html


def test_the_hub_shows_the_survey_only_while_a_round_is_open(cast, client_for):
    today = timezone.localdate()
    client = client_for("deputy_a")
    round_ = survey.open_survey(
        cast.county,
        actor=None,
        year=today.year - 1,
        opens_on=today - dt.timedelta(days=20),
        closes_on=today - dt.timedelta(days=1),
    )
    assert hub_of(client).context["survey"] is None
    assert 'data-testid="hub-survey"' not in hub_of(client).content.decode()
    open_now = survey.open_survey(
        cast.county, actor=None, year=today.year, opens_on=today, closes_on=today + dt.timedelta(days=9)
    )
    response = hub_of(client)
    assert response.context["survey"] == open_now != round_
    assert f'href="{reverse("evaluation:my-survey")}"' in response.content.decode()


def test_the_hub_and_the_tab_bar_show_the_unread_count(cast, client_for):
    deputy = cast.users["deputy_a"]
    before = unread_count(deputy)
    notify([deputy], kind=NotificationKind.REMINDER, subject="请评价答复", body="")
    notify([deputy], kind=NotificationKind.REMINDER, subject="请签到", body="")
    n = before + 2
    html = hub_of(client_for("deputy_a")).content.decode()
    assert re.search(rf'data-testid="hub-unread">{n}<', html)
    tabbar = re.search(r'<nav class="app-tabbar[^"]*".*?</nav>', html, re.S).group(0)
    assert f">{n}</span>" in tabbar
    mark_all_read(deputy, actor=deputy)
    html = hub_of(client_for("deputy_a")).content.decode()
    assert 'data-testid="hub-unread"' not in html


@pytest.mark.parametrize(
    "path",
    [
        "home",
        "suggestions:mine",
        "notifications:inbox",
        "duty-record",
    ],
)
def test_every_page_of_a_deputy_has_the_tab_bar_to_his_own_pages(cast, client_for, path):
    url = (
        reverse("reports:duty-record", args=[cast.deputies["a"].pk])
        if path == "duty-record"
        else reverse(path)
    )
    html = client_for("deputy_a").get(url).content.decode()
    tabbar = re.search(r'<nav class="app-tabbar[^"]*".*?</nav>', html, re.S).group(0)
    for target in (
        HOME,
        MINE,
        reverse("notifications:inbox"),
        reverse("reports:duty-record", args=[cast.deputies["a"].pk]),
    ):
        assert f'href="{target}' in tabbar
    assert 'class="has-tabbar"' in html


# --- the clue form's location -------------------------------------------------------------


def post_clue(client, **extra):
    data = {"clue-title": "堰塘护栏缺失", "clue-content": "王家坡堰塘边没有护栏，孩子上学经过。", **extra}
    return client.post(MINE, data)


def test_a_clue_keeps_the_place_the_phone_gave_rounded_to_what_is_kept(cast, client_for):
    response = post_clue(
        client_for("deputy_a"), **{"clue-latitude": "32.0841234567", "clue-longitude": "111.7589876543"}
    )
    assert response.status_code == 302
    clue = Clue.objects.get(title="堰塘护栏缺失")
    assert (clue.latitude, clue.longitude) == (Decimal("32.084123"), Decimal("111.758988"))


def test_a_clue_without_a_location_is_recorded_all_the_same(cast, client_for):
    assert post_clue(client_for("deputy_a"), **{"clue-latitude": "", "clue-longitude": ""}).status_code == 302
    clue = Clue.objects.get(title="堰塘护栏缺失")
    assert (clue.latitude, clue.longitude) == (None, None)


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [("32.08", ""), ("", "111.75"), ("north", "111.75"), ("91", "111.75"), ("32.08", "-181"), ("NaN", "1")],
)
def test_a_broken_location_is_refused_with_a_message_and_nothing_saved(cast, client_for, latitude, longitude):
    response = post_clue(client_for("deputy_a"), **{"clue-latitude": latitude, "clue-longitude": longitude})
    assert response.status_code == 200
    assert not Clue.objects.filter(title="堰塘护栏缺失").exists()
    errors = response.context["clue_form"].non_field_errors()
    assert len(errors) == 1
    assert 'class="alert alert-danger' in response.content.decode()  # shown above the form


def test_the_clue_form_offers_the_location_and_says_how_it_works_without_it(client_for):
    html = client_for("deputy_a").get(MINE).content.decode()
    geo = re.search(r'<div class="mb-3 geo".*?</div>\s*</div>', html, re.S).group(0)
    assert 'data-lat="#id_clue-latitude"' in geo
    assert 'data-lon="#id_clue-longitude"' in geo
    # The button is for scripts to reveal; without them the page says why there is none.
    assert re.search(
        r'<button type="button" class="btn btn-outline-secondary js-geo-locate"[^>]* hidden', geo
    )
    assert "<noscript>" in geo
    assert 'name="clue-latitude"' in html
    assert 'type="hidden"' in html
    assert "https://" in geo  # WeChat gives the location on a secure address only


def test_a_photo_and_a_place_are_recorded_together(cast, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("桥面.jpg", jpeg_bytes((640, 480)), content_type="image/jpeg")
    response = post_clue(
        client_for("deputy_a"),
        **{"clue-latitude": "32.1", "clue-longitude": "111.7", "clue-photos": [photo]},
    )
    assert response.status_code == 302
    clue = Clue.objects.get(title="堰塘护栏缺失")
    assert clue.latitude == Decimal("32.100000")
    assert list(clue.attachments.values_list("name", flat=True)) == ["桥面.jpg"]


# --- page weight --------------------------------------------------------------------------

BUDGET = 300 * 1024  # bytes transferred before images, on a first visit
ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="/static/([^"?]+)"')
FONT = re.compile(r'url\("?(?:\./)?fonts/([^")?]+\.woff2)')


def static_bytes(name: str) -> bytes:
    path = finders.find(name)
    assert path, name
    return Path(path).read_bytes()


def weight(html: bytes) -> dict[str, int]:
    """What a phone downloads for the page before any image: the HTML, each stylesheet and
    script it links, and the icon font their CSS asks for (WOFF2, which every browser in
    use, WeChat's included, takes). Text is counted gzip-compressed, as production serves
    it (WhiteNoise's compressed static files; the web server compresses the HTML); the font
    is compressed already and counted as it is."""
    sizes = {"html": len(gzip.compress(html))}
    for name in ASSET.findall(html.decode()):
        body = static_bytes(name)
        sizes[name] = len(gzip.compress(body))
        if name.endswith(".css"):
            folder = name.rsplit("/", 1)[0]
            for font in FONT.findall(body.decode()):
                sizes[f"{folder}/fonts/{font}"] = len(static_bytes(f"{folder}/fonts/{font}"))
    return sizes


def deputy_pages(cast) -> dict[str, str]:
    replied = suggestion_in(cast, State.REPLIED)
    activity = activity_today(cast, "王家坡走访", invite=[cast.deputies["a"]])
    return {
        "hub": HOME,
        "mine (clue form, clues, suggestions)": MINE,
        "suggestion (rating)": f"{replied.get_absolute_url()}?step=rate",
        "QR sign-in": activity.sign_in_path(),
        "duty record": reverse("reports:duty-record", args=[cast.deputies["a"].pk]),
        "inbox": reverse("notifications:inbox"),
        "survey": reverse("evaluation:my-survey"),
    }


def test_every_deputy_page_weighs_under_300_kb_before_images_and_never_loads_echarts(cast, client_for):
    client = client_for("deputy_a")
    figures = []
    for label, url in deputy_pages(cast).items():
        response = client.get(url)
        assert response.status_code == 200, (label, response.status_code)
        html = response.content
        assert b"echarts" not in html, label
        sizes = weight(html)
        assert any(name.endswith(".woff2") for name in sizes), "the icon font is counted"
        total = sum(sizes.values())
        figures.append(f"{label:40} {total / 1024:6.1f} KB  (HTML {sizes['html'] / 1024:.1f} KB)")
        assert total < BUDGET, (label, sizes)
    print("\nPage weight before images (gzip as served in production):\n" + "\n".join(figures))


def test_the_deputy_pages_carry_no_inline_style_the_content_policy_would_block(cast, client_for):
    client = client_for("deputy_a")
    for label, url in deputy_pages(cast).items():
        html = client.get(url).content.decode()
        assert not re.search(r"<[^>]+\sstyle=", html), label


# --- query budget -------------------------------------------------------------------------

HUB_CEILING = 16


def hub_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(HOME)
    assert response.status_code == 200
    return len(captured)


def more_work(cast, n: int) -> None:
    deputy = cast.users["deputy_a"]
    for i in range(n):
        loop.create_clue(actor=deputy, title=f"线索{i}", content="详情", town=cast.towns["a"])
        activity_today(cast, f"走访{i}", invite=[cast.deputies["a"]])
        notify([deputy], kind=NotificationKind.REMINDER, subject=f"提醒{i}", body="")
    suggestion_in(cast, State.REPLIED)
    suggestion_in(cast, State.HANDLING)


@pytest.mark.parametrize("role", ["deputy_a", "station_a"])
def test_the_hub_runs_as_many_queries_for_much_work_as_for_little(cast, client_for, role):
    client = client_for(role)
    few = hub_queries(client)
    more_work(cast, 8)
    survey.open_survey(
        cast.county,
        actor=None,
        year=timezone.localdate().year,
        opens_on=timezone.localdate(),
        closes_on=timezone.localdate(),
    )
    many = hub_queries(client)
    assert many == few
    assert many <= HUB_CEILING
