"""The closed loop through the API alone: a clue becomes a suggestion that is assigned,
acknowledged, replied, rated, concluded, implemented and looked back at."""

import pytest

from daibiao.core.models import ChangeLog
from daibiao.suggestions.models import Clue, Event, Suggestion

pytestmark = pytest.mark.django_db


def post(client, url, data=None):
    return client.post(url, data or {}, format="json")


def test_a_clue_goes_all_the_way_to_a_look_back(cast, api_for):
    deputy, town, unit, county = api_for("deputy_a"), api_for("town_a"), api_for("unit_a"), api_for("county")

    r = post(
        deputy,
        "/api/v1/clues/",
        {"title": "堰塘边缺护栏", "content": "王家坡堰塘边700米人行道没有护栏，已有人跌落。"},
    )
    assert r.status_code == 201, r.content
    clue = r.json()
    assert clue["recorded_by"] == cast.deputies["a"].pk
    assert clue["town"] == cast.towns["a"].pk

    r = post(
        deputy,
        "/api/v1/suggestions/",
        {
            "title": "在堰塘边安装安全护栏",
            "content": "建议交通部门安装护栏。",
            "clues": [clue["id"]],
            "tier": "county",
            "category": "transport",
        },
    )
    assert r.status_code == 201, r.content
    sid = r.json()["id"]
    base = f"/api/v1/suggestions/{sid}"
    assert Clue.objects.get(pk=clue["id"]).state == "merged"
    assert deputy.get(base + "/").json()["allowed_steps"] == ["submit", "withdraw"]

    assert post(deputy, base + "/submit/").json()["state"] == "submitted"
    r = post(town, base + "/assign/", {"lead_unit": cast.units["a"].pk, "co_units": [cast.units["b"].pk]})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == "assigned"
    assert body["lead_unit"] == cast.units["a"].pk
    assert body["co_units"] == [cast.units["b"].pk]
    assert body["deadline"]

    assert "acknowledge" in unit.get(base + "/").json()["allowed_steps"]
    assert post(unit, base + "/acknowledge/").json()["state"] == "handling"
    assert (
        post(api_for("unit_b"), base + "/co-opinion/", {"text": "水利局同意，配合选址。"}).status_code == 200
    )
    assert post(unit, base + "/progress/", {"text": "已完成现场勘查。"}).status_code == 200
    r = post(unit, base + "/reply/", {"category": "A", "text": "已安装护栏700米。"})
    assert r.json()["state"] == "replied"
    r = post(deputy, base + "/rate/", {"attitude": "satisfied", "result": "satisfied", "comment": "很好"})
    assert r.json()["state"] == "rated", r.content
    assert post(town, base + "/conclude/").json()["state"] == "concluded"
    r = post(town, base + "/verify-implemented/", {"evidence": "现场查看，护栏牢固。"})
    assert r.json()["state"] == "implemented"
    assert post(deputy, base + "/look-back/", {"finding": "三个月后回访，护栏完好。"}).status_code == 200

    timeline = deputy.get(base + "/timeline/").json()
    steps = [e["step"] for e in timeline]
    assert steps == [
        "create",
        "submit",
        "assign",
        "acknowledge",
        "co_opinion",
        "progress",
        "reply",
        "rate",
        "conclude",
        "verify_implemented",
        "look_back",
    ]
    states = [e["to_state"] for e in timeline]
    assert states[-1] == "implemented"
    states = ChangeLog.objects.for_object(Suggestion.objects.get(pk=sid)).filter(action="state")
    # submit, assign, acknowledge, reply, rate, conclude, verify: every move of the state.
    assert states.count() == 7
    assert county.get("/api/v1/suggestions/?implemented=true").json()["count"] == 1


def make_submitted(cast, api_for):
    deputy = api_for("deputy_a")
    sid = post(deputy, "/api/v1/suggestions/", {"title": "修路", "content": "村道破损。"}).json()["id"]
    post(deputy, f"/api/v1/suggestions/{sid}/submit/")
    return sid


def test_an_illegal_step_is_409_with_state_and_allowed_steps(cast, api_for):
    sid = make_submitted(cast, api_for)
    r = post(api_for("town_a"), f"/api/v1/suggestions/{sid}/conclude/")
    assert r.status_code == 409
    assert r.json()["state"] == "submitted"
    assert set(r.json()["allowed_steps"]) == {"assign", "transfer", "withdraw", "merge"}


def test_a_role_that_may_not_take_the_step_gets_403(cast, api_for):
    sid = make_submitted(cast, api_for)
    r = post(api_for("leader"), f"/api/v1/suggestions/{sid}/assign/", {"lead_unit": cast.units["a"].pk})
    assert r.status_code == 403
    assert Suggestion.objects.get(pk=sid).state == "submitted"


def test_out_of_scope_is_404(cast, api_for):
    sid = make_submitted(cast, api_for)
    assert api_for("town_b").get(f"/api/v1/suggestions/{sid}/").status_code == 404
    assert (
        post(
            api_for("town_b"), f"/api/v1/suggestions/{sid}/assign/", {"lead_unit": cast.units["a"].pk}
        ).status_code
        == 404
    )
    assert api_for("unit_a").get(f"/api/v1/suggestions/{sid}/").status_code == 404  # not assigned to it yet


def test_the_same_step_twice_gives_one_event(cast, api_for):
    sid = make_submitted(cast, api_for)
    town = api_for("town_a")
    first = post(town, f"/api/v1/suggestions/{sid}/assign/", {"lead_unit": cast.units["a"].pk})
    second = post(town, f"/api/v1/suggestions/{sid}/assign/", {"lead_unit": cast.units["a"].pk})
    assert (first.status_code, second.status_code) == (200, 409)
    assert Event.objects.filter(suggestion_id=sid, step="assign").count() == 1


def test_unsatisfied_twice_is_flagged_for_key_supervision(cast, api_for):
    sid = make_submitted(cast, api_for)
    town, unit, deputy = api_for("town_a"), api_for("unit_a"), api_for("deputy_a")
    base = f"/api/v1/suggestions/{sid}"
    post(town, base + "/assign/", {"lead_unit": cast.units["a"].pk})
    post(unit, base + "/acknowledge/")
    post(unit, base + "/reply/", {"category": "C", "text": "资金不足，暂不能解决。"})
    r = post(deputy, base + "/rate/", {"attitude": "basically_satisfied", "result": "unsatisfied"})
    assert r.json()["state"] == "handling"
    assert r.json()["round"] == 2
    post(unit, base + "/reply/", {"category": "B", "text": "已列入明年计划。"})
    r = post(deputy, base + "/rate/", {"attitude": "unsatisfied", "result": "unsatisfied"})
    assert r.json()["state"] == "rated"
    assert r.json()["key_supervision"] is True


def test_bad_input_is_400_with_field_errors_and_nothing_changes(cast, api_for):
    sid = make_submitted(cast, api_for)
    r = post(api_for("town_a"), f"/api/v1/suggestions/{sid}/assign/", {"lead_unit": 999999})
    assert r.status_code == 400
    assert "lead_unit" in r.json()
    r = post(api_for("deputy_a"), "/api/v1/suggestions/", {"title": ""})
    assert r.status_code == 400
    assert set(r.json()) >= {"title", "content"}
    assert Suggestion.objects.get(pk=sid).state == "submitted"


# A deputy's clue through the API: sign-in and roles, the town, the row, its change-log line,
# its search document and terms, the scope check, the answer's photos and permissions, and
# the savepoints the test's transaction wraps the service's in. The rows the service sets
# itself (town, county, actor, the actor's deputy) are not read back to be validated.
CLUE_QUERIES = 14


def test_recording_a_clue_costs_a_fixed_number_of_queries(cast, api_for, django_assert_num_queries):
    deputy = api_for("deputy_a")
    body = {"title": "村口路灯坏了", "content": "村口三盏路灯都不亮。", "town": cast.towns["a"].pk}
    assert post(deputy, "/api/v1/clues/", body).status_code == 201  # warm: content types, etc.
    with django_assert_num_queries(CLUE_QUERIES):
        r = post(deputy, "/api/v1/clues/", body)
    assert r.status_code == 201, r.content
    clue = Clue.objects.get(pk=r.json()["id"])
    assert (clue.recorded_by, clue.town, clue.county, clue.created_by) == (
        cast.deputies["a"],
        cast.towns["a"],
        cast.county,
        cast.users["deputy_a"],
    )
