"""Restore: an archive into a migrated, empty database and its kept files into their storages,
checked against the manifest before anything is committed."""

from __future__ import annotations

import hashlib
import json
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import File
from django.db import DatabaseError, connections, transaction
from django.utils.translation import gettext as _

from .archive import (
    HashingReader,
    Report,
    member_reader,
    open_archive,
    read_manifest,
    safe_name,
    table_lines,
    verify_database,
)
from .database import (
    CHUNK,
    SEEDED_BY_MIGRATE,
    BackupError,
    Table,
    applied_migrations,
    backup_tables,
    decode,
    require_migrated,
    storages,
    write_sequence,
)

# --- restore ----------------------------------------------------------------------------------


class RestoreMismatch(BackupError):
    """The restored database differs from the archive; the restore was rolled back."""

    def __init__(self, report: Report):
        super().__init__(
            _("The restored data differ from the archive; nothing was restored."), code="mismatch"
        )
        self.report = report


@dataclass
class RestoreSummary:
    report: Report
    rows: int = 0
    files: int = 0
    seconds: float = 0.0


def _check_compatible(manifest: dict, using: str) -> list[Table]:
    require_migrated(using)
    here = applied_migrations(using)
    there = manifest["migrations"]
    if here != there:
        differences = []
        for app in sorted(set(here) | set(there)):
            only_archive = sorted(set(there.get(app, ())) - set(here.get(app, ())))
            only_here = sorted(set(here.get(app, ())) - set(there.get(app, ())))
            if only_archive:
                differences.append(
                    _("{app}: the archive has {names}, this database has not").format(
                        app=app, names=", ".join(only_archive)
                    )
                )
            if only_here:
                differences.append(
                    _("{app}: this database has {names}, the archive has not").format(
                        app=app, names=", ".join(only_here)
                    )
                )
        raise BackupError(
            _(
                "The archive was made at other migrations than this database's; restore it with the "
                "daibiao version that made it.\n{differences}"
            ).format(differences="\n".join(differences)),
            code="migrations",
        )
    tables = {t.name: t for t in backup_tables()}
    listed = {e["table"]: e for e in manifest["tables"]}
    if set(tables) != set(listed) or any(
        tables[name].columns != listed[name]["columns"] or tables[name].kinds != listed[name]["kinds"]
        for name in tables
    ):
        raise BackupError(
            _("The archive's tables differ from this daibiao version's; nothing was restored."), code="tables"
        )
    return [tables[e["table"]] for e in manifest["tables"]]


def _require_empty(tables: list[Table], using: str) -> None:
    full = [
        t.name
        for t in tables
        if t.name not in SEEDED_BY_MIGRATE and t.model._base_manager.using(using).exists()
    ]
    if full:
        raise BackupError(
            _(
                "The database “{alias}” is not empty ({tables}); restore only into a newly migrated database."
            ).format(alias=using, tables=", ".join(full[:8]) + (" …" if len(full) > 8 else "")),
            code="not_empty",
        )


def _insert_table(archive, entry: dict, table: Table, using: str) -> None:
    connection = connections[using]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in table.columns)
    marks = ", ".join(["%s"] * len(table.fields))
    sql = f"INSERT INTO {qn(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608 (names from the models)
    pairs = list(zip(table.fields, table.kinds, strict=True))
    raw, lines = table_lines(archive, entry)
    hasher, count, batch = hashlib.sha256(), 0, []
    try:
        with connection.cursor() as cursor:
            for line in lines:
                hasher.update(line)
                count += 1
                values = json.loads(line)
                batch.append(
                    [
                        f.get_db_prep_save(decode(kind, v), connection)
                        for (f, kind), v in zip(pairs, values, strict=True)
                    ]
                )
                if len(batch) >= CHUNK:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
    except (ValueError, TypeError) as exc:  # not JSON, or not the values its columns hold
        raise BackupError(
            _("The archive is damaged: {table}: {error}").format(table=table.name, error=exc), code="damaged"
        ) from exc
    except DatabaseError as exc:
        # Rows this database refuses: a damaged archive, or values the source database let
        # pass (SQLite does not enforce a column's length).
        raise BackupError(
            _("This database refused rows of {table}: {error}").format(table=table.name, error=exc),
            code="refused",
        ) from exc
    if (
        raw.drain() != entry["member_sha256"]
        or count != entry["rows"]
        or hasher.hexdigest() != entry["checksum"]
    ):
        raise BackupError(
            _("The archive is damaged: {table} differs from its checksum.").format(table=table.name),
            code="damaged",
        )
    if table.has_sequence and entry.get("sequence") is not None:
        write_sequence(table, using, entry["sequence"])


def _restore_file(archive, entry: dict, written: list) -> None:
    storage = storages().get(entry["storage"])
    if storage is None:
        raise BackupError(
            _("The archive names an unknown storage: {name}").format(name=entry["storage"]), code="damaged"
        )
    name = safe_name(entry["name"])
    if storage.exists(name):
        with storage.open(name, "rb") as handle:
            if HashingReader(handle).drain() == entry["sha256"]:
                return  # already there (a restore on the machine that made the archive)
        raise BackupError(
            _("A different file is already stored as {name}; restore into empty storage.").format(name=name),
            code="storage",
        )
    reader = HashingReader(member_reader(archive, entry["member"]))
    saved = storage.save(name, File(reader, name=PurePosixPath(name).name))
    written.append((storage, saved))
    if saved != name:
        raise BackupError(
            _("The file {name} could not be stored under its name.").format(name=name), code="storage"
        )
    if reader.hasher.hexdigest() != entry["sha256"]:
        raise BackupError(
            _("The archive is damaged: the file {name} differs from its checksum.").format(name=name),
            code="damaged",
        )


def restore_backup(path, *, using: str = "default") -> RestoreSummary:
    """Load the archive at ``path`` into the empty, migrated database ``using`` and its kept
    files into their storages; check everything against the manifest before committing."""
    started = time.perf_counter()
    written: list = []
    with open_archive(path) as archive:
        manifest = read_manifest(archive)
        tables = _check_compatible(manifest, using)
        _require_empty(tables, using)
        connection = connections[using]
        try:
            with transaction.atomic(using=using):
                with connection.cursor() as cursor:
                    for name in reversed(SEEDED_BY_MIGRATE):
                        cursor.execute(f"DELETE FROM {connection.ops.quote_name(name)}")  # noqa: S608
                for table, entry in zip(tables, manifest["tables"], strict=True):
                    _insert_table(archive, entry, table, using)
                # Deferred foreign keys are checked at the commit; checked here, a broken
                # archive says which table and row.
                connection.check_constraints(table_names=[t.name for t in tables])
                for entry in manifest["files"]:
                    _restore_file(archive, entry, written)
                report = verify_database(manifest, using)
                if not report.ok:
                    raise RestoreMismatch(report)
        except BaseException as exc:
            for storage, name in written:
                with suppress(OSError):
                    storage.delete(name)
            if isinstance(exc, DatabaseError):  # a foreign key to a row that is not there
                raise BackupError(
                    _("This database refused the archive's rows: {error}").format(error=exc), code="refused"
                ) from exc
            raise
    ContentType.objects.clear_cache()  # the ids are the archive's now
    summary = RestoreSummary(report=report, files=len(manifest["files"]))
    summary.rows = sum(e["rows"] for e in manifest["tables"])
    summary.seconds = time.perf_counter() - started
    return summary
