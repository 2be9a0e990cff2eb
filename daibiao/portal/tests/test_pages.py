"""The public pages: stations, codes and posters, the report form, tracking, replies; and the
staff's list of citizens' answers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from daibiao.core.models import ChangeLog
from daibiao.core.services import save_record
from daibiao.core.testing.files import jpeg_bytes, upload
from daibiao.portal.models import Attempt, Kind
from daibiao.registry.models import LiaisonStation, StationDuty
from daibiao.suggestions.models import Attachment, CitizenFeedback, Clue
from daibiao.suggestions.services import public

from .loop import reply_to_citizen

pytestmark = pytest.mark.django_db


def answer(response) -> str:
    """The sum the page asks for, as the person reading it would work it out."""
    label = re.search(r'data-testid="label-challenge_answer">([^<]*)', response.content.decode())[1]
    a, b = (int(n) for n in re.findall(r"\d+", label))
    return str(a + b)


def token(response) -> str:
    return re.search(r'name="challenge_token" value="([^"]+)"', response.content.decode())[1]


def report(client, station, *, address="10.1.1.1", **fields):
    url = reverse("portal:station-report", args=[station.pk])
    form = client.get(url)
    data = {
        "content": "村口路灯坏了半个月。",
        "village": station.town.villages.first().pk,
        "category": "",
        "contact_phone": "13812345678",
        "challenge_token": token(form),
        "challenge_answer": answer(form),
    }
    data.update(fields)
    return client.post(url, data, REMOTE_ADDR=address)


# --- stations -------------------------------------------------------------------------------


def test_the_station_directory_lists_every_station_by_town_without_a_login(cast):
    response = Client().get(reverse("portal:station-list"))
    assert response.status_code == 200
    html = response.content.decode()
    for station in cast.stations.values():
        assert station.name in html
    only_b = Client().get(reverse("portal:station-list"), {"town": cast.towns["b"].pk}).content.decode()
    assert cast.stations["b"].name in only_b
    assert cast.stations["a"].name not in only_b
    found = Client().get(reverse("portal:station-list"), {"q": "九集"}).content.decode()
    assert cast.stations["b"].name in found
    assert cast.stations["a"].name not in found
    assert (
        gettext("No station matches.")
        in Client().get(reverse("portal:station-list"), {"q": "不存在"}).content.decode()
    )


def test_a_stations_page_shows_address_deputies_roster_and_code_but_no_deputy_phone(cast):
    station = cast.stations["a"]
    station.address, station.phone = "武安镇人民路1号", "0710-5551234"
    save_record(station, actor=None)
    save_record(
        StationDuty(station=station, deputy=cast.deputies["a2"], on_date=timezone.localdate()), actor=None
    )
    response = Client().get(reverse("portal:station-detail", args=[station.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "武安镇人民路1号" in html
    assert "0710-5551234" in html
    assert "王小明" in html
    assert "李春兰" in html
    assert cast.deputies["a"].phone not in html
    assert cast.deputies["a2"].phone not in html
    assert 'data-testid="duty"' in html
    assert reverse("portal:station-report", args=[station.pk]) in html
    assert reverse("portal:station-poster", args=[station.pk]) in html


def test_an_unknown_station_is_404(cast):
    assert Client().get(reverse("portal:station-detail", args=[999999])).status_code == 404
    assert Client().get(reverse("portal:station-report", args=[999999])).status_code == 404


def test_the_qr_codes_and_the_poster_open_the_report_form(cast):
    station = cast.stations["a"]
    png = Client().get(reverse("portal:station-qr-png", args=[station.pk]))
    assert png.status_code == 200
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    svg = Client().get(reverse("portal:station-qr-svg", args=[station.pk]), {"download": 1})
    assert svg["Content-Type"] == "image/svg+xml"
    assert "attachment" in svg["Content-Disposition"]
    poster = Client().get(reverse("portal:station-poster", args=[station.pk]))
    assert poster.status_code == 200
    root = ET.fromstring(poster.content)  # noqa: S314 — our own output
    assert root.get("width") == "210mm"
    assert root.get("height") == "297mm"
    texts = "".join(root.itertext())
    assert station.name in texts
    assert f"/public/stations/{station.pk}/report/" in texts
    assert root.find("{http://www.w3.org/2000/svg}svg") is not None  # the QR code, nested
    # A deputy's code and poster lead to the deputy's form; a former deputy has none.
    deputy = cast.deputies["a"]
    deputy_poster = Client().get(reverse("portal:deputy-poster", args=[deputy.pk]))
    assert "王小明" in "".join(ET.fromstring(deputy_poster.content).itertext())  # noqa: S314 — our own output
    assert Client().get(reverse("portal:deputy-qr-png", args=[deputy.pk])).status_code == 200
    deputy.status = "resigned"
    save_record(deputy, actor=None)
    assert Client().get(reverse("portal:deputy-qr-png", args=[deputy.pk])).status_code == 404


def test_a_station_name_with_markup_is_escaped_in_the_poster(cast):
    station = save_record(LiaisonStation(town=cast.towns["a"], name="<b>&站"), actor=None)
    poster = Client().get(reverse("portal:station-poster", args=[station.pk]))
    assert "<b>&站" in "".join(ET.fromstring(poster.content).itertext())  # noqa: S314 — our own output


# --- reporting ------------------------------------------------------------------------------


def test_a_report_through_the_form_gives_a_tracking_code(cast):
    client = Client()
    photo = upload("现场.jpg", jpeg_bytes((400, 300)), "image/jpeg")
    response = report(client, cast.stations["a"], photos=[photo], content="<i>路灯</i>坏了好多天")
    assert response.status_code == 200, response.content[:500]
    code = re.search(r'data-testid="tracking-code">(\w+)<', response.content.decode())[1]
    clue = Clue.objects.get(tracking_code=code)
    assert (clue.station_id, clue.from_public, clue.content) == (
        cast.stations["a"].pk,
        True,
        "路灯坏了好多天",
    )
    assert Attachment.objects.filter(clue=clue).count() == 1
    # The photo's bytes count against the day's total; the request was counted once.
    assert sum(Attempt.objects.filter(kind=Kind.CLUE).values_list("photo_bytes", flat=True)) > 0
    assert sum(Attempt.objects.filter(kind=Kind.CLUE).values_list("count", flat=True)) == 1
    # The submission is in the change log with the address it came from.
    assert ChangeLog.objects.for_object(clue).get(action="create").remote_addr == "10.1.1.1"


def test_a_wrong_answer_keeps_what_was_written_and_asks_again(cast):
    client = Client()
    response = report(client, cast.stations["a"], challenge_answer="99")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="error-challenge_answer"' in html
    assert "村口路灯坏了半个月。" in html
    assert not Clue.objects.filter(from_public=True).exists()


def test_the_same_answered_form_cannot_be_sent_twice(cast):
    client = Client()
    url = reverse("portal:station-report", args=[cast.stations["a"].pk])
    form = client.get(url)
    data = {
        "content": "村口路灯坏了半个月。",
        "village": cast.villages["a"].pk,
        "challenge_token": token(form),
        "challenge_answer": answer(form),
    }
    assert 'data-testid="tracking-code"' in client.post(url, data).content.decode()
    again = client.post(url, data)
    assert 'data-testid="error-challenge_answer"' in again.content.decode()
    assert Clue.objects.filter(from_public=True).count() == 1


def test_a_file_that_is_not_a_photo_is_refused(cast):
    response = report(
        Client(), cast.stations["a"], photos=[upload("a.jpg", b"MZ\x90\x00not a photo", "image/jpeg")]
    )
    assert 'data-testid="error-photos"' in response.content.decode()
    assert not Clue.objects.filter(from_public=True).exists()


def test_a_village_of_another_town_cannot_be_chosen(cast):
    response = report(Client(), cast.stations["a"], village=cast.villages["b"].pk)
    assert 'data-testid="error-village"' in response.content.decode()
    assert not Clue.objects.filter(from_public=True).exists()


def test_reports_from_one_address_are_refused_after_the_limit_with_429(cast):
    client = Client()
    for _ in range(5):
        assert report(client, cast.stations["a"]).status_code == 200
    refused = report(client, cast.stations["a"])
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert 'data-testid="rate-limited"' in refused.content.decode()
    assert report(client, cast.stations["a"], address="10.9.9.9").status_code == 200
    assert Clue.objects.filter(from_public=True).count() == 6


# --- tracking -------------------------------------------------------------------------------


def track(client, code, suffix, **extra):
    return client.get(reverse("portal:track"), {"code": code, "phone_last4": suffix}, **extra)


def test_tracking_shows_progress_reply_and_takes_the_answer(cast):
    clue = public.submit_public_clue(
        content="村口路灯坏了。",
        village=cast.villages["a"],
        station=cast.stations["a"],
        contact_phone="13812345678",
    )
    reply_to_citizen(cast, clue, text="已修复，可联系13900001111。")
    client = Client()
    html = track(client, clue.tracking_code, "5678").content.decode()
    assert 'data-status="replied"' in html
    assert "139****1111" in html
    assert "13900001111" not in html
    assert "138****5678" in html
    assert "13812345678" not in html
    assert 'data-testid="feedback-form"' in html
    response = client.post(
        reverse("portal:track-feedback"),
        {"code": clue.tracking_code, "phone_last4": "5678", "answer": "solved", "comment": "谢谢"},
    )
    assert response.status_code == 200
    assert 'data-testid="thanks"' in response.content.decode()
    assert CitizenFeedback.objects.get(clue=clue).answer == "solved"
    assert 'data-answer="solved"' in track(client, clue.tracking_code, "5678").content.decode()


def test_a_wrong_suffix_reads_exactly_like_a_wrong_code(cast):
    clue = public.submit_public_clue(
        content="村口路灯坏了。",
        village=cast.villages["a"],
        station=cast.stations["a"],
        contact_phone="13812345678",
    )
    client = Client()
    pages = [
        track(client, clue.tracking_code, "0000"),
        track(client, clue.tracking_code, ""),
        track(client, "23456789AB", "5678"),
    ]
    # Alike but for what was typed, which the form shows back.
    bodies = {re.sub(r' value="[^"]*"', "", p.content.decode()) for p in pages}
    assert len(bodies) == 1
    body = bodies.pop()
    assert 'data-testid="not-found"' in body
    assert "路灯" not in body
    feedback = client.post(
        reverse("portal:track-feedback"),
        {"code": clue.tracking_code, "phone_last4": "0000", "answer": "not_solved"},
    )
    assert feedback.status_code == 404
    assert not CitizenFeedback.objects.exists()


def test_lookups_are_rate_limited_too(cast):
    client = Client()
    for _ in range(30):
        assert track(client, "23456789AB", "1234").status_code == 200
    assert track(client, "23456789AB", "1234").status_code == 429


# --- replies and the staff's list -----------------------------------------------------------


def test_the_public_replies_list_is_searchable_and_leaves_out_confidential_items(cast):
    for content, text, secret in (("路灯坏了很久", "路灯已更换。", False), ("涉密事项一件", "涉密。", True)):
        clue = public.submit_public_clue(
            content=content, village=cast.villages["a"], station=cast.stations["a"]
        )
        reply_to_citizen(cast, clue, text=text, confidential=secret)
    html = Client().get(reverse("portal:reply-list")).content.decode()
    assert "路灯已更换。" in html
    assert "涉密" not in html
    assert (
        "路灯已更换。" not in Client().get(reverse("portal:reply-list"), {"search": "桥梁"}).content.decode()
    )
    assert "路灯已更换。" in Client().get(reverse("portal:reply-list"), {"search": "更换"}).content.decode()


def test_the_staff_list_of_answers_is_scoped_and_not_solved_comes_first(cast, client_for):
    for answer_given in ("solved", "not_solved"):
        clue = public.submit_public_clue(
            content="路灯坏了好久", village=cast.villages["a"], station=cast.stations["a"]
        )
        reply_to_citizen(cast, clue)
        public.record_citizen_feedback(clue, answer=answer_given)
    response = client_for("town_a").get(reverse("portal:feedback-list"))
    assert response.status_code == 200
    assert [f.answer for f in response.context["object_list"]] == ["not_solved", "solved"]
    assert list(client_for("town_b").get(reverse("portal:feedback-list")).context["object_list"]) == []
    flagged = client_for("county").get(reverse("portal:feedback-list"), {"flagged": "true"})
    assert [f.answer for f in flagged.context["object_list"]] == ["not_solved"]
    anonymous = Client().get(reverse("portal:feedback-list"))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))


# --- query budget ---------------------------------------------------------------------------


def queries(url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = Client().get(url, params or {})
    assert response.status_code == 200
    return len(captured)


def add_stations(cast, n):
    for i in range(n):
        station = save_record(LiaisonStation(town=cast.towns["a"], name=f"联络站{i}"), actor=None)
        save_record(
            StationDuty(station=station, deputy=cast.deputies["a"], on_date=timezone.localdate()), actor=None
        )


def add_replies(cast, n):
    for i in range(n):
        clue = public.submit_public_clue(
            content=f"问题{i}需要处理", village=cast.villages["a"], station=cast.stations["a"]
        )
        reply_to_citizen(cast, clue, text=f"答复{i}")


@pytest.mark.parametrize(
    ("name", "grow"),
    [
        ("portal:station-list", add_stations),
        ("portal:reply-list", add_replies),
        ("portal:home", add_stations),
    ],
)
def test_public_lists_run_as_many_queries_for_many_rows_as_for_few(cast, name, grow):
    grow(cast, 2)
    few = queries(reverse(name))
    grow(cast, 8)
    assert queries(reverse(name)) == few <= 8


def test_a_stations_page_runs_a_fixed_number_of_queries(cast):
    url = reverse("portal:station-detail", args=[cast.stations["a"].pk])
    few = queries(url)
    for _ in range(5):
        save_record(
            StationDuty(
                station=cast.stations["a"],
                deputy=cast.deputies["a2"],
                on_date=timezone.localdate() + timezone.timedelta(days=_ + 1),
            ),
            actor=None,
        )
    assert queries(url) == few <= 8


def test_tracking_runs_a_fixed_number_of_queries(cast):
    clue = public.submit_public_clue(
        content="村口路灯坏了。", village=cast.villages["a"], station=cast.stations["a"]
    )
    reply_to_citizen(cast, clue)
    url = reverse("portal:track")
    assert queries(url, {"code": clue.tracking_code, "phone_last4": ""}) <= 20


def test_a_report_through_a_deputys_code_is_that_deputys_even_without_a_station(cast):
    deputy = cast.deputies["a2"]
    deputy.station = None
    save_record(deputy, actor=None)
    client = Client()
    url = reverse("portal:deputy-report", args=[deputy.pk])
    form = client.get(url)
    assert "李春兰" in form.content.decode()
    response = client.post(
        url,
        {
            "content": "村口路灯坏了半个月。",
            "village": cast.villages["a"].pk,
            "challenge_token": token(form),
            "challenge_answer": answer(form),
        },
    )
    code = re.search(r'data-testid="tracking-code">(\w+)<', response.content.decode())[1]
    clue = Clue.objects.get(tracking_code=code)
    assert clue.recorded_by_id == deputy.pk
    assert clue.station_id is None
    assert clue.town_id == cast.towns["a"].pk
    poster = Client().get(reverse("portal:deputy-poster", args=[deputy.pk]))
    assert poster.status_code == 200


def test_the_link_from_the_code_page_asks_for_the_digits_before_looking_up(cast):
    clue = public.submit_public_clue(
        content="村口路灯坏了。",
        village=cast.villages["a"],
        station=cast.stations["a"],
        contact_phone="13812345678",
    )
    html = Client().get(reverse("portal:track"), {"code": clue.tracking_code}).content.decode()
    assert 'data-testid="not-found"' not in html
    assert f'value="{clue.tracking_code}"' in html
    assert not Attempt.objects.filter(kind=Kind.LOOKUP).exists()


def test_a_request_larger_than_any_honest_report_is_refused_whole(cast, monkeypatch):
    from daibiao.portal import views

    monkeypatch.setattr(views, "REQUEST_MAX_BYTES", 2000)
    photo = upload("现场.jpg", jpeg_bytes((400, 300)), "image/jpeg")
    response = report(Client(), cast.stations["a"], photos=[photo])
    assert response.status_code == 413
    assert 'data-testid="form-errors"' in response.content.decode()
    assert not Clue.objects.filter(from_public=True).exists()
    assert not Attachment.objects.filter(clue__from_public=True).exists()


def test_a_photo_over_the_portals_size_cap_is_refused(cast, monkeypatch):
    from daibiao.portal import views

    monkeypatch.setattr(views, "PHOTO_MAX_BYTES", 1000)
    photo = upload("现场.jpg", jpeg_bytes((400, 300)), "image/jpeg")
    response = report(Client(), cast.stations["a"], photos=[photo])
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in response.content.decode()
    assert not Clue.objects.filter(from_public=True).exists()


def test_photos_beyond_the_days_total_are_refused_and_the_report_can_go_without(cast, settings):
    settings.PORTAL_DAILY_PHOTO_BYTES = 100
    photo = upload("现场.jpg", jpeg_bytes((400, 300)), "image/jpeg")
    response = report(Client(), cast.stations["a"], photos=[photo])
    assert 'data-testid="error-photos"' in response.content.decode()
    assert not Clue.objects.filter(from_public=True).exists()
    assert 'data-testid="tracking-code"' in report(Client(), cast.stations["a"]).content.decode()
