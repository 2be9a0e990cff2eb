"""Benchmark: the search box over 1,000,000 clues, scoped, for county staff and a town's staff.

    DJANGO_SETTINGS_MODULE=daibiao.settings.test .venv/bin/python bench/bench_search.py
        [--clues N] [--runs N] [--database-url URL] [--keep PATH]

Builds a county of 12 towns and N clue rows (default 1,000,000) written from the demo's clue
templates (see bench_routing.py), bulk-inserted straight into the clue table and the search
index (documents and analysed terms; SQLite's triggers fill the FTS5 table as they go), in
creation order, as ``daibiao search rebuild`` would. A few clues carry a rare planted word.
Then times ``routing.search.engine.Search`` — parse the query with jieba, the breadth check,
the scoped count and the first page of 20 with its records and highlighted snippets, that is
everything the page and the API do but the HTTP — for each query and user, p50/p95 over
``--runs`` repeats after two warm-ups. Users: county staff (every clue in scope), a town's
staff (one town's, about 1 in 12) and a deputy (the clues she recorded, about 1 in 500).

SQLite by default, in a temporary file (``--keep PATH``: in that file, reused by the next
run); ``--database-url postgres://…/DISPOSABLE_DB`` builds the same data in that PostgreSQL
database instead (and reuses it the next time). Target: under 100 ms a query. Not a test:
it prints figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
TARGET_MS = 100.0
TOWNS = 12
DEPUTIES = 500
RARE = "猕猴桃冷链"  # planted in RARE_COUNT clues
RARE_COUNT = 40
QUERIES = [
    ("one word", "路灯"),
    ("two words", "积水 路面"),
    ("rare word", RARE),
    ("common word", "村民"),
    ("single character", "塌"),
    ("phrase, no spaces", "通组路破损"),
]
BATCH = 2000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clues", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30, help="timed runs per case (after two warm-ups)")
    parser.add_argument(
        "--database-url", help="a disposable PostgreSQL database to build in, or reuse (default: SQLite)"
    )
    parser.add_argument("--keep", help="SQLite: build in this file and keep it (reused if it exists)")
    parser.add_argument(
        "--sqlite-mmap",
        type=int,
        default=0,
        metavar="BYTES",
        help="SQLite: PRAGMA mmap_size for each connection (default 0: the project's settings as they are)",
    )
    return parser.parse_args()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daibiao.settings.test")
    import django

    django.setup()


def build(n: int) -> None:
    """The county, its users, and ``n`` clues with their documents."""
    from bench_routing import template_rows
    from django.core.management import call_command
    from django.db import connection, transaction

    from daibiao.accounts.choices import Role
    from daibiao.accounts.services import create_user
    from daibiao.core import audit
    from daibiao.core.services import save_record
    from daibiao.registry.choices import Gender
    from daibiao.registry.models import County, Deputy, Town
    from daibiao.routing.models import SearchDocument, SearchTerms
    from daibiao.routing.search.analysis import index_text
    from daibiao.suggestions.models import Clue

    call_command("migrate", verbosity=0, interactive=False)
    with audit.acting_as(None):
        county = save_record(County(name="基准县"), actor=None)
        towns = [save_record(Town(county=county, name=f"第{i + 1}镇"), actor=None) for i in range(TOWNS)]
        # Deputies in bulk: they are not what is searched here (and bulk skips their documents).
        Deputy.objects.bulk_create(
            Deputy(
                name=f"代表{i}",
                gender=Gender.FEMALE,
                phone=f"1390000{i:04d}",
                town=towns[i % TOWNS],
                county=county,
            )
            for i in range(DEPUTIES)
        )
        deputies = list(Deputy.objects.order_by("pk").values_list("pk", "town_id"))
        deputy = Deputy.objects.select_related("town").get(pk=deputies[7][0])
        for name, role, bindings in (
            ("bench-county", Role.COUNTY_STAFF, {"county": county}),
            ("bench-town", Role.TOWN_STAFF, {"town": towns[2]}),
            ("bench-deputy", Role.DEPUTY, {"deputy": deputy, "town": deputy.town}),
        ):
            create_user(name, actor=None, password=None, roles=[role], **bindings)
    rng = random.Random(7)
    rare = set(rng.sample(range(n), min(RARE_COUNT, n)))
    first_day = dt.date(2020, 1, 1)
    clue_sql, clue_row = _insert(connection, Clue, Clue(county=county, town=towns[0], title="", content=""))
    doc_sql, doc_row = _insert(connection, SearchDocument, SearchDocument(kind="clue", object_id=0))
    terms_sql = f"INSERT INTO {SearchTerms._meta.db_table} (document_id, title, body) VALUES (%s, %s, %s)"  # noqa: S608
    fields = {f.attname: i for i, f in enumerate(_fields(Clue))}
    doc_fields = {f.attname: i for i, f in enumerate(_fields(SearchDocument))}
    first_id = (Clue.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    first_doc = (SearchDocument.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    done = 0
    started = time.perf_counter()
    while done < n:
        size = min(BATCH * 10, n - done)
        clues, docs, terms = [], [], []
        for j, (_key, title, body, _label) in enumerate(template_rows(size, seed=done)):
            i = done + j
            if i in rare:
                body = f"{body}希望建一个{RARE}仓库。"
            deputy_id, town_id = deputies[i % DEPUTIES]
            occurred = first_day + dt.timedelta(days=i * 2000 // n)
            row = list(clue_row)
            for name, value in (
                ("id", first_id + i),
                ("town_id", town_id),
                ("title", title[:120]),
                ("content", body),
                ("recorded_by_id", deputy_id),
                ("occurred_on", occurred),
                ("tracking_code", f"B{i:09d}"),
            ):
                row[fields[name]] = value
            clues.append(row)
            doc = list(doc_row)
            for name, value in (
                ("id", first_doc + i),
                ("object_id", first_id + i),
                ("town_id", town_id),
                ("year", occurred.year),
            ):
                doc[doc_fields[name]] = value
            docs.append(doc)
            terms.append((first_doc + i, index_text(title[:120]), index_text(body)))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(clue_sql, clues)
            cursor.executemany(doc_sql, docs)
            cursor.executemany(terms_sql, terms)  # SQLite's triggers index each row
        done += size
        rate = done / (time.perf_counter() - started)
        print(f"\r  {done:,} clues indexed ({rate:,.0f}/s)", end="", flush=True)
    print()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO routing_search_fts(routing_search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE")


def _fields(model):
    return list(model._meta.concrete_fields)


def _insert(connection, model, template) -> tuple[str, list]:
    """A plain INSERT of every column of ``model``, and the values of ``template`` for it as
    the database takes them (defaults filled in): each row changes only what differs."""
    from django.utils import timezone

    fields = _fields(model)
    now = timezone.now()
    values = []
    for field in fields:
        if field.attname in ("created_at", "updated_at", "indexed_at"):
            value = now
        elif field.primary_key:
            value = None
        else:
            value = field.pre_save(template, add=True)
        values.append(field.get_db_prep_save(value, connection))
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})", values  # noqa: S608


def users_of() -> dict:
    from daibiao.accounts.models import User

    names = {"county staff": "bench-county", "town staff": "bench-town", "deputy": "bench-deputy"}
    return {label: User.objects.get(username=name) for label, name in names.items()}


def run_query(user, text: str):
    from daibiao.routing.search.analysis import parse
    from daibiao.routing.search.engine import Search

    results = Search(user, parse(text))
    page = results[0:20]
    return results, page


def time_case(user, text: str, runs: int) -> tuple[list[float], object]:
    for _ in range(2):
        run_query(user, text)
    times = []
    results = None
    for _ in range(runs):
        user = type(user).objects.get(pk=user.pk)  # a request's fresh user: roles read again
        started = time.perf_counter()
        results, _page = run_query(user, text)
        results.count()
        times.append((time.perf_counter() - started) * 1000)
    return times, results


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def raw_matches(text: str) -> int:
    from django.db import connection

    from daibiao.routing.search.analysis import parse
    from daibiao.routing.search.engine import BACKENDS

    backend = BACKENDS[connection.vendor](connection)
    sql, params = backend.match_count(backend.match(parse(text)), 10**9)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def main() -> None:
    args = parse_args()
    directory = tempfile.TemporaryDirectory(prefix="daibiao-bench-search-")
    if args.database_url:
        url = args.database_url
    else:
        path = args.keep or f"{directory.name}/bench.sqlite3"
        url = f"sqlite:///{path}"
    setup_django(url)
    if args.sqlite_mmap:
        from django.db.backends.signals import connection_created

        def mmap(sender, connection, **kwargs):
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute(f"PRAGMA mmap_size={int(args.sqlite_mmap)}")

        connection_created.connect(mmap, weak=False)
    from django.core.management import call_command
    from django.db import connection

    from daibiao.accounts.models import User
    from daibiao.routing.search import engine
    from daibiao.routing.search.analysis import parse
    from daibiao.suggestions.models import Clue

    print(f"Database: {connection.vendor} ({url if args.database_url or args.keep else 'temporary file'})")
    if args.sqlite_mmap:
        print(f"SQLite mmap_size: {args.sqlite_mmap:,} bytes")
    call_command("migrate", verbosity=0, interactive=False)
    if User.objects.filter(username="bench-county").exists():
        users = users_of()
        print(f"Reusing the benchmark's data: {Clue.objects.count():,} clues")
    else:
        started = time.perf_counter()
        build(args.clues)
        print(f"Built {args.clues:,} clues and their index in {time.perf_counter() - started:.0f} s")
        users = users_of()
    if connection.vendor == "sqlite":
        size = Path(url.removeprefix("sqlite:///")).stat().st_size
        print(f"Database file: {size / 1e9:.2f} GB")
    parse("预热")  # jieba's dictionary, once per process
    print(
        f"Ranked below {engine.RANK_LIMIT:,} matches in the whole index; broader: newest first, "
        f"counted to {engine.MAX_RESULTS:,}.\n"
    )
    header = (
        f"{'query':<34} {'matches':>9} {'order':<13} {'user':<13} {'results':>8} {'p50 ms':>8} {'p95 ms':>8}"
    )
    print(header)
    print("-" * len(header))
    worst = {}
    for label, text in QUERIES:
        matches = raw_matches(text)
        for who, user in users.items():
            times, results = time_case(user, text, args.runs)
            p50 = statistics.median(times)
            worst[who] = max(worst.get(who, 0.0), p95(times))
            order = "ranked" if results.ranked else f"newest/{results._form}"
            count = f"{results.count():,}{'+' if results.truncated else ''}"
            name = f"{label} ({text})"
            print(f"{name:<34} {matches:>9,} {order:<13} {who:<13} {count:>8} {p50:>8.1f} {p95(times):>8.1f}")
    print()
    for who, ms in worst.items():
        verdict = "met" if ms < TARGET_MS else "NOT met"
        print(f"{who}: worst p95 {ms:.1f} ms — target {TARGET_MS:.0f} ms {verdict}")
    directory.cleanup()


if __name__ == "__main__":
    main()
