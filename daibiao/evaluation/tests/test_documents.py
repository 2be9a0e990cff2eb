"""The evaluation's documents, opened as a reader would (python-docx, openpyxl): the bulletin
ranks the units as the evaluation does and names the best and the last; the report to the
county committee summarises the year's published evaluations; the rankings workbook holds
every indicator's value, base and points. Drafts and other kinds have no bulletin."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import docx
import openpyxl
import pytest
from django.urls import reverse
from django.utils.translation import gettext
from docx.oxml.ns import qn

from daibiao.core import audit
from daibiao.evaluation import documents
from daibiao.evaluation.choices import TargetKind
from daibiao.evaluation.models import Score
from daibiao.registry.choices import Gender, Level
from daibiao.registry.models import Deputy
from daibiao.registry.services import save_deputy

from .surface_world import build, evaluation, ranked

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    return build(cast)


def download(client, name, evaluation):
    response = client.get(reverse(f"evaluation:{name}", args=[evaluation.pk]))
    assert response.status_code == 200, response.content[:300]
    return response


def open_docx(response):
    assert response["Content-Type"].endswith("wordprocessingml.document")
    return docx.Document(io.BytesIO(response.content))


def column(table, i: int) -> list[str]:
    return [row.cells[i].text for row in table.rows[1:]]


def text_of(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


# --- the bulletin -----------------------------------------------------------------------------


def test_the_bulletin_ranks_every_unit_as_the_evaluation_does(world, client_for):
    document = open_docx(download(client_for("unit_a"), "evaluation-bulletin", world.published))
    table = document.tables[0]
    scores = list(Score.objects.filter(evaluation=world.published).order_by("rank", "id"))
    assert column(table, 1) == ranked(world.published) == [s.name for s in scores]
    assert column(table, 0) == [str(s.rank) for s in scores]
    assert column(table, 2) == [documents.number(s.total) for s in scores]
    labels = list(
        world.schemes[TargetKind.UNIT].indicators.order_by("position").values_list("label", flat=True)
    )
    assert [cell.text for cell in table.rows[0].cells][3:] == labels


def test_the_bulletin_shows_each_units_measured_rates(world, client_for):
    document = open_docx(download(client_for("county"), "evaluation-bulletin", world.published))
    table = document.tables[0]
    headers = [cell.text for cell in table.rows[0].cells]
    top = Score.objects.filter(evaluation=world.published).order_by("rank", "id").first()
    line = top.lines.get(metric="acknowledged_on_time")
    assert table.rows[1].cells[headers.index(line.label)].text == documents.percent(line.value, line.base)
    assert documents.percent(line.value, line.base) == "100%"


def test_the_bulletin_names_the_best_and_the_last_and_is_an_official_document(world, cast, client_for):
    document = open_docx(download(client_for("county"), "evaluation-bulletin", world.published))
    names = ranked(world.published)
    text = text_of(document)
    best, last = names[: documents.NAMED], names[documents.NAMED :]
    assert "、".join(best) in text
    assert "、".join(last) in text
    assert str(len(names)) in text
    header = document.paragraphs[0]
    assert cast.county.name in header.text
    assert header.runs[0].font.color.rgb == documents_red()
    # The ranking's heading row repeats on every page.
    assert document.tables[0].rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def documents_red():
    from daibiao.core.docx import RED

    return RED


def test_a_draft_has_no_bulletin_on_the_page_either(world, client_for):
    client = client_for("county")
    for evaluation_ in (world.draft, world.deputies, world.towns):
        response = client.get(reverse("evaluation:evaluation-bulletin", args=[evaluation_.pk]), follow=True)
        assert response.redirect_chain[-1][0] == evaluation_.get_absolute_url()
        assert list(response.context["messages"])
    assert documents.bulletin_refusal(world.draft)
    assert documents.bulletin_refusal(world.deputies)
    assert documents.bulletin_refusal(world.published) is None


def test_the_bulletin_of_a_draft_out_of_sight_is_404(world, client_for):
    response = client_for("unit_a").get(reverse("evaluation:evaluation-bulletin", args=[world.draft.pk]))
    assert response.status_code == 404


# --- the report to the county committee -------------------------------------------------------


def more_deputies(cast, n: int) -> None:
    with audit.acting_as(None):
        for i in range(n):
            save_deputy(
                Deputy(
                    name=f"代表{i:02d}",
                    gender=Gender.FEMALE,
                    phone=f"1371111{i:04d}",
                    town=cast.towns["a" if i % 2 else "b"],
                ),
                actor=None,
                mandates=[{"level": Level.TOWN, "term": ""}],
            )


def test_the_committee_report_summarises_the_years_published_evaluations(cast, client_for):
    more_deputies(cast, 9)  # 13 deputies: the report names the top 10
    world = build(cast)
    document = open_docx(download(client_for("leader"), "committee-report", world.published))
    units, towns, deputies = document.tables
    assert column(units, 1) == ranked(world.published)
    assert column(towns, 1) == ranked(world.towns)
    assert len(ranked(world.deputies)) == 13
    assert column(deputies, 1) == ranked(world.deputies)[: documents.TOP_DEPUTIES]
    text = text_of(document)
    # The paragraph as the catalogue words it: "How the deputies' scores spread: {spread}."
    lead = gettext("How the deputies' scores spread: {spread}.").split("{spread}")[0]
    spread = next(p.text for p in document.paragraphs if p.text.startswith(lead))
    bands = spread[len(lead) :].rstrip("。.").split("；")
    assert sum(int(re.search(r"(\d+)\D*$", band).group(1)) for band in bands) == 13
    for evaluation_ in (world.published, world.towns, world.deputies):
        assert evaluation_.title in text


def test_the_committee_report_takes_the_latest_published_evaluation_of_each_kind(world, cast, client_for):
    newer = evaluation(cast, world.schemes[TargetKind.TOWN], publish=True, title="镇人大考评（复核）")
    document = open_docx(download(client_for("county"), "committee-report", world.published))
    text = text_of(document)
    assert newer.title in text
    assert world.towns.title not in text


@pytest.mark.parametrize("role", ["unit_a", "town_a", "deputy_a", "station_a"])
def test_the_committee_report_is_for_the_countys_staff_and_leaders(world, client_for, role):
    response = client_for(role).get(reverse("evaluation:committee-report", args=[world.published.pk]))
    assert response.status_code == 403


def test_there_is_no_committee_report_from_a_draft(world, client_for):
    response = client_for("county").get(reverse("evaluation:committee-report", args=[world.draft.pk]))
    assert response.status_code == 302
    assert response["Location"] == world.draft.get_absolute_url()


def test_the_distribution_counts_every_score_in_one_band():
    class S:
        def __init__(self, total):
            self.total = Decimal(total)

    bands = documents.distribution([S(95), S(90), S(85), S(61), S(60), S(10), S(0)], Decimal(100))
    assert [n for _label, n in bands] == [2, 1, 2, 2]


# --- the rankings workbook --------------------------------------------------------------------


def test_the_rankings_workbook_has_every_indicators_value_base_and_points(world, client_for):
    response = download(client_for("county"), "evaluation-rankings", world.published)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    headers, body = rows[0], rows[1:]
    scores = list(Score.objects.filter(evaluation=world.published).order_by("rank", "id"))
    assert [row[1] for row in body] == [s.name for s in scores]
    assert [row[0] for row in body] == [s.rank for s in scores]
    lines = list(scores[0].lines.order_by("position"))
    assert len(headers) == 3 + 3 * len(lines)
    for i, line in enumerate(lines):
        value, base, points = body[0][3 + 3 * i : 6 + 3 * i]
        assert headers[3 + 3 * i].startswith(line.label)
        assert (Decimal(str(value)), Decimal(str(points))) == (line.value, line.points)
        assert base == ("" if line.base is None else float(line.base)) or (base is None and line.base is None)


def test_the_rankings_workbook_holds_only_what_the_reader_may_see(world, cast, client_for):
    response = download(client_for("town_b"), "evaluation-rankings", world.deputies)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"张建国", "赵秀英"}
