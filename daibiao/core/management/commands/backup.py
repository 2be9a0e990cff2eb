"""``daibiao backup PATH``: the database and the kept files in one archive;
``daibiao backup --verify PATH``: check an archive against its manifest, without a database."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from daibiao.core.backup import BackupError, create_backup, verify_archive


class Command(BaseCommand):
    help = (
        "Write every table and every kept file to one archive (PATH, a .tar), read in one "
        "snapshot; with --verify, check an archive instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The archive to write (or, with --verify, to check).")
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Check the archive's members, row counts and checksums against its manifest.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database to back up.")

    def handle(self, *args, path, verify, database, verbosity, **options):
        self.verbose = verbosity >= 2
        try:
            if verify:
                self.verify(path)
            else:
                self.backup(path, database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc

    def backup(self, path, database) -> None:
        summary = create_backup(path, using=database)
        for entry in summary.missing_files:
            self.stderr.write(
                self.style.WARNING(
                    _("Missing: {name} (a row of {table} names it, the storage has it not).").format(
                        name=entry["name"], table=entry["table"]
                    )
                )
            )
        if self.verbose:
            for table, reason in summary.skipped_tables.items():
                self.stdout.write(_("Left out {table}: {reason}").format(table=table, reason=reason))
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Backed up {tables} tables ({rows} rows) and {files} files ({file_size}) in "
                    "{seconds:.1f} s: {path}, {size}."
                ).format(
                    tables=summary.tables,
                    rows=summary.rows,
                    files=summary.files,
                    file_size=filesizeformat(summary.file_bytes),
                    seconds=summary.seconds,
                    path=summary.path,
                    size=filesizeformat(summary.archive_bytes),
                )
            )
        )

    def verify(self, path) -> None:
        report = verify_archive(path)
        if self.verbose or not report.ok:
            self.stdout.write(report.render(only_differences=not self.verbose))
        if not report.ok:
            raise CommandError(_("The archive is damaged: see the lines above."))
        manifest = report.manifest
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "The archive is whole: {tables} tables, {files} files, made {created}; "
                    "checked in {seconds:.1f} s."
                ).format(
                    seconds=report.seconds,
                    tables=len(manifest["tables"]),
                    files=len(manifest["files"]),
                    created=manifest["created_at"],
                )
            )
        )
