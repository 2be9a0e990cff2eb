"""``daibiao synth`` at a tiny scale: the volumes asked for, histories that replay through the
workflow table, the rows the events promise, search, the overview against the lists, scoping,
and the refusal to write into a database that holds counties."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Max, Min
from rest_framework.test import APIClient

from daibiao.accounts.models import User
from daibiao.core import privacy
from daibiao.core.models import ChangeAction, ChangeLog
from daibiao.core.scoping import Action
from daibiao.registry.models import County, Deputy, Unit
from daibiao.routing.models import SearchDocument
from daibiao.routing.search.analysis import parse
from daibiao.routing.search.engine import Search
from daibiao.suggestions import services
from daibiao.suggestions.choices import ClueState, State, Step
from daibiao.suggestions.models import Clue, Event, Reply, Suggestion
from daibiao.synth import checks
from daibiao.synth.build import volumes
from daibiao.synth.registry import TOWNS

COUNTIES = 2
SCALE = 0.01


# On PostgreSQL the counties are written by two processes at once (``--jobs``), so that every
# check below holds of the parallel writers too; SQLite takes one writer at a time.
POSTGRES = connection.vendor == "postgresql"
JOBS = 2 if POSTGRES else 1


@pytest.fixture(scope="module")
def province(django_db_setup, django_db_blocker):
    """Two small counties, written once for the module, emptied afterwards."""
    out = io.StringIO()
    with django_db_blocker.unblock():
        call_command("synth", counties=COUNTIES, scale=SCALE, seed=7, jobs=JOBS, stdout=out)
        yield out.getvalue()
        call_command("flush", interactive=False, verbosity=0)


def api(username):
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def test_volumes(province, db):
    deputies, clues, suggestions = volumes(SCALE)
    assert County.objects.count() == COUNTIES
    for county in County.objects.all():
        assert county.towns.count() == TOWNS
        assert Deputy.objects.filter(county=county).count() == deputies
        assert Clue.objects.filter(county=county).count() == clues
        assert Suggestion.objects.filter(county=county).count() == suggestions
        # A login for the county staff, each town and each unit, and some deputies.
        assert User.objects.filter(county=county, role_grants__role="town_staff").count() == TOWNS
        assert User.objects.filter(county=county, role_grants__role="unit_staff").count() == (
            Unit.objects.filter(county=county).count()
        )
    assert User.objects.get(username="synth-admin").is_superuser
    assert User.objects.get(username="c001-county").check_password("synth12345")
    assert "Rows written" in province


def test_states_are_spread(province, db):
    states = set(Suggestion.objects.values_list("state", flat=True))
    assert {State.CONCLUDED, State.IMPLEMENTED} <= states
    assert states & {State.ASSIGNED, State.HANDLING, State.REPLIED, State.RATED}
    clue_states = set(Clue.objects.values_list("state", flat=True))
    assert {ClueState.MERGED, ClueState.SOLVED, ClueState.DISMISSED} <= clue_states


def test_every_history_replays_through_the_workflow_table(province, db):
    assert Event.objects.exclude(step=Step.CREATE).exists()
    assert checks.replay_errors() == []


def test_replay_check_catches_a_broken_history(province, db):
    """The checker is not a formality: an event out of the table's order is reported."""
    event = Event.objects.filter(step=Step.CONCLUDE).first()
    Event.objects.filter(pk=event.pk).update(from_state=State.HANDLING)
    assert checks.replay_errors(Suggestion.objects.filter(pk=event.suggestion_id))


def test_events_have_their_rows(province, db):
    assert checks.record_errors() == []
    for suggestion in Suggestion.objects.filter(state__in=[State.RATED, State.CONCLUDED, State.IMPLEMENTED]):
        replies = suggestion.replies.all()
        if suggestion.events.filter(step=Step.REPLY).exists():
            assert [r.round for r in replies] == list(range(1, suggestion.round + 1))
            assert {r.unit_id for r in replies} == {suggestion.lead_unit_id}
        if suggestion.events.filter(step=Step.RATE).exists():
            assert suggestion.ratings.filter(round=suggestion.round, deputy=suggestion.lead_deputy).exists()


def test_change_log_follows_the_steps(province, db):
    suggestion = Suggestion.objects.filter(state=State.IMPLEMENTED).first()
    entries = ChangeLog.objects.for_object(suggestion).order_by("timestamp", "pk")
    states = [e.changes["state"] for e in entries if e.action == ChangeAction.STATE]
    moves = [
        [e.from_state, e.to_state]
        for e in suggestion.events.order_by("created_at", "pk")
        if e.from_state != e.to_state and e.from_state
    ]
    assert states == moves


def test_public_text_masks_the_names_behind_the_clues(province, db):
    named = 0
    for reply in Reply.objects.select_related("suggestion"):
        names = {n for c in reply.suggestion.clues.all() for n in privacy.redact_contact_names(c.raised_by)}
        assert reply.public_text == services.public_version(reply.suggestion, reply.text)
        named += sum(name in reply.text for name in names)
        assert not any(name in reply.public_text for name in names)
    assert named  # some replies do name a constituent


def test_search_finds_a_clue_by_a_word_from_its_middle(province, db):
    user = User.objects.get(username="c001-county")
    clue = Clue.objects.filter(county_id=user.county_id).order_by("pk")[len(Clue.objects.all()) // 4]
    middle = len(clue.content) // 2
    word = re.search(r"[\u4e00-\u9fff]{4}", clue.content[middle:]).group(0)
    assert SearchDocument.objects.filter(kind="clue", object_id=clue.pk).exists()
    results = Search(user, parse(word), kinds=["clue"], town=clue.town)
    assert clue.pk in {hit.obj.pk for hit in results[0 : len(results)]}


def test_overview_counts_equal_the_lists(province, db):
    client = api("c001-county")
    figures = client.get("/api/v1/stats/overview/").json()
    assert figures["clues"] == client.get("/api/v1/clues/").json()["count"] > 0
    assert figures["suggestions"] == client.get("/api/v1/suggestions/").json()["count"] > 0
    assert figures["deputies"] == client.get("/api/v1/deputies/").json()["count"] > 0


def test_town_staff_see_their_town_only(province, db):
    user = User.objects.get(username="c002-t03")
    visible = Clue.objects.restrict(user, Action.VIEW)
    assert visible.count() == Clue.objects.filter(town_id=user.town_id).count() > 0
    assert set(visible.values_list("town_id", flat=True)) == {user.town_id}
    assert api("c002-t03").get("/api/v1/clues/").json()["count"] == visible.count()


def test_refuses_a_database_with_counties(province, db):
    with pytest.raises(CommandError) as refused:
        call_command("synth", counties=1, scale=SCALE, stdout=io.StringIO())
    assert "--append" in str(refused.value)
    assert County.objects.count() == COUNTIES


@pytest.mark.skipif(not POSTGRES, reason="parallel writers need PostgreSQL")
def test_parallel_writers_take_ids_from_separate_blocks_and_the_sequences_follow(province, db):
    assert "2 writers" in province
    per_county = Clue.objects.values("county").annotate(low=Min("id"), high=Max("id"))
    blocks = [(row["low"], row["high"]) for row in per_county]
    (_low_a, high_a), (low_b, _high_b) = sorted(blocks)
    assert high_a < low_b
    # A clue made afterwards through the service gets an id past every synthetic one.
    town = County.objects.order_by("id").last().towns.first()
    clue = services.create_clue(actor=None, title="后来的线索", content="合成数据之后登记。", town=town)
    assert clue.pk > max(high for _low, high in blocks)
    clue.delete()


@pytest.mark.skipif(not POSTGRES, reason="parallel writers need PostgreSQL")
def test_every_table_written_has_its_sequence_past_its_rows(province, db):
    from django.apps import apps

    from daibiao.suggestions.models import Suggestion

    through = Suggestion.co_signers.through._meta.db_table
    assert through in province  # a many-to-many table among the ones written
    behind = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table, pk = model._meta.db_table, model._meta.pk.column
            if table not in province:
                continue
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
            sequence = cursor.fetchone()[0]
            if sequence is None:
                continue
            cursor.execute(f"SELECT (SELECT last_value FROM {sequence}), (SELECT MAX({pk}) FROM {table})")  # noqa: S608
            last, highest = cursor.fetchone()
            if highest is not None and last < highest:
                behind.append((table, last, highest))
    assert behind == []


@pytest.mark.skipif(POSTGRES, reason="on SQLite only")
def test_parallel_writers_are_refused_on_sqlite(db):
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("synth", counties=2, scale=SCALE, jobs=2, stdout=io.StringIO())


@pytest.mark.skipif(not POSTGRES, reason="indexes are deferred on PostgreSQL only")
def test_the_indexes_dropped_for_the_load_are_all_built_again(province, db):
    from daibiao.synth.management.commands.synth import deferred_index_models

    assert "indexes of the busiest tables dropped" in province
    tables = [model._meta.db_table for model in deferred_index_models()]
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        names = {row[0] for row in cursor.fetchall()}
    # The full-text index, the change log's and the clues' lookups are back.
    assert "routing_searchterms_vector" in names
    for model in deferred_index_models():
        for index in model._meta.indexes:
            assert index.name in names, index.name
