"""Each measure on a small world made through the services, and the rule maths: what counts,
what does not (another year, not yet due, drafts, returned items), and the records behind
each figure with those that cost points first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from daibiao.activities import services as activities
from daibiao.activities.choices import ActivityKind, AttendanceStatus, MediaLevel
from daibiao.core.services import save_record
from daibiao.evaluation.choices import Rule, TargetKind
from daibiao.evaluation.defaults import INDICATORS
from daibiao.evaluation.metrics import METRICS, points, ranks
from daibiao.evaluation.models import RECORDS_KEPT
from daibiao.evaluation.survey import answer_survey, open_survey
from daibiao.mediation import services as mediation
from daibiao.mediation.choices import DisputeType
from daibiao.mediation.models import LawClinic
from daibiao.registry.choices import OrganizationKind
from daibiao.registry.models import Courtyard, Organization
from daibiao.registry.services import add_membership, end_membership
from daibiao.suggestions import services as loop
from daibiao.suggestions.choices import ReplyCategory, Satisfaction
from daibiao.suggestions.demo import at
from daibiao.supervision import services as supervision

from .engine import START, bj, handle, labels, measured, new_suggestion

pytestmark = pytest.mark.django_db

DEPUTY, TOWN, UNIT = TargetKind.DEPUTY, TargetKind.TOWN, TargetKind.UNIT
PRESENT, ABSENT, LEAVE = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.LEAVE


@pytest.fixture(autouse=True)
def june():
    """Every test here, its cast included, runs on 1 June 2026 unless it moves the clock."""
    with at(START):
        yield


def held(cast, name, *, start: str, kind=ActivityKind.VISIT, invitees=(), entries=(), **organiser):
    """An activity organised (a week before) and held at ``start``, with attendance ticked."""
    begins = bj(start)
    with at(begins - dt.timedelta(days=7)):
        activity = activities.create_activity(
            actor=None,
            county=cast.county,
            name=name,
            kind=kind,
            starts_at=begins,
            ends_at=begins + dt.timedelta(hours=2),
            invitees=list(invitees),
            **organiser,
        )
    if entries:
        with at(max(begins, START) + dt.timedelta(minutes=30)):
            activities.record_attendance(
                activity,
                [
                    {"deputy": d, "status": s, "leave_reason": "外出务工" if s == LEAVE else ""}
                    for d, s in entries
                ],
                actor=None,
            )
    return activity


def value_base(m) -> tuple:
    return (m.value, m.base)


# --- the rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "weight", "value", "base", "target", "expected"),
    [
        (Rule.RATE, 20, 3, 4, None, "15.00"),
        (Rule.RATE, 10, 1, 3, None, "3.33"),
        (Rule.RATE, 10, 2, 3, None, "6.67"),
        (Rule.RATE, 20, 0, 0, None, "0.00"),  # nothing to count gives nothing
        (Rule.RATE, 10, 5, 4, None, "10.00"),  # never more than the weight
        (Rule.TARGET, 15, 1, None, 2, "7.50"),
        (Rule.TARGET, 15, 5, None, 2, "15.00"),
        (Rule.TARGET, 15, 0, None, 2, "0.00"),
        (Rule.TARGET, 15, 3, None, None, "0.00"),  # no target: nothing to reach
        (Rule.YES_NO, 10, 0, None, None, "0.00"),
        (Rule.YES_NO, 10, 1, None, None, "10.00"),
        (Rule.YES_NO, 10, 4, None, None, "10.00"),
        (Rule.INVERSE, 10, 1, 4, None, "7.50"),
        (Rule.INVERSE, 10, 4, 4, None, "0.00"),
        (Rule.INVERSE, 10, 0, 0, None, "10.00"),  # nothing to count: nothing went wrong
        (Rule.RATE, Decimal("12.5"), 1, 3, None, "4.17"),
    ],
)
def test_points_follow_the_rule(rule, weight, value, base, target, expected):
    assert points(rule, weight, value, base, target) == Decimal(expected)


def test_ties_share_a_rank_and_the_next_rank_skips():
    assert ranks([90, 90, 80, 70, 70, 70, 60]) == [1, 1, 3, 4, 4, 4, 7]
    assert ranks([Decimal("50.00"), Decimal("50.0")]) == [1, 1]
    assert ranks([]) == []


def test_every_default_indicator_is_a_registered_measure_and_weights_make_100():
    for kind, rows in INDICATORS.items():
        assert {code for code, _w in rows} <= set(METRICS[kind])
        assert sum(w for _c, w in rows) == 100
        assert all(m.kind == kind and m.rule in Rule.values for m in METRICS[kind].values())


# --- deputies -------------------------------------------------------------------------------


def test_attendance_is_present_of_invited_with_the_missed_first(cast):
    a, a2 = cast.deputies["a"], cast.deputies["a2"]
    town = cast.towns["a"]
    visit = held(
        cast,
        "五月走访",
        start="2026-05-12 09:00",
        town=town,
        invitees=[a, a2],
        entries=[(a, PRESENT), (a2, LEAVE)],
    )
    seminar = held(
        cast,
        "五月座谈",
        start="2026-05-20 14:30",
        kind=ActivityKind.SEMINAR,
        town=town,
        invitees=[a],
        entries=[(a, ABSENT)],
    )
    held(cast, "七月走访", start="2026-07-01 09:00", town=town, invitees=[a, a2])  # not held yet
    held(cast, "去年走访", start="2025-11-03 09:00", town=town, invitees=[a], entries=[(a, PRESENT)])

    m = measured(DEPUTY, "attendance", cast.county, [a, a2])

    assert value_base(m[a.pk]) == (1, 2)
    assert value_base(m[a2.pk]) == (0, 1)
    assert m[a.pk].records[0]["url"] == seminar.get_absolute_url()  # what cost points comes first
    assert m[a.pk].records[1]["url"] == visit.get_absolute_url()
    assert "五月座谈" in labels(m[a.pk])[0]
    assert m[a.pk].list_url == reverse("reports:duty-record", args=[a.pk]) + "?year=2026"
    assert points(Rule.RATE, 25, m[a.pk].value, m[a.pk].base) == Decimal("12.50")


def test_training_and_the_report_to_constituents_count_when_present(cast):
    a, a2 = cast.deputies["a"], cast.deputies["a2"]
    training = held(
        cast,
        "代表培训",
        start="2026-05-08 08:30",
        kind=ActivityKind.TRAINING,
        invitees=[a, a2],
        entries=[(a, PRESENT), (a2, ABSENT)],
    )
    held(
        cast,
        "向原选区选民述职会",
        start="2026-05-28 09:00",
        kind=ActivityKind.REPORT_BACK,
        town=cast.towns["a"],
        invitees=[a, a2],
        entries=[(a, PRESENT), (a2, LEAVE)],
    )

    trained = measured(DEPUTY, "training", cast.county, [a, a2])
    reported = measured(DEPUTY, "annual_report", cast.county, [a, a2])

    assert (trained[a.pk].value, trained[a2.pk].value) == (1, 0)
    assert trained[a.pk].records == [{"label": "2026-05-08 代表培训", "url": training.get_absolute_url()}]
    assert (reported[a.pk].value, reported[a2.pk].value) == (1, 0)
    assert trained[a.pk].base is None


def test_clues_count_those_recorded_in_the_year(cast):
    a, a2, b = cast.deputies["a"], cast.deputies["a2"], cast.deputies["b"]
    loop.create_clue(
        actor=cast.users["deputy_a"],
        title="去年的线索",
        content="去年冬天的事。",
        town=cast.towns["a"],
        occurred_on=dt.date(2025, 12, 30),
    )

    m = measured(DEPUTY, "clues", cast.county, [a, a2, b])

    assert (m[a.pk].value, m[a2.pk].value, m[b.pk].value) == (2, 0, 2)  # the cast's two each
    assert not any("去年" in label for label in labels(m[a.pk]))
    assert m[a.pk].records[0]["url"].startswith("/")


def test_suggestions_count_led_and_cosigned_and_the_outcome_is_the_concluded_share(cast):
    a, b = cast.deputies["a"], cast.deputies["b"]
    bridge = new_suggestion(cast, "b", "九集镇新建便民桥", co_signers=["a"])
    handle(bridge, cast)  # concluded
    loop.create_suggestion(actor=cast.users["deputy_a"], title="一份草稿", content="还没写完。")

    formed = measured(DEPUTY, "suggestions", cast.county, [a, b])
    outcome = measured(DEPUTY, "suggestion_outcome", cast.county, [a, b])

    assert formed[a.pk].value == 2  # leads the cast's item, co-signs the bridge; not the draft
    assert formed[b.pk].value == 2
    assert value_base(outcome[a.pk]) == (1, 2)
    assert "修复武安镇村道" in labels(outcome[a.pk])[0]  # not concluded: first
    assert any("九集镇新建便民桥" in label for label in labels(outcome[a.pk]))


def test_disputes_mediated_count_the_cases_received_in_the_year(cast):
    b, b2 = cast.deputies["b"], cast.deputies["b2"]
    clinic = mediation.save_clinic(
        LawClinic(town=cast.towns["b"], name="九集镇法治诊所"), actor=None, mediators=[b, b2]
    )

    def case(day, mediators):
        return mediation.open_case(
            actor=None,
            clinic=clinic,
            dispute_type=DisputeType.NEIGHBOUR,
            party_a_name="刘某",
            summary="宅基地边界纠纷。",
            received_on=day,
            mediators=mediators,
        )

    first = case(dt.date(2026, 5, 20), [b])
    case(dt.date(2026, 5, 25), [b, b2])
    case(dt.date(2025, 11, 3), [b])

    m = measured(DEPUTY, "mediation", cast.county, [b, b2])

    assert (m[b.pk].value, m[b2.pk].value) == (2, 1)
    assert m[b.pk].records[0]["url"] == first.get_absolute_url()
    assert "刘某" not in " ".join(labels(m[b.pk]))  # the parties are not named


def test_posts_count_live_memberships_courtyards_stations_and_groups(cast):
    a, a2, b = cast.deputies["a"], cast.deputies["a2"], cast.deputies["b"]
    chamber = save_record(
        Organization(
            county=cast.county, town=cast.towns["a"], name="武安镇商会", kind=OrganizationKind.ECONOMIC
        ),
        actor=None,
    )
    add_membership(chamber, a, actor=None, role="会长", since=dt.date(2026, 3, 1))
    elders = save_record(
        Organization(
            county=cast.county, town=cast.towns["a"], name="武安镇老年协会", kind=OrganizationKind.SOCIAL
        ),
        actor=None,
    )
    old = add_membership(elders, a2, actor=None, since=dt.date(2024, 1, 1))
    end_membership(old, actor=None, until=dt.date(2025, 6, 30))  # ended before the year
    save_record(Courtyard(village=cast.villages["a"], name="一组", head_deputy=a2), actor=None)
    station = cast.stations["a"]
    station.head = a
    save_record(station, actor=None)

    m = measured(DEPUTY, "roles", cast.county, [a, a2, b])

    assert (m[a.pk].value, m[a2.pk].value, m[b.pk].value) == (2, 1, 0)
    assert "武安镇商会（会长）" in labels(m[a.pk]) or "武安镇商会 (会长)" in labels(m[a.pk])


# --- towns ----------------------------------------------------------------------------------


@pytest.fixture
def campaign(cast):
    with at(bj("2026-04-28 10:00")):
        return activities.create_campaign(
            actor=None,
            county=cast.county,
            theme="测试代表行动",
            starts_on=dt.date(2026, 4, 28),
            town_plans_due_on=dt.date(2026, 5, 15),
        )


def test_plan_on_time_compares_the_first_hand_in_with_the_due_day(cast, campaign):
    ta, tb = cast.towns["a"], cast.towns["b"]
    with at(bj("2026-05-15 16:00")):
        activities.submit_town_plan(campaign, ta, actor=cast.users["town_a"], summary="分片包村。")
    with at(bj("2026-05-19 09:00")):
        activities.submit_town_plan(campaign, tb, actor=cast.users["town_b"], summary="每月走访。")

    for given in (None, campaign):
        m = measured(TOWN, "plan_on_time", cast.county, [ta, tb], campaign=given)
        assert value_base(m[ta.pk]) == (1, 1)
        assert value_base(m[tb.pk]) == (0, 1)
        assert m[tb.pk].records[0]["url"] == campaign.get_absolute_url()


def test_activities_held_and_attendance_recorded_per_town(cast):
    a, a2, b = cast.deputies["a"], cast.deputies["a2"], cast.deputies["b"]
    ta, tb = cast.towns["a"], cast.towns["b"]
    held(
        cast,
        "走访",
        start="2026-05-12 09:00",
        town=ta,
        invitees=[a, a2],
        entries=[(a, PRESENT), (a2, ABSENT)],
    )
    seminar = held(cast, "座谈", start="2026-05-20 09:00", town=ta, invitees=[a, a2], entries=[(a, PRESENT)])
    held(
        cast,
        "接待日",
        start="2026-05-21 09:00",
        station=cast.stations["b"],
        invitees=[b],
        entries=[(b, PRESENT)],
    )
    held(cast, "县里的视察", start="2026-05-22 09:00", invitees=[a, b])  # the county's, no town's
    held(cast, "下月走访", start="2026-06-20 09:00", town=ta, invitees=[a])  # not held yet

    activity_counts = measured(TOWN, "activities_held", cast.county, [ta, tb])
    records = measured(TOWN, "duty_records", cast.county, [ta, tb])

    assert (activity_counts[ta.pk].value, activity_counts[tb.pk].value) == (2, 1)
    assert f"town={ta.pk}" in activity_counts[ta.pk].list_url
    assert value_base(records[ta.pk]) == (3, 4)  # a2 never ticked at the seminar
    assert value_base(records[tb.pk]) == (1, 1)
    assert records[ta.pk].records[0]["url"] == reverse("activities:activity-attendance", args=[seminar.pk])


def test_training_coverage_counts_serving_deputies_present_at_a_training(cast):
    a, a2, b = cast.deputies["a"], cast.deputies["a2"], cast.deputies["b"]
    held(
        cast,
        "全县代表培训",
        start="2026-05-08 08:30",
        kind=ActivityKind.TRAINING,
        invitees=[a, a2, b],
        entries=[(a, PRESENT), (a2, LEAVE), (b, PRESENT)],
    )

    m = measured(TOWN, "training_coverage", cast.county, [cast.towns["a"], cast.towns["b"]])

    assert value_base(m[cast.towns["a"].pk]) == (1, 2)
    assert value_base(m[cast.towns["b"].pk]) == (1, 2)
    assert a2.name in labels(m[cast.towns["a"].pk])[0]  # the untrained first


def test_clues_handled_and_suggestions_concluded_per_town(cast):
    ta, tb = cast.towns["a"], cast.towns["b"]
    # The cast: in each town one clue merged into a suggestion, one still open.
    loop.solve_clue_on_spot(cast.clues["b"], actor=cast.users["town_b"], outcome="已修好路灯。")
    handle(cast.suggestions["a"], cast)
    loop.withdraw_suggestion(cast.suggestions["b"], actor=cast.users["town_b"], reason="重复。")

    clues = measured(TOWN, "clues_handled", cast.county, [ta, tb])
    concluded = measured(TOWN, "suggestions_concluded", cast.county, [ta, tb])

    assert value_base(clues[ta.pk]) == (1, 2)
    assert value_base(clues[tb.pk]) == (2, 2)
    assert cast.clues["a"].title in labels(clues[ta.pk])[0]
    assert clues[ta.pk].list_url == reverse("suggestions:clue-list") + f"?town={ta.pk}&year=2026"
    assert value_base(concluded[ta.pk]) == (1, 1)
    assert value_base(concluded[tb.pk]) == (0, 0)  # withdrawn: left out


def test_progress_reports_on_time_late_or_missing(cast, campaign):
    ta, tb = cast.towns["a"], cast.towns["b"]
    may = supervision.create_round(campaign, actor=None, title="五月进展", due_on=dt.date(2026, 5, 25))
    supervision.create_round(
        campaign, actor=None, title="六月进展", due_on=dt.date(2026, 6, 25)
    )  # not due yet
    with at(bj("2026-05-25 17:00")):
        supervision.submit_report(may, ta, actor=cast.users["town_a"], text="五月开展走访三次。")
    with at(bj("2026-05-27 09:00")):
        supervision.submit_report(may, tb, actor=cast.users["town_b"], text="五月开展走访两次。")

    m = measured(TOWN, "reports_on_time", cast.county, [ta, tb])

    assert value_base(m[ta.pk]) == (1, 1)
    assert value_base(m[tb.pk]) == (0, 1)
    assert "五月进展" in labels(m[tb.pk])[0]
    assert f"campaign={campaign.pk}" in m[tb.pk].list_url


def test_media_coverage_counts_articles_about_the_towns_activities_or_deputies(cast):
    ta, tb = cast.towns["a"], cast.towns["b"]
    visit = held(cast, "走访", start="2026-05-12 09:00", town=ta, invitees=[cast.deputies["a"]])

    def article(title, day, **links):
        return activities.save_media_article(
            actor=None,
            county=cast.county,
            title=title,
            outlet="襄阳日报",
            level=MediaLevel.CITY,
            published_on=day,
            **links,
        )

    article("武安镇代表走访", dt.date(2026, 5, 14), activities=[visit])
    article("张建国代表：倾听民声", dt.date(2026, 5, 16), deputies=[cast.deputies["b"]])
    article("全县代表行动启动", dt.date(2026, 5, 2))
    article("去年的走访", dt.date(2025, 10, 9), activities=[visit])

    m = measured(TOWN, "media", cast.county, [ta, tb])

    assert (m[ta.pk].value, m[tb.pk].value) == (1, 1)
    assert "武安镇代表走访" in labels(m[ta.pk])[0]


# --- units ----------------------------------------------------------------------------------


def test_acknowledged_on_time_late_or_not_and_returned_items_left_out(cast):
    ua, ub = cast.units["a"], cast.units["b"]
    item = cast.suggestions["a"]  # lead: unit a, co: unit b, assigned on 1 June
    with at(bj("2026-06-02 09:00")):
        loop.acknowledge_suggestion(item, actor=cast.users["unit_a"])
    with at(bj("2026-06-10 09:00")):
        loop.acknowledge_suggestion(item, actor=cast.users["unit_b"])
    new_suggestion(cast, "a", "更换村口路灯", assign_to="b")  # never acknowledged
    misrouted = new_suggestion(cast, "a", "清理水渠淤泥", assign_to="b")
    with at(bj("2026-06-02 10:00")):
        loop.return_suggestion(misrouted, actor=cast.users["unit_b"], reason="不属于本单位职责。")

    with at(bj("2026-06-20 10:00")):
        m = measured(UNIT, "acknowledged_on_time", cast.county, [ua, ub])

    assert value_base(m[ua.pk]) == (1, 1)
    assert value_base(m[ub.pk]) == (0, 2)
    assert m[ua.pk].list_url == reverse("suggestions:suggestion-list") + f"?unit={ua.pk}&year=2026"


def test_acknowledgement_not_yet_due_is_left_out(cast):
    m = measured(UNIT, "acknowledged_on_time", cast.county, [cast.units["a"]])  # assigned this morning
    assert value_base(m[cast.units["a"].pk]) == (0, 0)


def test_replied_on_time_for_the_lead_and_the_opinion_for_co_units(cast):
    ua, ub = cast.units["a"], cast.units["b"]
    with at(bj("2026-06-02 08:50")):
        loop.acknowledge_suggestion(cast.suggestions["a"], actor=cast.users["unit_b"])
    handle(cast.suggestions["a"], cast, reply_at="2026-06-05 10:00")  # on time
    late = new_suggestion(cast, "a", "硬化通组公路")
    handle(late, cast, reply_at="2026-09-20 10:00", conclude=False)
    new_suggestion(cast, "a", "修建村级广场")  # no reply at all

    with at(bj("2026-09-21 10:00")):
        m = measured(UNIT, "replied_on_time", cast.county, [ua, ub])

    assert value_base(m[ua.pk]) == (1, 3)
    assert value_base(m[ub.pk]) == (0, 1)  # unit b never sent its opinion
    assert "修建村级广场" in " ".join(labels(m[ua.pk])[:2])


def test_co_unit_opinion_on_time_counts_as_replied(cast):
    with at(bj("2026-06-02 11:00")):
        loop.acknowledge_suggestion(cast.suggestions["a"], actor=cast.users["unit_b"])
        loop.send_co_opinion(cast.suggestions["a"], actor=cast.users["unit_b"], text="同意。")
    m = measured(UNIT, "replied_on_time", cast.county, [cast.units["b"]])
    assert value_base(m[cast.units["b"].pk]) == (1, 1)


def test_ratings_count_for_the_lead_and_the_co_units(cast):
    ua, ub = cast.units["a"], cast.units["b"]
    item = cast.suggestions["a"]
    handle(item, cast, result=Satisfaction.UNSATISFIED, conclude=False)  # back for a second round
    with at(bj("2026-06-10 10:00")):
        loop.reply_to_suggestion(
            item, actor=cast.users["unit_a"], category=ReplyCategory.A, text="重新办理。"
        )
        loop.rate_reply(
            item, actor=cast.users["deputy_a"], attitude=Satisfaction.SATISFIED, result=Satisfaction.SATISFIED
        )
    alone = new_suggestion(cast, "b", "九集镇饮水工程", assign_to="a")
    handle(alone, cast, result=Satisfaction.BASIC)

    m = measured(UNIT, "satisfaction_ratings", cast.county, [ua, ub])

    assert value_base(m[ua.pk]) == (2, 3)
    assert value_base(m[ub.pk]) == (1, 2)
    assert "修复武安镇村道" in labels(m[ua.pk])[0]  # the unsatisfied rating first


def test_survey_satisfaction_counts_answers_without_naming_who(cast):
    ua, ub = cast.units["a"], cast.units["b"]
    survey = open_survey(
        cast.county, actor=None, year=2026, opens_on=dt.date(2026, 6, 1), closes_on=dt.date(2026, 6, 30)
    )
    answer_survey(
        survey,
        cast.deputies["a"],
        actor=cast.users["deputy_a"],
        answers={ua.pk: (Satisfaction.BASIC, ""), ub.pk: (Satisfaction.UNSATISFIED, "协办不积极。")},
    )

    m = measured(UNIT, "satisfaction_survey", cast.county, [ua, ub])

    assert value_base(m[ua.pk]) == (1, 1)  # basically satisfied counts as satisfied
    assert value_base(m[ub.pk]) == (0, 1)
    assert all(r["url"] == "" for r in m[ub.pk].records)
    assert cast.deputies["a"].name not in " ".join(labels(m[ub.pk]))
    assert m[ub.pk].list_url == ""


def test_implemented_is_the_share_of_handled_items_verified_on_the_ground(cast):
    ua, ub = cast.units["a"], cast.units["b"]
    handle(cast.suggestions["a"], cast, implement=True)
    planned = new_suggestion(cast, "a", "新建文化广场")
    handle(planned, cast, category=ReplyCategory.B)
    gone = new_suggestion(cast, "a", "撤回的建议")
    loop.withdraw_suggestion(gone, actor=cast.users["town_a"], reason="已解决。")

    m = measured(UNIT, "implemented", cast.county, [ua, ub])

    assert value_base(m[ua.pk]) == (1, 2)
    assert value_base(m[ub.pk]) == (1, 1)  # the co-unit shares the outcome
    assert "新建文化广场" in labels(m[ua.pk])[0]


def test_returned_counts_only_the_unit_that_returned(cast):
    ua, ub = cast.units["a"], cast.units["b"]
    misrouted = new_suggestion(cast, "a", "整治河道", assign_to="b", co_units=["a"])
    with at(bj("2026-06-03 10:00")):
        loop.return_suggestion(misrouted, actor=cast.users["unit_b"], reason="属于水利部门职责。")

    m = measured(UNIT, "returned", cast.county, [ua, ub])

    assert value_base(m[ub.pk]) == (1, 2)  # the cast's co-handling and this one
    assert value_base(m[ua.pk]) == (0, 2)
    assert "属于水利部门职责" in labels(m[ub.pk])[0]
    assert points(Rule.INVERSE, 10, m[ub.pk].value, m[ub.pk].base) == Decimal("5.00")


def test_records_are_capped_with_what_cost_points_first(cast):
    a = cast.deputies["a"]
    for n in range(RECORDS_KEPT + 5):
        held(
            cast,
            f"走访{n}",
            start="2026-05-12 09:00",
            town=cast.towns["a"],
            invitees=[a],
            entries=[(a, PRESENT)],
        )
    held(
        cast,
        "缺席的座谈",
        start="2026-05-30 09:00",
        town=cast.towns["a"],
        invitees=[a],
        entries=[(a, ABSENT)],
    )

    m = measured(DEPUTY, "attendance", cast.county, [a])[a.pk]

    assert value_base(m) == (RECORDS_KEPT + 5, RECORDS_KEPT + 6)
    assert len(m.records) == RECORDS_KEPT
    assert "缺席的座谈" in m.records[0]["label"]
