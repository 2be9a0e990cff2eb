"""The archive: writing it (``create_backup``) and checking it against its manifest, with or
without a database (``verify_archive``, ``verify_database``)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

from .database import (
    BackupError,
    Table,
    applied_migrations,
    backup_tables,
    read_rows,
    read_sequence,
    require_migrated,
    row_line,
    skipped_tables,
    snapshot,
    storages,
    table_digest,
)

FORMAT = "daibiao-backup"
VERSION = 1
COPY_BUFFER = 1024 * 1024

MANIFEST = "manifest.json"
MANIFEST_SHA = "manifest.sha256"

# --- archive plumbing -------------------------------------------------------------------------


class HashingReader:
    """Reads from ``raw`` and hashes what it read."""

    def __init__(self, raw):
        self.raw = raw
        self.hasher = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.hasher.update(data)
        self.size += len(data)
        return data

    def drain(self) -> str:
        while self.read(COPY_BUFFER):
            pass
        return self.hasher.hexdigest()


def _member_info(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    return info


def safe_name(name: str) -> str:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise BackupError(
            _("The archive names a file outside its storage: {name}").format(name=name), code="damaged"
        )
    return name


@contextmanager
def open_archive(path) -> Iterator[tarfile.TarFile]:
    try:
        archive = tarfile.open(path, "r:")  # noqa: SIM115 (closed below, after the body)
    except FileNotFoundError as exc:
        raise BackupError(_("There is no archive at {path}.").format(path=path), code="missing") from exc
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(_("The archive is damaged: {error}").format(error=exc), code="damaged") from exc
    with archive:
        try:
            yield archive
        except (tarfile.TarError, EOFError) as exc:  # a header further in, read on demand
            raise BackupError(_("The archive is damaged: {error}").format(error=exc), code="damaged") from exc


def member_reader(archive: tarfile.TarFile, name: str):
    try:
        reader = archive.extractfile(name)
    except KeyError:
        reader = None
    if reader is None:
        raise BackupError(_("The archive lacks {member}.").format(member=name), code="damaged")
    return reader


def read_manifest(archive: tarfile.TarFile) -> dict:
    data = member_reader(archive, MANIFEST).read()
    expected = member_reader(archive, MANIFEST_SHA).read().decode("ascii", "replace").strip()
    if hashlib.sha256(data).hexdigest() != expected:
        raise BackupError(
            _("The archive is damaged: its manifest does not match its checksum."), code="damaged"
        )
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        raise BackupError(_("The archive is damaged: its manifest is not readable."), code="damaged") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(_("This is not a daibiao backup."), code="not_backup")
    if manifest.get("version") != VERSION:
        raise BackupError(
            _("The archive is in format version {found}; this daibiao reads version {version}.").format(
                found=manifest.get("version"), version=VERSION
            ),
            code="version",
        )
    return manifest


def table_lines(archive: tarfile.TarFile, entry: dict) -> tuple[HashingReader, Iterator[bytes]]:
    """The raw reader (hashing the member's bytes) and the member's lines."""
    raw = HashingReader(member_reader(archive, entry["member"]))

    def lines():
        try:
            yield from gzip.GzipFile(fileobj=raw, mode="rb")
        except (OSError, EOFError, zlib.error) as exc:
            raise BackupError(
                _("The archive is damaged: {member}: {error}").format(member=entry["member"], error=exc),
                code="damaged",
            ) from exc

    return raw, lines()


# --- backup -----------------------------------------------------------------------------------


@dataclass
class BackupSummary:
    path: Path
    tables: int = 0
    rows: int = 0
    files: int = 0
    file_bytes: int = 0
    archive_bytes: int = 0
    seconds: float = 0.0
    missing_files: list[dict] = field(default_factory=list)
    skipped_tables: dict[str, str] = field(default_factory=dict)


def _dump_table(table: Table, using: str, target, files: dict[tuple[str, str], str]) -> dict:
    """Write the table's rows into ``target`` (gzip'd); collect the files its rows name."""
    hasher, count, kinds = hashlib.sha256(), 0, table.kinds
    file_columns = table.file_fields
    last_pk, pk_index = 0, table.fields.index(table.pk)
    with gzip.GzipFile(fileobj=target, mode="wb", mtime=0, compresslevel=6) as out:
        for row in read_rows(table, using):
            line = row_line(kinds, row)
            hasher.update(line)
            out.write(line)
            count += 1
            for index, label in file_columns:
                if row[index]:
                    files.setdefault((label, row[index]), table.name)
            if table.has_sequence:
                last_pk = row[pk_index]
    sequence = read_sequence(table, using)
    if table.has_sequence:
        sequence = max(sequence or 0, last_pk or 0)
    return {
        "table": table.name,
        "model": table.label,
        "columns": table.columns,
        "kinds": kinds,
        "rows": count,
        "checksum": hasher.hexdigest(),
        "member": table.member,
        "sequence": sequence,
    }


def create_backup(path, *, using: str = "default") -> BackupSummary:
    """Write the archive to ``path`` (through a temporary name, so a failed backup leaves no
    half archive behind)."""
    started = time.perf_counter()
    path = Path(path)
    summary = BackupSummary(path=path)
    require_migrated(using)
    tables = backup_tables()
    created = timezone.now()
    partial = path.with_name(path.name + ".partial")
    files: dict[tuple[str, str], str] = {}
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": created.isoformat(),
        "source": {"vendor": connections[using].vendor, "django": _django_version()},
        "migrations": {},
        "tables": [],
        "files": [],
        "missing_files": [],
        "skipped_tables": {},
    }
    try:
        with tarfile.open(partial, "w:", format=tarfile.PAX_FORMAT) as archive:
            with snapshot(using):
                manifest["migrations"] = applied_migrations(using)
                manifest["skipped_tables"] = skipped_tables(using, tables)
                for table in tables:
                    with tempfile.TemporaryFile(dir=partial.parent) as scratch:
                        raw = HashingWriter(scratch)
                        entry = _dump_table(table, using, raw, files)
                        entry["member_sha256"] = raw.hasher.hexdigest()
                        scratch.seek(0)
                        archive.addfile(_member_info(table.member, raw.size, created.timestamp()), scratch)
                    manifest["tables"].append(entry)
                    summary.rows += entry["rows"]
            # Kept files are never rewritten (each has a fresh random name), so reading them
            # after the snapshot gives the bytes its rows knew, or nothing if deleted since.
            live = storages()
            for (label, name), table_name in sorted(files.items()):
                storage = live[label]
                member = f"files/{label}/{name}"
                try:
                    handle = storage.open(name, "rb")
                except FileNotFoundError:
                    manifest["missing_files"].append({"storage": label, "name": name, "table": table_name})
                    continue
                with handle:
                    size = storage.size(name)
                    reader = HashingReader(handle)
                    archive.addfile(_member_info(member, size, created.timestamp()), reader)
                manifest["files"].append(
                    {
                        "storage": label,
                        "name": name,
                        "size": size,
                        "sha256": reader.hasher.hexdigest(),
                        "member": member,
                    }
                )
                summary.file_bytes += size
            data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
            archive.addfile(_member_info(MANIFEST, len(data), created.timestamp()), io.BytesIO(data))
            digest = (hashlib.sha256(data).hexdigest() + "\n").encode("ascii")
            archive.addfile(_member_info(MANIFEST_SHA, len(digest), created.timestamp()), io.BytesIO(digest))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    summary.tables = len(tables)
    summary.files = len(manifest["files"])
    summary.missing_files = manifest["missing_files"]
    summary.skipped_tables = manifest["skipped_tables"]
    summary.archive_bytes = path.stat().st_size
    summary.seconds = time.perf_counter() - started
    return summary


class HashingWriter:
    """Writes to ``raw`` and hashes what it wrote."""

    def __init__(self, raw):
        self.raw = raw
        self.hasher = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        self.hasher.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


def _django_version() -> str:
    import django

    return django.get_version()


# --- checking ---------------------------------------------------------------------------------


@dataclass
class Line:
    """One line of a check's table: what the manifest says and what was found."""

    name: str
    expected_rows: int
    found_rows: int | None
    expected_checksum: str
    found_checksum: str | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return (
            not self.problem
            and self.expected_rows == self.found_rows
            and self.expected_checksum == self.found_checksum
        )


@dataclass
class Report:
    """The outcome of a check: a line per table and one for the files."""

    lines: list[Line] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    manifest: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems and all(line.ok for line in self.lines)

    def render(self, *, only_differences: bool = False) -> str:
        header = (_("table"), _("rows in archive"), _("rows found"), _("checksum"))
        rows = []
        for line in self.lines:
            if only_differences and line.ok:
                continue
            verdict = _("same") if line.ok else line.problem or _("differs")
            found = "—" if line.found_rows is None else str(line.found_rows)
            rows.append((line.name, str(line.expected_rows), found, verdict))
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
        out = [
            "  ".join(
                str(cell).ljust(widths[i]) if i in (0, 3) else str(cell).rjust(widths[i])
                for i, cell in enumerate(r)
            ).rstrip()
            for r in [header, *rows]
        ]
        out.extend(self.problems)
        return "\n".join(out)


def _files_line(manifest: dict, found: int, bad: list[str]) -> Line:
    expected = len(manifest["files"])
    listed = hashlib.sha256("".join(f["sha256"] for f in manifest["files"]).encode()).hexdigest()
    return Line(
        name=_("kept files"),
        expected_rows=expected,
        found_rows=found,
        expected_checksum=listed,
        found_checksum=listed if not bad else "",
        problem=_("{count} differ").format(count=len(bad)) if bad else "",
    )


def verify_archive(path) -> Report:
    """Check every member of the archive against the manifest, without any database: the
    bytes of each member, and the count and checksum of each table's rows."""
    started = time.perf_counter()
    report = Report()
    with open_archive(path) as archive:
        manifest = read_manifest(archive)
        report.manifest = manifest
        expected_members = {MANIFEST, MANIFEST_SHA}
        for entry in manifest["tables"]:
            expected_members.add(entry["member"])
            report.lines.append(_verify_table_member(archive, entry))
        bad, found = [], 0
        for entry in manifest["files"]:
            expected_members.add(entry["member"])
            try:
                reader = HashingReader(member_reader(archive, entry["member"]))
            except BackupError as exc:
                bad.append(str(exc))
                continue
            found += 1
            if reader.drain() != entry["sha256"] or reader.size != entry["size"]:
                bad.append(_("The file {name} differs from its checksum.").format(name=entry["name"]))
        report.lines.append(_files_line(manifest, found, bad))
        report.problems.extend(bad)
        extra = sorted(set(archive.getnames()) - expected_members)
        report.problems.extend(
            _("The archive holds {member}, which its manifest does not list.").format(member=m) for m in extra
        )
    report.seconds = time.perf_counter() - started
    return report


def _verify_table_member(archive: tarfile.TarFile, entry: dict) -> Line:
    line = Line(entry["table"], entry["rows"], None, entry["checksum"], None)
    try:
        raw, lines = table_lines(archive, entry)
        hasher, count = hashlib.sha256(), 0
        for row in lines:
            hasher.update(row)
            count += 1
        member_sha = raw.drain()
    except BackupError as exc:
        line.problem = str(exc)
        return line
    line.found_rows, line.found_checksum = count, hasher.hexdigest()
    if member_sha != entry["member_sha256"]:
        line.problem = _("damaged")
    return line


def verify_database(manifest: dict, using: str) -> Report:
    """Counts and checksums of the database's tables and the kept files against ``manifest``."""
    started = time.perf_counter()
    report = Report(manifest=manifest)
    by_name = {t.name: t for t in backup_tables()}
    for entry in manifest["tables"]:
        digest = table_digest(by_name[entry["table"]], using)
        report.lines.append(
            Line(entry["table"], entry["rows"], digest.rows, entry["checksum"], digest.checksum)
        )
    live, bad, found = storages(), [], 0
    for entry in manifest["files"]:
        try:
            with live[entry["storage"]].open(entry["name"], "rb") as handle:
                reader = HashingReader(handle)
                digest = reader.drain()
        except FileNotFoundError:
            bad.append(_("The file {name} is missing.").format(name=entry["name"]))
            continue
        found += 1
        if digest != entry["sha256"]:
            bad.append(_("The file {name} differs from its checksum.").format(name=entry["name"]))
    report.lines.append(_files_line(manifest, found, bad))
    report.problems.extend(bad)
    report.seconds = time.perf_counter() - started
    return report
