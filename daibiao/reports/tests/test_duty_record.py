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


def test_the_record_gathers_every_kind_of_duty_and_matches_the_records(cast, api_for):
    """Attendance (present, absent, on leave), a training, a mediation case, a membership, a
    courtyard head role and the handbook: each appears once, from its own record."""
    import datetime as dt

    from daibiao.activities import services as campaign_services
    from daibiao.activities.choices import ActivityKind, AttendanceStatus
    from daibiao.activities.tests.helpers import activity as make_activity
    from daibiao.core.services import save_record
    from daibiao.mediation import services as mediation
    from daibiao.mediation.choices import DisputeType, Outcome
    from daibiao.mediation.models import LawClinic
    from daibiao.registry import services as registry
    from daibiao.registry.choices import OrganizationKind
    from daibiao.registry.models import Courtyard, Organization

    deputy, county_staff = cast.deputies["a"], cast.users["county"]
    training = make_activity(
        cast, name="代表履职培训", kind=ActivityKind.TRAINING, start_in=-dt.timedelta(days=3)
    )
    visit = make_activity(cast, name="走访武安村", kind=ActivityKind.VISIT, start_in=-dt.timedelta(days=2))
    seminar = make_activity(cast, name="座谈会", kind=ActivityKind.SEMINAR, start_in=-dt.timedelta(days=1))
    for activity, status, reason in (
        (training, AttendanceStatus.PRESENT, ""),
        (visit, AttendanceStatus.ABSENT, ""),
        (seminar, AttendanceStatus.LEAVE, "外出务工"),
    ):
        campaign_services.record_attendance(
            activity, [{"deputy": deputy, "status": status, "leave_reason": reason}], actor=county_staff
        )
    clinic = mediation.save_clinic(
        LawClinic(town=cast.towns["a"], village=cast.villages["a"], name="武安法治诊所"),
        actor=None,
        mediators=[deputy],
    )
    case = mediation.open_case(
        actor=None,
        clinic=clinic,
        dispute_type=DisputeType.NEIGHBOUR,
        party_a_name="赵大",
        summary="排水沟纠纷。",
        received_on=timezone.localdate(),
        mediators=[deputy],
    )
    mediation.record_outcome(case, actor=None, outcome=Outcome.RESOLVED, closed_on=timezone.localdate())
    organization = save_record(
        Organization(
            county=cast.county,
            town=cast.towns["a"],
            name="武安镇农民专业合作社",
            kind=OrganizationKind.ECONOMIC,
        ),
        actor=None,
    )
    registry.add_membership(organization, deputy, actor=None, role="理事")
    yard = Courtyard.objects.filter(village=cast.villages["a"]).first() or save_record(
        Courtyard(village=cast.villages["a"], name="武安一组"), actor=None
    )
    Courtyard.objects.filter(pk=yard.pk).update(head_deputy=deputy)
    handbook = campaign_services.create_material(actor=county_staff, title="代表履职资料汇编")
    campaign_services.send_material(handbook, [deputy], actor=county_staff)
    campaign_services.confirm_receipt(handbook, actor=cast.users["deputy_a"])

    record = build_duty_record(deputy, YEAR)
    figures = record.summary()
    assert (figures["activities_attended"], figures["activities_missed"], figures["activities_on_leave"]) == (
        1,
        1,
        1,
    )
    assert figures["trainings_attended"] == 1
    assert [a.activity for a in record.trainings] == [training]
    assert [c.pk for c in record.mediation_cases] == [case.pk]
    assert figures["mediation_cases_resolved"] == 1
    assert [m.organization for m in record.memberships] == [organization]
    assert [c.pk for c in record.courtyards_headed] == [yard.pk]
    assert figures["materials_received"] == 1

    body = api_for("county").get(api_url(deputy), {"year": YEAR}).json()
    assert body["figures"] == figures
    assert {a["id"] for a in body["activities"]} == {training.pk, visit.pk, seminar.pk}
    assert body["roles"]["courtyard_head"] == [yard.name]

    report = api_for("deputy_a").get(api_url(deputy, "deputy-annual-report"), {"year": YEAR})
    text = docx_text(report.content)
    for fact in ("武安法治诊所", "武安镇农民专业合作社", "代表履职资料汇编", yard.name):
        assert fact in text, fact
