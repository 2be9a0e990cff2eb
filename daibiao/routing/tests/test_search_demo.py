"""The demo county is searchable as it loads: every record has its document, and a word
from the middle of a demo clue finds it, for the county and for the clue's town (on SQLite
and on PostgreSQL alike: the suite runs on both)."""

from __future__ import annotations

import re

import pytest
from django.db import transaction

from daibiao.accounts.models import User
from daibiao.registry.demo import load_demo
from daibiao.registry.models import Deputy, Unit
from daibiao.routing.models import SearchDocument
from daibiao.routing.search import analysis
from daibiao.routing.search.engine import Search
from daibiao.suggestions.demo import load_loop
from daibiao.suggestions.models import Clue, Reply, Suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo county and its campaign, loaded once (about half a minute) in a transaction
    rolled back at the end of the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        load_loop()
        yield
        transaction.set_rollback(True)


def found(user, query, **filters) -> set[int]:
    results = Search(user, analysis.parse(query), **filters)
    return {hit.obj.pk for hit in results[0 : results.count()]}


def middle_word(text: str) -> str:
    """Four characters from the middle of the text's longest run of Chinese characters."""
    run = max(re.findall(r"[\u4e00-\u9fff]+", text), key=len)
    start = max(0, len(run) // 2 - 2)
    return run[start : start + 4]


def test_every_record_of_the_demo_has_its_document(demo):
    models = {"clue": Clue, "suggestion": Suggestion, "reply": Reply, "deputy": Deputy, "unit": Unit}
    records = {(k, pk) for k, model in models.items() for pk in model.objects.values_list("pk", flat=True)}
    assert len(records) > 1500
    assert set(SearchDocument.objects.values_list("kind", "object_id")) == records


@pytest.mark.parametrize("position", [0, 100, 200, -1])
def test_a_word_from_the_middle_of_a_demo_clue_finds_it(demo, position):
    clue = list(Clue.objects.order_by("pk"))[position]
    word = middle_word(clue.content)
    assert len(word) == 4
    assert clue.pk in found(User.objects.get(username="county"), word, kinds=["clue"])


@pytest.mark.parametrize("username", ["town-wuan", "town-jiuji"])
def test_a_towns_staff_find_their_towns_clue_by_a_word_from_its_middle_and_no_other_towns(demo, username):
    user = User.objects.get(username=username)
    clue = Clue.objects.filter(town=user.town).order_by("-pk").first()
    results = found(user, middle_word(clue.content), kinds=["clue"])
    assert clue.pk in results
    assert not Clue.objects.filter(pk__in=results).exclude(town=user.town).exists()


def test_the_demo_deputy_finds_her_own_clues_only(demo):
    user = User.objects.get(username="deputy-demo")
    own = Clue.objects.filter(recorded_by=user.deputy)
    clue = own.first()
    results = found(user, middle_word(clue.content), kinds=["clue"])
    assert clue.pk in results
    assert results <= set(own.values_list("pk", flat=True))
