"""``daibiao dedup pairs --csv PATH [--threshold T]``: near-duplicate pairs in a CSV."""

from __future__ import annotations

import csv

from django.core.management.base import BaseCommand, CommandError

from daibiao.routing import minhash
from daibiao.routing.csvfile import CSVError, read_items
from daibiao.routing.duplicates import find_duplicates


class Command(BaseCommand):
    help = "Print the exact and near-exact repeats in a CSV as id_a,id_b,score."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{pairs}")
        pairs = actions.add_parser("pairs", help="Print id_a,id_b,score for each pair found.")
        pairs.add_argument("--csv", required=True, help="UTF-8 CSV with the header id,title,body[,label].")
        pairs.add_argument(
            "--threshold",
            type=float,
            default=minhash.DEFAULT_THRESHOLD,
            help="Least character-shingle Jaccard similarity, 0–1 (default %(default)s).",
        )

    def handle(self, *args, action, csv, threshold, **options):
        if not 0 < threshold <= 1:
            raise CommandError("--threshold must be in (0, 1].")
        try:
            items = read_items(csv, need_label=False)
        except CSVError as exc:
            raise CommandError(str(exc)) from exc
        found = find_duplicates([f"{i.title}\n{i.body}" for i in items], threshold)
        writer = _writer(self.stdout)
        writer.writerow(["id_a", "id_b", "score"])
        for a, b, score in found:
            writer.writerow([items[a].id, items[b].id, f"{score:.4f}"])


def _writer(stream):
    return csv.writer(stream, lineterminator="\n")
