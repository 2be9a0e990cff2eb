"""Rows straight into tables: ids allocated here, values as the models' concrete fields take
them, COPY on PostgreSQL (psycopg 3) and ``executemany`` elsewhere. No model instances, no
signals: the caller writes every row a service would have written, change log and search
index included."""

from __future__ import annotations

import json
import time
from collections import defaultdict

from django.core.management.color import no_style
from django.db import models
from django.db.models.fields import NOT_PROVIDED

MISSING = object()  # a required column the caller has not given
FLUSH_ROWS = 20_000


class Table:
    """One model's table: its columns (the concrete fields, in order), a default row, the
    next free id, and the rows waiting to be written."""

    def __init__(self, writer: Writer, model: type[models.Model]):
        self.writer = writer
        self.model = model
        self.name = model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        self.defaults = [self._default(f) for f in self.fields]
        self.json = [i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]
        self.pk = self.index[model._meta.pk.attname]
        self.auto_pk = isinstance(model._meta.pk, models.AutoField)
        self.next_id = 1
        self.rows: list[list] = []
        self.written = 0
        self.complete: set[tuple] = set()

    @staticmethod
    def _default(field):
        if field.primary_key:
            return MISSING
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return MISSING  # the caller gives the historical time
        if field.default is not NOT_PROVIDED:
            if callable(field.default):
                # Callables (``timezone.now``, ``new_tracking_code``, ``dict``) differ per row:
                # JSON defaults are safe to share (rows are serialised), the others must be given.
                return field.default() if isinstance(field, models.JSONField) else MISSING
            return field.default
        if field.null:
            return None
        if field.blank and isinstance(field, models.CharField | models.TextField):
            return ""
        return MISSING

    def add(self, **values) -> int:
        """Queue one row (``rows[-1]``, changed in place until written); returns its id
        (allocated here unless given)."""
        row = self.defaults.copy()
        index = self.index
        if self.auto_pk and "id" not in values:
            row[self.pk] = self.next_id
            self.next_id += 1
        for key, value in values.items():
            row[index[key]] = value
        keys = tuple(values)
        if keys not in self.complete:  # checked once per set of columns given
            missing = [self.fields[i].attname for i, v in enumerate(row) if v is MISSING]
            if missing:
                raise ValueError(f"{self.name}: no value for {missing}")
            self.complete.add(keys)
        self.rows.append(row)
        return row[self.pk]

    def positional(self, *attnames):
        """A faster ``add`` for the busiest tables: ``make(*values)`` takes every column but
        the id, in the model's field order (checked here, so a changed model fails loudly)."""
        expected = [f.attname for i, f in enumerate(self.fields) if i != self.pk]
        if list(attnames) != expected or self.pk != 0 or not self.auto_pk:
            raise ValueError(f"{self.name}: columns are {expected}, not {list(attnames)}")

        def make(*values) -> int:
            pk = self.next_id
            self.next_id = pk + 1
            self.rows.append([pk, *values])
            return pk

        return make

    def flush(self) -> None:
        if self.rows:
            self.writer.write(self, self.rows)
            self.written += len(self.rows)
            self.rows = []


class Writer:
    """Where the rows go: one connection, one transaction per county (the caller's)."""

    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.tables: dict[type[models.Model], Table] = {}
        self.seconds: dict[str, float] = defaultdict(float)  # time spent writing, per table
        self.prepared = False
        self.trust_keys = False
        # Parallel writers (``synth --jobs``): county number k takes the ids
        # ``base + k * stride`` up to the next county's, in every table, so that writers on
        # their own connections never hand out the same id. None: ids follow the table's.
        self.id_blocks: tuple[int, int] | None = None
        self.slot = 0

    def start_slot(self, slot: int) -> None:
        """Ids of the next county from its own block (parallel writers only)."""
        self.check_slot()
        self.slot = slot
        for table in self.tables.values():
            if table.auto_pk:
                table.next_id = self._block_start()

    def check_slot(self) -> None:
        if self.id_blocks is None:
            return
        end = self._block_start() + self.id_blocks[1]
        for table in self.tables.values():
            if table.auto_pk and table.next_id > end:
                raise RuntimeError(f"{table.name}: a county wrote more rows than its block of ids holds")

    def _block_start(self) -> int:
        base, stride = self.id_blocks
        return base + self.slot * stride

    def prepare(self) -> None:
        """PostgreSQL: with ``trust_keys``, skip the foreign-key triggers for this session's
        writes (``session_replication_role = replica``, superusers only): the rows are made
        consistent here, and the tests check them."""
        self.prepared = True
        if self.trust_keys:
            with self.connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")

    def table(self, model) -> Table:
        if model not in self.tables:
            table = Table(self, model)
            if table.auto_pk and self.id_blocks is not None:
                table.next_id = self._block_start()
            elif table.auto_pk:
                with self.connection.cursor() as cursor:
                    cursor.execute(f"SELECT MAX({table.fields[table.pk].column}) FROM {table.name}")  # noqa: S608
                    table.next_id = (cursor.fetchone()[0] or 0) + 1
            self.tables[model] = table
        return self.tables[model]

    def write(self, table: Table, rows: list[list]) -> None:
        started = time.perf_counter()
        try:
            self._write(table, rows)
        finally:
            self.seconds[table.name] += time.perf_counter() - started

    def _write(self, table: Table, rows: list[list]) -> None:
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in table.fields)
        if self.postgres:
            if not self.prepared:
                self.prepare()
            for row in rows:
                for i in table.json:
                    row[i] = json.dumps(row[i], ensure_ascii=False)
            raw = self.connection.connection  # the psycopg 3 connection under Django's
            with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                write_row = copy.write_row
                for row in rows:
                    write_row(row)
            return
        prep = [
            (i, f)
            for i, f in enumerate(table.fields)
            if not isinstance(f, models.CharField | models.IntegerField)
        ]
        connection = self.connection
        for row in rows:
            for i, field in prep:
                row[i] = field.get_db_prep_save(row[i], connection)
        marks = ", ".join(["%s"] * len(table.fields))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", rows)  # noqa: S608

    def flush(self) -> None:
        for table in self.tables.values():
            table.flush()

    def maybe_flush(self) -> None:
        """Write the tables whose queue is long; call only between records, when no caller
        still holds a queued row to change (rows are changed in place until their record's
        history is complete)."""
        for table in self.tables.values():
            if len(table.rows) >= FLUSH_ROWS:
                table.flush()

    def finish(self, models_=None) -> None:
        """Sequences past the ids written here (or in ``models_``' tables, written by other
        processes), and fresh planner statistics."""
        self.flush()
        self.check_slot()
        if models_ is None:
            models_ = [t.model for t in self.tables.values()]
        with self.connection.cursor() as cursor:
            auto = [m for m in models_ if isinstance(m._meta.pk, models.AutoField)]
            for sql in self.connection.ops.sequence_reset_sql(no_style(), auto):
                cursor.execute(sql)
            if self.postgres:
                for model in models_:
                    cursor.execute(f"ANALYZE {model._meta.db_table}")
            else:
                cursor.execute("ANALYZE")


def drop_secondary_indexes(connection, models_) -> list[str]:
    """PostgreSQL, into an empty database: drop the indexes of ``models_``' tables that back
    no constraint (the keys and unique constraints stay, and keep checking), and return the
    statements that make them again. Building an index once over all the rows costs less
    than keeping it up to date row by row; ``create_indexes`` runs them at the end."""
    tables = [model._meta.db_table for model in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c JOIN pg_class x ON x.oid = c.conindid
                WHERE x.relname = i.indexname
              )
            ORDER BY i.tablename, i.indexname
            """,
            [tables],
        )
        found = cursor.fetchall()
        quote = connection.ops.quote_name
        for name, _definition in found:
            cursor.execute(f"DROP INDEX {quote(name)}")
    return [definition for _name, definition in found]


def create_indexes(connection, statements: list[str]) -> None:
    """The indexes ``drop_secondary_indexes`` dropped, built over the rows now written."""
    if not statements:
        return
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for statement in statements:
            cursor.execute(statement)
        cursor.execute("RESET maintenance_work_mem")
