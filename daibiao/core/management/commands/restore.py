"""``daibiao restore PATH``: an archive of ``daibiao backup`` into a migrated, empty database."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from daibiao.core.backup import BackupError, RestoreMismatch, restore_backup


class Command(BaseCommand):
    help = (
        "Load an archive of `daibiao backup` into a migrated database that holds nothing yet, "
        "with its kept files; then compare every table's row count and checksum with the archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The archive written by `daibiao backup`.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database to restore into.")

    def handle(self, *args, path, database, verbosity, **options):
        try:
            summary = restore_backup(path, using=database)
        except RestoreMismatch as exc:
            self.stdout.write(exc.report.render())
            raise CommandError(str(exc)) from exc
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity >= 1:
            self.stdout.write(summary.report.render())
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Restored {rows} rows and {files} files in {seconds:.1f} s; every count and "
                    "checksum matches the archive."
                ).format(rows=summary.rows, files=summary.files, seconds=summary.seconds)
            )
        )
