"""Backups of the whole database and its kept files, in one archive that either database reads.

``daibiao backup PATH`` writes a tar archive (uncompressed outside, so a reader can seek to any
member; the table files inside are gzip'd, the kept files are mostly compressed already):

- ``tables/<table>.jsonl.gz``: every row of every table the migrations create, in primary-key
  order, one JSON array of column values per line. Each value is written by its column's kind
  (``encode``): times in UTC ISO 8601, decimals as strings, bytes in base64, durations in
  microseconds, JSON columns as JSON. Read through the ORM, whose converters give the same
  Python values on SQLite and PostgreSQL, the same rows give the same bytes on either.
- ``files/<storage>/<name>``: every kept file a row points to (the uploads under PRIVATE_ROOT).
- ``manifest.json``: format and version, the migrations applied per app, when it was made, per
  table its columns, row count, checksum (sha256 of its lines, so database-neutral) and next
  id, per member the sha256 of its bytes; ``manifest.sha256`` guards the manifest itself.

The rows are read in one snapshot (PostgreSQL: one REPEATABLE READ transaction; SQLite: one
read transaction, which in WAL mode does not stop the writers) and streamed in chunks, so a
large database needs little memory.

``daibiao restore PATH`` loads an archive into a migrated database that holds nothing yet,
refusing when its migrations differ from the archive's. It inserts every row in one
transaction (the foreign keys Django makes are deferred to the commit on both databases, so
the order does not matter), sets each id sequence where it stood, writes the kept files back,
then reads everything again and compares counts and checksums with the manifest: any
difference rolls the whole restore back. A SQLite archive restores into PostgreSQL and the
other way round with the same checksums.

Left out, on purpose: ``django_migrations`` (the state is recorded in the manifest and
checked, not copied) and the full-text index of search, which is derived from
``routing_searchterms`` by the database itself (SQLite's FTS5 tables through their triggers,
PostgreSQL's generated ``search_vector`` column), so it is rebuilt as the rows go in. The
roster import's error reports (``PRIVATE_ROOT/roster-reports``) live for a day and belong to
no row, so they are not kept either.

Limits: SQLite lets a text column hold more than its ``max_length`` and a NUL character, which
PostgreSQL refuses (the restore then stops, names the table and restores nothing); a JSON
column's JSON ``null`` reads back as SQL NULL (Django reads both as ``None``).

Modules: ``database`` (the tables, the values' encoding, the snapshot, migrations and id
sequences), ``archive`` (writing and checking the archive), ``restore``.
"""

from .archive import (
    MANIFEST,
    MANIFEST_SHA,
    BackupSummary,
    Line,
    Report,
    create_backup,
    verify_archive,
    verify_database,
)
from .database import (
    BackupError,
    Table,
    applied_migrations,
    backup_tables,
    decode,
    encode,
    read_sequence,
    skipped_tables,
    snapshot,
    table_digest,
)
from .restore import RestoreMismatch, RestoreSummary, restore_backup

__all__ = [
    "MANIFEST",
    "MANIFEST_SHA",
    "BackupError",
    "BackupSummary",
    "Line",
    "Report",
    "RestoreMismatch",
    "RestoreSummary",
    "Table",
    "applied_migrations",
    "backup_tables",
    "create_backup",
    "decode",
    "encode",
    "read_sequence",
    "restore_backup",
    "skipped_tables",
    "snapshot",
    "table_digest",
    "verify_archive",
    "verify_database",
]
