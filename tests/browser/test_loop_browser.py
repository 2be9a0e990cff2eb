"""The closed loop as the people in it see it, in headless Chromium: a deputy records a clue
on the phone, the town merges it on the triage board and assigns it, the unit acknowledges
and replies, the deputy rates the reply on the phone, the town concludes.

The UI is Chinese once translated, so the test reads ``data-testid`` and ``data-state``
attributes, never words."""

from __future__ import annotations

import pytest

from daibiao.core.testing.cast import PASSWORD
from daibiao.core.testing.files import docx_bytes, jpeg_bytes
from daibiao.suggestions.models import Clue, Suggestion

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def session_as(browser, live_server):
    """``session_as("town_a")`` → a page logged in as that cast member (``phone=True``: a
    390-pixel-wide phone). Every step asks before it acts where the page says so: accept."""
    contexts = []

    def open_as(username, *, phone=False):
        context = browser.new_context(
            locale="zh-CN", viewport=PHONE if phone else DESKTOP, is_mobile=phone, has_touch=phone
        )
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        login(page, live_server.url, username, PASSWORD)
        return page

    yield open_as
    for context in contexts:
        context.close()


def state_of(page) -> str:
    return page.locator("[data-testid=state]").get_attribute("data-state")


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, "the page must not scroll sideways"


def test_a_clue_goes_round_the_loop_in_the_browser(cast, live_server, session_as, screenshot):
    base = live_server.url

    # 1. The deputy records a clue on the phone.
    deputy = session_as("deputy_a", phone=True)
    deputy.goto(f"{base}/loop/mine/")
    no_sideways_scroll(deputy)
    screenshot(deputy, "loop-1-mine-phone")
    deputy.click("[data-testid=goto-record]")
    deputy.fill("#id_clue-title", "王家桥桥面塌陷")
    deputy.fill("#id_clue-content", "王家桥桥面塌了一块，车辆绕行。")
    deputy.select_option("#id_clue-village", label=cast.villages["a"].name)
    deputy.set_input_files(
        "#id_clue-photos",
        files=[{"name": "桥面.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes((800, 600))}],
    )
    deputy.click("[data-testid=clue-submit]")
    deputy.wait_for_selector(".alert-success")
    clue = Clue.objects.get(title="王家桥桥面塌陷")
    assert (clue.recorded_by_id, clue.state) == (cast.deputies["a"].pk, "open")
    assert list(clue.attachments.values_list("name", flat=True)) == ["桥面.jpg"]
    row = deputy.locator(f"[data-testid=my-clue][data-pk='{clue.pk}']")
    assert row.get_attribute("data-state") == "open"
    no_sideways_scroll(deputy)
    screenshot(deputy, "loop-2-clue-recorded-phone")

    # 2. The town's presidium merges it on the triage board, then assigns it.
    town = session_as("town_a")
    town.goto(f"{base}/loop/clues/{clue.pk}/")
    photo = town.locator("[data-testid=attachments] img")
    assert photo.count() == 1
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 800  # served, and shows
    screenshot(town, "loop-2b-clue-with-photo")
    town.goto(f"{base}/loop/triage/")
    town.wait_for_selector(f"[data-testid=clue][data-pk='{clue.pk}']")
    town.check(f"[data-testid=pick-{clue.pk}]")
    # Ticking the first clue fills the empty merge form from it.
    assert town.input_value("#id_merge-title") == "王家桥桥面塌陷"
    assert town.locator("[data-merge-count]").inner_text() == "1"
    town.fill("#id_merge-title", "修复王家桥桥面")
    town.select_option("#id_merge-tier", "county")
    town.select_option("#id_merge-category", "transport")
    screenshot(town, "loop-3-triage")
    town.click("[data-testid=merge-submit]")
    town.wait_for_selector("[data-testid=state][data-state=submitted]")
    suggestion = Suggestion.objects.get(title="修复王家桥桥面")
    assert town.url == f"{base}/loop/suggestions/{suggestion.pk}/?step=assign"
    assert Clue.objects.get(pk=clue.pk).state == "merged"
    assert suggestion.lead_deputy_id == cast.deputies["a"].pk
    # The board leads straight to the assign form, open.
    assert town.locator("[data-testid=step-assign]").evaluate("el => el.open")
    town.select_option(f"#id_s{suggestion.pk}_assign-lead_unit", label="县交通运输局")
    screenshot(town, "loop-4-assign-form")
    town.click("[data-testid=do-assign]")
    town.wait_for_selector("[data-testid=state][data-state=assigned]")
    assert state_of(town) == "assigned"
    assert town.locator("[data-testid=assignment]").count() == 1
    screenshot(town, "loop-5-assigned")

    # 3. The unit acknowledges it from its inbox, then replies on the suggestion's page.
    unit = session_as("unit_a")
    unit.goto(f"{base}/loop/unit/")
    screenshot(unit, "loop-6-unit-inbox")
    unit.click(f"[data-testid=ack-{suggestion.pk}]")
    unit.wait_for_selector(".alert-success")
    unit.goto(f"{base}/loop/suggestions/{suggestion.pk}/")
    assert state_of(unit) == "handling"
    unit.click("[data-testid=step-reply] summary")
    unit.check(f"#id_s{suggestion.pk}_reply-category_0")  # class A: solved
    unit.fill(f"#id_s{suggestion.pk}_reply-text", "已对王家桥桥面进行修复，恢复通行。联系人：13812345678。")
    unit.set_input_files(
        f"#id_s{suggestion.pk}_reply-files",
        files=[{"name": "答复函.docx", "mimeType": "application/octet-stream", "buffer": docx_bytes()}],
    )
    unit.click("[data-testid=do-reply]")
    unit.wait_for_selector("[data-testid=state][data-state=replied]")
    assert unit.locator("[data-testid=reply]").count() == 1
    assert (
        unit.locator("[data-testid=reply] [data-testid=attachment]")
        .inner_text()
        .strip()
        .startswith("答复函.docx")
    )
    unit.click("[data-testid=reply-public] summary")
    assert "138****5678" in unit.locator("[data-testid=reply-public]").inner_text()
    screenshot(unit, "loop-7-replied")

    # 4. The deputy rates the reply on the phone, right on his page.
    deputy.goto(f"{base}/loop/mine/")
    item = deputy.locator(f"[data-testid=rate-item-{suggestion.pk}]")
    item.wait_for()
    deputy.check(f"#id_s{suggestion.pk}_rate-attitude_0")
    deputy.check(f"#id_s{suggestion.pk}_rate-result_0")
    no_sideways_scroll(deputy)
    screenshot(deputy, "loop-8-rate-phone")
    deputy.click(f"[data-testid=rate-{suggestion.pk}]")
    deputy.wait_for_selector(".alert-success")
    assert deputy.locator("[data-testid=to-rate]").count() == 0
    deputy.goto(f"{base}/loop/suggestions/{suggestion.pk}/")
    assert state_of(deputy) == "rated"
    no_sideways_scroll(deputy)
    screenshot(deputy, "loop-9-rated-phone")

    # 5. The town concludes it; the timeline tells the whole story.
    town.goto(f"{base}/loop/suggestions/{suggestion.pk}/")
    town.click("[data-testid=step-conclude] summary")
    town.click("[data-testid=do-conclude]")
    town.wait_for_selector("[data-testid=state][data-state=concluded]")
    steps = town.locator("[data-testid=event]").evaluate_all("els => els.map(e => e.dataset.step)")
    assert steps == ["create", "submit", "assign", "acknowledge", "reply", "rate", "conclude"]
    screenshot(town, "loop-10-concluded")


def test_the_suggestion_list_reads_on_a_phone(cast, live_server, session_as, screenshot):
    page = session_as("county", phone=True)
    page.goto(f"{live_server.url}/loop/suggestions/")
    assert page.locator("[data-testid=suggestion-row]").count() == 2
    no_sideways_scroll(page)
    screenshot(page, "loop-list-phone")
    page = session_as("county")
    page.goto(f"{live_server.url}/loop/suggestions/")
    screenshot(page, "loop-list")


def test_the_desks_read_on_a_phone(cast, live_server, session_as, screenshot):
    base = live_server.url
    for username, path, name in (
        ("town_a", "/loop/triage/", "loop-triage-phone"),
        ("unit_a", "/loop/unit/", "loop-unit-inbox-phone"),
        ("town_a", f"/loop/clues/{cast.clues['a'].pk}/", "loop-clue-phone"),
        ("unit_a", f"/loop/suggestions/{cast.suggestions['a'].pk}/", "loop-detail-unit-phone"),
    ):
        page = session_as(username, phone=True)
        page.goto(base + path)
        no_sideways_scroll(page)
        screenshot(page, name)


def test_the_clue_form_warns_of_a_problem_reported_already(cast, live_server, session_as, screenshot):
    from daibiao.suggestions import services

    services.create_clue(
        actor=cast.users["deputy_a"],
        title="村口路灯坏了",
        content="武安村村口路灯坏了半年，晚上出行不便。",
        town=cast.towns["a"],
    )
    deputy = session_as("deputy_a", phone=True)
    deputy.goto(f"{live_server.url}/loop/mine/")
    deputy.fill("#id_clue-title", "村口路灯不亮")
    deputy.locator("#id_clue-content").press_sequentially("武安村村口的路灯坏了好久，晚上看不见路。")
    warning = deputy.locator("[data-testid=similar-clues]")
    warning.wait_for(timeout=10_000)
    assert "村口路灯坏了" in warning.inner_text()
    no_sideways_scroll(deputy)
    screenshot(deputy, "loop-similar-clue-phone")
