"""The law-clinic pages: opening, correcting and closing a case, the agreement download,
the filters, and a query budget that does not grow with the number of cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from daibiao.core.testing.files import pdf_bytes, upload
from daibiao.mediation import services
from daibiao.mediation.choices import DisputeType, Outcome
from daibiao.mediation.models import LawClinic, MediationCase

from .conftest import agreement_pdf, open_case

pytestmark = pytest.mark.django_db


def listed(client, **params) -> set[str]:
    response = client.get(reverse("mediation:case-list"), params)
    assert response.status_code == 200
    return {f"{c.clinic.name} {c}" for c in response.context["object_list"]}


# --- opening and correcting ---------------------------------------------------------------


def test_town_staff_open_a_case_on_the_page(cast, clinics, client_for):
    client = client_for("town_a")
    url = reverse("mediation:case-create")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "clinic": clinics.a.pk,
            "dispute_type": DisputeType.LABOUR,
            "received_on": "2026-04-01",
            "party_a_name": "陈工",
            "party_a_phone": "13511112222",
            "party_b_name": "某建筑队",
            "summary": "拖欠工资三个月。",
            "mediators": [cast.deputies["a"].pk],
        },
    )
    case = MediationCase.objects.get(party_a_name="陈工")
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert case.case_number == "2026-003"
    assert list(case.mediators.all()) == [cast.deputies["a"]]


def test_the_form_names_what_is_missing(cast, clinics, client_for):
    response = client_for("town_a").post(reverse("mediation:case-create"), {"clinic": clinics.b.pk})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"clinic", "party_a_name", "summary", "dispute_type"} <= set(errors)
    assert not MediationCase.objects.filter(clinic=clinics.b).exclude(pk=clinics.b1.pk).exists()


@pytest.mark.parametrize(("who", "status"), [("leader", 403), ("deputy_a", 403), ("unit_a", 403)])
def test_only_staff_may_open_cases(cast, clinics, client_for, who, status):
    assert client_for(who).get(reverse("mediation:case-create")).status_code == status


@pytest.mark.parametrize(
    ("who", "case", "status"),
    [
        ("town_a", "a1", 200),
        ("county", "b1", 200),
        ("deputy_a", "a2", 200),  # a mediator on the case
        ("deputy_a", "a1", 403),  # a mediator of the clinic, not on the case
        ("leader", "a1", 403),
        ("station_a", "a1", 403),
        ("town_b", "a1", 404),
        ("unit_a", "a1", 404),
    ],
)
def test_the_edit_page_answers_by_scope(cast, clinics, client_for, who, case, status):
    assert (
        client_for(who).get(reverse("mediation:case-update", args=[getattr(clinics, case).pk])).status_code
        == status
    )


def test_correcting_a_case_on_the_page(cast, clinics, client_for):
    url = reverse("mediation:case-update", args=[clinics.a1.pk])
    client = client_for("town_a")
    form = client.get(url).context["form"]
    assert "clinic" not in form.fields
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(party_b_name="王五", mediators=[cast.deputies["a2"].pk])
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert MediationCase.objects.get(pk=clinics.a1.pk).party_b_name == "王五"
    refused = client_for("leader").post(url, {**data, "party_b_name": "赵六"})
    assert refused.status_code == 403
    assert MediationCase.objects.get(pk=clinics.a1.pk).party_b_name == "王五"


# --- closing and the agreement ------------------------------------------------------------


def test_closing_a_case_with_its_agreement_on_the_page(cast, clinics, client_for):
    client = client_for("deputy_a")
    url = reverse("mediation:case-outcome", args=[clinics.a2.pk])
    response = client.post(
        url,
        {
            "outcome-outcome": Outcome.RESOLVED,
            "outcome-closed_on": "2026-03-10",
            "outcome-note": "签订书面协议。",
            "outcome-expected": Outcome.OPEN,
            "outcome-files": [upload("协议.pdf", pdf_bytes(), "application/pdf")],
        },
    )
    assert response.status_code == 302
    case = MediationCase.objects.get(pk=clinics.a2.pk)
    assert (case.outcome, case.closed_on) == (Outcome.RESOLVED, dt.date(2026, 3, 10))
    assert [a.name for a in case.agreements.all()] == ["协议.pdf"]


def test_a_stale_outcome_form_changes_nothing_and_says_why(cast, clinics, client_for):
    client = client_for("town_a")
    url = reverse("mediation:case-outcome", args=[clinics.a2.pk])
    data = {"outcome-closed_on": "2026-03-10", "outcome-expected": Outcome.OPEN}
    assert client.post(url, {**data, "outcome-outcome": Outcome.RESOLVED}).status_code == 302
    response = client.post(url, {**data, "outcome-outcome": Outcome.REFERRED, "outcome-note": "转法院"})
    assert response.status_code == 302
    assert MediationCase.objects.get(pk=clinics.a2.pk).outcome == Outcome.RESOLVED
    assert any("Reload" in str(m) or "刷新" in str(m) for m in get_messages(response.wsgi_request))


def test_a_referral_must_say_where_to(cast, clinics, client_for):
    response = client_for("town_a").post(
        reverse("mediation:case-outcome", args=[clinics.a2.pk]),
        {"outcome-outcome": Outcome.REFERRED, "outcome-closed_on": "2026-03-10", "outcome-expected": "open"},
    )
    assert response.status_code == 200
    assert "note" in response.context["outcome_form"].errors
    assert MediationCase.objects.get(pk=clinics.a2.pk).outcome == Outcome.OPEN


def test_a_file_that_is_not_a_document_is_refused(cast, clinics, client_for):
    response = client_for("town_a").post(
        reverse("mediation:case-agreement", args=[clinics.a2.pk]),
        {"agreement-files": [upload("协议.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")]},
    )
    assert response.status_code == 200
    assert response.context["agreement_form"].errors["files"]
    assert not clinics.a2.agreements.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("town_a", 200),
        ("county", 200),
        ("admin", 200),
        ("deputy_a", 200),  # a mediator of the clinic
        ("leader", 404),  # sees the case masked: the agreement names the parties in full
        ("station_a", 404),
        ("town_b", 404),
        ("deputy_b", 404),
        ("unit_a", 404),
    ],
)
def test_the_agreement_is_served_only_to_the_clinics_staff(cast, clinics, client_for, api_for, who, status):
    agreement = clinics.a1.agreements.get()
    response = client_for(who).get(reverse("mediation:agreement", args=[agreement.pk]), {"download": 1})
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "attachment" in response["Content-Disposition"]
    api = api_for(who).get(reverse("api:mediation-agreement-download", args=[agreement.pk]))
    assert api.status_code == status


# --- lists, filters, clinics --------------------------------------------------------------


def test_the_case_list_filters(cast, clinics, client_for):
    services.record_outcome(clinics.a2, actor=None, outcome=Outcome.REFERRED, note="转派出所")
    open_case(clinics.b, received_on=dt.date(2025, 5, 5))
    client = client_for("county")
    assert listed(client, clinic=clinics.a.pk) == {"武安法治诊所 2026-001", "武安法治诊所 2026-002"}
    assert listed(client, town=cast.towns["b"].pk) == {"九集法治诊所 2026-001", "九集法治诊所 2025-001"}
    assert listed(client, dispute_type=DisputeType.LAND) == {"武安法治诊所 2026-002"}
    assert listed(client, outcome=Outcome.REFERRED) == {"武安法治诊所 2026-002"}
    assert listed(client, outcome=Outcome.OPEN, clinic=clinics.a.pk) == {"武安法治诊所 2026-001"}
    assert listed(client, year=2025) == {"九集法治诊所 2025-001"}
    assert listed(client, search="2026-002") == {"武安法治诊所 2026-002"}
    # Town staff cannot filter their way into another town.
    assert not [c for c in listed(client_for("town_a"), town=cast.towns["b"].pk) if c.startswith("九集")]


def test_the_clinic_page_counts_cases_by_outcome(cast, clinics, client_for):
    services.record_outcome(clinics.a2, actor=None, outcome=Outcome.RESOLVED)
    response = client_for("town_a").get(clinics.a.get_absolute_url())
    assert response.status_code == 200
    counts = {o.value: n for o, n in response.context["outcome_counts"]}
    assert counts == {"open": 1, "resolved": 1, "not_resolved": 0, "referred": 0}
    assert response.context["case_total"] == 2
    html = response.content.decode()
    assert "王小明" in html
    assert "李春兰" in html


def test_town_staff_add_a_clinic_with_its_mediators(cast, client_for):
    client = client_for("town_a")
    response = client.post(
        reverse("mediation:clinic-create"),
        {"town": cast.towns["a"].pk, "name": "二号诊所", "mediators": [cast.deputies["a"].pk]},
    )
    assert response.status_code == 302
    clinic = LawClinic.objects.get(name="二号诊所")
    assert list(clinic.mediators.all()) == [cast.deputies["a"]]
    response = client.post(
        reverse("mediation:clinic-create"),
        {"town": cast.towns["a"].pk, "name": "三号诊所", "mediators": [cast.deputies["b"].pk]},
    )
    assert response.status_code == 200
    assert "mediators" in response.context["form"].errors


# --- a query budget -----------------------------------------------------------------------


def queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["county", "deputy_a", "leader"])
@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("mediation:case-list", {}),
        ("mediation:case-list", {"export": "xlsx"}),
        ("mediation:case-list", {"search": "争执", "outcome": "open"}),
        ("mediation:clinic-list", {}),
        ("api:mediation-case-list", {}),
        ("api:law-clinic-list", {}),
    ],
)
def test_list_queries_do_not_grow_with_the_cases(cast, clinics, client_for, api_for, who, url, params):
    client = (api_for if url.startswith("api:") else client_for)(who)
    few = queries(client, reverse(url), **params)
    for i in range(8):
        case = open_case(clinics.a, mediators=[cast.deputies["a"], cast.deputies["a2"]])
        if i % 2:
            services.attach_agreement(case, actor=None, files=[agreement_pdf()])
    assert queries(client, reverse(url), **params) == few
    assert few <= 16
