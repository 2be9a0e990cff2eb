"""Done when: changing a record after publication leaves the published evaluation unchanged.

The evaluations of deputies, towns and units are published; then the records behind them
change — a suggestion is concluded and implemented, a reply rated, a deputy trained and a
report to constituents held, a survey answered, the unit, the town and a deputy renamed —
and every score, line and name of the published evaluations stays exactly as it was, while
a new draft computed from the same records shows the changes (so the records did matter)."""

from __future__ import annotations

import datetime as dt

import pytest

from daibiao.activities import services as activities
from daibiao.activities.choices import ActivityKind, AttendanceStatus
from daibiao.core.errors import Conflict
from daibiao.core.services import save_record
from daibiao.evaluation import services
from daibiao.evaluation.choices import TargetKind
from daibiao.evaluation.models import Evaluation, Score, ScoreLine
from daibiao.evaluation.survey import answer_survey, open_survey
from daibiao.registry.services import save_deputy
from daibiao.suggestions.choices import Satisfaction
from daibiao.suggestions.demo import at

from .engine import START, YEAR, bj, handle, new_suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def june():
    with at(START):
        yield


def frozen(evaluation: Evaluation) -> tuple:
    """Everything a reader of the evaluation sees: its scores and their lines, field by field."""
    scores = list(Score.objects.filter(evaluation=evaluation).order_by("pk").values())
    lines = list(ScoreLine.objects.filter(score__evaluation=evaluation).order_by("pk").values())
    stored = Evaluation.objects.filter(pk=evaluation.pk).values(
        "title", "state", "computed_at", "published_at", "published_by"
    )[0]
    return stored, scores, lines


def by_target(evaluation: Evaluation, kind: str) -> dict:
    return {
        getattr(s, f"{kind}_id"): (
            s.name,
            s.total,
            [(line.value, line.base, line.points) for line in s.lines.all()],
        )
        for s in evaluation.scores.prefetch_related("lines")
    }


def test_changing_the_records_after_publication_leaves_the_evaluation_unchanged(cast):
    county = cast.users["county"]
    schemes = services.install_default_schemes(cast.county, actor=county)
    with at(bj("2026-06-03 10:00")):
        loop_item = new_suggestion(cast, "b", "九集镇修建便民桥", co_signers=["a"], assign_to="b")
    published = {}
    with at(bj("2026-06-10 16:00")):
        for kind, scheme in schemes.items():
            evaluation = services.create_evaluation(scheme, actor=county, year=YEAR)
            services.compute_evaluation(evaluation, actor=county)
            services.publish_evaluation(evaluation, actor=county)
            published[kind] = evaluation
    before = {kind: frozen(e) for kind, e in published.items()}
    seen = {kind: by_target(e, kind) for kind, e in published.items()}

    # The records change: the loop moves on, deputies are trained and report, the survey is
    # answered, names change.
    handle(cast.suggestions["a"], cast, when="2026-06-11 09:00", implement=True)
    handle(
        loop_item, cast, unit="b", when="2026-06-11 10:00", result=Satisfaction.UNSATISFIED, conclude=False
    )
    a, a2 = cast.deputies["a"], cast.deputies["a2"]
    for kind_name, day in (
        (ActivityKind.TRAINING, "2026-06-15 09:00"),
        (ActivityKind.REPORT_BACK, "2026-06-16 09:00"),
    ):
        with at(bj(day)):
            activity = activities.create_activity(
                actor=None,
                county=cast.county,
                name=f"{kind_name}活动",
                kind=kind_name,
                town=cast.towns["a"],
                starts_at=bj(day),
                ends_at=bj(day) + dt.timedelta(hours=2),
                invitees=[a, a2],
            )
            activities.record_attendance(
                activity, [{"deputy": d, "status": AttendanceStatus.PRESENT} for d in (a, a2)], actor=None
            )
    survey = open_survey(
        cast.county, actor=county, year=YEAR, opens_on=dt.date(2026, 6, 1), closes_on=dt.date(2026, 6, 30)
    )
    with at(bj("2026-06-20 20:00")):
        answer_survey(
            survey,
            a,
            actor=cast.users["deputy_a"],
            answers={
                cast.units["a"].pk: (Satisfaction.UNSATISFIED, ""),
                cast.units["b"].pk: (Satisfaction.BASIC, ""),
            },
        )
    unit, town = cast.units["a"], cast.towns["a"]
    unit.name, town.name, a.name = "县交通运输局（新）", "武安镇（新）", "王小明（新）"
    save_record(unit, actor=county)
    save_record(town, actor=county)
    save_deputy(a, actor=county)
    with pytest.raises(Conflict):
        services.compute_evaluation(published[TargetKind.UNIT], actor=county)

    # The published evaluations read exactly as when they were published …
    assert {kind: frozen(e) for kind, e in published.items()} == before
    assert Score.objects.get(evaluation=published[TargetKind.UNIT], unit=unit).name == "县交通运输局"
    assert Score.objects.get(evaluation=published[TargetKind.TOWN], town=town).name == "武安镇"
    assert Score.objects.get(evaluation=published[TargetKind.DEPUTY], deputy=a).name == "王小明"

    # … while the same schemes computed now see every change.
    now = {}
    with at(bj("2026-06-30 16:00")):
        for kind, scheme in schemes.items():
            draft = services.create_evaluation(scheme, actor=county, year=YEAR)
            services.compute_evaluation(draft, actor=county)
            now[kind] = by_target(draft, kind)
    for kind in schemes:
        assert now[kind] != seen[kind], kind
    assert now[TargetKind.UNIT][unit.pk][0] == "县交通运输局（新）"
    assert now[TargetKind.TOWN][town.pk][0] == "武安镇（新）"
    assert now[TargetKind.DEPUTY][a.pk][0] == "王小明（新）"
    assert now[TargetKind.DEPUTY][a.pk][1] > seen[TargetKind.DEPUTY][a.pk][1]
