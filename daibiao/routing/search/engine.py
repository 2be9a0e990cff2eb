"""Running a query for a reader: which documents, in which order, on SQLite or PostgreSQL.

What a query finds is the same on both databases: the documents whose analysed text has
every word of the query (``analysis``), among those the reader may see
(``SearchDocument.objects.visible``: each record kind's own ``restrict``), narrowed by the
filters. The order:

* a query matching at most ``RANK_LIMIT`` documents in the whole index is **ranked**: most
  relevant first (``bm25`` on SQLite, ``ts_rank`` on PostgreSQL, title weighing 2.5 times the
  body on both), then newest first; its count is exact;
* a broader one (a word that nearly every document has) is listed **newest first** and
  counted up to ``MAX_RESULTS``: ranking hundreds of thousands of rows for the 20 shown would
  cost more than the reader gains, and more words narrow it to a ranked search.

"Newest" is document order, which is the order the records were created (``index``). One
statement reads the ordered list of results (at most ``RANK_LIMIT`` or ``MAX_RESULTS`` ids),
which gives both the count and every page. Only the SQL differs between the databases: the
scope and the filters are the ORM's, compiled and placed in each database's statement.

The planners are told the way through the scope (``Search._form``), which neither can
guess, since it depends on how much of the index the reader sees:

* ``exists``: the text match drives and each candidate's scope is checked by its id, row by
  row (a ranked query, or a reader who sees much: the county, a town);
* ``list`` (SQLite; PostgreSQL's planner does it unasked): the text match drives and the
  reader's records are read once into a list (a reader who sees a part: a unit, a station);
* ``probe``: the reader's few documents drive and the text of each is looked up (a deputy
  whose words are everywhere).

Every reader but the province's sees one county, and a town's staff one town of the kinds
filed under a town (``Kind.area``); each document carries its county and town, indexed with
its kind and id. So the area is added to the scope as a way in: on PostgreSQL a broad query
walks each kind's documents of the reader's county (or town) backwards, one walk per kind
merged (``PostgreSQL.newest``), instead of the whole province's index in id order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections, router
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ..models import SearchDocument, SearchTerms
from .analysis import Term, highlight, snippet
from .kinds import KINDS, Kind

# The SQL below is put together from our own table names and the ORM's compiled conditions;
# every value travels as a parameter (hence the ``noqa: S608`` marks).

RANK_LIMIT = 5000  # documents matching in the whole index, at most, for a ranked search
MAX_RESULTS = 200  # results counted and paged, at most, for a broad (newest-first) search
TITLE_WEIGHT = 2.5  # PostgreSQL's ts_rank weighs A (title) 1.0 against B (body) 0.4
# SQLite's plan for a broad query (measured on 1,000,000 clues, bench/bench_search.py): a
# probe costs about 30 times a candidate read from the match, per word; a list of the
# reader's records is cheap to read up to LIST_LIMIT.
SMALL_SCOPE = 5000
PROBE_RATIO = 30
LIST_LIMIT = 20_000
# PostgreSQL reads every row of the index in id order to find a broad match's newest: for a
# reader with few documents a probe of each (a tsvector read) is cheaper almost always.
PG_PROBE_RATIO = 1


def _probe(backend, text_check: str, match, where, params, limit) -> tuple[str, list]:
    """The reader's few documents drive (``where`` holds ``id IN (their documents)``), the
    text of each is checked by its id, and the few found are sorted (``id + 0``: no walk of
    the whole table in id order to spare the sort)."""
    return (
        f"SELECT {backend.columns} FROM {backend.doc} WHERE ({where}) "  # noqa: S608
        f"AND EXISTS ({text_check}) ORDER BY {backend.id} + 0 DESC LIMIT %s",
        [*params, match, limit],
    )


class SQLite:
    """FTS5 over ``routing_search_fts`` (migration ``0002_search``)."""

    fts = "routing_search_fts"

    def __init__(self, connection):
        self.connection = connection
        q = connection.ops.quote_name
        self.doc = q(SearchDocument._meta.db_table)
        self.id = f"{self.doc}.{q('id')}"
        self.columns = f"{self.id}, {self.doc}.{q('kind')}, {self.doc}.{q('object_id')}"

    @staticmethod
    def match(terms: list[Term]) -> str:
        parts = []
        for term in terms:
            if not term.cjk:
                parts.append(f'"{term.text}"')
            elif len(term.text) == 1:  # any bigram it starts, or a run's closing character
                parts.append(f'"{term.text}"*')
            else:  # the bigrams, adjacent
                parts.append('"' + " ".join(term.bigrams) + '"')
        return " AND ".join(parts)

    def match_count(self, match: str, limit: int) -> tuple[str, list]:
        return (
            f"SELECT count(*) FROM (SELECT 1 FROM {self.fts} WHERE {self.fts} MATCH %s LIMIT %s)",  # noqa: S608
            [match, limit],
        )

    def probe(self, match, where, params, limit) -> tuple[str, list]:
        check = f"SELECT 1 FROM {self.fts} WHERE {self.fts} MATCH %s AND {self.fts}.rowid = {self.id}"  # noqa: S608
        return _probe(self, check, match, where, params, limit)

    def results(self, match, where, params, *, ranked, form, limit) -> tuple[str, list]:
        if form == "probe":
            return self.probe(match, where, params, limit)
        if ranked:
            order = f"bm25({self.fts}, {TITLE_WEIGHT}, 1.0), {self.id} DESC"
        else:
            order = f"{self.fts}.rowid DESC"  # FTS5 yields rowids backwards itself
        # CROSS JOIN: the text match drives, each candidate's document is found by its id.
        return (
            f"SELECT {self.columns} FROM {self.fts} CROSS JOIN {self.doc} "  # noqa: S608
            f"WHERE {self.fts} MATCH %s AND {self.id} = {self.fts}.rowid AND ({where}) "
            f"ORDER BY {order} LIMIT %s",
            [match, *params, limit],
        )


class PostgreSQL:
    """The generated ``search_vector`` of ``routing_searchterms`` with its GIN index.

    Set ``jit = off`` for the application's connections (``DATABASES["default"]["OPTIONS"]
    = {"options": "-c jit=off"}``): the planner's cost for a scope of many subqueries is high
    enough to start JIT compiling, which takes a second and saves nothing here."""

    def __init__(self, connection):
        self.connection = connection
        q = connection.ops.quote_name
        self.doc = q(SearchDocument._meta.db_table)
        self.terms = q(SearchTerms._meta.db_table)
        self.id = f"{self.doc}.{q('id')}"
        self.vector = f"{self.terms}.{q('search_vector')}"
        self.document_id = f"{self.terms}.{q('document_id')}"
        self.columns = f"{self.id}, {self.doc}.{q('kind')}, {self.doc}.{q('object_id')}"

    @staticmethod
    def match(terms: list[Term]) -> str:
        parts = []
        for term in terms:
            if not term.cjk:
                parts.append(f"'{term.text}'")
            elif len(term.text) == 1:
                parts.append(f"'{term.text}':*")
            else:
                parts.append("(" + " <-> ".join(f"'{b}'" for b in term.bigrams) + ")")
        return " & ".join(parts)

    def match_count(self, match: str, limit: int) -> tuple[str, list]:
        return (
            f"SELECT count(*) FROM (SELECT 1 FROM {self.terms} "  # noqa: S608
            f"WHERE {self.vector} @@ to_tsquery('simple', %s) LIMIT %s) AS matches",
            [match, limit],
        )

    def probe(self, match, where, params, limit) -> tuple[str, list]:
        """The reader's documents are read once, first (a materialised CTE). Left to itself
        the planner, which guesses a phrase to match one row, put the text match outside
        and ran the reader's documents again for each of its rows: 19,000 times over for a
        deputy's five-character phrase in a million clues (more than half an hour)."""
        return (
            f"WITH mine AS MATERIALIZED (SELECT {self.id} AS id FROM {self.doc} WHERE ({where})) "  # noqa: S608
            f"SELECT {self.columns} FROM mine JOIN {self.doc} ON {self.id} = mine.id "
            f"JOIN {self.terms} ON {self.document_id} = mine.id "
            f"WHERE {self.vector} @@ to_tsquery('simple', %s) ORDER BY {self.id} + 0 DESC LIMIT %s",
            [*params, match, limit],
        )

    def results(self, match, where, params, *, ranked, form, limit) -> tuple[str, list]:
        if form == "probe":
            return self.probe(match, where, params, limit)
        if ranked:
            order = f"ts_rank({self.vector}, to_tsquery('simple', %s)) DESC, {self.id} DESC"
            order_params = [match]
        else:
            order, order_params = f"{self.id} DESC", []
        return (
            f"SELECT {self.columns} FROM {self.terms} JOIN {self.doc} ON {self.id} = {self.document_id} "  # noqa: S608
            f"WHERE {self.vector} @@ to_tsquery('simple', %s) AND ({where}) ORDER BY {order} LIMIT %s",
            [match, *params, *order_params, limit],
        )

    def newest(self, match, lanes, limit) -> tuple[str, list]:
        """A broad query's newest results, one walk per kind (``lanes``: each kind's scope
        and area), merged."""
        parts, params = [], []
        for where, where_params in lanes:
            parts.append(
                f"(SELECT {self.columns} FROM {self.terms} JOIN {self.doc} ON {self.id} = {self.document_id} "  # noqa: S608
                f"WHERE {self.vector} @@ to_tsquery('simple', %s) AND ({where}) "
                f"ORDER BY {self.id} DESC LIMIT %s)"
            )
            params.extend([match, *where_params, limit])
        return (
            f"SELECT * FROM ({' UNION ALL '.join(parts)}) AS lanes ORDER BY 1 DESC LIMIT %s",  # noqa: S608
            [*params, limit],
        )


BACKENDS = {"sqlite": SQLite, "postgresql": PostgreSQL}


@dataclass
class Hit:
    """One result as the page and the API show it."""

    kind: Kind
    obj: object
    url: str
    title: str  # plain
    title_html: SafeString  # escaped, matches in <mark>
    snippet_html: SafeString
    town: object | None
    date: dt.date | None
    state: str  # the record's state label, where it has one

    @property
    def kind_label(self):
        return self.kind.label


class Search:
    """The results of one query for one reader: a sequence Django's ``Paginator`` (and DRF's
    pagination) can page through. Whatever the number of results, a page takes: the breadth
    of the match, the ordered results, and one query per kind on the page to read its
    records (and on SQLite, for a broad query, one or two to weigh the reader's scope)."""

    def __init__(self, user, terms: list[Term], *, kinds=None, town=None, year=None, using=None):
        self.user = user
        self.terms = terms
        self.kinds = list(kinds) if kinds else list(KINDS)
        self.town = town
        self.year = year
        self.using = using or router.db_for_read(SearchDocument)
        self.connection = connections[self.using]
        self.backend = BACKENDS[self.connection.vendor](self.connection)
        self.match = self.backend.match(terms) if terms else ""

    def _one(self, sql, params):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    # --- the plan ---------------------------------------------------------------------------

    @cached_property
    def matches(self) -> int:
        """Documents of the whole index the words match, counted up to ``RANK_LIMIT + 1``."""
        return self._matches(RANK_LIMIT + 1)

    def _matches(self, limit: int) -> int:
        if not self.terms:
            return 0
        return self._one(*self.backend.match_count(self.match, limit))

    @property
    def ranked(self) -> bool:
        """Whether the query is narrow enough to rank (see the module's docstring)."""
        return self.matches <= RANK_LIMIT

    @property
    def capped(self) -> bool:
        """Whether the results stop at ``MAX_RESULTS``, newest first (a broad query)."""
        return not self.ranked

    @property
    def truncated(self) -> bool:
        """Whether more results exist than were counted."""
        return self.capped and len(self._rows) >= MAX_RESULTS

    @cached_property
    def _form(self) -> str:
        """How the scope is read (the module's docstring): ``exists``, ``list`` or ``probe``.
        PostgreSQL chooses between the first two itself."""
        if self.ranked:
            return "exists"
        sqlite = self.connection.vendor == "sqlite"
        scope = self._scope_size(LIST_LIMIT if sqlite else SMALL_SCOPE)
        if scope <= SMALL_SCOPE:
            # Probing each of the reader's documents pays when the match is far larger.
            ratio = PROBE_RATIO if sqlite else min(PROBE_RATIO, PG_PROBE_RATIO)
            worth = ratio * scope * len(self.terms)
            if self._matches(worth + 1) > worth:
                return "probe"
        return "list" if sqlite and scope <= LIST_LIMIT else "exists"

    @property
    def _lanes(self) -> bool:
        """Whether a broad query reads each kind apart (PostgreSQL, scope read row by row):
        each kind's newest come from its own walk of ``(kind, county|town, id)``, in the
        reader's area only, and the walks are merged."""
        return self.connection.vendor == "postgresql" and not self.ranked and self._form == "exists"

    def _scope_size(self, limit: int) -> int:
        """How many records of the chosen kinds the reader may see, counted up to ``limit + 1``
        per kind: one statement."""
        if self.user.is_superuser:
            return limit + 1
        parts, params = [], []
        for key in self.kinds:
            records = KINDS[key].visible(self.user)
            if records.query.is_empty():
                continue
            sub = records.order_by().values("pk")[: max(limit + 1, 0)]
            try:
                sql, args = sub.query.get_compiler(using=self.using).as_sql()
            except EmptyResultSet:  # nothing of this kind (or a limit of none)
                continue
            alias = self.connection.ops.quote_name(key)
            parts.append(f"(SELECT count(*) FROM ({sql}) AS {alias})")  # noqa: S608
            params.extend(args)
        if not parts:
            return 0
        return self._one("SELECT " + " + ".join(parts), params)

    def _where(self, kinds=None) -> tuple[str, list] | None:
        """The scope and the filters, compiled by the ORM (None: nothing can match), for
        ``kinds`` (default: the search's)."""
        kinds = kinds or self.kinds
        docs = SearchDocument.objects.using(self.using)
        if self._form == "probe":
            docs = docs.filter(pk__in=self._documents())
        else:
            docs = docs.visible(self.user, kinds=kinds, correlated=self._form == "exists")
            # The reader's area of the index (``Kind.area``): it adds nothing to the scope,
            # but it is a way in that the scope's subqueries are not.
            areas = [(key, KINDS[key].area(self.user)) for key in kinds]
            if any(area for _key, area in areas):
                within = Q()
                for key, area in areas:
                    within |= Q(kind=key, **area)
                docs = docs.filter(within)
        if self.town is not None:
            docs = docs.filter(town=self.town)
        if self.year is not None:
            docs = docs.filter(year=self.year)
        query = docs.query
        try:
            sql, params = query.get_compiler(using=self.using).compile(query.where)
        except EmptyResultSet:
            return None
        except FullResultSet:  # no condition at all: the province's reader, every kind
            return "1 = 1", []
        return (sql or "1 = 1"), list(params)

    def _documents(self):
        """The ids of the reader's documents, kind by kind (each an index lookup by record):
        what a probe starts from."""
        docs = SearchDocument.objects.using(self.using)
        parts = []
        for key in self.kinds:
            records = KINDS[key].visible(self.user)
            if not records.query.is_empty():
                parts.append(docs.filter(kind=key, object_id__in=records.values("pk")).values("pk"))
        if not parts:
            return docs.none().values("pk")
        return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]

    # --- the sequence -----------------------------------------------------------------------

    @cached_property
    def _rows(self) -> list[tuple[str, int]]:
        """Every result in order, as (kind, record id): at most ``RANK_LIMIT`` (ranked) or
        ``MAX_RESULTS`` (broad)."""
        if not self.terms or self.matches == 0:
            return []
        limit = RANK_LIMIT if self.ranked else MAX_RESULTS
        if self._lanes:
            lanes = [where for key in self.kinds if (where := self._where([key])) is not None]
            if not lanes:
                return []
            sql, params = self.backend.newest(self.match, lanes, limit)
        else:
            where = self._where()
            if where is None:
                return []
            sql, params = self.backend.results(
                self.match, *where, ranked=self.ranked, form=self._form, limit=limit
            )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [(kind, object_id) for _id, kind, object_id in cursor.fetchall()]

    def count(self) -> int:
        return len(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        return self._hits(self._rows[key])

    # --- showing ----------------------------------------------------------------------------

    def _hits(self, rows: list[tuple[str, int]]) -> list[Hit]:
        wanted: dict[str, list[int]] = {}
        for kind, object_id in rows:
            wanted.setdefault(kind, []).append(object_id)
        records = {}
        for key, object_ids in wanted.items():
            kind = KINDS[key]
            # Through the scope again: a document out of step with its record shows nothing.
            for obj in kind.visible(self.user).select_related(*kind.related).filter(pk__in=object_ids):
                records[key, obj.pk] = obj
        return [self._hit(KINDS[kind], records[kind, pk]) for kind, pk in rows if (kind, pk) in records]

    def _hit(self, kind: Kind, obj) -> Hit:
        title = kind.title(obj)
        date = None
        if kind.key == "reply":
            title = _("{unit}’s reply to “{title}”").format(unit=obj.unit, title=obj.suggestion.title)
        if kind.key == "clue":
            date = obj.occurred_on
        elif kind.key in ("suggestion", "reply"):
            date = timezone.localdate(obj.created_at)
        state = obj.get_state_display() if hasattr(obj, "get_state_display") else ""
        return Hit(
            kind=kind,
            obj=obj,
            url=kind.url(obj),
            title=title,
            title_html=highlight(title, self.terms),
            snippet_html=snippet(kind.body(obj), self.terms),
            town=getattr(obj, "town", None) if kind.key != "reply" else obj.suggestion.town,
            date=date,
            state=state,
        )
