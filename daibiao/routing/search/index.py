"""Keeping the search index in step with the records.

Every save and delete of a clue, suggestion, reply, deputy or unit updates its document in
the same transaction (``post_save`` / ``post_delete``: signals are for the change log and
indexing only, STYLE), so a rolled-back write leaves no trace in the index and a committed
one is searchable at once. Writes that send no signals (``bulk_create``, ``update()``) are
caught by ``refresh`` (the periodic job, or ``daibiao search rebuild``): it indexes records
missing from the index or changed since they were indexed, and drops documents whose record
is gone. ``rebuild`` makes the whole index again, in the order the records were created.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from django.db import connections, router, transaction
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from ..models import SearchDocument, SearchTerms
from .analysis import index_text
from .kinds import BY_MODEL, KINDS, Kind

BATCH = 500


def _using(using: str | None) -> str:
    return using or router.db_for_write(SearchDocument)


def index_objects(objs: Iterable, *, using: str | None = None) -> int:
    """Write (insert or update) the documents of ``objs``, any mix of kinds; returns how
    many. Two statements per batch, whatever the batch holds."""
    using = _using(using)
    latest: dict[tuple[str, int], tuple[Kind, object]] = {}
    for obj in objs:
        kind = BY_MODEL[type(obj)]
        latest[kind.key, obj.pk] = (kind, obj)  # one row per record: an upsert may touch a row once
    if not latest:
        return 0
    now = timezone.now()
    docs, texts = [], []
    for kind, obj in latest.values():
        docs.append(
            SearchDocument(
                kind=kind.key,
                object_id=obj.pk,
                county_id=kind.county_id(obj),
                town_id=kind.town_id(obj),
                year=kind.year(obj),
                indexed_at=now,
            )
        )
        texts.append((index_text(kind.title(obj)), index_text(kind.body(obj))))
    with transaction.atomic(using=using):
        SearchDocument.objects.using(using).bulk_create(
            docs,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["kind", "object_id"],
            update_fields=["county", "town", "year", "indexed_at"],
        )
        if any(doc.pk is None for doc in docs):  # a backend that returns no keys from an upsert
            ids = _ids(using, [(doc.kind, doc.object_id) for doc in docs])
            for doc in docs:
                doc.pk = ids[doc.kind, doc.object_id]
        SearchTerms.objects.using(using).bulk_create(
            [
                SearchTerms(document_id=doc.pk, title=title, body=body)
                for doc, (title, body) in zip(docs, texts, strict=True)
            ],
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["document"],
            update_fields=["title", "body"],
        )
    return len(docs)


def _ids(using, keys) -> dict:
    found = {}
    for kind in {k for k, _ in keys}:
        wanted = [pk for k, pk in keys if k == kind]
        found.update(
            ((kind, obj_id), pk)
            for obj_id, pk in SearchDocument.objects.using(using)
            .filter(kind=kind, object_id__in=wanted)
            .values_list("object_id", "pk")
        )
    return found


def index_object(obj, *, using: str | None = None) -> None:
    index_objects([obj], using=using)


def remove(kind: str, object_ids: Iterable[int], *, using: str | None = None) -> int:
    """Drop the documents of these records; returns how many were dropped."""
    using = _using(using)
    docs = SearchDocument.objects.using(using).filter(kind=kind, object_id__in=list(object_ids))
    return docs.delete()[1].get(SearchDocument._meta.label, 0)  # its terms go with it


# --- whole kinds ------------------------------------------------------------------------------


def _records(kind: Kind, queryset=None):
    queryset = kind.model._default_manager.all() if queryset is None else queryset
    return queryset.select_related(*kind.related).order_by("created_at", "pk").iterator(chunk_size=BATCH)


def _in_batches(objs, size=BATCH):
    batch = []
    for obj in objs:
        batch.append(obj)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _orphans(kind: Kind, using):
    return (
        SearchDocument.objects.using(using)
        .filter(kind=kind.key)
        .exclude(object_id__in=kind.model._default_manager.using(using).values("pk"))
    )


def rebuild(kinds: Iterable[str] | None = None, *, using: str | None = None) -> dict[str, int]:
    """Index every record again; returns the documents written per kind.

    Without ``kinds``: the index is emptied and refilled in the order the records were
    created, so that document order is creation order again. With ``kinds``: those kinds'
    documents are rewritten in place and those whose record is gone dropped."""
    using = _using(using)
    chosen = [KINDS[k] for k in kinds] if kinds else list(KINDS.values())
    counts = {kind.key: 0 for kind in chosen}
    with transaction.atomic(using=using):
        if kinds is None or len(chosen) == len(KINDS):
            _empty(using)
            order = {kind.key: i for i, kind in enumerate(chosen)}
            streams = [_records(kind) for kind in chosen]
            merged = heapq.merge(*streams, key=lambda o: (o.created_at, order[BY_MODEL[type(o)].key], o.pk))
        else:
            for kind in chosen:
                remove(kind.key, _orphans(kind, using).values_list("object_id", flat=True), using=using)
            merged = (obj for kind in chosen for obj in _records(kind))
        for batch in _in_batches(merged):
            index_objects(batch, using=using)
            for obj in batch:
                counts[BY_MODEL[type(obj)].key] += 1
    return counts


def _empty(using) -> None:
    """Drop every document. Plain DELETEs: the ORM would load each document to cascade."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Terms first (SQLite's triggers take each row out of the full-text index as it goes).
        cursor.execute(f"DELETE FROM {quote(SearchTerms._meta.db_table)}")  # noqa: S608 — our table names
        cursor.execute(f"DELETE FROM {quote(SearchDocument._meta.db_table)}")  # noqa: S608


def refresh(*, using: str | None = None) -> dict[str, int]:
    """Catch up with writes that sent no signals: index the records that have no document or
    changed after it was written, drop the documents whose record is gone. Idempotent: a
    second run finds nothing to do. Returns {"indexed": n, "removed": n}."""
    using = _using(using)
    counts = {"indexed": 0, "removed": 0}
    with transaction.atomic(using=using):
        for kind in KINDS.values():
            counts["removed"] += remove(
                kind.key, list(_orphans(kind, using).values_list("object_id", flat=True)), using=using
            )
            current = SearchDocument.objects.filter(
                kind=kind.key, object_id=OuterRef("pk"), indexed_at__gte=OuterRef("updated_at")
            )
            stale = kind.model._default_manager.using(using).exclude(Exists(current))
            for batch in _in_batches(_records(kind, stale)):
                counts["indexed"] += index_objects(batch, using=using)
    return counts


# --- signals ----------------------------------------------------------------------------------


def _saved(sender, instance, created=False, raw=False, update_fields=None, using=None, **kwargs):
    if raw:  # fixtures: ``rebuild`` afterwards
        return
    kind = BY_MODEL[sender]
    changed = None if update_fields is None else set(update_fields)
    if changed is not None and not kind.fields & changed:
        return
    index_objects([instance], using=using)
    if kind.key == "suggestion" and not created and (changed is None or changed & {"county", "town", "year"}):
        # Its replies are filed under its county, town and year.
        replies = list(instance.replies.using(using).all())
        for reply in replies:
            reply.suggestion = instance
        index_objects(replies, using=using)


def _deleted(sender, instance, using=None, **kwargs):
    remove(BY_MODEL[sender].key, [instance.pk], using=using)


def connect() -> None:
    """Wire the receivers (``RoutingConfig.ready``)."""
    for model in BY_MODEL:
        uid = f"routing.search.{model._meta.label_lower}"
        post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}.saved")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"{uid}.deleted")
