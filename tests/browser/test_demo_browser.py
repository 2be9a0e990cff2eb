"""The demo county as its people would meet it, in headless Chromium: ``deputy-demo`` signs in
to the activity she is invited to by its QR link on her phone, then reads her duty record."""

from __future__ import annotations

import pytest
from django.utils import timezone

from daibiao.activities.choices import AttendanceStatus
from daibiao.activities.demo import load_season
from daibiao.activities.models import Attendance
from daibiao.registry.demo import DEMO_PASSWORD, load_demo
from daibiao.suggestions.demo import load_loop

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_deputy_demo_signs_in_by_qr_on_her_phone_and_reads_her_duty_record(
    live_server, phone_page, screenshot
):
    load_demo()
    load_loop()
    load_season()
    now = timezone.now()
    invitation = Attendance.objects.select_related("activity", "deputy").get(
        deputy__user__username="deputy-demo",
        activity__starts_at__lte=now,
        activity__ends_at__gte=now,
    )
    assert invitation.status == AttendanceStatus.INVITED
    login(phone_page, live_server.url, "deputy-demo", DEMO_PASSWORD)
    # The QR code on the station's wall opens this address.
    phone_page.goto(f"{live_server.url}{invitation.activity.sign_in_path()}")
    screenshot(phone_page, "demo-qr-sign-in-phone")
    phone_page.locator("[data-testid=sign-in-button]").click()
    phone_page.wait_for_selector("[data-testid=signed-in]")
    invitation.refresh_from_db()
    assert (invitation.status, invitation.method) == (AttendanceStatus.PRESENT, "qr")

    phone_page.goto(f"{live_server.url}/reports/deputies/{invitation.deputy_id}/duty-record/")
    figures = phone_page.locator("[data-testid=figures]")
    figures.wait_for()
    assert invitation.activity.name in phone_page.locator("[data-testid=activities]").inner_text()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 391
    screenshot(phone_page, "demo-duty-record-phone")
