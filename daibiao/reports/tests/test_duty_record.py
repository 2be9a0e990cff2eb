"""A deputy's duty record and annual report: assembled from the records, scoped like the
deputy, exported to Excel and drafted as a Word document."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from daibiao.reports.duty import build_duty_record

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def page_url(deputy, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("reports:duty-record", args=[deputy.pk]) + (f"?{query}" if query else "")


def api_url(deputy, name="deputy-duty-record"):
    return reverse(f"api:{name}", args=[deputy.pk])


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_record_lists_the_deputys_clues_and_suggestions(cast):
    record = build_duty_record(cast.deputies["a"], YEAR)
    assert {c.pk for c in record.clues} == set(
        cast.deputies["a"].clues.filter(occurred_on__year=YEAR).values_list("pk", flat=True)
    )
    assert len(record.clues) == 2
    assert [s.pk for s in record.suggestions_led] == [cast.suggestions["a"].pk]
    assert record.suggestions_cosigned == []
    assert record.summary()["clues_recorded"] == 2
    assert record.summary()["suggestions_led"] == 1
    # Another year holds nothing of this one.
    assert build_duty_record(cast.deputies["a"], YEAR - 1).summary()["clues_recorded"] == 0


def test_the_record_is_read_in_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    from daibiao.suggestions import services as loop

    with django_assert_max_num_queries(12):
        build_duty_record(cast.deputies["a"], YEAR)
    for n in range(5):
        loop.create_clue(actor=cast.users["deputy_a"], title=f"线索{n}", content="内容", town=cast.towns["a"])
    with django_assert_max_num_queries(12):
        assert len(build_duty_record(cast.deputies["a"], YEAR).clues) == 7


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("county", 200),
        ("leader", 200),
        ("town_a", 200),
        ("deputy_a", 200),
        ("station_a", 200),
        ("town_b", 404),
        ("deputy_b", 404),
        ("unit_a", 404),
    ],
)
def test_whoever_sees_the_deputy_sees_the_record_and_nobody_else(cast, client_for, api_for, user, status):
    deputy = cast.deputies["a"]
    assert client_for(user).get(page_url(deputy)).status_code == status
    assert api_for(user).get(api_url(deputy)).status_code == status
    assert api_for(user).get(api_url(deputy, "deputy-annual-report")).status_code == status


def test_anonymous_is_refused(cast, client, api_for):
    deputy = cast.deputies["a"]
    assert client.get(page_url(deputy)).status_code == 302
    assert api_for("anonymous").get(api_url(deputy)).status_code in (401, 403)


def test_the_page_shows_the_records(cast, client_for):
    response = client_for("deputy_a").get(page_url(cast.deputies["a"]))
    html = response.content.decode()
    assert cast.suggestions["a"].title in html
    for clue in cast.deputies["a"].clues.all():
        assert clue.title in html


def test_a_bad_year_is_a_field_error_in_the_api_and_this_year_on_the_page(cast, client_for, api_for):
    deputy = cast.deputies["a"]
    response = api_for("county").get(api_url(deputy), {"year": "next"})
    assert response.status_code == 400
    assert set(response.json()) == {"year"}
    assert api_for("county").get(api_url(deputy), {"year": "1999"}).status_code == 400
    page = client_for("county").get(page_url(deputy, year="abc"))
    assert page.status_code == 200
    assert page.context["year"] == YEAR


def test_the_api_answers_with_the_figures_and_the_records(cast, api_for):
    body = api_for("town_a").get(api_url(cast.deputies["a"]), {"year": YEAR}).json()
    assert body["year"] == YEAR
    assert body["figures"]["clues_recorded"] == 2
    assert [s["id"] for s in body["suggestions"]] == [cast.suggestions["a"].pk]
    assert body["suggestions"][0]["role"] == "lead"


def test_the_export_has_a_line_per_fact(cast, client_for):
    response = client_for("county").get(page_url(cast.deputies["a"], export="xlsx"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    titles = {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert cast.suggestions["a"].title in titles
    assert sheet.max_row - 1 == 3  # two clues and one suggestion led


def test_the_annual_report_opens_and_states_the_facts(cast, api_for):
    response = api_for("deputy_a").get(api_url(cast.deputies["a"], "deputy-annual-report"), {"year": YEAR})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    text = docx_text(response.content)
    assert cast.deputies["a"].name in text
    assert str(YEAR) in text
    assert cast.suggestions["a"].title in text
    assert "2" in text  # the two clues are counted
