"""The evaluation's services: default schemes and versions with their checks, evaluations
created, computed (one score per target, ranked, in a fixed number of queries), published
once and audited, and deleted only as drafts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from daibiao.activities import services as activities
from daibiao.activities.choices import ActivityKind, AttendanceStatus
from daibiao.activities.models import Campaign
from daibiao.core.errors import Conflict
from daibiao.core.models import ChangeAction, ChangeLog
from daibiao.core.services import save_record
from daibiao.evaluation import services
from daibiao.evaluation.choices import EvaluationState, Rule, TargetKind
from daibiao.evaluation.defaults import INDICATORS
from daibiao.evaluation.metrics import METRICS
from daibiao.evaluation.models import Evaluation, Indicator, Scheme, Score, ScoreLine
from daibiao.registry.choices import DeputyStatus, Gender, Level
from daibiao.registry.models import County, Deputy, Town, Unit
from daibiao.registry.services import save_deputy
from daibiao.suggestions import services as loop
from daibiao.suggestions.demo import at

from .engine import START, YEAR, bj

pytestmark = pytest.mark.django_db

KINDS = (TargetKind.DEPUTY, TargetKind.TOWN, TargetKind.UNIT)


@pytest.fixture(autouse=True)
def june():
    with at(START):
        yield


@pytest.fixture
def schemes(cast):
    return services.install_default_schemes(cast.county, actor=cast.users["county"])


def evaluated(scheme, actor=None, **kwargs) -> Evaluation:
    evaluation = services.create_evaluation(scheme, actor=actor, year=YEAR, **kwargs)
    return services.compute_evaluation(evaluation, actor=actor)


# --- schemes --------------------------------------------------------------------------------


def test_default_schemes_are_installed_once_with_weights_of_100(cast):
    county = cast.users["county"]
    first = services.install_default_schemes(cast.county, actor=county)
    again = services.install_default_schemes(cast.county, actor=county)

    assert set(first) == set(TargetKind.values)
    assert {k: s.pk for k, s in first.items()} == {k: s.pk for k, s in again.items()}
    assert Scheme.objects.filter(county=cast.county).count() == 3
    for kind, scheme in first.items():
        rows = list(scheme.indicators.order_by("position"))
        assert scheme.version == 1
        assert [i.metric for i in rows] == [code for code, _w in INDICATORS[kind]]
        assert sum(i.weight for i in rows) == 100
        assert all(i.label for i in rows)
        assert all((i.target is not None) == (i.rule == Rule.TARGET) for i in rows)
    assert ChangeLog.objects.for_object(first[TargetKind.UNIT]).filter(actor=county).exists()


def test_only_county_staff_install_the_schemes(cast):
    with pytest.raises(PermissionDenied):
        services.install_default_schemes(cast.county, actor=cast.users["town_a"])
    assert not Scheme.objects.exists()


def rows_of(scheme) -> list[dict]:
    return [
        {"metric": i.metric, "label": i.label, "weight": i.weight, "rule": i.rule, "target": i.target}
        for i in scheme.indicators.order_by("position")
    ]


def test_a_new_version_keeps_the_old_one_as_it_was(cast, schemes):
    old = schemes[TargetKind.UNIT]
    indicators = [
        {"metric": "replied_on_time", "label": "", "weight": 60, "rule": Rule.RATE},
        {"metric": "implemented", "label": "办成落地", "weight": "40", "rule": Rule.RATE},
    ]
    new = services.new_scheme_version(
        old, actor=cast.users["county"], indicators=indicators, notes="只看答复和落地"
    )

    assert (new.version, new.name, new.target_kind) == (2, old.name, TargetKind.UNIT)
    assert new.notes == "只看答复和落地"
    assert [(i.metric, i.label, i.weight) for i in new.indicators.order_by("position")] == [
        ("replied_on_time", str(METRICS[TargetKind.UNIT]["replied_on_time"].label), Decimal(60)),
        ("implemented", "办成落地", Decimal(40)),
    ]
    assert old.indicators.count() == len(INDICATORS[TargetKind.UNIT])
    third = services.new_scheme_version(old, actor=cast.users["county"], indicators=indicators, name="第三版")
    assert (third.version, third.name) == (3, "第三版")


def _rows(**change):
    row = {"metric": "attendance", "label": "出席", "weight": 50, "rule": Rule.RATE}
    other = {"metric": "clues", "label": "线索", "weight": 50, "rule": Rule.TARGET, "target": 2}
    return [{**row, **change.get("first", {})}, {**other, **change.get("second", {})}]


@pytest.mark.parametrize(
    ("indicators", "field"),
    [
        ([], "indicators"),
        (_rows(first={"metric": "unknown"}), "metric"),
        (_rows(first={"metric": "acknowledged_on_time"}), "metric"),  # a unit's measure
        (_rows(second={"metric": "attendance"}), "metric"),
        (_rows(first={"weight": 0}), "weight"),
        (_rows(first={"weight": "-5"}), "weight"),
        (_rows(first={"weight": "很多"}), "weight"),
        (_rows(first={"weight": 40}), "indicators"),
        (_rows(second={"target": None}), "target"),
        (_rows(second={"target": 0}), "target"),
        (_rows(first={"rule": "sometimes"}), "rule"),
        (_rows(first={"label": "长" * 101}), "label"),
    ],
)
def test_a_bad_version_is_refused_with_field_messages_and_nothing_saved(cast, schemes, indicators, field):
    before = (Scheme.objects.count(), Indicator.objects.count())
    with pytest.raises(ValidationError) as refused:
        services.new_scheme_version(
            schemes[TargetKind.DEPUTY], actor=cast.users["county"], indicators=indicators
        )
    assert field in refused.value.message_dict
    assert (Scheme.objects.count(), Indicator.objects.count()) == before


def test_a_new_version_needs_a_name_and_county_staff(cast, schemes):
    with pytest.raises(ValidationError) as refused:
        services.new_scheme_version(
            schemes[TargetKind.DEPUTY], actor=cast.users["county"], indicators=_rows(), name=" "
        )
    assert "name" in refused.value.message_dict
    for name in ("town_a", "leader", "deputy_a"):
        with pytest.raises(PermissionDenied):
            services.new_scheme_version(
                schemes[TargetKind.DEPUTY], actor=cast.users[name], indicators=_rows()
            )


# --- evaluations ----------------------------------------------------------------------------


def test_an_evaluation_is_created_as_a_draft_with_a_default_title(cast, schemes):
    evaluation = services.create_evaluation(schemes[TargetKind.DEPUTY], actor=cast.users["county"], year=YEAR)
    assert evaluation.state == EvaluationState.DRAFT
    assert str(YEAR) in evaluation.title
    assert evaluation.county == cast.county
    assert evaluation.computed_at is None
    titled = services.create_evaluation(
        schemes[TargetKind.TOWN], actor=cast.users["county"], year=YEAR, title="  镇人大考评  "
    )
    assert titled.title == "镇人大考评"


def test_an_evaluation_refuses_a_foreign_campaign_a_bad_year_and_other_roles(cast, schemes):
    other = save_record(County(name="外县"), actor=None)
    foreign = activities.create_campaign(
        actor=None, county=other, theme="外县行动", starts_on=dt.date(2026, 4, 1)
    )
    scheme = schemes[TargetKind.TOWN]
    with pytest.raises(ValidationError) as refused:
        services.create_evaluation(scheme, actor=cast.users["county"], year=1990, campaign=foreign)
    assert set(refused.value.message_dict) == {"year", "campaign"}
    for name in ("town_a", "leader", "unit_a", "deputy_a"):
        with pytest.raises(PermissionDenied):
            services.create_evaluation(scheme, actor=cast.users[name], year=YEAR)
    assert not Evaluation.objects.exists()


def test_compute_scores_every_target_with_a_line_per_indicator(cast, schemes):
    gone = cast.deputies["b2"]
    gone.status = DeputyStatus.RESIGNED
    save_deputy(gone, actor=None)
    evaluations = {kind: evaluated(schemes[kind], actor=cast.users["county"]) for kind in KINDS}

    deputies = evaluations[TargetKind.DEPUTY].scores.all()
    serving = Deputy.objects.filter(county=cast.county, status=DeputyStatus.SERVING)
    assert {s.deputy_id for s in deputies} == set(serving.values_list("pk", flat=True))
    assert {s.town_id for s in evaluations[TargetKind.TOWN].scores.all()} == {
        t.pk for t in cast.towns.values()
    }
    # Both cast units handle the cast's assigned suggestion.
    assert {s.unit_id for s in evaluations[TargetKind.UNIT].scores.all()} == {
        u.pk for u in cast.units.values()
    }
    for kind, evaluation in evaluations.items():
        assert evaluation.computed_at == START
        for score in evaluation.scores.prefetch_related("lines"):
            lines = list(score.lines.all())
            assert [line.metric for line in lines] == [code for code, _w in INDICATORS[kind]]
            assert score.total == sum(line.points for line in lines)
            assert score.name == score.target.name
            assert all(0 <= line.points <= line.weight for line in lines)


def test_ranks_follow_the_totals_and_ties_share_a_rank(cast, schemes):
    evaluation = evaluated(schemes[TargetKind.DEPUTY], actor=cast.users["county"])
    scores = list(evaluation.scores.order_by("rank", "id"))
    totals = [s.total for s in scores]
    assert totals == sorted(totals, reverse=True)
    for i, score in enumerate(scores):
        assert score.rank == next(j for j, s in enumerate(scores, start=1) if s.total == score.total)
        if i and score.total == scores[i - 1].total:
            assert score.rank == scores[i - 1].rank
    # The cast's two towns have done exactly the same: they share first place.
    towns = evaluated(schemes[TargetKind.TOWN], actor=cast.users["county"])
    assert sorted(towns.scores.values_list("rank", flat=True)) == [1, 1]


def test_computing_again_replaces_the_scores(cast, schemes):
    evaluation = evaluated(schemes[TargetKind.DEPUTY], actor=cast.users["county"])
    count = (Score.objects.count(), ScoreLine.objects.count())
    before = evaluation.scores.get(deputy=cast.deputies["a2"]).total
    loop.create_clue(
        actor=None,
        title="新线索",
        content="路面塌陷。",
        town=cast.towns["a"],
        recorded_by=cast.deputies["a2"],
    )
    later = START + dt.timedelta(hours=1)
    with at(later):
        services.compute_evaluation(evaluation, actor=cast.users["county"])
    assert (Score.objects.count(), ScoreLine.objects.count()) == count
    assert evaluation.scores.get(deputy=cast.deputies["a2"]).total > before
    evaluation.refresh_from_db()
    assert evaluation.computed_at == later
    assert ChangeLog.objects.for_object(evaluation).filter(action=ChangeAction.UPDATE).count() == 2


def test_computing_is_refused_once_published(cast, schemes):
    evaluation = evaluated(schemes[TargetKind.UNIT])
    services.publish_evaluation(evaluation, actor=cast.users["county"])
    lines = list(ScoreLine.objects.filter(score__evaluation=evaluation).values())
    with pytest.raises(Conflict):
        services.compute_evaluation(evaluation, actor=cast.users["county"])
    assert list(ScoreLine.objects.filter(score__evaluation=evaluation).values()) == lines
    evaluation.refresh_from_db()
    assert evaluation.computed_at == START


def test_publishing_needs_scores_happens_once_and_is_in_the_change_log(cast, schemes):
    county = cast.users["county"]
    evaluation = services.create_evaluation(schemes[TargetKind.TOWN], actor=county, year=YEAR)
    with pytest.raises(Conflict):
        services.publish_evaluation(evaluation, actor=county)
    services.compute_evaluation(evaluation, actor=county)
    moment = bj("2026-06-01 16:30")
    with at(moment):
        services.publish_evaluation(evaluation, actor=county)

    stored = Evaluation.objects.get(pk=evaluation.pk)
    assert (stored.state, stored.published_at, stored.published_by) == (
        EvaluationState.PUBLISHED,
        moment,
        county,
    )
    entry = ChangeLog.objects.for_object(evaluation).get(action=ChangeAction.STATE)
    assert entry.actor == county
    assert entry.changes["state"] == ["draft", "published"]
    assert entry.changes["published_by"] == [None, county.pk]
    assert entry.timestamp == moment
    with pytest.raises(Conflict):
        services.publish_evaluation(Evaluation.objects.get(pk=evaluation.pk), actor=county)
    assert ChangeLog.objects.for_object(evaluation).filter(action=ChangeAction.STATE).count() == 1


def test_other_roles_may_not_compute_publish_or_delete(cast, schemes):
    evaluation = evaluated(schemes[TargetKind.UNIT])
    for name in ("town_a", "leader", "unit_a", "deputy_a", "station_a"):
        user = cast.users[name]
        for step in (services.compute_evaluation, services.publish_evaluation, services.delete_evaluation):
            with pytest.raises(PermissionDenied):
                step(evaluation, actor=user)
    assert Evaluation.objects.get(pk=evaluation.pk).state == EvaluationState.DRAFT


def test_only_a_draft_is_deleted_with_its_scores(cast, schemes):
    county = cast.users["county"]
    draft = evaluated(schemes[TargetKind.DEPUTY], actor=county)
    published = evaluated(schemes[TargetKind.TOWN], actor=county)
    services.publish_evaluation(published, actor=county)

    draft_pk = draft.pk
    services.delete_evaluation(draft, actor=county)
    with pytest.raises(Conflict):
        services.delete_evaluation(published, actor=county)

    assert list(Evaluation.objects.values_list("pk", flat=True)) == [published.pk]
    assert not Score.objects.filter(evaluation_id=draft_pk).exists()
    assert not ScoreLine.objects.filter(score__evaluation_id=draft_pk).exists()
    assert ChangeLog.objects.filter(object_id=str(draft_pk), action=ChangeAction.DELETE).exists()


# --- a fixed number of queries ----------------------------------------------------------------


def county_of(size: int) -> County:
    """A county of ``size`` towns, each with a deputy who attended a training and recorded a
    clue, and ``size`` units, each handling one of the deputies' suggestions."""
    county = save_record(County(name=f"{size}号县"), actor=None)
    with at(bj("2026-04-20 09:00")):
        campaign = activities.create_campaign(
            actor=None, county=county, theme="行动", starts_on=dt.date(2026, 4, 20)
        )
    deputies = []
    for n in range(size):
        town = save_record(Town(county=county, name=f"第{n}镇"), actor=None)
        unit = save_record(Unit(county=county, name=f"第{n}局"), actor=None)
        deputy = save_deputy(
            Deputy(name=f"代表{n}", gender=Gender.FEMALE, phone=f"1370000{size:02d}{n:02d}", town=town),
            actor=None,
            mandates=[{"level": Level.TOWN, "term": ""}],
        )
        deputies.append(deputy)
        with at(bj("2026-05-10 09:00")):
            clue = loop.create_clue(
                actor=None, title=f"线索{n}", content="…", town=town, recorded_by=deputy, campaign=campaign
            )
            item = loop.create_suggestion(
                actor=None,
                title=f"建议{n}",
                content="…",
                clues=[clue],
                lead_deputy=deputy,
                tier="county",
                campaign=campaign,
                submit=True,
            )
            loop.assign_suggestion(item, actor=None, lead_unit=unit)
    with at(bj("2026-05-08 08:00")):
        training = activities.create_activity(
            actor=None,
            county=county,
            name="培训",
            kind=ActivityKind.TRAINING,
            campaign=campaign,
            starts_at=bj("2026-05-08 08:30"),
            ends_at=bj("2026-05-08 11:30"),
            invitees=deputies,
        )
        activities.record_attendance(
            training, [{"deputy": d, "status": AttendanceStatus.PRESENT} for d in deputies], actor=None
        )
    return county


@pytest.mark.parametrize("kind", KINDS)
def test_computing_takes_as_many_queries_for_ten_targets_as_for_two(cast, kind):
    counted = []
    for size in (2, 10):
        county = county_of(size)
        scheme = services.install_default_schemes(county, actor=None)[kind]
        evaluation = services.create_evaluation(
            scheme, actor=None, year=YEAR, campaign=Campaign.objects.get(county=county)
        )
        with CaptureQueriesContext(connection) as queries:
            services.compute_evaluation(evaluation, actor=None)
        assert evaluation.scores.count() == size
        counted.append(len(queries))
    assert counted[0] == counted[1]
