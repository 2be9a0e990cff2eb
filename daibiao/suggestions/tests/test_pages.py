"""The closed loop's pages, as each member of the cast sees them: who may open which page,
the steps taken through the forms (state moved, event written), the refusals (404 out of
scope, 403 for a role, a message on a conflict, errors on bad input), the Excel export and
the query budget of the list pages."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from daibiao.registry.models import County, Unit, Village
from daibiao.suggestions import services
from daibiao.suggestions.models import Clue, Event, Rating, Suggestion
from daibiao.suggestions.views import likely_same_problem

pytestmark = pytest.mark.django_db

LIST = reverse("suggestions:suggestion-list")
TRIAGE = reverse("suggestions:triage")
INBOX = reverse("suggestions:unit-inbox")
MINE = reverse("suggestions:mine")
CLUES = reverse("suggestions:clue-list")
CREATE = reverse("suggestions:suggestion-create")


def step_url(suggestion, step: str) -> str:
    return reverse(f"suggestions:suggestion-{step.replace('_', '-')}", args=[suggestion.pk])


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def message_levels(response) -> list[str]:
    return [m.level_tag for m in get_messages(response.wsgi_request)]


def step_buttons(response) -> set[str]:
    return {panel["step"] for panel in response.context["steps"]}


def drive_to_replied(cast, suggestion=None):
    """武安镇's suggestion, acknowledged and replied by its lead unit (through the services)."""
    suggestion = suggestion or cast.suggestions["a"]
    services.acknowledge_suggestion(suggestion, actor=cast.users["unit_a"])
    services.reply_to_suggestion(suggestion, actor=cast.users["unit_a"], category="A", text="已修复。")
    return fresh(suggestion)


# --- who may open which page ----------------------------------------------------------------

AUDIENCE = {
    LIST: {
        "county",
        "leader",
        "town_a",
        "town_b",
        "unit_a",
        "unit_b",
        "deputy_a",
        "deputy_b",
        "station_a",
        "admin",
    },
    CLUES: {
        "county",
        "leader",
        "town_a",
        "town_b",
        "unit_a",
        "unit_b",
        "deputy_a",
        "deputy_b",
        "station_a",
        "admin",
    },
    TRIAGE: {"county", "town_a", "town_b", "admin"},
    INBOX: {"unit_a", "unit_b"},
    MINE: {"deputy_a", "deputy_b"},
    CREATE: {"county", "town_a", "town_b", "deputy_a", "deputy_b", "admin"},
}
ROLES = (
    "county",
    "leader",
    "town_a",
    "town_b",
    "unit_a",
    "unit_b",
    "deputy_a",
    "deputy_b",
    "station_a",
    "admin",
)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", list(AUDIENCE))
def test_each_page_opens_for_its_roles_and_is_refused_to_the_others(cast, client_for, url, role):
    response = client_for(role).get(url)
    assert response.status_code == (200 if role in AUDIENCE[url] else 403)


@pytest.mark.parametrize("url", list(AUDIENCE))
def test_anonymous_users_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_list_links_to_the_desks_each_role_sits_at(cast, client_for):
    def links(role):
        html = client_for(role).get(LIST).content.decode()
        return {
            name
            for name in ("triage", "unit-inbox", "mine", "new-suggestion")
            if f'data-testid="link-{name}"' in html
        }

    assert links("town_a") == {"triage", "new-suggestion"}
    assert links("unit_a") == {"unit-inbox"}
    assert links("deputy_a") == {"mine", "new-suggestion"}
    assert links("leader") == set()


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_state_badges_and_marks_overdue_items(cast, client_for):
    suggestion = cast.suggestions["a"]
    Suggestion.objects.filter(pk=suggestion.pk).update(deadline=timezone.now() - dt.timedelta(days=1))
    html = client_for("county").get(LIST).content.decode()
    assert 'data-state="assigned"' in html
    assert 'data-state="submitted"' in html
    rows = html.split('data-testid="suggestion-row"')[1:]
    overdue = [row for row in rows if 'data-testid="overdue"' in row]
    assert len(overdue) == 1
    assert overdue[0].startswith(f' data-pk="{suggestion.pk}"')


def test_the_quick_tabs_filter_and_count(cast, client_for):
    client = client_for("county")
    response = client.get(LIST, {"state": "submitted"})
    assert [s.pk for s in response.context["object_list"]] == [cast.suggestions["b"].pk]
    tabs = {t["key"]: t for t in response.context["tabs"]}
    assert tabs["submitted"]["active"]
    assert (tabs["all"]["count"], tabs["submitted"]["count"], tabs["handling"]["count"]) == (2, 1, 1)
    response = client.get(LIST, {"state": ["assigned", "handling"]})
    assert [s.pk for s in response.context["object_list"]] == [cast.suggestions["a"].pk]
    assert {t["key"] for t in response.context["tabs"] if t["active"]} == {"handling"}


def test_the_export_holds_the_filtered_rows_only(cast, client_for):
    response = client_for("county").get(LIST, {"state": "submitted", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows[0]) == 12  # id … key supervision
    assert [r[1] for r in rows[1:]] == [cast.suggestions["b"].title]
    assert rows[1][0] == cast.suggestions["b"].pk


def test_the_clue_export_holds_the_users_clues_only(cast, client_for):
    response = client_for("town_a").get(CLUES, {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    titles = {r[1] for r in list(sheet.iter_rows(values_only=True))[1:]}
    assert titles == set(Clue.objects.filter(town=cast.towns["a"]).values_list("title", flat=True))


# --- the detail page ------------------------------------------------------------------------


def test_the_detail_is_404_outside_scope(cast, client_for):
    assert client_for("town_b").get(cast.suggestions["a"].get_absolute_url()).status_code == 404
    assert client_for("unit_a").get(cast.suggestions["b"].get_absolute_url()).status_code == 404


def test_the_detail_shows_the_story_and_only_the_allowed_buttons(cast, client_for):
    suggestion = cast.suggestions["a"]
    response = client_for("unit_a").get(suggestion.get_absolute_url())
    html = response.content.decode()
    assert 'data-testid="state" data-state="assigned"' in html
    assert "县交通运输局" in html  # the lead unit
    assert "县水利局" in html  # the co-unit
    assert html.count('data-testid="event"') == Event.objects.filter(suggestion=suggestion).count() == 3
    assert "武安镇村道破损" in html  # the clue it grew from
    assert step_buttons(response) == {"acknowledge", "return"}
    assert step_buttons(client_for("deputy_a").get(suggestion.get_absolute_url())) == {"withdraw"}
    assert step_buttons(client_for("town_a").get(suggestion.get_absolute_url())) == {"urge", "withdraw"}
    assert step_buttons(client_for("leader").get(suggestion.get_absolute_url())) == {"urge"}
    assert step_buttons(client_for("station_a").get(suggestion.get_absolute_url())) == set()


def test_the_assign_pickers_offer_only_units_in_scope(cast, client_for):
    other = County.objects.create(name="邻县")
    Unit.objects.create(county=other, name="邻县交通运输局")
    response = client_for("town_b").get(cast.suggestions["b"].get_absolute_url())
    form = next(p["form"] for p in response.context["steps"] if p["step"] == "assign")
    assert set(form.fields["lead_unit"].queryset.values_list("name", flat=True)) == {
        "县交通运输局",
        "县水利局",
    }


def test_the_merge_picker_offers_only_other_suggestions_in_scope(cast, client_for):
    mine = services.create_suggestion(
        actor=cast.users["town_b"], title="九集镇第二件", content="内容。", town=cast.towns["b"], submit=True
    )
    response = client_for("town_b").get(mine.get_absolute_url())
    form = next(p["form"] for p in response.context["steps"] if p["step"] == "merge")
    assert list(form.fields["into"].queryset) == [cast.suggestions["b"]]


# --- steps through the forms ----------------------------------------------------------------


def test_assigning_through_the_form_moves_the_state_and_writes_an_event(cast, client_for):
    suggestion = cast.suggestions["b"]
    deadline = timezone.localdate() + dt.timedelta(days=30)
    response = client_for("town_b").post(
        step_url(suggestion, "assign"),
        {
            "assign-lead_unit": cast.units["b"].pk,
            "assign-co_units": [cast.units["a"].pk],
            "assign-deadline": deadline.isoformat(),
            "assign-note": "请尽快办理。",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == suggestion.get_absolute_url()
    suggestion = fresh(suggestion)
    assert suggestion.state == "assigned"
    assert suggestion.lead_unit == cast.units["b"]
    assert timezone.localtime(suggestion.deadline).date() == deadline
    event = Event.objects.filter(suggestion=suggestion).latest("id")
    assert (event.step, event.from_state, event.to_state, event.note) == (
        "assign",
        "submitted",
        "assigned",
        "请尽快办理。",
    )
    assert event.actor == cast.users["town_b"]
    assert message_levels(response) == ["success"]


def test_acknowledging_from_the_inbox_returns_to_the_inbox(cast, client_for):
    suggestion = cast.suggestions["a"]
    client = client_for("unit_a")
    inbox = client.get(INBOX)
    assert [a.suggestion_id for a in inbox.context["rows"]] == [suggestion.pk]
    assert f'data-testid="ack-{suggestion.pk}"' in inbox.content.decode()
    response = client.post(step_url(suggestion, "acknowledge"), {"next": f"{INBOX}?tab=pending"})
    assert response.status_code == 302
    assert response["Location"] == f"{INBOX}?tab=pending"
    assert fresh(suggestion).state == "handling"
    assert Event.objects.filter(suggestion=suggestion, step="acknowledge").count() == 1
    assert client.get(INBOX).context["rows"] == []
    assert [a.suggestion_id for a in client.get(INBOX, {"tab": "handling"}).context["rows"]] == [
        suggestion.pk
    ]


def test_an_outside_next_is_ignored(cast, client_for):
    suggestion = cast.suggestions["a"]
    response = client_for("unit_a").post(
        step_url(suggestion, "acknowledge"), {"next": "https://evil.example/"}
    )
    assert response["Location"] == suggestion.get_absolute_url()


def test_another_towns_staff_get_404_and_change_nothing(cast, client_for):
    suggestion = cast.suggestions["a"]
    events = Event.objects.count()
    response = client_for("town_b").post(step_url(suggestion, "urge"), {"urge-text": "快办。"})
    assert response.status_code == 404
    assert Event.objects.count() == events


def test_a_deputy_pressing_assign_gets_403_and_changes_nothing(cast, client_for):
    suggestion = cast.suggestions["b"]
    response = client_for("deputy_b").post(
        step_url(suggestion, "assign"), {"assign-lead_unit": cast.units["a"].pk}
    )
    assert response.status_code == 403
    assert fresh(suggestion).state == "submitted"
    assert not Event.objects.filter(suggestion=suggestion, step="assign").exists()


def test_a_unit_replying_for_an_item_it_only_co_handles_gets_403(cast, client_for):
    suggestion = cast.suggestions["a"]
    services.acknowledge_suggestion(suggestion, actor=cast.users["unit_a"])
    response = client_for("unit_b").post(
        step_url(suggestion, "reply"), {"reply-category": "A", "reply-text": "好"}
    )
    assert response.status_code == 403
    assert fresh(suggestion).state == "handling"


def test_a_step_the_state_no_longer_allows_shows_a_message_and_goes_back(cast, client_for):
    suggestion = cast.suggestions["a"]  # assigned already
    response = client_for("town_a").post(
        step_url(suggestion, "assign"), {"assign-lead_unit": cast.units["b"].pk}
    )
    assert response.status_code == 302
    assert response["Location"] == suggestion.get_absolute_url()
    assert message_levels(response) == ["error"]
    assert fresh(suggestion).lead_unit == cast.units["a"]
    page = client_for("town_a").get(suggestion.get_absolute_url())
    assert page.status_code == 200


def test_wrong_input_shows_the_page_again_with_the_form_open_and_its_errors(cast, client_for):
    suggestion = cast.suggestions["a"]
    services.acknowledge_suggestion(suggestion, actor=cast.users["unit_a"])
    response = client_for("unit_a").post(
        step_url(suggestion, "reply"), {"reply-category": "A", "reply-text": ""}
    )
    assert response.status_code == 200
    panel = next(p for p in response.context["steps"] if p["step"] == "reply")
    assert panel["open"]
    assert "text" in panel["form"].errors
    assert 'data-testid="step-reply" open' in response.content.decode()
    assert fresh(suggestion).state == "handling"


def test_the_services_field_errors_land_on_the_form(cast, client_for):
    suggestion = cast.suggestions["b"]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client_for("town_b").post(
        step_url(suggestion, "assign"),
        {"assign-lead_unit": cast.units["a"].pk, "assign-deadline": yesterday.isoformat()},
    )
    assert response.status_code == 200
    panel = next(p for p in response.context["steps"] if p["step"] == "assign")
    assert "deadline" in panel["form"].errors
    assert fresh(suggestion).state == "submitted"


def test_a_unit_returning_its_lead_item_is_taken_to_the_list(cast, client_for):
    suggestion = cast.suggestions["a"]
    response = client_for("unit_a").post(
        step_url(suggestion, "return"), {"return-reason": "不属于本局职责。"}
    )
    assert response.status_code == 302
    assert response["Location"] == LIST
    assert fresh(suggestion).state == "submitted"


def test_the_whole_loop_through_the_forms(cast, client_for):
    suggestion = cast.suggestions["a"]
    unit, deputy, town = client_for("unit_a"), client_for("deputy_a"), client_for("town_a")
    assert unit.post(step_url(suggestion, "acknowledge")).status_code == 302
    assert (
        client_for("unit_b")
        .post(step_url(suggestion, "co_opinion"), {"co_opinion-text": "同意。"})
        .status_code
        == 302
    )
    assert unit.post(step_url(suggestion, "progress"), {"progress-text": "已勘查。"}).status_code == 302
    assert (
        unit.post(
            step_url(suggestion, "reply"), {"reply-category": "A", "reply-text": "已修好。"}
        ).status_code
        == 302
    )
    assert fresh(suggestion).state == "replied"
    assert "rate" in step_buttons(deputy.get(suggestion.get_absolute_url()))
    response = deputy.post(
        step_url(suggestion, "rate"),
        {"rate-attitude": "satisfied", "rate-result": "satisfied", "rate-comment": "好"},
    )
    assert response.status_code == 302
    assert fresh(suggestion).state == "rated"
    assert town.post(step_url(suggestion, "conclude"), {"conclude-note": ""}).status_code == 302
    assert (
        town.post(
            step_url(suggestion, "verify_implemented"), {"verify_implemented-evidence": "现场查看。"}
        ).status_code
        == 302
    )
    assert deputy.post(step_url(suggestion, "look_back"), {"look_back-finding": "完好。"}).status_code == 302
    assert fresh(suggestion).state == "implemented"
    steps = list(Event.objects.filter(suggestion=suggestion).values_list("step", flat=True))
    assert steps[-8:] == [
        "acknowledge",
        "co_opinion",
        "progress",
        "reply",
        "rate",
        "conclude",
        "verify_implemented",
        "look_back",
    ]
    html = deputy.get(suggestion.get_absolute_url()).content.decode()
    assert 'data-state="implemented"' in html
    assert html.count('data-testid="event"') == len(steps)


def test_the_extension_is_requested_and_decided_through_the_forms(cast, client_for):
    suggestion = cast.suggestions["a"]
    services.acknowledge_suggestion(suggestion, actor=cast.users["unit_a"])
    until = timezone.localtime(fresh(suggestion).deadline).date() + dt.timedelta(days=20)
    unit, town = client_for("unit_a"), client_for("town_a")
    assert "decide_extension" not in step_buttons(town.get(suggestion.get_absolute_url()))
    response = unit.post(
        step_url(suggestion, "request_extension"),
        {"request_extension-until": until.isoformat(), "request_extension-reason": "雨季施工困难。"},
    )
    assert response.status_code == 302
    assert "request_extension" not in step_buttons(unit.get(suggestion.get_absolute_url()))
    assert "decide_extension" in step_buttons(town.get(suggestion.get_absolute_url()))
    response = town.post(step_url(suggestion, "decide_extension"), {"decide_extension-approve": "yes"})
    assert response.status_code == 302
    assert timezone.localtime(fresh(suggestion).deadline).date() == until


# --- the triage board -----------------------------------------------------------------------


def test_the_board_merges_ticked_clues_into_a_submitted_suggestion(cast, client_for):
    deputy_a = cast.users["deputy_a"]
    first = cast.clues["a"]  # 武安镇路灯不亮
    second = services.create_clue(
        actor=deputy_a, title="村口路灯坏了", content="晚上看不见。", town=cast.towns["a"]
    )
    client = client_for("town_a")
    board = client.get(TRIAGE)
    assert {c.pk for c in board.context["clues"]} == {first.pk, second.pk}
    assert any({c.pk for c in g.clues} == {first.pk, second.pk} for g in board.context["groups"])
    response = client.post(
        TRIAGE,
        {
            "merge-clues": [first.pk, second.pk],
            "merge-title": "修复村口路灯",
            "merge-content": "建议修复。",
            "merge-tier": "town",
            "merge-category": "utilities",
            "merge-lead_deputy": "",
        },
    )
    assert response.status_code == 302
    suggestion = Suggestion.objects.get(title="修复村口路灯")
    assert response["Location"] == f"{suggestion.get_absolute_url()}?step=assign"
    assert suggestion.state == "submitted"
    page = client.get(response["Location"])
    assert [p["step"] for p in page.context["steps"] if p["open"]] == ["assign"]
    assert suggestion.lead_deputy == cast.deputies["a"]  # the first clue's recorder
    assert set(Clue.objects.filter(suggestion=suggestion).values_list("state", flat=True)) == {"merged"}
    assert client.get(TRIAGE).context["clues"] == []
    assert suggestion in client.get(TRIAGE).context["waiting"]


def test_the_board_wants_at_least_one_clue(cast, client_for):
    response = client_for("town_a").post(
        TRIAGE, {"merge-title": "x", "merge-content": "y", "merge-tier": "town", "merge-category": "other"}
    )
    assert response.status_code == 200
    assert "clues" in response.context["merge_form"].errors
    assert not Suggestion.objects.filter(title="x").exists()


def test_the_board_refuses_another_towns_clue(cast, client_for):
    response = client_for("town_a").post(
        TRIAGE,
        {
            "merge-clues": [cast.clues["b"].pk],
            "merge-title": "x",
            "merge-content": "y",
            "merge-tier": "town",
            "merge-category": "other",
        },
    )
    assert response.status_code == 200
    assert "clues" in response.context["merge_form"].errors
    assert fresh(cast.clues["b"]).state == "open"


def test_the_board_assigns_inline_and_comes_back(cast, client_for):
    suggestion = cast.suggestions["b"]
    client = client_for("town_b")
    assert [s.pk for s in client.get(TRIAGE).context["waiting"]] == [suggestion.pk]
    response = client.post(
        step_url(suggestion, "assign"),
        {"assign-lead_unit": cast.units["b"].pk, "assign-deadline": "", "next": TRIAGE},
    )
    assert response["Location"] == TRIAGE
    assert fresh(suggestion).state == "assigned"


def test_a_clue_is_solved_on_the_spot_or_dismissed(cast, client_for):
    client = client_for("town_a")
    clue = cast.clues["a"]
    response = client.post(
        reverse("suggestions:clue-solve", args=[clue.pk]), {"solve-outcome": "", "next": TRIAGE}
    )
    assert response.status_code == 200
    assert "outcome" in response.context["solve_form"].errors
    response = client.post(
        reverse("suggestions:clue-solve", args=[clue.pk]), {"solve-outcome": "当场换了灯泡。", "next": TRIAGE}
    )
    assert response["Location"] == TRIAGE
    assert fresh(clue).state == "solved"
    other = services.create_clue(
        actor=cast.users["deputy_a"], title="广场噪音", content="晚上跳舞。", town=cast.towns["a"]
    )
    response = client.post(
        reverse("suggestions:clue-dismiss", args=[other.pk]), {"dismiss-reason": "已协调。"}
    )
    assert response["Location"] == other.get_absolute_url()
    assert (fresh(other).state, fresh(other).outcome) == ("dismissed", "已协调。")


def test_closing_a_clue_is_refused_out_of_scope_or_role(cast, client_for):
    clue = cast.clues["a"]
    url = reverse("suggestions:clue-dismiss", args=[clue.pk])
    assert client_for("town_b").post(url, {"dismiss-reason": "x"}).status_code == 404
    assert client_for("station_a").post(url, {"dismiss-reason": "x"}).status_code == 403
    assert fresh(clue).state == "open"


def test_a_closed_clue_shows_a_message_when_closed_again(cast, client_for):
    clue = cast.clues["a"]
    services.dismiss_clue(clue, actor=cast.users["town_a"], reason="重复。")
    response = client_for("town_a").post(
        reverse("suggestions:clue-solve", args=[clue.pk]), {"solve-outcome": "x"}
    )
    assert response.status_code == 302
    assert message_levels(response) == ["error"]


def test_the_rule_groups_clues_that_share_a_word_or_a_village_and_category(cast):
    town, village = cast.towns["a"], cast.villages["a"]
    make = lambda title, **kw: Clue.objects.create(  # noqa: E731
        county=cast.county, town=town, title=title, content="…", **kw
    )
    lamp1, lamp2 = make("武安镇路灯不亮"), make("村口路灯坏了")
    road = make("武安镇村道破损")
    water1 = make("水渠堵塞", village=village, category="water")
    water2 = make("河堤渗漏", village=village, category="water")
    groups = {
        frozenset(c.pk for c in g.clues) for g in likely_same_problem([lamp1, lamp2, road, water1, water2])
    }
    assert groups == {
        frozenset({lamp1.pk, lamp2.pk}),
        frozenset({road.pk}),  # the town's name alone does not make two clues alike
        frozenset({water1.pk, water2.pk}),
    }


# --- the deputy's page ----------------------------------------------------------------------


def test_a_deputy_records_a_clue_on_the_phone_page(cast, client_for):
    client = client_for("deputy_a")
    response = client.post(
        MINE,
        {
            "clue-title": "桥面塌陷",
            "clue-content": "王家桥桥面塌了一块。",
            "clue-village": cast.villages["a"].pk,
            "clue-category": "",
        },
    )
    assert response.status_code == 302
    clue = Clue.objects.get(title="桥面塌陷")
    assert (clue.town, clue.village, clue.recorded_by, clue.state) == (
        cast.towns["a"],
        cast.villages["a"],
        cast.deputies["a"],
        "open",
    )
    assert clue in client.get(MINE).context["my_clues"]


def test_the_village_picker_offers_only_the_deputys_town(cast, client_for):
    response = client_for("deputy_a").get(MINE)
    assert list(response.context["clue_form"].fields["village"].queryset) == [cast.villages["a"]]
    response = client_for("deputy_a").post(
        MINE, {"clue-title": "x", "clue-content": "y", "clue-village": cast.villages["b"].pk}
    )
    assert response.status_code == 200
    assert "village" in response.context["clue_form"].errors
    assert not Clue.objects.filter(title="x").exists()


def test_a_deputy_rates_a_reply_right_on_the_page(cast, client_for):
    suggestion = drive_to_replied(cast)
    client = client_for("deputy_a")
    page = client.get(MINE)
    assert [s.pk for s in page.context["to_rate"]] == [suggestion.pk]
    assert f'data-testid="rate-{suggestion.pk}"' in page.content.decode()
    assert client_for("deputy_b").get(MINE).context["to_rate"] == []
    response = client.post(
        step_url(suggestion, "rate"),
        {"rate-attitude": "satisfied", "rate-result": "basically_satisfied", "next": MINE},
    )
    assert response["Location"] == MINE
    assert fresh(suggestion).state == "rated"
    assert Rating.objects.filter(suggestion=suggestion, deputy=cast.deputies["a"]).count() == 1
    assert client.get(MINE).context["to_rate"] == []


def test_a_deputy_writes_a_suggestion_of_his_own_clue(cast, client_for):
    clue = cast.clues["a"]
    client = client_for("deputy_a")
    page = client.get(CREATE, {"clue": clue.pk})
    assert [str(v) for v in page.context["form"]["clues"].value()] == [str(clue.pk)]
    assert "lead_deputy" not in page.context["form"].fields
    response = client.post(
        CREATE,
        {
            "clues": [clue.pk],
            "title": "修路灯",
            "content": "建议修。",
            "tier": "town",
            "category": "utilities",
            "submit": "on",
        },
    )
    suggestion = Suggestion.objects.get(title="修路灯")
    assert response["Location"] == suggestion.get_absolute_url()
    assert (suggestion.state, suggestion.lead_deputy) == ("submitted", cast.deputies["a"])
    assert fresh(clue).suggestion == suggestion


def test_the_clue_page_offers_the_actions_its_reader_may_take(cast, client_for):
    clue = cast.clues["a"]
    staff = client_for("town_a").get(clue.get_absolute_url())
    assert staff.context["may_close"]
    assert 'data-testid="step-dismiss"' in staff.content.decode()
    unit = client_for("station_a").get(clue.get_absolute_url())
    assert not unit.context["may_close"]
    merged = Clue.objects.filter(suggestion=cast.suggestions["a"]).get()
    html = client_for("deputy_a").get(merged.get_absolute_url()).content.decode()
    assert 'data-testid="to-suggestion"' in html


# --- the query budget -----------------------------------------------------------------------

CEILING = 25


def add_items(cast, n: int) -> None:
    """``n`` suggestions of 武安镇's deputy, each from a clue, every other one assigned to
    unit a with unit b co-handling and replied; and ``n`` open clues for the board."""
    deputy, town, unit = cast.users["deputy_a"], cast.users["town_a"], cast.users["unit_a"]
    village = Village.objects.get(pk=cast.villages["a"].pk)
    for i in range(n):
        clue = services.create_clue(
            actor=deputy, title=f"问题{i}号", content="…", town=cast.towns["a"], village=village
        )
        services.create_clue(actor=deputy, title=f"待办线索{i}", content="…", town=cast.towns["a"])
        s = services.create_suggestion(
            actor=deputy, title=f"建议{i}", content="…", clues=[clue], tier="county", submit=True
        )
        if i % 2:
            services.assign_suggestion(s, actor=town, lead_unit=cast.units["a"], co_units=[cast.units["b"]])
            services.acknowledge_suggestion(s, actor=unit)
            services.reply_to_suggestion(s, actor=unit, category="B", text="列入计划。")


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:500]
    return len(captured)


PAGES = [
    ("county", LIST, {}),
    ("county", LIST, {"export": "xlsx"}),
    ("town_a", LIST, {"state": ["assigned", "handling"], "search": "建议"}),
    ("town_a", CLUES, {}),
    ("town_a", CLUES, {"export": "xlsx"}),
    ("town_a", TRIAGE, {}),
    ("unit_a", INBOX, {"tab": "replied"}),
    ("unit_a", INBOX, {}),
    ("deputy_a", MINE, {}),
    ("deputy_a", LIST, {}),
]


@pytest.mark.parametrize(("role", "url", "params"), PAGES, ids=[f"{r}{u}{p}" for r, u, p in PAGES])
def test_list_pages_run_as_many_queries_for_20_items_as_for_2(
    cast, client_for, django_assert_max_num_queries, role, url, params
):
    client = client_for(role)
    add_items(cast, 2)
    few = count_queries(client, url, params)
    add_items(cast, 18)
    with django_assert_max_num_queries(CEILING):
        many = count_queries(client, url, params)
    assert many == few


def test_the_detail_page_has_a_budget(cast, client_for, django_assert_max_num_queries):
    suggestion = drive_to_replied(cast)
    client = client_for("town_a")
    with django_assert_max_num_queries(CEILING):
        assert client.get(suggestion.get_absolute_url()).status_code == 200
