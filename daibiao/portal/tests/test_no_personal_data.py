"""No personal data on any public page or in any public API answer.

Every view marked ``public = True`` is found in the URLconf (so a public view added later is
scanned too) and fetched for a world that holds citizens' phones and names, ID numbers, the
deputies' phones and a confidential reply; none of them may appear, while the masked forms
do (so the scan is not looking at empty pages)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from daibiao.core.services import save_record
from daibiao.registry.models import StationDuty
from daibiao.suggestions import services as loop
from daibiao.suggestions.models import Clue
from daibiao.suggestions.services import public
from tests.urlconf import all_endpoints

from .loop import reply_to_citizen

pytestmark = pytest.mark.django_db

PUBLIC = [e for e in all_endpoints() if getattr(e.view_class, "public", False) is True]

CITIZEN_PHONE = "13812345678"
RAISER_PHONE = "13911112222"
OTHER_PHONE = "13711113333"
COMMENT_PHONE = "13655554444"
ID_NUMBER = "420624198001011234"
NAMES = ("张三丰", "李四光")
SECRET = "绝密内容甲乙丙"


@pytest.fixture
def world(cast):
    """A citizen's clue (phone, an ID number in the text) replied and answered with a phone in
    the comment; a deputy's clue raised by two named villagers whose reply names them; a
    confidential reply; a roster."""
    station = cast.stations["a"]
    station.address, station.phone = "武安镇人民路1号", "0710-5551234"
    save_record(station, actor=None)
    save_record(
        StationDuty(station=station, deputy=cast.deputies["a"], on_date=station.created_at.date()), actor=None
    )
    citizen = public.submit_public_clue(
        content=f"村口路灯坏了，我身份证{ID_NUMBER}，电话{CITIZEN_PHONE}。",
        village=cast.villages["a"],
        station=station,
        contact_phone=CITIZEN_PHONE,
    )
    reply_to_citizen(cast, citizen, text=f"已修复。请联系{OTHER_PHONE}。")
    public.record_citizen_feedback(citizen, answer="partly", comment=f"还有一盏不亮，打我电话{COMMENT_PHONE}")
    raised = loop.create_clue(
        actor=cast.users["deputy_a"],
        title=f"{NAMES[0]}家门口排水沟堵塞",
        content=f"村民{NAMES[0]}、{NAMES[1]}反映排水沟堵塞，身份证{ID_NUMBER}，电话{RAISER_PHONE}。",
        town=cast.towns["a"],
        raised_by=f"村民{NAMES[0]}、{NAMES[1]}",
        contact_phone=RAISER_PHONE,
    )
    reply_to_citizen(cast, raised, text=f"已疏通{NAMES[0]}、{NAMES[1]}家门口排水沟，回访电话{RAISER_PHONE}。")
    secret = public.submit_public_clue(
        content="一件需要保密的事情", village=cast.villages["a"], station=station
    )
    reply_to_citizen(cast, secret, text=SECRET, confidential=True)
    return {
        "citizen": Clue.objects.get(pk=citizen.pk),
        "raised": Clue.objects.get(pk=raised.pk),
        "secret": secret,
    }


def forbidden(cast) -> list[str]:
    deputy_phones = [d.phone for d in cast.deputies.values()]
    return [
        CITIZEN_PHONE,
        RAISER_PHONE,
        OTHER_PHONE,
        COMMENT_PHONE,
        ID_NUMBER,
        *NAMES,
        SECRET,
        *deputy_phones,
    ]


def urls_of(endpoint, cast, world) -> list[tuple[str, dict]]:
    """Where to fetch ``endpoint`` for the world: every clue by its code and digits."""
    values = {}
    for name in endpoint.kwargs:
        if name == "pk":
            values[name] = (cast.deputies if "deputy" in endpoint.name else cast.stations)["a"].pk
        elif name == "code":
            values[name] = None
        else:
            pytest.fail(f"{endpoint.name}: the scan does not know how to fill <{name}>")
    if "code" in values:
        clues = [(c.tracking_code, c.contact_phone[-4:]) for c in world.values()]
        return [(endpoint.url(**{**values, "code": code}), {"phone_last4": last4}) for code, last4 in clues]
    if endpoint.name == "portal:track":
        return [
            (endpoint.url(), {"code": c.tracking_code, "phone_last4": c.contact_phone[-4:]})
            for c in world.values()
        ]
    if endpoint.name in ("portal:reply-list", "api:public-reply-list"):
        return [(endpoint.url(), {}), (endpoint.url(), {"search": "排水沟"})]
    return [(endpoint.url(**values), {})]


def test_the_scan_finds_the_public_pages_and_api():
    names = {e.name for e in PUBLIC}
    assert {
        "portal:home",
        "portal:station-list",
        "portal:station-detail",
        "portal:station-report",
        "portal:station-poster",
        "portal:deputy-report",
        "portal:track",
        "portal:reply-list",
        "api:public-clue-create",
        "api:public-clue-detail",
        "api:public-station-list",
        "api:public-reply-list",
    } <= names
    assert "portal:feedback-list" not in names  # staff only, behind the login


def test_no_public_page_or_api_answer_shows_personal_data(cast, world):
    seen = []
    for endpoint in PUBLIC:
        client = APIClient() if endpoint.is_api else Client()
        for url, params in urls_of(endpoint, cast, world):
            response = client.get(url, params)
            if response.status_code == 405:  # POST only: its answers are scanned below
                continue
            assert response.status_code == 200, (url, params, response.status_code)
            body = response.content.decode("utf-8", errors="replace")
            for value in forbidden(cast):
                assert value not in body, (url, params, value)
            seen.append(body)
    everything = "\n".join(seen)
    # The pages were not empty: the masked forms are there.
    assert "138****5678" in everything  # the citizen's phone, to the citizen
    assert "139****2222" in everything  # the villagers' phone in the reply
    assert "张*丰" in everything  # their names in the reply and the title
    assert "4****************4" in everything  # the ID number in the citizen's own text
    assert "136****4444" in everything  # the phone in the citizen's comment
    assert "王小明" in everything  # deputies are public officials


def test_the_answers_to_public_writes_show_no_personal_data(cast, world):
    from django.urls import reverse

    from daibiao.portal import challenge

    asked = challenge.new_challenge()
    a, b = (int(n) for n in re.findall(r"\d+", asked.question))
    body = {
        "station": cast.stations["a"].pk,
        "village": cast.villages["a"].pk,
        "content": f"路面塌陷，我叫{NAMES[0]}，电话{CITIZEN_PHONE}",
        "contact_phone": CITIZEN_PHONE,
        "challenge_token": asked.token,
        "challenge_answer": str(a + b),
    }
    created = APIClient().post("/api/v1/public/clues/", body, format="json")
    assert created.status_code == 201
    form = Client().get(reverse("portal:station-report", args=[cast.stations["a"].pk]))
    question = re.search(r'data-testid="label-challenge_answer">([^<]*)', form.content.decode())[1]
    a, b = (int(n) for n in re.findall(r"\d+", question))
    token = re.search(r'name="challenge_token" value="([^"]+)"', form.content.decode())[1]
    done = Client().post(
        reverse("portal:station-report", args=[cast.stations["a"].pk]),
        {**body, "challenge_token": token, "challenge_answer": str(a + b)},
    )
    assert 'data-testid="tracking-code"' in done.content.decode()
    citizen = world["citizen"]
    answered = Client().post(
        reverse("portal:track-feedback"),
        {"code": citizen.tracking_code, "phone_last4": "5678", "answer": "solved"},
    )
    for response in (created, done, answered):
        text = response.content.decode()
        for value in forbidden(cast):
            assert value not in text, (response.request["PATH_INFO"], value)
