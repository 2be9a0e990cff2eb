"""Benchmark: routing recommendations — training time, latency, model size, and accuracy.

    DJANGO_SETTINGS_MODULE=daibiao.settings.test .venv/bin/python bench/bench_routing.py \\
        [--rows N] [--csv PATH]

Generates N labelled texts (10,000 by default) from the demo's clue templates
(``daibiao.suggestions.demo.TOPICS``: 22 topics, 13 categories, 60-odd problem variants) with
random places, numbers and openings; times training on them (targets: under 60 s on 2 cores,
a model under 100 MB) and one recommendation at a time (target: under 20 ms). Then measures
how well the model generalises to problems it has not seen phrased: folds by *variant* (every
text of a variant is in the same fold), baseline (TF-IDF over jieba words + linear SVM) against
the default model (words + character grams + the shipped lexicon), and the latter without the
lexicon (caveat: the lexicon was written by someone who had read those templates). With
``--csv``, also the stratified 5-fold figures of ``daibiao routing evaluate`` on that file.
Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daibiao.settings.test")

PLACES = "东西南北上下前后新老大小石龙凤马牛黄白青金银"


def template_rows(n: int, seed: int = 20260428) -> list[tuple[str, str, str, str]]:
    """(variant key, title, body, category) rows written from the demo's templates."""
    from daibiao.suggestions import demo

    rng = random.Random(seed)
    variants = [(t, i, v) for t in demo.TOPICS for i, v in enumerate(t.variants)]
    rows = []
    for _ in range(n):
        topic, i, v = rng.choice(variants)
        village = rng.choice(PLACES) + rng.choice(PLACES) + rng.choice(("村", "社区"))
        ctx = {
            "town": rng.choice(PLACES) + rng.choice(PLACES) + "镇",
            "v": village,
            "g": demo.NUMERALS[rng.randint(1, 6)],
            "g2": demo.NUMERALS[rng.randint(7, 12)],
            "hamlet": rng.choice(demo.PLACE_SURNAMES) + "家" + rng.choice("湾坡岗冲垭畈台"),
            "hamlet2": rng.choice(demo.PLACE_SURNAMES) + "家" + rng.choice("湾坡岗冲垭畈台"),
            "stream": rng.choice(demo.PLACE_SURNAMES) + "家河",
            "yard": rng.choice(demo.PLACE_SURNAMES) + "家湾",
            "n": rng.randint(12, 160),
            "p": rng.randrange(40, 900, 10),
            "m": rng.randrange(150, 1500, 10),
            "km": f"{rng.randint(12, 85) / 10:.1f}",
            "y": rng.randint(5, 25),
            "k": rng.randint(2, 9),
            "s": rng.choice(demo.SURNAMES),
            "crop": rng.choice(demo.CROPS),
            "wan": rng.randint(3, 95),
            "school": village + "小学",
            "date": f"{rng.randint(5, 11)}月{rng.randint(1, 28)}日",
            "dep": rng.choice(demo.SURNAMES) + "某",
            "raised": "群众",
            "station": "第一人大代表联络站",
        }
        if rng.random() < 0.5:  # a clue, as recorded
            title = v.ct.format(**ctx)
            body = (
                rng.choice(demo.CLUE_OPENINGS).format(**ctx)
                + v.cb.format(**ctx)
                + rng.choice(demo.CLUE_CLOSINGS)
            )
        else:  # a suggestion, as formed
            title = v.st.format(**ctx)
            body = v.cb.format(**ctx) + "\n建议：" + v.sp.format(**ctx)
        rows.append((f"{topic.key}/{i}", title, body, str(topic.category)))
    return rows


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="generated rows to train on")
    parser.add_argument("--csv", help="also run the stratified 5-fold evaluation on this CSV")
    parser.add_argument(
        "--export-demo",
        metavar="PATH",
        help="only write the CSV of the database's decided suggestions and their clues (load the demo "
        "into a scratch database first: DATABASE_URL=sqlite:////tmp/demo.sqlite3) and exit",
    )
    return parser.parse_args()


def export_demo(path: str) -> None:
    """id,title,body,label: each decided suggestion and each clue merged into one, labelled
    with the suggestion's category."""
    import csv

    from daibiao.routing.services import DECIDED_STATES
    from daibiao.suggestions.models import Clue, Suggestion

    decided = Suggestion.objects.filter(state__in=DECIDED_STATES).exclude(category="")
    labels = dict(decided.values_list("pk", "category"))
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "title", "body", "label"])
        for pk, title, content, category in decided.order_by("pk").values_list(
            "pk", "title", "content", "category"
        ):
            writer.writerow([f"s{pk}", title, content, category])
        clues = Clue.objects.filter(suggestion_id__in=list(labels)).order_by("pk")
        for pk, title, content, of in clues.values_list("pk", "title", "content", "suggestion_id"):
            writer.writerow([f"c{pk}", title, content, labels[of]])
    print(f"wrote {path}")


def main() -> None:
    args = parse_args()
    import django

    django.setup()
    import numpy as np
    from sklearn.metrics import f1_score
    from sklearn.model_selection import GroupKFold

    from daibiao.routing import lexicon, text
    from daibiao.routing.classifier import Classifier, Row
    from daibiao.routing.management.commands.routing import csv_rows, shipped
    from daibiao.routing.services import item_text

    if args.export_demo:
        export_demo(args.export_demo)
        return
    text.warm_up()
    rows = template_rows(args.rows)
    data = [Row(item_text(t, b), label) for _key, t, b, label in rows]
    lex = [Row(t, label, lexicon.LEXICON_WEIGHT_WITH_HISTORY) for t, label in lexicon.category_rows()]
    print(f"cores available: {len(os.sched_getaffinity(0))}")

    started = time.perf_counter()
    model = Classifier().fit(data + lex)
    train_s = time.perf_counter() - started
    size = len(Classifier.dumps_pair(model, None))
    print(f"train on {len(data):,} rows (+{len(lex)} lexicon rows): {train_s:.1f} s   (target < 60 s)")
    print(f"model on disk (compressed): {size / 1e6:.1f} MB   (target < 100 MB)")

    probe = template_rows(300, seed=7)
    times = []
    for _key, t, b, _label in probe:
        t0 = time.perf_counter()
        model.rank(item_text(t, b), k=3)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(
        f"one recommendation: median {statistics.median(times):.1f} ms, "
        f"p95 {times[int(len(times) * 0.95)]:.1f} ms, max {times[-1]:.1f} ms   (target < 20 ms)"
    )

    # Generalisation to unseen variants: 5 folds grouped by variant.
    sample = template_rows(2000, seed=11)
    texts = [item_text(t, b) for _k, t, b, _l in sample]
    y = np.array([label for *_x, label in sample])
    groups = [key for key, *_x in sample]
    configs = (
        ("baseline TF-IDF words + LinearSVC", True, False),
        ("words + char grams, no lexicon", False, False),
        ("default (words + char grams + lexicon)", False, True),
    )
    for name, baseline, with_lexicon in configs:
        predicted = np.empty(len(sample), dtype=object)
        top3 = np.zeros(len(sample), dtype=bool)
        for train, test in GroupKFold(n_splits=5).split(texts, y, groups):
            fold = [Row(texts[i], y[i]) for i in train] + (lex if with_lexicon else [])
            m = Classifier(baseline=baseline).fit(fold)
            s = m.scores([texts[i] for i in test])
            labels = np.array(m.labels, dtype=object)
            order = np.argsort(-s, axis=1)
            predicted[test] = labels[order[:, 0]]
            top3[test] = [y[i] in set(labels[order[j, :3]]) for j, i in enumerate(test)]
        f1 = f1_score(y, predicted.astype(str), average="macro")
        acc = float((predicted == y).mean())
        print(f"unseen variants, {name}: accuracy {acc:.3f}, macro-F1 {f1:.3f}, top-3 {top3.mean():.3f}")

    if args.csv:
        from daibiao.routing.classifier import evaluate

        csv_data = csv_rows(args.csv)
        for baseline in (True, False):
            r = evaluate(csv_data, 5, extra=shipped, baseline=baseline)
            print(
                f"{args.csv} 5-fold, {r['model']}: accuracy {r['accuracy']:.3f}, "
                f"macro-F1 {r['macro_f1']:.3f}, top-3 {r['top3_accuracy']:.3f}"
            )


if __name__ == "__main__":
    main()
