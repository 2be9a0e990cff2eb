"""The index follows the records: created, changed, deleted, rolled back, bulk-written,
rebuilt; and ``daibiao search`` drives it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from daibiao.core import audit
from daibiao.core.services import delete_record, save_record
from daibiao.registry.choices import Gender
from daibiao.registry.models import Deputy, Unit
from daibiao.routing.choices import SearchKind
from daibiao.routing.models import SearchDocument, SearchTerms
from daibiao.routing.search import analysis, index
from daibiao.routing.search.engine import Search
from daibiao.routing.search.jobs import refresh_search_index
from daibiao.suggestions import services as loop
from daibiao.suggestions.models import Clue, Reply, Suggestion

pytestmark = pytest.mark.django_db


def hits(user, query, **filters) -> set:
    results = Search(user, analysis.parse(query), **filters)
    return {(h.kind.key, h.obj.pk) for h in results[0 : results.count()]}


def records() -> set:
    models = {"clue": Clue, "suggestion": Suggestion, "reply": Reply, "deputy": Deputy, "unit": Unit}
    return {(key, pk) for key, model in models.items() for pk in model.objects.values_list("pk", flat=True)}


def documents() -> set:
    return set(SearchDocument.objects.values_list("kind", "object_id"))


def test_every_record_of_the_cast_has_its_document(cast, world):
    assert documents() == records()
    assert SearchTerms.objects.count() == SearchDocument.objects.count()


def test_a_new_clue_is_found_at_once_by_a_word_from_its_middle(cast):
    clue = loop.create_clue(
        actor=cast.users["deputy_a"],
        title="武安村排水沟堵塞",
        content="村委会门前的排水沟被泥沙堵死，一下雨就漫到路面上。",
        town=cast.towns["a"],
    )
    for word in ("泥沙", "沙堵", "漫到路面", "水沟"):
        assert ("clue", clue.pk) in hits(cast.users["town_a"], word), word
    assert hits(cast.users["town_a"], "泥沙 排水") == {("clue", clue.pk)}
    assert hits(cast.users["town_a"], "泥沙 蓄水池") == set()


def test_a_changed_record_is_found_by_its_new_words_only(cast):
    deputy = cast.deputies["a"]
    deputy.occupation = "养蜂专业合作社理事长"
    with audit.acting_as(None):
        save_record(deputy, actor=None)
    assert ("deputy", deputy.pk) in hits(cast.users["county"], "养蜂")
    assert ("deputy", deputy.pk) not in hits(cast.users["county"], "村党支部")


def test_a_deleted_record_leaves_the_index(cast):
    unit = save_record(Unit(county=cast.county, name="县林业局"), actor=None)
    assert hits(cast.users["county"], "林业") == {("unit", unit.pk)}
    delete_record(unit, actor=None)
    assert hits(cast.users["county"], "林业") == set()
    assert not SearchDocument.objects.filter(kind="unit", object_id=unit.pk).exists()
    assert documents() == records()


def test_a_suggestion_deleted_takes_its_replies_documents_along(cast, world):
    suggestion = cast.suggestions["a"]
    reply_pk = world.reply.pk
    Suggestion.objects.filter(pk=suggestion.pk).get().events.all().delete()
    suggestion.delete()
    assert not SearchDocument.objects.filter(kind="reply", object_id=reply_pk).exists()
    assert documents() == records()


def test_a_rolled_back_write_leaves_nothing_in_the_index(cast):
    before = documents()
    with transaction.atomic():
        save_record(Unit(county=cast.county, name="县气象局"), actor=None)
        transaction.set_rollback(True)
    assert documents() == before
    assert hits(cast.users["county"], "气象") == set()


def test_a_save_of_fields_the_document_is_not_made_of_does_not_rewrite_it(cast):
    clue = cast.clues["a"]
    stamp = SearchDocument.objects.get(kind="clue", object_id=clue.pk).indexed_at
    clue.latitude = 31.7
    clue.save(update_fields=["latitude"])
    assert SearchDocument.objects.get(kind="clue", object_id=clue.pk).indexed_at == stamp
    clue.title = "武安镇路灯全坏了"
    clue.save(update_fields=["title"])
    assert SearchDocument.objects.get(kind="clue", object_id=clue.pk).indexed_at > stamp
    assert ("clue", clue.pk) in hits(cast.users["county"], "全坏")


def test_a_suggestion_moved_to_another_town_takes_its_replies_along(cast, world):
    suggestion = cast.suggestions["a"]
    suggestion.town = cast.towns["b"]
    suggestion.save()
    assert SearchDocument.objects.get(kind="reply", object_id=world.reply.pk).town_id == cast.towns["b"].pk
    assert ("reply", world.reply.pk) in hits(cast.users["county"], "边沟", town=cast.towns["b"])


def test_refresh_indexes_bulk_writes_and_drops_documents_of_vanished_records(cast):
    index.refresh()  # state steps (update() with a new updated_at) leave records to catch up with
    assert index.refresh() == {"indexed": 0, "removed": 0}  # a second run finds nothing to do
    Deputy.objects.bulk_create(
        [
            Deputy(
                name="欧阳春",
                gender=Gender.MALE,
                phone="13712345678",
                town=cast.towns["a"],
                county=cast.county,
            )
        ]
    )
    gone = save_record(Unit(county=cast.county, name="县档案馆"), actor=None)
    Unit.objects.filter(pk=gone.pk)._raw_delete("default")  # deleted without a signal
    assert hits(cast.users["county"], "欧阳") == set()
    assert index.refresh() == {"indexed": 1, "removed": 1}
    assert hits(cast.users["county"], "欧阳") == {("deputy", Deputy.objects.get(name="欧阳春").pk)}
    assert documents() == records()
    assert index.refresh() == {"indexed": 0, "removed": 0}


def test_refresh_reindexes_records_changed_after_their_document(cast):
    from django.utils import timezone

    index.refresh()
    Clue.objects.filter(pk=cast.clues["b"].pk).update(title="九集镇路灯全部修好", updated_at=timezone.now())
    assert index.refresh() == {"indexed": 1, "removed": 0}
    assert ("clue", cast.clues["b"].pk) in hits(cast.users["county"], "修好")


def test_the_periodic_job_is_the_refresh(cast):
    refresh_search_index.call()
    assert refresh_search_index.call() == {"indexed": 0, "removed": 0}


def test_rebuild_remakes_the_index_in_creation_order(cast, world):
    SearchDocument.objects.filter(kind="clue").delete()
    counts = index.rebuild()
    assert counts["clue"] == Clue.objects.count()
    assert documents() == records()
    created = {}
    for key, model in {
        "clue": Clue,
        "suggestion": Suggestion,
        "reply": Reply,
        "deputy": Deputy,
        "unit": Unit,
    }.items():
        created.update({(key, pk): at for pk, at in model.objects.values_list("pk", "created_at")})
    ordered = [
        created[k, pk] for k, pk in SearchDocument.objects.order_by("pk").values_list("kind", "object_id")
    ]
    assert ordered == sorted(ordered)
    assert ("clue", world.road.pk) in hits(cast.users["county"], "g207")


def test_rebuild_of_one_type_rewrites_it_in_place(cast, world):
    ids = dict(SearchDocument.objects.filter(kind="unit").values_list("object_id", "pk"))
    SearchTerms.objects.filter(document__kind="unit").update(title="", body="")
    assert hits(cast.users["county"], "水利") == set()
    assert index.rebuild(["unit"]) == {"unit": Unit.objects.count()}
    assert dict(SearchDocument.objects.filter(kind="unit").values_list("object_id", "pk")) == ids
    assert hits(cast.users["county"], "水利") == {("unit", cast.units["b"].pk)}


# --- the command ------------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("search", *args, stdout=out)
    return out.getvalue()


def test_the_rebuild_command_reports_what_it_indexed(cast, world):
    out = run("rebuild").splitlines()
    assert documents() == records()
    for kind, model in (("clue", Clue), ("reply", Reply), ("unit", Unit)):
        assert f"{SearchKind(kind).label}: {model.objects.count()}" in out
    assert str(len(records())) in out[-1]  # the total
    out = run("rebuild", "--type", "clue", "--type", "unit").splitlines()
    assert out[:2] == [
        f"{SearchKind.CLUE.label}: {Clue.objects.count()}",
        f"{SearchKind.UNIT.label}: {Unit.objects.count()}",
    ]
    assert documents() == records()


def test_the_refresh_command_says_what_it_did(cast):
    Deputy.objects.bulk_create(
        [
            Deputy(
                name="欧阳春",
                gender=Gender.MALE,
                phone="13712345678",
                town=cast.towns["a"],
                county=cast.county,
            )
        ]
    )
    first = run("refresh")
    assert first != _("{indexed} documents indexed, {removed} removed.").format(indexed=0, removed=0) + "\n"
    assert (
        run("refresh")
        == _("{indexed} documents indexed, {removed} removed.").format(indexed=0, removed=0) + "\n"
    )


def test_the_query_command_prints_what_the_user_would_find(cast, world):
    out = run("query", "路灯", "--user", "town_a")
    assert "武安镇路灯不亮" in out
    assert "九集镇路灯不亮" not in out
    out = run("query", "路灯", "--user", "town_a", "--type", "unit")
    assert "武安镇路灯不亮" not in out


def test_the_query_command_refuses_an_unknown_user_or_an_empty_query(cast):
    with pytest.raises(CommandError):
        run("query", "路灯", "--user", "nobody")
    with pytest.raises(CommandError):
        run("query", "！？", "--user", "town_a")
