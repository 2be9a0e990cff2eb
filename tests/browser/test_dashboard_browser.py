"""The overview on the demo county, in headless Chromium: ``county`` opens it, every chart
draws (a canvas of non-zero size in each, ECharts' "finished" seen), the figures shown are the
overview API's — the report's 1,046 / 271 / 181 / 133 / 119, 200+ disputes, 50+ articles —
and the full-screen display fits a 1920×1080 screen. Screenshots go to var/screenshots/."""

from __future__ import annotations

import time

import pytest

from daibiao.activities.demo import load_season
from daibiao.activities.models import Campaign
from daibiao.registry.demo import DEMO_PASSWORD, load_demo
from daibiao.suggestions.demo import load_loop

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAWN = """() => {
  const charts = [...document.querySelectorAll('[data-chart]')];
  return charts.length > 0 && charts.every((el) => {
    const canvas = el.querySelector('canvas');
    return el.dataset.drawn === '1' && canvas && canvas.width > 0 && canvas.height > 0;
  });
}"""


# Where on the screen the middle of a horizontal bar chart's first bar is (from ECharts).
CENTRE_OF_FIRST_BAR = """(name) => {
  const el = document.querySelector(`[data-chart=${name}]`);
  el.scrollIntoView({block: 'center'});
  const chart = echarts.getInstanceByDom(el);
  const value = chart.getOption().series[0].data[0].value;
  const [x, y] = chart.convertToPixel({seriesIndex: 0}, [value / 2, 0]);
  const box = el.getBoundingClientRect();
  return [box.left + x, box.top + y];
}"""


def wait_until_drawn(page, seconds: float = 20.0) -> int:
    """Waits until every chart has drawn; returns how many there are. (A polling loop: the
    page's content security policy forbids the eval that wait_for_function would need.)"""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if page.evaluate(DRAWN):
            return page.evaluate("() => document.querySelectorAll('[data-chart]').length")
        time.sleep(0.1)
    state = page.evaluate(
        "() => [...document.querySelectorAll('[data-chart]')].map((e) => [e.dataset.chart, e.dataset.drawn])"
    )
    raise AssertionError(f"charts not drawn: {state}")


def shown_figures(page) -> dict:
    """{API key: (data-value, the number as the page shows it)} of the page's figures."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[data-testid=headline] [data-api]')]
            .map((el) => [el.dataset.api, [el.dataset.value,
                el.querySelector('.dash-figure-value').textContent.replace(/[,%\\s]/g, '')]]))"""
    )


def check_against_api(page, base_url, campaign) -> dict:
    api = page.request.get(f"{base_url}/api/v1/stats/overview/?campaign={campaign.pk}").json()
    shown = shown_figures(page)
    assert set(shown) == {
        "deputies",
        "clues",
        "suggestions",
        "concluded",
        "implemented",
        "overdue",
        "satisfaction_rate",
        "training_coverage",
    }
    for key, (value, text) in shown.items():
        expected = "" if api[key] is None else str(api[key])
        assert value == expected, key
        assert text == (expected or "—"), key
    return api


def test_county_staff_see_the_reports_figures_with_every_chart_drawn(live_server, browser, screenshot):
    load_demo()
    load_loop()
    load_season()
    campaign = Campaign.objects.get()

    # Desktop, 1366×900.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    login(page, live_server.url, "county", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/reports/overview/")
    assert wait_until_drawn(page) == 5  # activities, categories, trend, organisations, towns
    api = check_against_api(page, live_server.url, campaign)
    assert (api["deputies"], api["clues"], api["suggestions"]) == (1046, 271, 181)
    assert (api["concluded"], api["implemented"]) == (133, 119)
    role = page.locator("[data-testid=outcome-role]")
    assert int(role.locator("[data-api=mediation_cases]").get_attribute("data-value")) >= 200
    assert int(role.locator("[data-api=media_articles]").get_attribute("data-value")) >= 50
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1366
    screenshot(page, "dashboard-county-desktop")
    # A bar opens the list behind it: the first bar of the activities chart, the trainings.
    x, y = page.evaluate(CENTRE_OF_FIRST_BAR, "activities")
    page.mouse.click(x, y)
    page.wait_for_url("**/campaign/activities/?kind=training*")
    assert f"campaign={campaign.pk}" in page.url
    assert not refused, refused
    context.close()

    # The meeting room's display, 1920×1080: dark, no navigation, nothing to scroll.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    login(page, live_server.url, "county", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/reports/overview/screen/")
    assert wait_until_drawn(page) == 5
    check_against_api(page, live_server.url, campaign)
    assert page.locator("nav").count() == 0
    assert page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    ) == [
        1920,
        1080,
    ]
    screenshot(page, "dashboard-county-fullscreen")
    assert not refused, refused
    context.close()
