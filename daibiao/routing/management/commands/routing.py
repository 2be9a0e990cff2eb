"""``daibiao routing train [--csv PATH]`` and ``daibiao routing evaluate --csv PATH``.

``train`` without ``--csv`` trains every county (or ``--county``) on its own triaged history
and stores the model; with ``--csv`` it trains on the file (plus the shipped lexicon for the
labels that are product categories), prints the figures and, with ``--out``, writes the model.
``evaluate`` runs a stratified k-fold over the file and prints accuracy, macro-F1, top-3
accuracy, per-label precision and recall and the confusion table (``--json``: as JSON)."""

from __future__ import annotations

import json
import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from daibiao.registry.models import County
from daibiao.routing import lexicon, services
from daibiao.routing.classifier import Classifier, Row, evaluate
from daibiao.routing.csvfile import CSVError, read_items


def _width(text: str) -> int:
    """Columns the text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def csv_rows(path) -> list[Row]:
    try:
        items = read_items(path)
    except CSVError as exc:
        raise CommandError(str(exc)) from exc
    return [Row(services.item_text(i.title, i.body), i.label) for i in items]


def shipped(labels) -> list[Row]:
    """The lexicon's rows for those of ``labels`` that are product categories."""
    return [Row(t, label, lexicon.LEXICON_WEIGHT_WITH_HISTORY) for t, label in lexicon.category_rows(labels)]


class Command(BaseCommand):
    help = "Train or evaluate the routing model."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{train,evaluate}")
        train = actions.add_parser("train", help="Train each county on its history, or a model on a CSV.")
        train.add_argument("--csv", help="UTF-8 CSV with the header id,title,body,label.")
        train.add_argument("--out", help="With --csv: write the fitted model to this file.")
        train.add_argument("--county", help="Without --csv: only the county of this name.")
        train.add_argument("--force", action="store_true", help="Train even when nothing changed.")
        ev = actions.add_parser("evaluate", help="Stratified k-fold evaluation on a CSV.")
        ev.add_argument("--csv", required=True, help="UTF-8 CSV with the header id,title,body,label.")
        ev.add_argument("--folds", type=int, default=5)
        ev.add_argument("--json", action="store_true", help="Print the figures as JSON.")
        ev.add_argument("--baseline", action="store_true", help="Plain TF-IDF over jieba words + linear SVM.")
        ev.add_argument("--seed", type=int, default=0, help="Seed of the fold split.")

    def handle(self, *args, action, **options):
        if action == "train":
            if options["csv"]:
                self.train_csv(options["csv"], options["out"])
            else:
                self.train_counties(options["county"], options["force"])
        else:
            self.evaluate(options)

    def train_csv(self, path, out) -> None:
        rows = csv_rows(path)
        labels = sorted({r.label for r in rows})
        started = time.perf_counter()
        try:
            model = Classifier().fit(rows + shipped(labels))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        data = Classifier.dumps_pair(model, None)
        if out:
            with open(out, "wb") as f:
                f.write(data)
        self.stdout.write(
            _("Trained on {rows} rows, {labels} labels in {seconds:.1f} s; model {size:.1f} MB.").format(
                rows=len(rows), labels=len(labels), seconds=seconds, size=len(data) / 1e6
            )
        )

    def train_counties(self, name, force) -> None:
        counties = County.objects.order_by("name")
        if name:
            counties = counties.filter(name=name)
            if not counties.exists():
                raise CommandError(_("No county named {name}.").format(name=name))
        for county in counties:
            model = services.train_county(county, force=force)
            if model is None:
                self.stdout.write(
                    _("{county}: no change since the last training.").format(county=county.name)
                )
            else:
                self.stdout.write(
                    _("{county}: trained on {rows} decided items in {seconds} s.").format(
                        county=county.name, rows=model.rows, seconds=model.metrics["seconds"]
                    )
                )

    def evaluate(self, options) -> None:
        rows = csv_rows(options["csv"])
        try:
            result = evaluate(
                rows, options["folds"], extra=shipped, baseline=options["baseline"], seed=options["seed"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        w = self.stdout.write
        w(f"rows {result['rows']}  folds {result['folds']}  model {result['model']}  ({result['seconds']} s)")
        w(f"accuracy       {result['accuracy']:.4f}")
        w(f"macro-F1       {result['macro_f1']:.4f}")
        w(f"top-3 accuracy {result['top3_accuracy']:.4f}")
        if result["rare_labels"]:
            w("labels with fewer rows than folds: " + ", ".join(result["rare_labels"]))
        width = max(_width(label) for label in [*result["per_label"], "label"]) + 2
        w("")
        w(f"{_pad('label', width)}precision  recall  f1      support")
        for label, m in result["per_label"].items():
            w(f"{_pad(label, width)}{m['precision']:<11.4f}{m['recall']:<8.4f}{m['f1']:<8.4f}{m['support']}")
        labels = result["confusion"]["labels"]
        w("")
        w("confusion (rows: true label, columns: predicted, in the order of the rows)")
        for i, (label, counts) in enumerate(zip(labels, result["confusion"]["matrix"], strict=True)):
            w(f"{i:>3} {_pad(label, width)}" + " ".join(f"{n:>4}" for n in counts))
