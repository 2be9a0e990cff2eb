"""The public API: no authentication, the same limits and challenge as the pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from daibiao.core.services import save_record
from daibiao.core.testing.files import jpeg_bytes, upload
from daibiao.portal import challenge
from daibiao.portal.models import Attempt, Kind, Outcome
from daibiao.registry.models import LiaisonStation, StationDuty
from daibiao.suggestions.models import Attachment, CitizenFeedback, Clue
from daibiao.suggestions.services import public

from .loop import reply_to_citizen

pytestmark = pytest.mark.django_db

API = "/api/v1/public"


def solved() -> dict:
    """A fresh question, answered as a client that read it would."""
    asked = challenge.new_challenge()
    a, b = (int(n) for n in re.findall(r"\d+", asked.question))
    return {"challenge_token": asked.token, "challenge_answer": str(a + b)}


def clue_body(cast, key="a", **fields) -> dict:
    body = {
        "station": cast.stations[key].pk,
        "village": cast.villages[key].pk,
        "content": "村口路灯坏了半个月。",
        "contact_phone": "13812345678",
        **solved(),
    }
    body.update(fields)
    return body


def test_a_challenge_is_handed_out_and_answers_a_report(cast):
    client = APIClient()
    asked = client.get(f"{API}/challenge/")
    assert asked.status_code == 200
    data = asked.json()
    assert set(data) == {"question", "token", "expires_in"}
    a, b = (int(n) for n in re.findall(r"\d+", data["question"]))
    body = clue_body(cast, challenge_token=data["token"], challenge_answer=str(a + b))
    response = client.post(f"{API}/clues/", body, format="json")
    assert response.status_code == 201, response.content
    code = response.json()["tracking_code"]
    assert set(response.json()) == {"tracking_code"}
    clue = Clue.objects.get(tracking_code=code)
    assert clue.from_public
    assert clue.station_id == cast.stations["a"].pk


def test_a_report_with_photos_goes_as_multipart(cast):
    body = clue_body(cast)
    body["photos"] = [upload("现场.jpg", jpeg_bytes(), "image/jpeg")]
    response = APIClient().post(f"{API}/clues/", body, format="multipart")
    assert response.status_code == 201, response.content
    clue = Clue.objects.get(tracking_code=response.json()["tracking_code"])
    assert Attachment.objects.filter(clue=clue).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"challenge_answer": "99"}, "challenge_answer"),
        ({"challenge_token": "forged"}, "challenge_answer"),
        ({"content": "好"}, "content"),
        ({"contact_phone": "123"}, "contact_phone"),
        ({"village": None}, "village"),
    ],
)
def test_a_bad_report_is_refused_by_field(cast, change, field):
    response = APIClient().post(f"{API}/clues/", clue_body(cast, **change), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Clue.objects.filter(from_public=True).exists()


def test_a_village_of_another_town_is_refused(cast):
    response = APIClient().post(
        f"{API}/clues/", clue_body(cast, village=cast.villages["b"].pk), format="json"
    )
    assert response.status_code == 400
    assert "village" in response.json()


def test_an_answered_challenge_is_not_taken_twice(cast):
    body = clue_body(cast)
    assert APIClient().post(f"{API}/clues/", body, format="json").status_code == 201
    again = APIClient().post(f"{API}/clues/", body, format="json")
    assert again.status_code == 400
    assert "challenge_answer" in again.json()


@pytest.mark.parametrize("channel", ["api", "form"])
def test_a_thousand_reports_in_a_minute_from_one_address_stop_at_the_limit(cast, channel, monkeypatch):
    """1,000 reports from one address within a minute: the first few are taken, the rest get
    429 with a message in the visitor's language; another address still gets through; the
    log grows by a few rows, not a thousand."""
    from django.test import Client
    from django.urls import reverse

    start = timezone.now()
    clock = {"now": start}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    url = (
        f"{API}/clues/"
        if channel == "api"
        else reverse("portal:station-report", args=[cast.stations["a"].pk])
    )
    client = APIClient() if channel == "api" else Client()

    def send(i, address):
        clock["now"] = start + dt.timedelta(milliseconds=55 * i)  # 1,000 in 55 seconds
        body = clue_body(cast)
        body.pop("station") if channel == "form" else None
        if channel == "api":
            return client.post(url, body, format="json", REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="zh-hans")
        return client.post(url, body, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="zh-hans")

    statuses = [send(i, "203.0.113.7").status_code for i in range(1000)]
    limit = 5
    assert statuses[:limit] == [201 if channel == "api" else 200] * limit
    assert statuses[limit:] == [429] * (1000 - limit)
    refused = send(1000, "203.0.113.7")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    with translation.override("zh-hans"):
        expected = gettext("Too many requests from your network. Please try again in {minutes} minutes.")
    message = refused.json()["detail"] if channel == "api" else refused.content.decode()
    assert expected.split("{minutes}")[0] in message
    other = send(1001, "198.51.100.20")
    assert other.status_code == (201 if channel == "api" else 200)
    assert Clue.objects.filter(from_public=True).count() == limit + 1
    # A counter per outcome and minute (the flood spans two) and one for the other address.
    assert Attempt.objects.filter(kind=Kind.CLUE).count() <= 2 * 2 + 1
    refusals = Attempt.objects.filter(address="203.0.113.7", outcome=Outcome.REFUSED)
    assert sum(refusals.values_list("count", flat=True)) == 1000 + 1 - limit


def test_tracking_through_the_api_needs_the_right_suffix_and_is_the_same_404_otherwise(cast):
    clue = public.submit_public_clue(
        content="村口路灯坏了。",
        village=cast.villages["a"],
        station=cast.stations["a"],
        contact_phone="13812345678",
    )
    client = APIClient()
    found = client.get(f"{API}/clues/{clue.tracking_code}/", {"phone_last4": "5678"})
    assert found.status_code == 200
    data = found.json()
    assert data["tracking_code"] == clue.tracking_code
    assert data["status"] == "received"
    assert data["phone"] == "138****5678"
    assert [s["key"] for s in data["steps"]] == list(public.MAIN_STEPS)
    misses = [
        client.get(f"{API}/clues/{clue.tracking_code}/", {"phone_last4": "0000"}),
        client.get(f"{API}/clues/{clue.tracking_code}/"),
        client.get(f"{API}/clues/23456789AB/", {"phone_last4": "5678"}),
    ]
    assert {(m.status_code, m.content) for m in misses} == {(404, misses[0].content)}


def test_the_citizen_answers_through_the_api_once(cast):
    clue = public.submit_public_clue(
        content="村口路灯坏了。",
        village=cast.villages["a"],
        station=cast.stations["a"],
        contact_phone="13812345678",
    )
    client = APIClient()
    early = client.post(
        f"{API}/clues/{clue.tracking_code}/feedback/", {"phone_last4": "5678", "answer": "solved"}
    )
    assert early.status_code == 409
    reply_to_citizen(cast, clue)
    wrong = client.post(
        f"{API}/clues/{clue.tracking_code}/feedback/", {"phone_last4": "1111", "answer": "solved"}
    )
    assert wrong.status_code == 404
    response = client.post(
        f"{API}/clues/{clue.tracking_code}/feedback/",
        {"phone_last4": "5678", "answer": "not_solved", "comment": "还是不亮"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json() == {"answer": "not_solved", "flagged": True}
    again = client.post(
        f"{API}/clues/{clue.tracking_code}/feedback/", {"phone_last4": "5678", "answer": "solved"}
    )
    assert again.status_code == 409
    assert CitizenFeedback.objects.get(clue=clue).answer == "not_solved"
    progress = client.get(f"{API}/clues/{clue.tracking_code}/", {"phone_last4": "5678"}).json()
    assert progress["answer"] == "not_solved"
    assert progress["may_answer"] is False


def test_stations_list_every_station_with_its_public_details(cast):
    save_record(
        StationDuty(station=cast.stations["a"], deputy=cast.deputies["a"], on_date=timezone.localdate()),
        actor=None,
    )
    response = APIClient().get(f"{API}/stations/")
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.json()["results"]}
    row = rows[cast.stations["a"].name]
    assert sorted(row["deputies"]) == sorted(["王小明", "李春兰"])
    assert row["duties"][0]["deputy"] == "王小明"
    assert row["report_url"].endswith(f"/public/stations/{cast.stations['a'].pk}/report/")
    assert cast.deputies["a"].phone not in response.content.decode()
    only_b = APIClient().get(f"{API}/stations/", {"town": cast.towns["b"].pk}).json()["results"]
    assert [r["name"] for r in only_b] == [cast.stations["b"].name]


def test_replies_are_published_without_confidential_ones_and_searchable(cast):
    for content, text, secret in (("路灯坏了很久", "路灯已更换。", False), ("涉密事项一件", "涉密。", True)):
        clue = public.submit_public_clue(
            content=content, village=cast.villages["a"], station=cast.stations["a"]
        )
        reply_to_citizen(cast, clue, text=text, confidential=secret)
    data = APIClient().get(f"{API}/replies/").json()
    assert [r["text"] for r in data["results"]] == ["路灯已更换。"]
    assert data["results"][0]["unit"] == "县交通运输局"
    assert APIClient().get(f"{API}/replies/", {"search": "桥梁"}).json()["count"] == 0
    assert APIClient().get(f"{API}/replies/", {"search": "更换"}).json()["count"] == 1


def test_a_token_does_not_open_more_than_the_public_gets(cast, api_for):
    # Authentication is ignored: a staff token reads exactly what anybody reads.
    staff = api_for("county").get(f"{API}/stations/")
    anybody = APIClient().get(f"{API}/stations/")
    assert staff.json() == anybody.json()


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_public_lists_run_a_fixed_number_of_queries(cast):
    client = APIClient()
    reply_to_citizen(
        cast,
        public.submit_public_clue(
            content="第一个问题", village=cast.villages["a"], station=cast.stations["a"]
        ),
    )
    few = (count_queries(client, f"{API}/stations/"), count_queries(client, f"{API}/replies/"))
    for i in range(6):
        station = save_record(LiaisonStation(town=cast.towns["a"], name=f"联络站{i}"), actor=None)
        save_record(
            StationDuty(station=station, deputy=cast.deputies["a"], on_date=timezone.localdate()), actor=None
        )
        clue = public.submit_public_clue(
            content=f"问题{i}需要处理", village=cast.villages["a"], station=cast.stations["a"]
        )
        reply_to_citizen(cast, clue, text=f"答复{i}")
    many = (count_queries(client, f"{API}/stations/"), count_queries(client, f"{API}/replies/"))
    assert many == few
    assert max(many) <= 8
