"""Two people publish the same evaluation at the same moment: exactly one publishes it, the
other is told (409), and the change log holds one publication."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from daibiao.core.errors import Conflict
from daibiao.core.models import ChangeAction, ChangeLog
from daibiao.evaluation import services
from daibiao.evaluation.choices import EvaluationState, TargetKind
from daibiao.evaluation.models import Evaluation
from daibiao.suggestions.demo import at

from .engine import START, YEAR


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_on_file")  # SQLite: threads share a file, not a locked memory table
def test_two_simultaneous_publications_make_one(cast):
    county = cast.users["county"]
    with at(START):
        scheme = services.install_default_schemes(cast.county, actor=county)[TargetKind.UNIT]
        evaluation = services.create_evaluation(scheme, actor=county, year=YEAR)
        services.compute_evaluation(evaluation, actor=county)
    copies = [Evaluation.objects.get(pk=evaluation.pk) for _ in range(2)]
    barrier = threading.Barrier(len(copies))
    outcomes: list[str] = []

    def publish(copy):
        try:
            barrier.wait(timeout=10)
            services.publish_evaluation(copy, actor=county)
            outcomes.append("published")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(copy,)) for copy in copies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "published"]
    assert Evaluation.objects.get(pk=evaluation.pk).state == EvaluationState.PUBLISHED
    assert ChangeLog.objects.for_object(evaluation).filter(action=ChangeAction.STATE).count() == 1
