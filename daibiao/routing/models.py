"""A county's trained routing model, kept in the database with what it was trained on; and the
search index (documents and their analysed text)."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from daibiao.core.scoping import Action

from .choices import SearchKind


class RoutingModel(models.Model):
    """The category and unit classifiers of one county, fitted on its triaged history plus
    the shipped lexicon. Derived data: retraining replaces it, deleting it only sends the
    county back to lexicon-only recommendations until the next training."""

    county = models.OneToOneField(
        "registry.County", verbose_name=_("county"), on_delete=models.CASCADE, related_name="+"
    )
    data = models.BinaryField(_("model"))  # zlib-compressed pickle of classifier.Classifier pair
    trained_at = models.DateTimeField(_("trained at"))
    rows = models.PositiveIntegerField(_("history rows"), default=0)
    labels = models.JSONField(_("labels"), default=dict)  # {"categories": [...], "units": [...]}
    metrics = models.JSONField(_("metrics"), default=dict)  # sizes, seconds, fingerprint

    class Meta:
        verbose_name = _("routing model")
        verbose_name_plural = _("routing models")

    def __str__(self) -> str:
        return f"{self.county_id} @ {self.trained_at:%Y-%m-%d %H:%M}"


# --- search -------------------------------------------------------------------------------


class SearchDocumentQuerySet(models.QuerySet):
    """Search results reach exactly the records their reader may see: a document of each kind
    is visible when its record is in ``Model.objects.restrict(user, "view")`` (the kinds and
    their record querysets are in ``routing.search.kinds``). The index is written by the
    indexing code alone, so no role adds, changes or deletes documents."""

    def restrict(self, user, action=Action.VIEW):
        return self.visible(user) if Action(action) == Action.VIEW else self.none()

    def scope(self, role, user, action):  # what ``core.scoping.may_add`` asks: nobody adds
        return None

    def visible(self, user, *, kinds=None, correlated: bool = True):
        """The documents of ``kinds`` (default: all) that ``user`` may see. ``correlated``:
        each kind's records as ``EXISTS (… WHERE id = object_id)``, checked row by row (cheap
        when the text match has already narrowed the rows); otherwise ``object_id IN (…)``,
        read once (cheap when the reader sees few records)."""
        from .search.kinds import KINDS

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        chosen = [KINDS[k] for k in kinds] if kinds else list(KINDS.values())
        if user.is_superuser:
            return self if len(chosen) == len(KINDS) else self.filter(kind__in=[k.key for k in chosen])
        found: Q | None = None
        for kind in chosen:
            records = kind.visible(user)
            if records.query.is_empty():
                continue
            if not records.query.where:  # every record of the kind
                q = Q(kind=kind.key)
            elif correlated:
                q = Q(Exists(records.filter(pk=OuterRef("object_id"))), kind=kind.key)
            else:
                q = Q(kind=kind.key, object_id__in=records.values("pk"))
            found = q if found is None else found | q
        return self.none() if found is None else self.filter(found)


class SearchDocument(models.Model):
    """One searchable record (a clue, suggestion, reply, deputy or unit) in the search index,
    kept narrow on purpose: the scope and the filters read it for every candidate row, the
    text lives in ``SearchTerms``. Written only by ``routing.search.index`` (on every save and
    delete of the record, and by ``daibiao search rebuild``); derived data, rebuilt at will.

    ``county`` and ``town`` are where the record is filed (``Kind.area`` narrows by them).
    ``id`` order is the order records were first indexed (a full rebuild replays creation
    order), so "newest first" reads the index backwards."""

    kind = models.CharField(_("type"), max_length=12, choices=SearchKind.choices)
    object_id = models.PositiveBigIntegerField(_("record"))
    county = models.ForeignKey(
        "registry.County",
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # indexed with the kind and the order below
    )
    town = models.ForeignKey(
        "registry.Town",
        verbose_name=_("town"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # indexed with the kind and the order below
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    indexed_at = models.DateTimeField(_("indexed at"), default=timezone.now)

    objects = SearchDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="one_document_per_record")]
        # A broad query lists a reader's newest documents of each kind: these walk one
        # county's (or one town's) documents of a kind backwards, not the whole province's.
        indexes = [
            models.Index(fields=["kind", "county", "id"], name="search_doc_kind_county"),
            models.Index(fields=["kind", "town", "id"], name="search_doc_kind_town"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class SearchTerms(models.Model):
    """The analysed text of a document (``routing.search.analysis.index_text``): character
    bigrams of the Chinese, whole ASCII words and numbers, separated by spaces. Both databases
    index these very strings, so a query finds the same documents on each:

    * SQLite: the FTS5 table ``routing_search_fts`` (external content: this table), kept in
      step by triggers, ranked with ``bm25``;
    * PostgreSQL: the generated ``search_vector`` column ('simple' configuration, title
      weighted A, body B) with a GIN index, ranked with ``ts_rank``.

    Both are made by migration ``0002_search``. A later migration that makes Django rebuild
    this table on SQLite drops the triggers with it: recreate them there."""

    document = models.OneToOneField(
        SearchDocument, on_delete=models.CASCADE, primary_key=True, related_name="terms"
    )
    title = models.TextField(_("title terms"), blank=True)
    body = models.TextField(_("body terms"), blank=True)

    class Meta:
        verbose_name = _("search terms")
        verbose_name_plural = _("search terms")

    def __str__(self) -> str:
        return str(self.document_id)
