"""Backup and restore: a database backed up and restored into an empty one holds the same rows
(counted and checksummed table by table) and the same kept files, byte for byte, on SQLite and
on PostgreSQL and from one to the other; a damaged archive, a database that is not empty and
an archive of other migrations are refused, and a refused restore leaves nothing behind."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import tarfile
import uuid
import zoneinfo
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from daibiao.core import backup
from daibiao.core.files import check_upload, private_storage
from daibiao.core.testing.files import docx_bytes, photo, upload
from daibiao.routing.search.analysis import parse
from daibiao.routing.search.engine import Search
from daibiao.suggestions import services as loop
from daibiao.suggestions.models import Attachment, Clue

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

# Transactional: the backup reads in its own snapshot and the restore writes in its own
# transaction, as they do outside tests.
transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(cast, client_for, api_for):
    """The cast's county with photos on a clue, a reply's document, a login session and an API
    token (both keyed by text, which the two databases would sort differently)."""
    deputy = cast.users["deputy_a"]
    loop.add_clue_photos(cast.clues["a"], actor=deputy, photos=[photo("路灯.jpg"), photo("现场.jpg")])
    document = check_upload(upload("答复.docx", docx_bytes("答复意见：已修复")))
    clue = loop.create_clue(
        actor=cast.users["deputy_b"], title="桥面裂缝", content="桥面有裂缝。", town=cast.towns["b"]
    )
    loop.add_clue_photos(clue, actor=cast.users["deputy_b"], photos=[document])
    client_for("town_a").get("/")
    api_for("county")
    return cast


def digests(using: str = "default") -> dict[str, tuple[int, str]]:
    return {
        t.name: (d.rows, d.checksum) for t in backup.backup_tables() for d in [backup.table_digest(t, using)]
    }


def kept_files(using: str = "default") -> dict[str, bytes]:
    """The bytes of every file an attachment row names."""
    names = Attachment.objects.using(using).values_list("file", flat=True)
    out = {}
    for name in names:
        with private_storage.open(name, "rb") as handle:
            out[name] = handle.read()
    return out


def wipe(using: str = "default") -> None:
    """What a new machine has: a migrated database with nothing in it, and no kept files."""
    for name in Attachment.objects.using(using).values_list("file", flat=True):
        private_storage.delete(name)
    call_command("flush", interactive=False, verbosity=0, database=using)


def change_member(path, member: str, change) -> None:
    """Rewrite ``member`` of the archive in place with ``change(bytes) → bytes`` of equal size."""
    with tarfile.open(path) as archive:
        info = archive.getmember(member)
        offset, size = info.offset_data, info.size
    with open(path, "r+b") as handle:
        handle.seek(offset)
        data = handle.read(size)
        changed = change(data)
        assert len(changed) == len(data)
        assert changed != data
        handle.seek(offset)
        handle.write(changed)


def flip_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def rewrite_manifest(source, target, edit, members=None) -> None:
    """A copy of the archive whose manifest ``edit`` changed, with a matching checksum (as a
    careful forger, or another daibiao version, would write it), and ``members`` replaced."""
    members = members or {}
    with tarfile.open(source) as old, tarfile.open(target, "w:") as new:
        manifest = json.loads(old.extractfile(backup.MANIFEST).read())
        edit(manifest)
        data = json.dumps(manifest).encode()
        for info in old.getmembers():
            if info.name == backup.MANIFEST:
                info.size = len(data)
                new.addfile(info, io.BytesIO(data))
            elif info.name == backup.MANIFEST_SHA:
                digest = hashlib.sha256(data).hexdigest().encode()
                info.size = len(digest)
                new.addfile(info, io.BytesIO(digest))
            elif info.name in members:
                info.size = len(members[info.name])
                new.addfile(info, io.BytesIO(members[info.name]))
            else:
                new.addfile(info, old.extractfile(info))


# --- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "written"),
    [
        (
            "datetime",
            dt.datetime(2026, 5, 1, 8, 30, 0, 250, tzinfo=SHANGHAI),
            "2026-05-01T00:30:00.000250+00:00",
        ),
        ("date", dt.date(2026, 2, 28), "2026-02-28"),
        ("time", dt.time(23, 59, 1, 5), "23:59:01.000005"),
        ("decimal", Decimal("0E-8"), "0.00000000"),
        ("decimal", Decimal("12.50"), "12.50"),
        ("duration", dt.timedelta(days=1, microseconds=3), 86_400_000_003),
        ("bytes", b"\x00\xff", "AP8="),
        ("uuid", uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        ("float", 0.1, 0.1),
        ("json", {"b": [1, "二"], "a": None}, {"b": [1, "二"], "a": None}),
        ("plain", "村道\n破损", "村道\n破损"),
        ("plain", None, None),
    ],
)
def test_each_kind_of_value_is_written_one_way_and_read_back_whole(kind, value, written):
    assert backup.encode(kind, value) == written
    assert backup.decode(kind, json.loads(json.dumps(written))) == value


def test_a_row_reads_the_same_whatever_order_a_database_kept_its_json_keys_in():
    from daibiao.core.backup.database import row_line

    kinds = ["plain", "json", "datetime"]
    when = dt.datetime(2026, 5, 1, 8, 30, tzinfo=SHANGHAI)
    first = row_line(kinds, [1, {"x": 1, "a": [2]}, when])
    second = row_line(kinds, [1, {"a": [2], "x": 1}, when.astimezone(dt.UTC)])
    assert first == second
    assert row_line(kinds, [1, {"x": 2, "a": [2]}, when]) != first


# --- the round trip ---------------------------------------------------------------------------


@transactional
def test_restore_into_an_empty_database_gives_the_same_rows_and_files(world, tmp_path):
    before, files = digests(), kept_files()
    sequences = {t.name: backup.read_sequence(t, "default") for t in backup.backup_tables()}
    assert len(files) == 3
    assert before["django_session"][0] == 1
    assert before["authtoken_token"][0] == 1
    path = tmp_path / "county.tar"

    summary = backup.create_backup(path)

    manifest = backup.verify_archive(path).manifest
    assert {e["table"]: (e["rows"], e["checksum"]) for e in manifest["tables"]} == before
    assert sorted(f["name"] for f in manifest["files"]) == sorted(files)
    assert summary.rows == sum(rows for rows, _ in before.values())
    assert "routing_search_fts" not in before  # derived, rebuilt by the database
    wipe()
    assert Clue.objects.count() == 0
    assert not any(private_storage.exists(n) for n in files)

    restored = backup.restore_backup(path)

    assert restored.report.ok
    assert digests() == before
    assert kept_files() == files
    # Ids go on from where they stood, not from the highest one left in a table.
    assert {t.name: backup.read_sequence(t, "default") for t in backup.backup_tables()} == sequences
    # The full-text index was rebuilt from the restored terms.
    assert Search(world.users["county"], parse("路灯")).matches > 0
    # The restored records work: a new clue gets a fresh id and its own history.
    clue = loop.create_clue(
        actor=world.users["deputy_a"], title="新的线索", content="内容。", town=world.towns["a"]
    )
    assert clue.pk > max(Clue.objects.exclude(pk=clue.pk).values_list("pk", flat=True))


@transactional
def test_the_commands_back_up_check_and_restore_only_into_an_empty_database(world, tmp_path):
    path = tmp_path / "county.tar"
    before = digests()
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    call_command("backup", "--verify", str(path), stdout=out)
    assert not path.with_name("county.tar.partial").exists()

    with pytest.raises(backup.BackupError) as refused:
        backup.restore_backup(path)
    assert refused.value.code == "not_empty"
    assert "accounts_user" in str(refused.value)
    with pytest.raises(CommandError):
        call_command("restore", str(path), stdout=out)
    assert digests() == before  # left alone

    wipe()
    call_command("restore", str(path), stdout=out)
    assert digests() == before


# --- damaged and foreign archives -------------------------------------------------------------


def damaged_copies(path, tmp_path) -> tuple[dict, str]:
    """Copies of the archive at ``path``, each wrong in one way."""
    manifest = backup.verify_archive(path).manifest
    biggest = max(manifest["tables"], key=lambda e: e["rows"])
    copies = {}
    for where, member in (
        ("table", biggest["member"]),
        ("file", manifest["files"][0]["member"]),
        ("manifest", backup.MANIFEST),
    ):
        copies[where] = tmp_path / f"{where}.tar"
        copies[where].write_bytes(path.read_bytes())
        change_member(copies[where], member, flip_middle)

    # A row changed and the manifest rewritten to match the member's new bytes (as a careful
    # forger would): the row checksum, computed from the rows themselves, still gives it away.
    with tarfile.open(path) as archive:
        raw = archive.extractfile("tables/suggestions_clue.jsonl.gz").read()
    tampered = gzip.compress(gzip.decompress(raw).replace("路灯".encode(), "路牌".encode()), mtime=0)

    def forge(manifest):
        entry = next(e for e in manifest["tables"] if e["table"] == "suggestions_clue")
        entry["member_sha256"] = hashlib.sha256(tampered).hexdigest()

    copies["forged"] = tmp_path / "forged.tar"
    rewrite_manifest(path, copies["forged"], forge, members={"tables/suggestions_clue.jsonl.gz": tampered})

    # Consistent in itself, but the towns point to a county the archive no longer holds.
    empty = gzip.compress(b"", mtime=0)

    def drop_county(manifest):
        entry = next(e for e in manifest["tables"] if e["table"] == "registry_county")
        entry.update(rows=0, checksum=hashlib.sha256(b"").hexdigest())
        entry["member_sha256"] = hashlib.sha256(empty).hexdigest()

    copies["dangling"] = tmp_path / "dangling.tar"
    rewrite_manifest(
        path, copies["dangling"], drop_county, members={"tables/registry_county.jsonl.gz": empty}
    )

    copies["migrations"] = tmp_path / "other-migrations.tar"
    rewrite_manifest(
        path, copies["migrations"], lambda m: m["migrations"]["suggestions"].append("9999_future")
    )
    return copies, biggest["table"]


@transactional
def test_damaged_or_foreign_archives_are_refused_and_restore_nothing(world, tmp_path):
    path = tmp_path / "county.tar"
    backup.create_backup(path)
    assert backup.verify_archive(path).ok
    copies, biggest = damaged_copies(path, tmp_path)
    files_line = backup.verify_archive(path).lines[-1].name

    for where, expected in (("table", [biggest]), ("file", [files_line]), ("forged", ["suggestions_clue"])):
        report = backup.verify_archive(copies[where])
        assert [line.name for line in report.lines if not line.ok] == expected, where
    with pytest.raises(backup.BackupError) as damaged:
        backup.verify_archive(copies["manifest"])
    assert damaged.value.code == "damaged"
    assert backup.verify_archive(copies["migrations"]).ok  # whole, but of other migrations
    assert backup.verify_archive(copies["dangling"]).ok  # whole, but its rows do not fit

    names = list(kept_files())
    wipe()
    for where, code in (
        ("table", "damaged"),
        ("file", "damaged"),
        ("manifest", "damaged"),
        ("forged", "damaged"),
        ("dangling", "refused"),
        ("migrations", "migrations"),
    ):
        with pytest.raises(backup.BackupError) as refused:
            backup.restore_backup(copies[where])
        assert refused.value.code == code, where
        assert Clue.objects.count() == 0, where
        assert not any(private_storage.exists(n) for n in names), where
    assert "9999_future" in str(refused.value)


# --- from one database to the other -----------------------------------------------------------


SQLITE = "backup_sqlite"


@pytest.fixture(scope="module")
def sqlite_alias(tmp_path_factory):
    """A SQLite database on a file as a second alias (for the PostgreSQL run). Registered before
    the test's database set-up, which allows only the aliases it knows."""
    path = tmp_path_factory.mktemp("backup") / "county.sqlite3"
    filled = connections.configure_settings(
        {"default": {}, SQLITE: {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}}
    )
    connections.settings[SQLITE] = filled[SQLITE]
    try:
        yield SQLITE
    finally:
        connections[SQLITE].close()
        del connections[SQLITE]
        del connections.settings[SQLITE]


@pytest.mark.django_db(transaction=True, databases=["default", SQLITE])
@pytest.mark.skipif(
    connections["default"].vendor != "postgresql", reason="runs in the PostgreSQL suite (make test-postgres)"
)
def test_postgresql_to_sqlite_and_back_keeps_every_checksum(sqlite_alias, world, tmp_path):
    call_command("migrate", database=sqlite_alias, verbosity=0)
    before, files = digests(), kept_files()
    backup.create_backup(tmp_path / "from-postgresql.tar")
    for name in files:
        private_storage.delete(name)

    backup.restore_backup(tmp_path / "from-postgresql.tar", using=sqlite_alias)
    assert digests(sqlite_alias) == before
    assert kept_files(sqlite_alias) == files

    backup.create_backup(tmp_path / "from-sqlite.tar", using=sqlite_alias)
    manifest = backup.verify_archive(tmp_path / "from-sqlite.tar").manifest
    assert manifest["source"]["vendor"] == "sqlite"
    wipe()

    backup.restore_backup(tmp_path / "from-sqlite.tar")
    assert digests() == before
    assert kept_files() == files
    assert Search(world.users["county"], parse("路灯")).matches > 0
