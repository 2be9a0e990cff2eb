"""Taking up a citizen's clue (接办), the step that closes the portal's loop: the deputies of
the station read the reports waiting there (on the hub and on their page, the phone masked)
and one of them takes each up; the town's presidium may hand one to a deputy from the clue's
page; the API does the same. What the citizens answered on the portal shows on the clue's and
the suggestion's pages, to whoever reads the clue."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext, override
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from daibiao.accounts.choices import Role
from daibiao.accounts.services import create_user
from daibiao.core.models import ChangeLog
from daibiao.core.testing.cast import PASSWORD
from daibiao.core.testing.files import photo
from daibiao.portal.tests.loop import reply_to_citizen
from daibiao.registry.choices import DeputyStatus, Gender, Level
from daibiao.registry.models import Deputy
from daibiao.registry.services import save_deputy
from daibiao.suggestions.models import Clue
from daibiao.suggestions.services import public

pytestmark = pytest.mark.django_db

HOME = reverse("home")
MINE = reverse("suggestions:mine")
PHONE = "13812345678"
MASKED = "138****5678"
TOO_LATE = "This clue has been taken up already, or is no longer open."


def raise_clue(cast, key="a", content="村口路灯坏了半个月，晚上看不见路。", photos=1, **fields):
    values = {
        "content": content,
        "village": cast.villages[key],
        "station": cast.stations[key],
        "contact_phone": PHONE,
        "photos": [photo() for _ in range(photos)],
    }
    values.update(fields)
    return public.submit_public_clue(**values)


def take_up_url(clue) -> str:
    return reverse("suggestions:clue-take-up", args=[clue.pk])


def api_url(clue) -> str:
    return reverse("api:clue-take-up", args=[clue.pk])


def fresh(clue) -> Clue:
    return Clue.objects.get(pk=clue.pk)


def said(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def in_chinese(msgid: str) -> str:
    with override("zh-hans"):
        return gettext(msgid)


@pytest.fixture
def colleague(cast):
    """A login for 李春兰, the other deputy of 武安镇's station."""
    return create_user(
        "deputy_a2",
        actor=None,
        password=PASSWORD,
        roles=[Role.DEPUTY],
        county=cast.county,
        deputy=cast.deputies["a2"],
        town=cast.towns["a"],
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_as(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def waiting_pks(response, testid="waiting-clue") -> list[int]:
    html = response.content.decode()
    return [int(pk) for pk in re.findall(rf'data-testid="{testid}" data-pk="(\d+)"', html)]


# --- what the deputies of the station read ------------------------------------------------


def test_the_stations_deputy_sees_the_waiting_report_on_the_hub_with_the_phone_masked(cast, client_for):
    clue = raise_clue(cast, content="村口路灯坏了半个月。请打13900001111联系我。", photos=2)
    response = client_for("deputy_a").get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="hub-waiting"' in html
    assert waiting_pks(response) == [clue.pk]
    assert response.context["waiting_reports_count"] == 1
    assert MASKED in html
    assert PHONE not in html
    assert "139****1111" in html
    assert "13900001111" not in html
    assert cast.villages["a"].name in html
    assert 'data-testid="waiting-photos" data-n="2"' in html
    assert f'action="{take_up_url(clue)}"' in html


def test_a_number_cut_in_two_by_the_title_is_masked_all_the_same(cast, client_for):
    clue = raise_clue(cast, content="村口路灯坏了半个月，晚上看不见路。联系我13900001111", photos=0)
    assert clue.title.endswith("…")  # the title cuts the number
    for url in (HOME, MINE):
        html = client_for("deputy_a").get(url).content.decode()
        assert "139****1111" in html, url
        assert "1390000" not in html, url


def test_the_stations_deputy_sees_every_waiting_report_on_his_page_a_page_at_a_time(cast, client_for):
    clues = [raise_clue(cast, content=f"第{i}个问题：村口路灯坏了。", photos=0) for i in range(12)]
    client = client_for("deputy_a")
    first = client.get(MINE)
    assert first.status_code == 200
    assert first.context["waiting_page"].paginator.count == 12
    newest_first = [c.pk for c in reversed(clues)]
    assert waiting_pks(first) == newest_first[:10]
    assert MASKED in first.content.decode()
    assert PHONE not in first.content.decode()
    second = client.get(MINE, {"page": 2})
    assert waiting_pks(second) == newest_first[10:]


def test_the_hub_shows_the_newest_few_and_links_to_the_rest(cast, client_for):
    clues = [raise_clue(cast, content=f"第{i}个问题：水沟堵了。", photos=0) for i in range(7)]
    response = client_for("deputy_a").get(HOME)
    assert waiting_pks(response) == [c.pk for c in reversed(clues)][:5]
    assert response.context["waiting_reports_count"] == 7
    assert 'data-testid="hub-waiting-all"' in response.content.decode()


def test_nothing_waits_for_the_deputies_of_another_station_nor_for_other_roles(cast, client_for):
    raise_clue(cast)
    assert waiting_pks(client_for("deputy_b").get(HOME)) == []
    assert waiting_pks(client_for("deputy_b").get(MINE)) == []
    assert 'data-testid="hub-waiting"' not in client_for("station_a").get(HOME).content.decode()


# --- a deputy takes it up -----------------------------------------------------------------


def test_a_deputy_of_the_station_takes_it_up_and_it_becomes_his_clue(cast, client_for):
    clue = raise_clue(cast)
    client = client_for("deputy_a")
    response = client.post(take_up_url(clue), {"next": f"{HOME}#waiting"})
    assert response.status_code == 302
    assert response["Location"] == clue.get_absolute_url()
    assert [level for level, _ in said(response)] == ["success"]
    clue = fresh(clue)
    assert clue.recorded_by_id == cast.deputies["a"].pk
    assert clue.taken_up_at is not None
    assert ChangeLog.objects.for_object(clue).filter(actor=cast.users["deputy_a"], action="update").exists()
    # His own now: among his clues, no longer waiting, and its page shows the phone in full.
    mine = client.get(MINE)
    assert clue.pk in [c.pk for c in mine.context["my_clues"]]
    assert waiting_pks(mine) == []
    assert waiting_pks(client.get(HOME)) == []
    page = client.get(clue.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="from-public"' in html
    assert 'data-testid="taken-up"' in html
    assert cast.deputies["a"].name in html
    assert PHONE in html
    # The tracking code is the presidium's to see, not the deputy's.
    assert clue.tracking_code not in html
    assert 'data-testid="hand-over"' not in html


def test_a_second_deputy_who_is_too_late_is_told_so_and_sent_back(cast, client_for, colleague):
    clue = raise_clue(cast)
    late = logged_in(colleague)
    assert waiting_pks(late.get(MINE)) == [clue.pk]  # both read it waiting
    assert client_for("deputy_a").post(take_up_url(clue)).status_code == 302
    response = late.post(take_up_url(clue), {"next": f"{MINE}#waiting"})
    assert response.status_code == 302
    assert response["Location"] == f"{MINE}#waiting"
    assert said(response) == [("error", in_chinese(TOO_LATE))]
    assert fresh(clue).recorded_by_id == cast.deputies["a"].pk
    # And without a ``next``, back to his page (the clue is not his to read).
    response = late.post(take_up_url(clue))
    assert response["Location"] == MINE


def test_a_deputy_of_another_station_gets_404_and_changes_nothing(cast, client_for, api_for):
    clue = raise_clue(cast)
    assert client_for("deputy_b").post(take_up_url(clue)).status_code == 404
    assert api_for("deputy_b").post(api_url(clue), {}, format="json").status_code == 404
    assert fresh(clue).recorded_by_id is None


def test_a_deputy_no_longer_serving_may_not_take_it_up(cast, colleague):
    clue = raise_clue(cast)
    deputy = cast.deputies["a2"]
    Deputy.objects.filter(pk=deputy.pk).update(status=DeputyStatus.RESIGNED)
    response = logged_in(colleague).post(take_up_url(clue))
    assert response.status_code == 302
    assert [level for level, _ in said(response)] == ["error"]
    assert fresh(clue).recorded_by_id is None


@pytest.mark.parametrize("role", ["town_b", "unit_a", "unit_b", "leader"])
def test_others_out_of_reach_get_404(cast, client_for, api_for, role):
    clue = raise_clue(cast)
    if role == "leader":  # the county's leader reads it, and may not take it up
        response = client_for(role).post(take_up_url(clue))
        assert response.status_code == 302
        assert api_for(role).post(api_url(clue), {}, format="json").status_code == 400
    else:
        assert client_for(role).post(take_up_url(clue)).status_code == 404
        assert api_for(role).post(api_url(clue), {}, format="json").status_code == 404
    assert fresh(clue).recorded_by_id is None


def test_anonymous_is_sent_to_log_in(cast):
    clue = raise_clue(cast)
    response = Client().post(take_up_url(clue))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")
    assert APIClient().post(api_url(clue), {}, format="json").status_code == 401
    assert fresh(clue).recorded_by_id is None


def test_a_get_is_not_an_action(cast, client_for):
    clue = raise_clue(cast)
    assert client_for("deputy_a").get(take_up_url(clue)).status_code == 405
    assert fresh(clue).recorded_by_id is None


# --- the presidium hands it to a deputy ---------------------------------------------------


def test_town_staff_hand_it_to_a_deputy_through_the_clue_page(cast, client_for):
    clue = raise_clue(cast)
    other_station = save_deputy(
        Deputy(name="孙立", gender=Gender.MALE, phone="13700000001", town=cast.towns["a"]),
        actor=None,
        mandates=[{"level": Level.TOWN, "term": ""}],
    )
    client = client_for("town_a")
    page = client.get(clue.get_absolute_url())
    html = page.content.decode()
    assert 'data-testid="hand-over"' in html
    assert 'data-testid="from-public"' in html
    assert clue.tracking_code in html  # the presidium sees the code
    offered = list(page.context["hand_over_form"].fields["deputy"].queryset)
    # The serving deputies of the town, the station's first.
    assert set(offered[:2]) == {cast.deputies["a"], cast.deputies["a2"]}
    assert offered[2:] == [other_station]
    response = client.post(take_up_url(clue), {"take_up-deputy": cast.deputies["a2"].pk})
    assert response.status_code == 302
    assert response["Location"] == clue.get_absolute_url()
    assert [level for level, _ in said(response)] == ["success"]
    assert fresh(clue).recorded_by_id == cast.deputies["a2"].pk
    html = client.get(clue.get_absolute_url()).content.decode()
    assert 'data-testid="hand-over"' not in html
    assert cast.deputies["a2"].name in html


def test_the_presidiums_refusals_are_messages_on_the_clue_page(cast, client_for):
    clue = raise_clue(cast)
    for data in ({}, {"take_up-deputy": cast.deputies["b"].pk}, {"take_up-deputy": "x"}):
        response = client_for("town_a").post(take_up_url(clue), data)
        assert response.status_code == 302, data
        assert response["Location"] == clue.get_absolute_url()
        assert [level for level, _ in said(response)] == ["error"], data
    assert fresh(clue).recorded_by_id is None
    # County staff may hand it to a deputy of the clue's town only.
    response = client_for("county").post(take_up_url(clue), {"take_up-deputy": cast.deputies["b"].pk})
    assert [level for level, _ in said(response)] == ["error"]
    assert fresh(clue).recorded_by_id is None
    response = client_for("county").post(take_up_url(clue), {"take_up-deputy": cast.deputies["a"].pk})
    assert [level for level, _ in said(response)] == ["success"]
    assert fresh(clue).recorded_by_id == cast.deputies["a"].pk


def test_only_the_presidium_gets_the_hand_over_form(cast, client_for):
    clue = raise_clue(cast)
    for role in ("leader", "station_a"):
        response = client_for(role).get(clue.get_absolute_url())
        assert response.status_code == 200, role
        html = response.content.decode()
        assert 'data-testid="hand-over"' not in html, role
        assert 'data-testid="waiting-for-deputy"' in html, role
        assert clue.tracking_code not in html, role
        assert PHONE not in html, role
        assert MASKED in html, role
    # A deputy's own clue is no citizen's: nothing to hand over.
    html = client_for("town_a").get(cast.clues["a"].get_absolute_url()).content.decode()
    assert 'data-testid="hand-over"' not in html
    assert 'data-testid="from-public"' not in html


def test_town_staff_of_another_town_get_404(cast, client_for):
    clue = raise_clue(cast)
    response = client_for("town_b").post(take_up_url(clue), {"take_up-deputy": cast.deputies["a"].pk})
    assert response.status_code == 404
    assert fresh(clue).recorded_by_id is None


# --- the API ------------------------------------------------------------------------------


def test_the_api_takes_it_up_for_the_deputy_and_answers_with_the_clue(cast, api_for, colleague):
    clue = raise_clue(cast)
    response = api_for("deputy_a").post(api_url(clue), {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["recorded_by"], body["from_public"]) == (clue.pk, cast.deputies["a"].pk, True)
    assert body["taken_up_at"]
    assert body["contact_phone"] == PHONE  # his clue now
    late = api_as(colleague).post(api_url(clue), {}, format="json")
    assert late.status_code == 409
    assert late.json() == {"detail": in_chinese(TOO_LATE)}
    assert fresh(clue).recorded_by_id == cast.deputies["a"].pk


def test_the_api_lets_the_presidium_hand_it_over_with_field_errors_for_bad_input(cast, api_for):
    clue = raise_clue(cast)
    client = api_for("town_a")
    missing = client.post(api_url(clue), {}, format="json")
    assert missing.status_code == 400
    assert set(missing.json()) == {"deputy"}
    other_town = client.post(api_url(clue), {"deputy": cast.deputies["b"].pk}, format="json")
    assert other_town.status_code == 400
    assert set(other_town.json()) == {"deputy"}
    assert fresh(clue).recorded_by_id is None
    response = client.post(api_url(clue), {"deputy": cast.deputies["a2"].pk}, format="json")
    assert response.status_code == 200
    assert response.json()["recorded_by"] == cast.deputies["a2"].pk
    again = client.post(api_url(clue), {"deputy": cast.deputies["a"].pk}, format="json")
    assert again.status_code == 409
    assert "detail" in again.json()
    assert fresh(clue).recorded_by_id == cast.deputies["a2"].pk


def test_a_clue_a_deputy_recorded_himself_is_not_taken_up(cast, api_for, client_for):
    clue = cast.clues["a"]
    before = fresh(clue).taken_up_at
    response = api_for("town_a").post(api_url(clue), {"deputy": cast.deputies["a2"].pk}, format="json")
    assert response.status_code == 409
    response = client_for("town_a").post(take_up_url(clue), {"take_up-deputy": cast.deputies["a2"].pk})
    assert [level for level, _ in said(response)] == ["error"]
    assert (fresh(clue).recorded_by_id, fresh(clue).taken_up_at) == (cast.deputies["a"].pk, before)


# --- query budget -------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [HOME, MINE])
def test_the_hub_and_the_deputys_page_run_as_many_queries_for_5_waiting_reports_as_for_1(
    cast, client_for, url
):
    client = client_for("deputy_a")
    raise_clue(cast, photos=1)
    one = count_queries(client, url)
    for i in range(4):
        raise_clue(cast, content=f"第{i}个问题：水沟堵了。", photos=2)
    assert count_queries(client, url) == one


def test_the_clue_and_suggestion_pages_run_as_many_queries_with_feedback_as_without(cast, client_for):
    clue = raise_clue(cast)
    suggestion = reply_to_citizen(cast, clue)
    client = client_for("town_a")
    urls = (clue.get_absolute_url(), suggestion.get_absolute_url())
    before = [count_queries(client, url) for url in urls]
    public.record_citizen_feedback(clue, answer="not_solved", comment="还是不亮")
    assert [count_queries(client, url) for url in urls] == before


# --- citizens' feedback on the staff pages ------------------------------------------------


def answered(cast, key="a", answer="not_solved", comment="还是不亮，请打13900001111找我。"):
    clue = raise_clue(cast, key)
    suggestion = reply_to_citizen(cast, clue, key)
    feedback = public.record_citizen_feedback(clue, answer=answer, comment=comment)
    return clue, suggestion, feedback


def test_the_citizens_not_solved_shows_highlighted_on_the_clue_and_the_suggestion(cast, client_for):
    clue, suggestion, _ = answered(cast)
    client = client_for("town_a")
    for url in (clue.get_absolute_url(), suggestion.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="citizen-feedback"' in html, url
        assert 'list-group-item-danger" data-testid="citizen-answer" data-answer="not_solved"' in html, url
        assert 'data-testid="citizen-flagged"' in html
        # The comment as the portal publishes it.
        assert "139****1111" in html
        assert "13900001111" not in html
    assert [f.answer for f in client.get(suggestion.get_absolute_url()).context["citizen_feedback"]] == [
        "not_solved"
    ]


def test_the_feedback_reaches_whoever_reads_the_clue_and_no_one_else(cast, client_for):
    clue, suggestion, _ = answered(cast, "a")
    _, other_suggestion, _ = answered(cast, "b", answer="solved", comment="")
    # The deputy who took it up and the unit that handles it read it; the other town does not.
    for role in ("deputy_a", "unit_a", "county"):
        response = client_for(role).get(clue.get_absolute_url())
        assert response.status_code == 200, role
        assert [f.clue_id for f in response.context["citizen_feedback"]] == [clue.pk], role
    assert client_for("town_b").get(clue.get_absolute_url()).status_code == 404
    assert client_for("town_b").get(suggestion.get_absolute_url()).status_code == 404
    response = client_for("town_b").get(other_suggestion.get_absolute_url())
    assert [f.answer for f in response.context["citizen_feedback"]] == ["solved"]
    assert 'data-answer="not_solved"' not in response.content.decode()


def test_no_feedback_card_before_a_citizen_answers(cast, client_for):
    clue = raise_clue(cast)
    suggestion = reply_to_citizen(cast, clue)
    for url in (clue.get_absolute_url(), suggestion.get_absolute_url()):
        assert 'data-testid="citizen-feedback"' not in client_for("town_a").get(url).content.decode()
