"""Search results are exactly the records the reader may see that contain every word.

The expectation is computed here without the index: each model's own
``restrict(user, "view")`` (a reply: its suggestion's), and the words looked for in the raw
text. It holds for a ranked search and for a broad one, and on SQLite whichever way the
plan reads the rows (from the text match, or from the reader's few records)."""

from __future__ import annotations

import pytest
from django.db import connection

from daibiao.core.scoping import Action
from daibiao.core.testing.cast import Cast
from daibiao.registry.models import Deputy, Unit
from daibiao.routing.search import analysis, engine
from daibiao.routing.search.kinds import KINDS
from daibiao.suggestions.models import Clue, Reply, Suggestion

pytestmark = pytest.mark.django_db

QUERIES = [
    "路灯",
    "村道",
    "灯",
    "局",
    "村党支部",
    "破损 武安",
    "G207",
    "蓄水池",
    "修复",
    "钱多多",
    "县",
    "漏水 夏天",
]


def readable(user) -> dict:
    suggestions = Suggestion.objects.restrict(user, Action.VIEW)
    return {
        "clue": Clue.objects.restrict(user, Action.VIEW),
        "suggestion": suggestions,
        "reply": Reply.objects.filter(suggestion__in=suggestions),
        "deputy": Deputy.objects.restrict(user, Action.VIEW),
        "unit": Unit.objects.restrict(user, Action.VIEW),
    }


def contains(text: str, term: analysis.Term) -> bool:
    runs = analysis._runs(text)
    return any(term.text in run for run in runs) if term.cjk else term.text in runs


def expected(user, query, *, kinds=None, town=None, year=None) -> set:
    terms = analysis.parse(query)
    found = set()
    for key, records in readable(user).items():
        kind = KINDS[key]
        if kinds and key not in kinds:
            continue
        for obj in records:
            if town is not None and kind.town_id(obj) != town.pk:
                continue
            if year is not None and kind.year(obj) != year:
                continue
            text = f"{kind.title(obj)}\n{kind.body(obj)}"
            if all(contains(text, term) for term in terms):
                found.add((key, obj.pk))
    return found


def found(user, query, **filters) -> set:
    results = engine.Search(user, analysis.parse(query), **filters)
    hits = results[0 : results.count()]
    keys = {(hit.kind.key, hit.obj.pk) for hit in hits}
    assert len(keys) == len(hits) == results.count()
    return keys


PLANS = {
    "ranked": {},
    # Broad (newest first), each way through the scope (PostgreSQL: "list" is its planner's).
    "broad, scope row by row": {"RANK_LIMIT": 0, "SMALL_SCOPE": -1, "LIST_LIMIT": -1},
    "broad, scope as a list": {"RANK_LIMIT": 0, "SMALL_SCOPE": -1, "LIST_LIMIT": 10**9},
    "broad, reader's records first": {"RANK_LIMIT": 0, "SMALL_SCOPE": 10**9, "PROBE_RATIO": 0},
}


SQLITE_FORMS = {
    "ranked": "exists",
    "broad, scope row by row": "exists",
    "broad, scope as a list": "list",
    "broad, reader's records first": "probe",
}


@pytest.fixture(params=list(PLANS))
def plan(request, monkeypatch):
    for name, value in PLANS[request.param].items():
        monkeypatch.setattr(engine, name, value)
    return request.param


def test_each_plan_is_the_one_it_says(cast, world, plan):
    results = engine.Search(cast.users["town_a"], analysis.parse("路灯"))
    assert results.ranked == (plan == "ranked")
    expected_form = SQLITE_FORMS[plan]
    if connection.vendor != "sqlite" and expected_form == "list":
        expected_form = "exists"  # PostgreSQL's planner reads a list itself
    assert results._form == expected_form


@pytest.mark.parametrize("role", Cast.ROLE_USERS)
def test_results_are_the_readable_records_containing_every_word(cast, world, role, plan):
    user = cast.users[role]
    for query in QUERIES:
        assert found(user, query) == expected(user, query), query


def test_the_expectation_is_not_empty_nor_everything(cast, world):
    # The comparison above means something: readers differ, and words narrow.
    assert expected(cast.users["town_a"], "路灯") != expected(cast.users["town_b"], "路灯")
    assert expected(cast.users["county"], "路灯") < expected(cast.users["admin"], "路灯")
    assert expected(cast.users["unit_a"], "村道")
    assert not expected(cast.users["unit_b"], "路灯")


def test_a_towns_staff_never_see_the_other_towns_clue(cast, world):
    other = ("clue", cast.clues["b"].pk)
    assert other not in found(cast.users["town_a"], "路灯")
    assert other in found(cast.users["town_b"], "路灯")
    assert ("clue", cast.clues["a"].pk) in found(cast.users["town_a"], "路灯")


def test_a_unit_finds_only_the_items_given_to_it(cast, world):
    results = found(cast.users["unit_a"], "村道")
    assert results == {
        ("suggestion", cast.suggestions["a"].pk),
        ("clue", cast.suggestions["a"].clues.get().pk),
        ("reply", world.reply.pk),
    }
    assert found(cast.users["unit_a"], "路灯") == set()  # the clues about lamps are not its items


def test_a_deputy_finds_only_their_own_clues_and_suggestions(cast, world):
    results = found(cast.users["deputy_a"], "路灯")
    assert results == {("clue", cast.clues["a"].pk), ("clue", world.road.pk)}
    assert found(cast.users["deputy_a"], "蓄水池") == set()  # deputy b's clue
    assert {k for k, _ in found(cast.users["deputy_a"], "村党支部")} == {"deputy"}
    assert found(cast.users["deputy_a"], "村党支部") == {("deputy", cast.deputies["a"].pk)}


def test_nobody_of_the_county_finds_the_neighbouring_countys_records(cast, world):
    for role in Cast.ROLE_USERS:
        if role != "admin":
            assert ("clue", world.foreign.pk) not in found(cast.users[role], "路灯"), role
    assert ("clue", world.foreign.pk) in found(cast.users["admin"], "路灯")


def test_inactive_and_anonymous_readers_find_nothing(cast, world):
    from django.contrib.auth.models import AnonymousUser

    user = cast.users["county"]
    user.is_active = False
    assert found(user, "路灯") == set()
    assert found(AnonymousUser(), "路灯") == set()


@pytest.mark.parametrize("role", ["county", "town_a", "deputy_a", "unit_a"])
def test_the_filters_narrow_within_the_scope(cast, world, role, plan):
    user = cast.users[role]
    for filters in (
        {"kinds": ["clue"]},
        {"kinds": ["reply", "unit"]},
        {"town": cast.towns["a"]},
        {"year": world.road.occurred_on.year},
        {"year": 1999},
        {"kinds": ["clue"], "town": cast.towns["b"]},
    ):
        for query in ("路灯", "村道", "局"):
            assert found(user, query, **filters) == expected(user, query, **filters), (query, filters)


@pytest.mark.parametrize("role", Cast.ROLE_USERS)
def test_a_readers_area_holds_every_record_they_may_see(cast, world, role):
    """``Kind.area`` narrows the index to a county or a town: it must leave nothing out."""
    user = cast.users[role]
    for key, records in readable(user).items():
        kind = KINDS[key]
        area = kind.area(user)
        where = {"county_id": kind.county_id, "town_id": kind.town_id}
        for obj in records:
            assert {field: where[field](obj) for field in area} == area, (key, obj.pk)


def test_the_area_is_the_town_for_a_towns_staff_and_the_county_for_others(cast):
    town_staff, county_staff, admin = cast.users["town_a"], cast.users["county"], cast.users["admin"]
    assert KINDS["clue"].area(town_staff) == {"town_id": town_staff.town_id}
    assert KINDS["unit"].area(town_staff) == {"county_id": town_staff.county_id}
    assert KINDS["reply"].area(county_staff) == {"county_id": county_staff.county_id}
    assert KINDS["clue"].area(admin) == {}


def test_the_provinces_reader_finds_every_record_containing_the_words(world, plan, django_user_model):
    """A superuser's scope has no condition at all (every kind, every county)."""
    boss = django_user_model.objects.create(username="province", is_superuser=True, is_staff=True)
    for query in ("路灯", "局"):
        assert found(boss, query) == expected(boss, query), query
