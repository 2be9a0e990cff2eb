"""The year-end evaluation as people see it, in headless Chromium (``-m browser``): a deputy
rates the units he dealt with on a phone (390×844); county staff publish an evaluation
through its confirmation page."""

from __future__ import annotations

import pytest

from daibiao.core.testing.cast import PASSWORD
from daibiao.evaluation import survey
from daibiao.evaluation.choices import EvaluationState, TargetKind
from daibiao.evaluation.models import Evaluation, SurveyAnswer
from daibiao.evaluation.tests.surface_world import add_units, evaluation, open_round

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_deputy_answers_the_survey_on_a_phone(cast, live_server, phone_page, screenshot):
    add_units(cast)
    round_ = open_round(cast)
    units = survey.units_to_rate(round_, cast.deputies["a"])
    login(phone_page, live_server.url, "deputy_a", PASSWORD)
    phone_page.goto(f"{live_server.url}/evaluation/my-survey/")
    cards = phone_page.locator("[data-testid=unit]")
    assert cards.count() == len(units)
    first, second = (phone_page.locator(f"[data-testid=unit][data-unit='{u.pk}']") for u in units[:2])
    choice = first.locator("label[data-choice=satisfied]")
    assert choice.bounding_box()["width"] >= 300  # three big choices across the phone's width
    assert choice.bounding_box()["height"] >= 44
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 391
    screenshot(phone_page, "survey-phone")
    choice.click()
    second.locator("label[data-choice=unsatisfied]").click()
    second.locator("textarea").fill("答复不及时")
    phone_page.locator("[data-testid=save-survey]").click()
    phone_page.wait_for_selector(".alert-success")
    stored = {
        a.unit_id: (a.result, a.comment) for a in SurveyAnswer.objects.filter(deputy=cast.deputies["a"])
    }
    assert stored == {units[0].pk: ("satisfied", ""), units[1].pk: ("unsatisfied", "答复不及时")}
    assert phone_page.locator("[data-testid=answered]").count() == 2
    assert phone_page.locator(f"[data-unit='{units[0].pk}'] input[value=satisfied]").is_checked()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 391
    screenshot(phone_page, "survey-phone-answered")


def test_county_staff_publish_after_confirming(cast, live_server, page, screenshot):
    add_units(cast)
    from daibiao.evaluation import services

    schemes = services.install_default_schemes(cast.county, actor=cast.users["county"])
    draft = evaluation(cast, schemes[TargetKind.UNIT])
    login(page, live_server.url, "county", PASSWORD)
    page.goto(f"{live_server.url}{draft.get_absolute_url()}")
    assert page.locator("[data-testid=ranking] tbody tr").count() == draft.scores.count()
    page.locator("[data-testid=publish]").click()
    page.wait_for_selector("[data-testid=publish-confirmation]")
    screenshot(page, "evaluation-publish-confirmation")
    assert Evaluation.objects.get(pk=draft.pk).state == EvaluationState.DRAFT
    page.locator("[data-testid=confirm-publish]").click()
    page.wait_for_selector("[data-testid=state][data-state=published]")
    assert Evaluation.objects.get(pk=draft.pk).state == EvaluationState.PUBLISHED
    assert page.locator("[data-testid=bulletin]").is_visible()
    screenshot(page, "evaluation-published")
