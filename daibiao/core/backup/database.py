"""What a backup holds and how its values read the same from either database: the tables,
the columns' kinds, the rows in order, the migrations, the id sequences, one snapshot."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import DatabaseError, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.fields import AutoFieldMixin
from django.db.models.functions import Collate
from django.utils import timezone
from django.utils.duration import duration_microseconds
from django.utils.translation import gettext as _

from ..files import private_storage

CHUNK = 2000  # rows per fetch and per INSERT batch

# Tables that ``migrate`` fills by itself (post_migrate), so a just-migrated database holds
# rows there. Restore replaces them with the archive's: other rows point to their ids.
SEEDED_BY_MIGRATE = ("django_content_type", "auth_permission")

# Tables in a migrated database that are no model's, and why the archive goes without them.
SKIPPED = {
    "django_migrations": "migration state: recorded in the manifest and checked on restore",
    "routing_search_fts": "full-text index derived from routing_searchterms: the triggers rebuild it",
}

# A column's kind decides how its values are written (``encode``) and read back (``decode``).
KINDS = {
    "DateTimeField": "datetime",
    "DateField": "date",
    "TimeField": "time",
    "DecimalField": "decimal",
    "DurationField": "duration",
    "BinaryField": "bytes",
    "UUIDField": "uuid",
    "JSONField": "json",
    "FloatField": "float",
}


class BackupError(Exception):
    """The archive or the database is not fit for the operation; the message says why, the
    code what (``damaged``, ``not_empty``, ``migrations``, …)."""

    def __init__(self, message: str, *, code: str = "invalid"):
        super().__init__(message)
        self.code = code


# --- what is backed up ------------------------------------------------------------------------


@dataclass
class Table:
    """One table of the archive: a concrete model's table and the columns it stores."""

    model: type[models.Model]
    fields: list[models.Field]

    @property
    def name(self) -> str:
        return self.model._meta.db_table

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def columns(self) -> list[str]:
        return [f.column for f in self.fields]

    @property
    def kinds(self) -> list[str]:
        return [kind_of(f) for f in self.fields]

    @property
    def member(self) -> str:
        return f"tables/{self.name}.jsonl.gz"

    @property
    def pk(self) -> models.Field:
        return self.model._meta.pk

    @property
    def has_sequence(self) -> bool:
        return isinstance(self.pk, AutoFieldMixin)

    @property
    def file_fields(self) -> list[tuple[int, str]]:
        """(column index, storage label) of each file column."""
        return [(i, storage_label(f)) for i, f in enumerate(self.fields) if isinstance(f, models.FileField)]


def kind_of(field: models.Field) -> str:
    while field.is_relation:  # a foreign key holds what its target column holds
        field = field.target_field
    return KINDS.get(field.get_internal_type(), "plain")


def _is_text(field: models.Field) -> bool:
    while field.is_relation:
        field = field.target_field
    return isinstance(field, models.CharField | models.TextField)


def backup_tables() -> list[Table]:
    """Every table the installed apps' migrations create for their models (many-to-many ones
    included), once each, by name."""
    found: dict[str, Table] = {}
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed or opts.swapped or opts.db_table in found:
            continue
        fields = [f for f in opts.concrete_fields if not getattr(f, "generated", False)]
        found[opts.db_table] = Table(model, fields)
    return [found[name] for name in sorted(found)]


def storages() -> dict:
    return {"private": private_storage, "default": default_storage}


def storage_label(field: models.FileField) -> str:
    for label, storage in storages().items():
        if field.storage is storage:
            return label
    raise BackupError(
        _("{model}.{field} keeps its files in a storage the backup does not know.").format(
            model=field.model._meta.label, field=field.name
        ),
        code="storage",
    )


def skipped_tables(using: str, tables: list[Table]) -> dict[str, str]:
    """The tables of the database that are no model's, with the reason each is left out."""
    connection = connections[using]
    with connection.cursor() as cursor:
        present = set(connection.introspection.table_names(cursor))
    ours = {t.name for t in tables}
    skipped = {}
    for name in sorted(present - ours):
        base = next((s for s in SKIPPED if name == s or name.startswith(s + "_")), None)
        skipped[name] = SKIPPED[base] if base else "not the table of any installed model"
    return skipped


# --- values -----------------------------------------------------------------------------------


def _utc_iso(value: dt.datetime) -> str:
    return (value.astimezone(dt.UTC) if timezone.is_aware(value) else value).isoformat()


# kind → (write, read); plain values (text, integers, booleans, JSON) pass as they are.
_CODECS = {
    "datetime": (_utc_iso, dt.datetime.fromisoformat),
    "date": (dt.date.isoformat, dt.date.fromisoformat),
    "time": (dt.time.isoformat, dt.time.fromisoformat),
    "decimal": (lambda v: format(v, "f"), Decimal),
    "duration": (duration_microseconds, lambda v: dt.timedelta(microseconds=v)),
    "bytes": (lambda v: base64.b64encode(bytes(v)).decode("ascii"), base64.b64decode),
    "uuid": (str, uuid.UUID),
    "float": (float, float),
}


def encode(kind: str, value):
    """``value`` as the ORM returns it → a JSON value that is the same on either database."""
    codec = _CODECS.get(kind)
    return value if value is None or codec is None else codec[0](value)


def decode(kind: str, value):
    """The inverse of ``encode``: the Python value to hand to the field."""
    codec = _CODECS.get(kind)
    return value if value is None or codec is None else codec[1](value)


# sort_keys: PostgreSQL's jsonb keeps an object's keys in an order of its own, SQLite in the
# writer's; sorted, the same object reads the same from both. One encoder for every row.
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def row_line(kinds: list[str], row) -> bytes:
    """One row as its line in the archive; the checksum is over these bytes."""
    values = [
        value if value is None or (codec := _CODECS.get(kind)) is None else codec[0](value)
        for kind, value in zip(kinds, row, strict=True)
    ]
    return _to_json(values).encode("utf-8") + b"\n"


def read_rows(table: Table, using: str) -> Iterator[tuple]:
    """The table's rows in primary-key order, streamed (a server-side cursor on PostgreSQL)."""
    pk = table.pk.attname
    order = pk
    if connections[using].vendor == "postgresql" and _is_text(table.pk):
        # Text keys (session keys, tokens) in byte order, as SQLite sorts them, whatever the
        # database's collation.
        order = Collate(pk, "C")
    queryset = (
        table.model._base_manager.using(using).order_by(order).values_list(*[f.attname for f in table.fields])
    )
    return queryset.iterator(chunk_size=CHUNK)


@dataclass
class Digest:
    rows: int = 0
    checksum: str = ""


def table_digest(table: Table, using: str) -> Digest:
    hasher, count, kinds = hashlib.sha256(), 0, table.kinds
    for row in read_rows(table, using):
        hasher.update(row_line(kinds, row))
        count += 1
    return Digest(count, hasher.hexdigest())


# --- the database's state ---------------------------------------------------------------------


def applied_migrations(using: str) -> dict[str, list[str]]:
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return {}
    state = defaultdict(list)
    for app, name in recorder.applied_migrations():
        state[app].append(name)
    return {app: sorted(names) for app, names in sorted(state.items())}


def require_migrated(using: str) -> None:
    executor = MigrationExecutor(connections[using])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise BackupError(
            _("The database “{alias}” has migrations to apply; run “daibiao migrate” first.").format(
                alias=using
            ),
            code="not_migrated",
        )


def read_sequence(table: Table, using: str) -> int | None:
    """The last id the table's sequence gave out (rows deleted since keep their ids used)."""
    if not table.has_sequence:
        return None
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            try:
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table.name])
            except DatabaseError:  # no AUTOINCREMENT table yet
                return None
            found = cursor.fetchone()
            return int(found[0]) if found else 0
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)",
                [connection.ops.quote_name(table.name), table.pk.column],
            )
            sequence = cursor.fetchone()[0]
            if not sequence:
                return None
            # The name comes from PostgreSQL itself, schema-qualified and quoted where needed.
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
            last, called = cursor.fetchone()
            return int(last) if called else int(last) - 1
    return None


def write_sequence(table: Table, using: str, value: int) -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [value, table.name])
            if cursor.rowcount == 0 and value > 0:
                cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table.name, value])
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)",
                [connection.ops.quote_name(table.name), table.pk.column],
            )
            sequence = cursor.fetchone()[0]
            if sequence:
                cursor.execute("SELECT setval(%s, %s, %s)", [sequence, max(value, 1), value > 0])


@contextmanager
def snapshot(using: str):
    """Everything read inside the block comes from one moment of the database."""
    connection = connections[using]
    if connection.in_atomic_block:  # already in a transaction (a test): read through it
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        # Django opens SQLite transactions with BEGIN IMMEDIATE here (settings), which would
        # keep every writer waiting for the whole backup; a deferred BEGIN and a first read
        # fix a snapshot that, in WAL mode, writers do not disturb.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
            cursor.execute("SELECT count(*) FROM sqlite_master")
        try:
            yield
        finally:
            with connection.cursor() as cursor, suppress(DatabaseError):
                cursor.execute("ROLLBACK")
    else:
        with transaction.atomic(using=using):
            yield
