"""The evaluation's rows for the scoping matrix (``tests/test_scoping_matrix.py``): in the
cast's county and in the neighbouring county, the default schemes and, for each kind of
target, a published evaluation and a computed draft; and this year's survey, open today, in
both counties, with the cast deputy 王小明's answers on the two units he dealt with. All
made through the services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from daibiao.evaluation import services
from daibiao.evaluation.survey import answer_survey, open_survey
from daibiao.registry.models import County
from daibiao.suggestions.choices import Satisfaction


def populate(cast) -> None:
    today = timezone.localdate()
    neighbour = County.objects.get(name="邻县")
    surveys = {}
    for county in (cast.county, neighbour):
        for scheme in services.install_default_schemes(county, actor=None).values():
            published = services.create_evaluation(scheme, actor=None, year=today.year)
            services.compute_evaluation(published, actor=None)
            services.publish_evaluation(published, actor=None)
            draft = services.create_evaluation(
                scheme, actor=None, year=today.year, title=f"{published.title}（草稿）"
            )
            services.compute_evaluation(draft, actor=None)
        surveys[county.pk] = open_survey(
            county,
            actor=None,
            year=today.year,
            opens_on=today - dt.timedelta(days=3),
            closes_on=today + dt.timedelta(days=7),
        )
    answer_survey(
        surveys[cast.county.pk],
        cast.deputies["a"],
        actor=cast.users["deputy_a"],
        answers={
            cast.units["a"].pk: (Satisfaction.SATISFIED, "答复及时。"),
            cast.units["b"].pk: (Satisfaction.BASIC, ""),
        },
    )
