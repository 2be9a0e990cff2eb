"""The law-clinic API: opening a case, bad input as JSON field errors, closing it (409 when
someone was quicker), the agreement upload, and clinics with their mediators."""

from __future__ import annotations

import pytest

from daibiao.core.models import ChangeLog
from daibiao.core.testing.files import pdf_bytes, upload
from daibiao.mediation.choices import Outcome
from daibiao.mediation.models import LawClinic, MediationCase

pytestmark = pytest.mark.django_db

CASES = "/api/v1/mediation-cases/"


def new_case(clinic, **extra) -> dict:
    return {
        "clinic": clinic.pk,
        "dispute_type": "contract",
        "party_a_name": "陈工",
        "party_a_phone": "13511112222",
        "summary": "借款未还。",
        "received_on": "2026-04-01",
        **extra,
    }


def test_town_staff_open_a_case_through_the_api(cast, clinics, api_for):
    response = api_for("town_a").post(
        CASES, new_case(clinics.a, mediators=[cast.deputies["a"].pk]), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["case_number"], body["outcome"], body["parties_masked"]) == ("2026-003", "open", False)
    assert body["mediators"] == [cast.deputies["a"].pk]


def test_bad_input_is_answered_with_json_field_errors(cast, clinics, api_for):
    client = api_for("town_a")
    response = client.post(CASES, {"clinic": clinics.b.pk, "dispute_type": "feud"}, format="json")
    assert response.status_code == 400
    assert {"clinic", "dispute_type", "party_a_name", "summary"} <= set(response.json())
    response = client.post(
        CASES,
        new_case(clinics.a, mediators=[cast.deputies["a2"].pk], received_on="2999-01-01"),
        format="json",
    )
    assert response.status_code == 400
    assert "received_on" in response.json()


@pytest.mark.parametrize("who", ["leader", "deputy_a", "station_a"])
def test_viewers_may_not_open_cases_through_the_api(cast, clinics, api_for, who):
    logs = ChangeLog.objects.count()
    response = api_for(who).post(CASES, new_case(clinics.a), format="json")
    assert response.status_code == 403
    assert MediationCase.objects.count() == 3
    assert ChangeLog.objects.count() == logs


def test_a_case_takes_no_put_or_patch(cast, clinics, api_for):
    url = f"{CASES}{clinics.a1.pk}/"
    assert api_for("county").patch(url, {"summary": "x"}, format="json").status_code == 405


def test_closing_a_case_through_the_api_and_the_conflict_after(cast, clinics, api_for):
    url = f"{CASES}{clinics.a2.pk}/outcome/"
    client = api_for("deputy_a")
    response = client.post(
        url, {"outcome": "resolved", "closed_on": "2026-03-05", "expected": "open"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["outcome"], response.json()["closed_on"]) == ("resolved", "2026-03-05")
    again = api_for("town_a").post(
        url, {"outcome": "referred", "note": "转法院", "expected": "open"}, format="json"
    )
    assert again.status_code == 409
    assert MediationCase.objects.get(pk=clinics.a2.pk).outcome == Outcome.RESOLVED


def test_outcome_input_errors_name_the_field(cast, clinics, api_for):
    client = api_for("town_a")
    url = f"{CASES}{clinics.a2.pk}/outcome/"
    assert "outcome" in client.post(url, {"outcome": "open"}, format="json").json()
    assert "note" in client.post(url, {"outcome": "referred"}, format="json").json()
    body = client.post(url, {"outcome": "resolved", "closed_on": "2026-01-01"}, format="json").json()
    assert "closed_on" in body
    assert MediationCase.objects.get(pk=clinics.a2.pk).outcome == Outcome.OPEN


@pytest.mark.parametrize(("who", "status"), [("leader", 403), ("deputy_a", 403), ("town_b", 404)])
def test_closing_is_refused_outside_change_scope(cast, clinics, api_for, who, status):
    response = api_for(who).post(f"{CASES}{clinics.a1.pk}/outcome/", {"outcome": "resolved"}, format="json")
    assert response.status_code == status
    assert MediationCase.objects.get(pk=clinics.a1.pk).outcome == Outcome.OPEN


def test_attaching_the_agreement_through_the_api(cast, clinics, api_for):
    url = f"{CASES}{clinics.a2.pk}/agreement/"
    client = api_for("town_a")
    response = client.post(
        url, {"files": [upload("协议.pdf", pdf_bytes(), "application/pdf")]}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    assert [a["name"] for a in response.json()["agreements"]] == ["协议.pdf"]
    assert "files" in client.post(url, {}, format="multipart").json()
    bad = client.post(
        url, {"files": [upload("x.pdf", b"not a pdf at all", "application/pdf")]}, format="multipart"
    )
    assert bad.status_code == 400
    assert "files" in bad.json()


def test_clinics_through_the_api(cast, clinics, api_for):
    response = api_for("town_a").post(
        "/api/v1/law-clinics/",
        {"name": "二号诊所", "town": cast.towns["a"].pk, "mediators": [cast.deputies["a2"].pk]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    clinic = LawClinic.objects.get(name="二号诊所")
    assert list(clinic.mediators.all()) == [cast.deputies["a2"]]
    response = api_for("town_a").patch(
        f"/api/v1/law-clinics/{clinic.pk}/", {"mediators": [cast.deputies["b"].pk]}, format="json"
    )
    assert response.status_code == 400
    assert "mediators" in response.json()
    names = {row["name"] for row in api_for("deputy_b").get("/api/v1/law-clinics/").json()["results"]}
    assert names == {"九集法治诊所"}
