"""Benchmark: duplicate finding over 100,000 texts, with planted repeats.

    DJANGO_SETTINGS_MODULE=daibiao.settings.test .venv/bin/python bench/bench_dedup.py [--texts N]

Writes N texts of which 1% are exact copies of another text and 1% near-exact repeats (one to
three characters changed, punctuation and spaces altered), then times ``find_duplicates``
(MinHash LSH, no all-pairs comparison) and prints the recall on the planted pairs and how many
other pairs it reported. Target: under 2 minutes.

The texts: ``--corpus clauses`` (default) strings together five to eight clauses drawn from
all the demo's clue templates (see bench_routing.py), so that texts share phrases the way real
messages do without being copies; ``--corpus templates`` writes whole template texts, where
two texts of one variant differ only in places and numbers and so are near-exact repeats of
each other by any character measure: a worst case, with millions of true pairs. Not a test:
it prints figures.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daibiao.settings.test")


def near(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(chars))
        op = rng.random()
        if op < 0.4:
            chars[i] = rng.choice("的了很也还")
        elif op < 0.7:
            del chars[i]
        else:
            chars.insert(i, rng.choice("，。 "))
    return "".join(chars).replace("，", ", ", 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--corpus", choices=("clauses", "templates"), default="clauses")
    args = parser.parse_args()
    import django

    django.setup()
    from bench_routing import template_rows

    from daibiao.routing import minhash
    from daibiao.routing.duplicates import find_duplicates

    threshold = args.threshold or minhash.DEFAULT_THRESHOLD
    rng = random.Random(5)
    planted_n = args.texts // 100
    base = [f"{t}\n{b}" for _k, t, b, _l in template_rows(args.texts - 2 * planted_n)]
    if args.corpus == "clauses":
        pool = sorted({c for text in base[:20_000] for c in re.split("[，。；\n]", text) if len(c) > 3})
        base = ["，".join(rng.choices(pool, k=rng.randint(5, 8))) + "。" for _ in base]
    texts = list(base)
    planted = set()
    for kind in ("exact", "near"):
        for _ in range(planted_n):
            src = rng.randrange(len(base))
            texts.append(base[src] if kind == "exact" else near(base[src], rng))
            planted.add((src, len(texts) - 1, kind))
    chars = sum(len(t) for t in texts)
    print(
        f"{len(texts):,} texts ({args.corpus}), {chars / len(texts):.0f} characters on average; "
        f"threshold {threshold}"
    )
    started = time.perf_counter()
    pairs = find_duplicates(texts, threshold)
    seconds = time.perf_counter() - started
    found = {(a, b) for a, b, _s in pairs}
    for kind in ("exact", "near"):
        mine = [(a, b) for a, b, k in planted if k == kind]
        hit = sum((a, b) in found for a, b in mine)
        print(f"recall on planted {kind} repeats: {hit}/{len(mine)} = {hit / len(mine):.4f}")
    print(f"pairs reported: {len(pairs):,} ({len(pairs) - 2 * planted_n:,} besides the planted ones)")
    print(f"find_duplicates: {seconds:.1f} s   (target < 120 s)")


if __name__ == "__main__":
    main()
