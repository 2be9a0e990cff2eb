"""The public portal on a citizen's phone, in headless Chromium: the station's QR link opens
the report form; the citizen answers the question, sends the report and reads the tracking
code; a deputy of the station reads it on her phone's hub, with the phone masked, and taps
"take it up" (接办); it goes round the loop (through the services);
the citizen follows it with the code and the phone's last four digits, reads the reply and
answers "solved". A wrong suffix shows nothing of the report.

The UI is Chinese once translated, so the test reads ``data-testid`` attributes and digits,
never words."""

from __future__ import annotations

import re

import pytest

from daibiao.core.testing.cast import PASSWORD
from daibiao.core.testing.files import jpeg_bytes
from daibiao.portal.tests.loop import reply_to_citizen
from daibiao.suggestions.models import CitizenFeedback, Clue

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
CITIZEN_PHONE = "13812345678"


@pytest.fixture
def deputy_phone(browser):
    """A deputy's phone (nobody logged in yet)."""
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def citizen(browser):
    """A phone with nobody logged in."""
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, "the page must not scroll sideways"


def solve(page) -> str:
    """The sum the form asks for, read off the page as a person would read it."""
    question = page.locator("[data-testid=label-challenge_answer]").inner_text()
    a, b = (int(n) for n in re.findall(r"\d+", question))
    return str(a + b)


def test_a_citizen_reports_through_the_stations_code_and_answers_solved(
    cast, live_server, citizen, deputy_phone, screenshot
):
    base = live_server.url
    station = cast.stations["a"]

    # 1. The station's page, as the directory shows it; its poster carries the QR code's link.
    citizen.goto(f"{base}/public/stations/")
    no_sideways_scroll(citizen)
    screenshot(citizen, "portal-1-stations-phone")
    citizen.click(f"[data-testid=station][data-pk='{station.pk}'] a")
    citizen.wait_for_selector("[data-testid=station-name]")
    assert citizen.locator("[data-testid=qr] img").evaluate("img => img.complete && img.naturalWidth") > 0
    no_sideways_scroll(citizen)
    screenshot(citizen, "portal-2-station-phone")
    poster = citizen.request.get(f"{base}/public/stations/{station.pk}/poster.svg")
    link = re.search(r"http[^<\s]+/report/", poster.text())[0]
    assert link == f"{base}/public/stations/{station.pk}/report/"

    # 2. Scanning the code opens the report form of that station.
    citizen.goto(link)
    assert station.name in citizen.locator("[data-testid=report-target]").inner_text()
    citizen.fill("#id_content", "村口路灯坏了半个月，晚上看不见路。")
    citizen.select_option("#id_village", label=cast.villages["a"].name)
    citizen.select_option("#id_category", "utilities")
    citizen.set_input_files(
        "#id_photos", files=[{"name": "路灯.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes((800, 600))}]
    )
    citizen.fill("#id_contact_phone", CITIZEN_PHONE)
    citizen.fill("#id_challenge_answer", solve(citizen))
    no_sideways_scroll(citizen)
    screenshot(citizen, "portal-3-report-form-phone")
    citizen.click("[data-testid=report-submit]")
    code = citizen.locator("[data-testid=tracking-code]").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{10}", code)
    no_sideways_scroll(citizen)
    screenshot(citizen, "portal-4-tracking-code-phone")
    clue = Clue.objects.get(tracking_code=code)
    assert (clue.station_id, clue.from_public, clue.recorded_by_id) == (station.pk, True, None)
    assert clue.attachments.count() == 1

    # 3. A deputy of the station finds it waiting on her hub, the phone masked, and takes it up.
    login(deputy_phone, base, "deputy_a", PASSWORD)
    waiting = deputy_phone.locator(f"[data-testid=waiting-clue][data-pk='{clue.pk}']")
    waiting.wait_for()
    assert "138****5678" in waiting.inner_text()
    assert CITIZEN_PHONE not in deputy_phone.content()
    no_sideways_scroll(deputy_phone)
    screenshot(deputy_phone, "portal-4a-waiting-on-the-hub-phone")
    deputy_phone.on("dialog", lambda dialog: dialog.accept())  # "take it up?"
    waiting.locator("[data-testid=take-up]").click()
    deputy_phone.wait_for_url(f"{base}{clue.get_absolute_url()}")
    deputy_phone.locator("[data-testid=taken-up]").wait_for()
    no_sideways_scroll(deputy_phone)
    screenshot(deputy_phone, "portal-4b-taken-up-phone")
    clue.refresh_from_db()
    assert clue.recorded_by_id == cast.deputies["a"].pk
    assert clue.taken_up_at is not None

    # It is raised, assigned, acknowledged and replied to (through the services).
    reply_to_citizen(cast, clue, text="已更换村口路灯，恢复照明。如有问题请联系13900001111。")

    # 4. A wrong suffix shows nothing about the report.
    citizen.goto(f"{base}/public/track/")
    citizen.fill("#id_code", code)
    citizen.fill("#id_phone_last4", "0000")
    citizen.click("[data-testid=track-submit]")
    citizen.wait_for_selector("[data-testid=not-found]")
    assert citizen.locator("[data-testid=progress]").count() == 0
    assert "路灯" not in citizen.content()
    screenshot(citizen, "portal-5-wrong-suffix-phone")

    # 5. The code and the right digits show the progress and the reply, masked.
    citizen.fill("#id_code", code.lower())
    citizen.fill("#id_phone_last4", CITIZEN_PHONE[-4:])
    citizen.click("[data-testid=track-submit]")
    progress = citizen.locator("[data-testid=progress]")
    progress.wait_for()
    assert progress.get_attribute("data-status") == "replied"
    done = citizen.locator("[data-testid=timeline] li[data-done='1']").evaluate_all(
        "els => els.map(e => e.dataset.step)"
    )
    assert done == ["received", "taken_up", "merged", "assigned", "replied"]
    reply = citizen.locator("[data-testid=reply-text]").inner_text()
    assert "139****1111" in reply
    assert "13900001111" not in citizen.content()
    assert CITIZEN_PHONE not in citizen.content()
    no_sideways_scroll(citizen)
    screenshot(citizen, "portal-6-replied-phone")

    # 6. The citizen answers "solved".
    citizen.check("input[name=answer][value=solved]")
    citizen.fill("#id_comment", "路灯亮了，谢谢！")
    citizen.click("[data-testid=feedback-submit]")
    citizen.wait_for_selector("[data-testid=thanks]")
    assert citizen.locator("[data-testid=answered]").get_attribute("data-answer") == "solved"
    assert citizen.locator("[data-testid=feedback-form]").count() == 0
    feedback = CitizenFeedback.objects.get(clue=clue)
    assert (feedback.answer, feedback.flagged, feedback.comment) == ("solved", False, "路灯亮了，谢谢！")
    no_sideways_scroll(citizen)
    screenshot(citizen, "portal-7-answered-phone")


def test_the_public_replies_read_on_a_phone(cast, live_server, citizen, screenshot):
    from daibiao.suggestions.services import public

    clue = public.submit_public_clue(
        content="村口路灯坏了半个月。", village=cast.villages["a"], station=cast.stations["a"]
    )
    reply_to_citizen(cast, clue, text="已更换村口路灯。")
    citizen.goto(f"{live_server.url}/public/replies/")
    assert citizen.locator("[data-testid=public-reply]").count() == 1
    no_sideways_scroll(citizen)
    screenshot(citizen, "portal-8-replies-phone")
    citizen.goto(f"{live_server.url}/public/")
    no_sideways_scroll(citizen)
    screenshot(citizen, "portal-0-home-phone")
