"""The registry as a person sees it, in headless Chromium."""

import pytest

from daibiao.core.testing.cast import PASSWORD

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_county_staff_logs_in_and_sees_the_deputy_list(cast, live_server, page, screenshot):
    login(page, live_server.url, "county", PASSWORD)
    # The deputies are the first entry of the registry menu (基础信息).
    page.get_by_role("button", name="基础信息").or_(page.get_by_role("link", name="基础信息")).click()
    page.get_by_role("link", name="代表", exact=True).click()
    page.wait_for_selector("[data-testid=deputy-table]")
    rows = page.locator("[data-testid=deputy-table] tbody tr")
    assert rows.count() == 4
    assert page.locator("h1").first.inner_text().startswith("代表")
    # Chinese UI, styles loaded from our own static files (the navbar is coloured, not default).
    nav_colour = page.eval_on_selector(".app-nav", "el => getComputedStyle(el).backgroundColor")
    assert nav_colour == "rgb(184, 36, 42)"
    path = screenshot(page, "deputy-list")
    assert path.stat().st_size > 10_000


def test_search_by_pinyin_initials_finds_the_deputy(cast, live_server, page):
    login(page, live_server.url, "county", PASSWORD)
    page.goto(f"{live_server.url}/registry/deputies/?search=wxm")
    rows = page.locator("[data-testid=deputy-table] tbody tr")
    assert rows.count() == 1
    assert "王小明" in rows.first.inner_text()


def test_town_staff_sees_only_their_town_and_not_another_towns_deputy(cast, live_server, page, screenshot):
    login(page, live_server.url, "town_a", PASSWORD)
    page.goto(f"{live_server.url}/registry/deputies/")
    table = page.locator("[data-testid=deputy-table] tbody")
    assert "王小明" in table.inner_text()
    assert "张建国" not in table.inner_text()
    response = page.goto(f"{live_server.url}/registry/deputies/{cast.deputies['b'].pk}/")
    assert response.status == 404
    screenshot(page, "town-staff-404")


def test_deputy_list_reads_on_a_phone(cast, live_server, phone_page, screenshot):
    login(phone_page, live_server.url, "county", PASSWORD)
    phone_page.goto(f"{live_server.url}/registry/deputies/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, "the page must not scroll sideways on a phone"
    screenshot(phone_page, "deputy-list-phone")
