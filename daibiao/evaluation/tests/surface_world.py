"""A county to evaluate, for the tests of the pages, the API and the documents, made through
the services: the cast, three more units that handled 武安镇's deputies' suggestions
differently (one acknowledged and replied, one acknowledged only, one did nothing), the
default schemes, and evaluations of every kind.

``build(cast)`` gives a ``World``: the units' evaluation published, the towns' and the
deputies' published, and a computed draft and an uncomputed draft of the units."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from daibiao.accounts.choices import Role
from daibiao.accounts.services import create_user
from daibiao.core.services import save_record
from daibiao.registry.choices import UnitKind
from daibiao.registry.models import Unit
from daibiao.suggestions import services as loop

from .. import services, survey
from ..choices import TargetKind
from ..models import Evaluation, Scheme, Score, SurveyRound

# (unit name, acknowledges, replies)
HANDLING = (("县住建局", True, True), ("县卫健委", True, False), ("县教育局", False, False))


@dataclass
class World:
    schemes: dict[str, Scheme]
    units: dict[str, Evaluation]  # published evaluation of the units
    towns: Evaluation  # published
    deputies: Evaluation  # published
    draft: Evaluation  # units, computed, not published
    blank: Evaluation  # units, not computed
    staff: dict[str, object] = field(default_factory=dict)  # unit name → its staff user

    @property
    def published(self) -> Evaluation:
        return self.units["published"]


def this_year() -> int:
    return timezone.localdate().year


def add_units(cast, handling=HANDLING) -> dict:
    """Units with a staff member each, each leading one suggestion of 武安镇's deputy 王小明,
    handled as ``handling`` says. Answers {unit name: staff user}."""
    staff = {}
    town_staff = cast.users["town_a"]
    for i, (name, acknowledges, replies) in enumerate(handling):
        unit = save_record(Unit(county=cast.county, name=name, kind=UnitKind.DEPARTMENT), actor=None)
        user = create_user(
            f"unit_staff_{unit.pk}",
            actor=None,
            password=None,
            roles=[Role.UNIT_STAFF],
            county=cast.county,
            unit=unit,
        )
        staff[name] = user
        suggestion = loop.create_suggestion(
            actor=cast.users["deputy_a"],
            title=f"请{name}解决问题{i}",
            content="群众反映的问题。",
            tier="county",
            category="transport",
            submit=True,
        )
        loop.assign_suggestion(suggestion, actor=town_staff, lead_unit=unit)
        if acknowledges:
            loop.acknowledge_suggestion(suggestion, actor=user)
        if replies:
            loop.reply_to_suggestion(suggestion, actor=user, category="A", text="已解决。")
    return staff


def evaluation(cast, scheme, *, compute=True, publish=False, title=None) -> Evaluation:
    county = cast.users["county"]
    item = services.create_evaluation(scheme, actor=county, year=this_year(), title=title)
    if compute:
        services.compute_evaluation(item, actor=county)
    if publish:
        services.publish_evaluation(item, actor=county)
    return Evaluation.objects.get(pk=item.pk)


def build(cast) -> World:
    staff = add_units(cast)
    schemes = services.install_default_schemes(cast.county, actor=cast.users["county"])
    return World(
        schemes=schemes,
        units={"published": evaluation(cast, schemes[TargetKind.UNIT], publish=True)},
        towns=evaluation(cast, schemes[TargetKind.TOWN], publish=True),
        deputies=evaluation(cast, schemes[TargetKind.DEPUTY], publish=True),
        draft=evaluation(cast, schemes[TargetKind.UNIT], title="单位测评（草稿）"),
        blank=evaluation(cast, schemes[TargetKind.UNIT], compute=False, title="单位测评（未计算）"),
        staff=staff,
    )


def ranked(evaluation) -> list[str]:
    """The names of an evaluation's scores in its rank order, as stored."""
    return list(
        Score.objects.filter(evaluation=evaluation).order_by("rank", "id").values_list("name", flat=True)
    )


def open_round(cast, *, opens_in=-1, closes_in=10) -> SurveyRound:
    today = timezone.localdate()
    return survey.open_survey(
        cast.county,
        actor=cast.users["county"],
        year=this_year(),
        opens_on=today + dt.timedelta(days=opens_in),
        closes_on=today + dt.timedelta(days=closes_in),
    )
