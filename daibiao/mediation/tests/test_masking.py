"""Personal data: the parties' names and phones reach only the clinic's staff in full. An
out-of-clinic viewer (a leader, a station head) never sees a full name or phone number: not
on the pages, not in the export, not in the API, not in the change-log trail, not by search."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from daibiao.mediation import services
from daibiao.mediation.masking import PartyMasker, mask_names, mask_phones

from .conftest import PHONE_A, PHONE_B

pytestmark = pytest.mark.django_db

FULL = ["欧阳娜娜", "张三丰", "李四光", PHONE_A, PHONE_B]
MASKED = ["欧阳**", "张*丰", "李*光", "139****5678", "137****4321"]


def assert_masked(text: str) -> None:
    for value in FULL:
        assert value not in text, value
    for value in MASKED:
        assert value in text, value


def assert_full(text: str) -> None:
    for value in FULL:
        assert value in text, value


def test_mask_helpers_mask_every_name_and_number_in_a_field():
    assert mask_names("张三丰、李四光") == "张*丰、李*光"
    assert mask_names("欧阳娜娜, 王五") == "欧阳**, 王*"
    assert mask_phones("13912345678；0710-1234567") == "139****5678；0710-***4567"
    assert mask_names("") == mask_phones("") == ""


def test_who_counts_as_the_clinics_staff(cast, clinics):
    def full(name, case):
        return PartyMasker(cast.users[name]).sees_full(case)

    assert full("county", clinics.a1)
    assert full("admin", clinics.b1)
    assert full("town_a", clinics.a1)
    assert not full("town_a", clinics.b1)
    assert full("deputy_a", clinics.a1)  # a mediator of the clinic, though not on this case
    assert not full("deputy_a", clinics.b1)
    assert not full("leader", clinics.a1)
    assert not full("station_a", clinics.a1)


@pytest.mark.parametrize("who", ["leader", "station_a"])
def test_out_of_clinic_viewers_see_the_case_page_masked(cast, clinics, client_for, who):
    response = client_for(who).get(clinics.a1.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert_masked(html)
    assert "调解协议书.pdf" not in html  # the agreement names the parties: not offered either


@pytest.mark.parametrize("who", ["town_a", "county", "deputy_a"])
def test_the_clinics_staff_see_the_case_page_in_full(cast, clinics, client_for, who):
    html = client_for(who).get(clinics.a1.get_absolute_url()).content.decode()
    assert_full(html)
    assert "调解协议书.pdf" in html


def test_the_list_page_is_masked_for_a_leader(cast, clinics, client_for):
    html = client_for("leader").get(reverse("mediation:case-list")).content.decode()
    assert "欧阳**" in html
    for value in FULL:
        assert value not in html


def test_the_export_is_masked_per_viewer(cast, clinics, client_for):
    def cells(who):
        response = client_for(who).get(reverse("mediation:case-list"), {"export": "xlsx"})
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        return " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)

    assert_masked(cells("leader"))
    assert_full(cells("town_a"))


def test_the_api_is_masked_for_a_leader_and_full_for_the_town(cast, clinics, api_for):
    url = reverse("api:mediation-case-detail", args=[clinics.a1.pk])
    leader = api_for("leader").get(url)
    assert leader.status_code == 200
    assert leader.json()["parties_masked"] is True
    assert leader.json()["agreements"] == []
    assert_masked(leader.content.decode())
    listed = api_for("leader").get(reverse("api:mediation-case-list")).content.decode()
    for value in FULL:
        assert value not in listed
    town = api_for("town_a").get(url).json()
    assert town["parties_masked"] is False
    assert town["party_a_phone"] == PHONE_A
    assert len(town["agreements"]) == 1


def test_the_summary_and_outcome_note_are_redacted_for_a_leader(cast, clinics, client_for, api_for):
    services.record_outcome(
        clinics.a1, actor=cast.users["town_a"], outcome="resolved", note="欧阳娜娜同意赔偿张三丰500元。"
    )
    body = api_for("leader").get(reverse("api:mediation-case-detail", args=[clinics.a1.pk])).json()
    assert "欧阳娜娜" not in body["summary"]
    assert PHONE_A not in body["summary"]
    assert "欧阳娜娜" not in body["outcome_note"]
    assert "张三丰" not in body["outcome_note"]
    assert "500元" in body["outcome_note"]


def test_the_change_history_is_masked_for_a_leader(cast, clinics, client_for):
    services.update_case(
        clinics.a1,
        actor=cast.users["town_a"],
        party_a_name="司马光",
        party_a_phone="13600001111",
        summary="司马光与张三丰因排水沟争执。",
    )
    html = client_for("leader").get(clinics.a1.get_absolute_url()).content.decode()
    for value in ("司马光", "13600001111", *FULL):
        assert value not in html, value
    assert "司马*" in html
    town = client_for("town_a").get(clinics.a1.get_absolute_url()).content.decode()
    assert "司马光" in town
    assert "欧阳娜娜" in town


def test_searching_by_a_party_finds_nothing_for_a_masked_viewer(cast, clinics, client_for, api_for):
    url = reverse("mediation:case-list")
    assert len(client_for("town_a").get(url, {"search": "欧阳娜娜"}).context["object_list"]) == 2
    assert len(client_for("leader").get(url, {"search": "欧阳娜娜"}).context["object_list"]) == 0
    assert len(client_for("leader").get(url, {"search": PHONE_A}).context["object_list"]) == 0
    api = reverse("api:mediation-case-list")
    assert api_for("leader").get(api, {"search": "张三丰"}).json()["count"] == 0
    assert api_for("county").get(api, {"search": "张三丰"}).json()["count"] == 3
