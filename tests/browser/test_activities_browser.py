"""The campaign as people see it, in headless Chromium (``-m browser``): a deputy signs in to
an activity on a phone through its QR link; staff see the QR code on the activity's page."""

from __future__ import annotations

import datetime as dt

import pytest

from daibiao.activities import services
from daibiao.activities.choices import AttendanceStatus
from daibiao.activities.models import Attendance
from daibiao.activities.tests.helpers import activity as make_activity
from daibiao.core.testing.cast import PASSWORD

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def activity(cast):
    activity = make_activity(
        cast, town=cast.towns["a"], name="武安镇代表培训会", start_in=-dt.timedelta(minutes=20)
    )
    services.invite_deputies(activity, [cast.deputies["a"]], actor=None)
    return activity


def test_a_deputy_signs_in_on_a_phone(cast, live_server, phone_page, screenshot, activity):
    login(phone_page, live_server.url, "deputy_a", PASSWORD)
    phone_page.goto(f"{live_server.url}{activity.sign_in_path()}")
    button = phone_page.locator("[data-testid=sign-in-button]")
    box = button.bounding_box()
    assert box["width"] >= 300  # one big button across the phone's width
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 391
    screenshot(phone_page, "qr-sign-in-phone")
    assert Attendance.objects.get().status == AttendanceStatus.INVITED  # opening the page signs in nobody
    button.click()
    phone_page.wait_for_selector("[data-testid=signed-in]")
    assert Attendance.objects.get().status == AttendanceStatus.PRESENT
    screenshot(phone_page, "qr-signed-in-phone")


def test_staff_see_the_qr_code_on_the_activity_page(cast, live_server, page, screenshot, activity):
    login(page, live_server.url, "town_a", PASSWORD)
    page.goto(f"{live_server.url}{activity.get_absolute_url()}")
    image = page.locator("[data-testid=qr-card] img")
    image.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    screenshot(page, "activity-with-qr")


def test_a_deputy_confirms_the_handbook_on_a_phone(cast, live_server, phone_page, screenshot):
    handbook = services.create_material(actor=None, county=cast.county, title="代表履职资料汇编")
    services.send_material(handbook, [cast.deputies["a"]], actor=None)
    login(phone_page, live_server.url, "deputy_a", PASSWORD)
    phone_page.goto(f"{live_server.url}/campaign/materials/")
    phone_page.get_by_role("link", name="代表履职资料汇编").click()
    phone_page.locator("[data-testid=confirm-receipt]").click()
    phone_page.wait_for_selector("[data-testid=own-receipt] .text-success")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 391
    assert handbook.receipts.get().status == "received"
    screenshot(phone_page, "handbook-received-phone")


def test_the_campaign_page_shows_each_towns_plan(cast, live_server, page, screenshot):
    from daibiao.activities.tests.helpers import campaign as make_campaign

    campaign = make_campaign(cast, due_in_days=3)
    services.submit_town_plan(campaign, cast.towns["a"], actor=None, summary="方案")
    login(page, live_server.url, "county", PASSWORD)
    page.goto(f"{live_server.url}{campaign.get_absolute_url()}")

    def status(key):
        row = page.locator(f"[data-testid=plan-table] tr[data-town='{cast.towns[key].pk}']")
        return row.locator("[data-testid=plan-status]").get_attribute("data-status")

    assert (status("a"), status("b")) == ("on_time", "missing")
    screenshot(page, "campaign-plans")
