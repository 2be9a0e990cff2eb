"""A deputy's day on the phone (390×844), in headless Chromium: she lands on her hub, records
a clue with a photo and the place the phone gives, finds it in her clues, rates a reply,
signs in to an activity by its QR link, opens her inbox and her duty record. No page scrolls
sideways; each page's weight before images is measured as it crosses the wire, with the
browser's cache off (a first visit), and printed.

The UI is Chinese once translated, so the test reads ``data-testid`` and ``data-state``
attributes, never words."""

from __future__ import annotations

import datetime as dt
import gzip
from decimal import Decimal

import pytest
from django.utils import timezone

from daibiao.activities import services as campaign
from daibiao.activities.choices import ActivityKind, AttendanceStatus
from daibiao.activities.models import Attendance
from daibiao.core.testing.cast import PASSWORD
from daibiao.core.testing.files import jpeg_bytes
from daibiao.notifications.choices import NotificationKind
from daibiao.notifications.services import notify, unread_count
from daibiao.suggestions.choices import State
from daibiao.suggestions.models import Clue, Suggestion
from daibiao.suggestions.tests.walk import suggestion_in

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
WANGJIAPO = {"latitude": 32.0841234, "longitude": 111.7589876, "accuracy": 12}
BUDGET = 300 * 1024
# What a page downloads before its images: the page, its styles, scripts and fonts, and what
# its scripts fetch while it loads.
BEFORE_IMAGES = {"document", "stylesheet", "script", "font", "xhr", "fetch"}


class Meter:
    """The bytes of each page load, as the server sends them and compressed as production
    does: text gzip-compressed (WhiteNoise serves static files pre-compressed; the web
    server compresses the HTML), fonts (WOFF2, compressed already) as they are."""

    def __init__(self, page):
        self.page = page
        self.responses = []
        self.figures = []
        page.on("response", self.seen)

    def seen(self, response):
        # A new page in the tab: what came before belongs to the page it replaced.
        if response.request.resource_type == "document" and response.frame == self.page.main_frame:
            self.responses.clear()
        self.responses.append(response)

    def reset(self):
        self.responses.clear()

    def weigh(self, label: str) -> int:
        self.page.wait_for_load_state("networkidle")
        sizes = {}
        for response in self.responses:
            kind = response.request.resource_type
            if kind not in BEFORE_IMAGES or 300 <= response.status < 400:
                continue
            body = response.body()
            sizes[response.url] = len(body) if kind == "font" else len(gzip.compress(body))
        assert not [url for url in sizes if "echarts" in url], f"{label} loads ECharts"
        assert any(url.endswith(".css") for url in sizes), "the meter saw the page's assets"
        total = sum(sizes.values())
        self.figures.append(f"{label:28} {total / 1024:6.1f} KB in {len(sizes)} responses")
        assert total < BUDGET, (label, sizes)
        self.reset()
        return total


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


@pytest.fixture
def phone(browser, live_server):
    """A phone that shares its location, with the browser cache off so that every page is
    measured as on a first visit."""
    contexts = []

    def open_phone(**options):
        context = browser.new_context(
            locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, **options
        )
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        if options.get("java_script_enabled", True):
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        return page

    yield open_phone
    for context in contexts:
        context.close()


def test_a_deputys_day_on_her_phone(cast, live_server, phone, screenshot):
    base = live_server.url
    replied = suggestion_in(cast, State.REPLIED)
    now = timezone.now()
    visit = campaign.create_activity(
        actor=None,
        name="王家坡入户走访",
        kind=ActivityKind.VISIT,
        station=cast.stations["a"],
        starts_at=now - dt.timedelta(minutes=20),
        ends_at=now + dt.timedelta(hours=2),
        place="王家坡村委会",
        invitees=[cast.deputies["a"]],
    )
    notify(
        [cast.users["deputy_a"]],
        kind=NotificationKind.SUGGESTION_STEP,
        subject="县交通运输局已答复您的建议，请评价",
        body="请在手机上评价答复。",
        link=replied.get_absolute_url(),
    )

    page = phone(geolocation=WANGJIAPO, permissions=["geolocation"])
    meter = Meter(page)
    login(page, base, "deputy_a", PASSWORD)

    # 1. She lands on her hub.
    page.wait_for_selector("[data-testid=hub]")
    meter.weigh("hub")
    assert page.locator("[data-testid=hub-to-rate-count]").inner_text() == "1"
    assert page.locator("[data-testid=hub-unread]").inner_text() == str(unread_count(cast.users["deputy_a"]))
    assert page.locator(f"[data-testid=hub-today][data-pk='{visit.pk}']").count() == 1
    assert page.locator("[data-testid=tabbar]").is_visible()
    no_sideways_scroll(page)
    screenshot(page, "phone-1-hub")

    # 2. She records a clue on the spot, with a photo and the place.
    page.click("[data-testid=hub-record]")
    page.wait_for_selector("[data-testid=clue-form]")
    meter.weigh("record a clue / my page")
    page.fill("#id_clue-title", "堰塘边护栏缺失")
    page.fill("#id_clue-content", "王家坡堰塘边人行道没有护栏，孩子上学经过很危险。")
    page.set_input_files(
        "#id_clue-photos",
        files=[{"name": "堰塘.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes((800, 600))}],
    )
    page.click("[data-testid=geo-locate]")
    page.wait_for_selector("[data-testid=geo-status][data-state=done]")
    assert page.input_value("#id_clue-latitude") == "32.084123"
    no_sideways_scroll(page)
    screenshot(page, "phone-2-clue-form")
    page.click("[data-testid=clue-submit]")
    page.wait_for_selector(".alert-success")
    clue = Clue.objects.get(title="堰塘边护栏缺失")
    assert (clue.latitude, clue.longitude) == (Decimal("32.084123"), Decimal("111.758988"))
    assert list(clue.attachments.values_list("name", flat=True)) == ["堰塘.jpg"]
    meter.reset()

    # 3. …and finds it among her clues, open, waiting for the presidium.
    row = page.locator(f"[data-testid=my-clue][data-pk='{clue.pk}']")
    assert row.get_attribute("data-state") == "open"
    row.scroll_into_view_if_needed()
    no_sideways_scroll(page)
    screenshot(page, "phone-3-my-clues")

    # 4. She rates the reply that waits for her, from the hub.
    page.goto(f"{base}/")
    page.wait_for_selector("[data-testid=hub]")
    meter.reset()
    page.click(f"[data-testid=hub-rate][data-pk='{replied.pk}']")
    page.wait_for_selector("[data-testid=step-rate][open]")
    meter.weigh("suggestion: rate the reply")
    assert page.locator("[data-testid=rate-reply]").is_visible()
    page.check(f"#id_s{replied.pk}_rate-attitude_0")
    page.check(f"#id_s{replied.pk}_rate-result_0")
    no_sideways_scroll(page)
    screenshot(page, "phone-4-rate")
    page.click("[data-testid=do-rate]")
    page.wait_for_selector("[data-testid=state][data-state=rated]")
    assert Suggestion.objects.get(pk=replied.pk).state == State.RATED
    no_sideways_scroll(page)
    meter.reset()

    # 5. At the activity she scans the QR code, which opens the sign-in page.
    page.goto(f"{base}{visit.sign_in_path()}")
    page.wait_for_selector("[data-testid=sign-in-button]")
    meter.weigh("QR sign-in")
    no_sideways_scroll(page)
    screenshot(page, "phone-5-sign-in")
    page.click("[data-testid=sign-in-button]")
    page.wait_for_selector("[data-testid=signed-in]")
    assert (
        Attendance.objects.get(activity=visit, deputy=cast.deputies["a"]).status == AttendanceStatus.PRESENT
    )
    meter.reset()

    # 6. Her inbox, from the hub's tile.
    page.click("[data-testid=back-to-hub]")
    page.wait_for_selector("[data-testid=hub]")
    assert page.locator(f"[data-testid=hub-today][data-pk='{visit.pk}'] [data-status=present]").count() == 1
    meter.reset()
    page.click("[data-testid=hub-inbox]")
    page.wait_for_selector("[data-testid=notification]")
    meter.weigh("inbox")
    no_sideways_scroll(page)
    screenshot(page, "phone-6-inbox")

    # 7. Her duty record, from the tab bar: the activity and the clue are in it.
    page.click("[data-testid=tabbar] a[href*=duty-record]")
    page.wait_for_selector("[data-testid=figures]")
    meter.weigh("duty record")
    assert visit.name in page.locator("[data-testid=activities]").inner_text()
    assert clue.title in page.locator("[data-testid=clues]").inner_text()
    no_sideways_scroll(page)
    screenshot(page, "phone-7-duty-record")

    # The hub once more, now that everything is done.
    page.click("[data-testid=tabbar] a[href='/']")
    page.wait_for_selector("[data-testid=hub]")
    meter.weigh("hub, at the end of the day")
    assert page.locator("[data-testid=hub-to-rate]").count() == 0
    no_sideways_scroll(page)
    screenshot(page, "phone-8-hub-done")
    print("\nPage weight before images, first visit (gzip as in production):\n" + "\n".join(meter.figures))


def test_a_refused_location_says_so_and_the_clue_is_recorded_without_it(cast, live_server, phone, screenshot):
    page = phone()  # the phone does not share its location
    login(page, live_server.url, "deputy_a", PASSWORD)
    page.goto(f"{live_server.url}/loop/mine/#record")
    page.fill("#id_clue-title", "桥头路灯不亮")
    page.fill("#id_clue-content", "王家桥桥头路灯坏了。")
    page.click("[data-testid=geo-locate]")
    page.wait_for_selector("[data-testid=geo-status][data-state=denied]")
    assert page.locator("[data-testid=geo-status]").inner_text().strip()
    screenshot(page, "phone-location-refused")
    page.click("[data-testid=clue-submit]")
    page.wait_for_selector(".alert-success")
    clue = Clue.objects.get(title="桥头路灯不亮")
    assert (clue.latitude, clue.longitude) == (None, None)


def test_the_clue_form_works_without_scripts(cast, live_server, phone, screenshot):
    page = phone(java_script_enabled=False)
    login(page, live_server.url, "deputy_a", PASSWORD)
    page.goto(f"{live_server.url}/loop/mine/")
    assert not page.locator("[data-testid=geo-locate]").is_visible()  # nothing that cannot work
    page.fill("#id_clue-title", "村小围墙开裂")
    page.fill("#id_clue-content", "村小学围墙开裂，有倒塌危险。")
    no_sideways_scroll(page)
    screenshot(page, "phone-clue-without-scripts")
    page.click("[data-testid=clue-submit]")
    page.wait_for_selector(".alert-success")
    assert Clue.objects.filter(title="村小围墙开裂", latitude=None).exists()


def test_the_demo_deputys_hub_reads_on_her_phone(live_server, phone, screenshot):
    from daibiao.activities.demo import load_season
    from daibiao.registry.demo import DEMO_PASSWORD, load_demo
    from daibiao.suggestions.demo import load_loop

    load_demo()
    load_loop()
    load_season()
    page = phone()
    meter = Meter(page)
    login(page, live_server.url, "deputy-demo", DEMO_PASSWORD)
    page.wait_for_selector("[data-testid=hub]")
    meter.weigh("demo hub")
    # She is on the list of an activity under way (the demo's QR sign-in): the hub shows it.
    assert page.locator("[data-testid=hub-today]").count() >= 1
    no_sideways_scroll(page)
    screenshot(page, "phone-demo-hub")
    for testid in ("hub-mine", "hub-duty-record", "hub-inbox"):
        page.goto(f"{live_server.url}/")
        page.click(f"[data-testid={testid}]")
        page.wait_for_load_state("networkidle")
        meter.weigh(f"demo {testid.removeprefix('hub-')}")
        no_sideways_scroll(page)
        screenshot(page, f"phone-demo-{testid.removeprefix('hub-')}")
    print("\n" + "\n".join(meter.figures))
