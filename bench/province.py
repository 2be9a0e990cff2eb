"""Benchmark: daibiao on a province's data — one table of server times against baselines
measured in the same run, ending with ``targets met: M of N``.

    .venv/bin/python bench/province.py [--database-url URL] [--runs 30] [--load-seconds 60]
        [--clients 32] [--port 18100] [--workers 3] [--threads 4] [--no-load] [--migrate]

Reads the database ``daibiao synth --counties 100`` leaves (``synth_province`` by default);
without data it says so and exits with 2. It writes a little, and deletes nothing: ~35
suggestions for the workflow step, the clues of the load test, a token, and bench logins
only where the data has none of a kind.

What is timed (in process, Django's test client through every middleware, ``DEBUG`` off so
no query log; ``--runs`` times after 3 warm-ups; p50/p95 by nearest rank):

* the overview figures (``GET /api/v1/stats/overview/``) for a superuser (the province), a
  county's staff and a town's staff — baseline: one hand-written SQL statement computing the
  same figures (``bench/lib_sql.py``; the run checks they are equal);
* the suggestion list with filters (``GET /api/v1/suggestions/?concluded=true&tier=county``,
  province), its first and a deep page (90 % down) by keyset (``?cursor=``) — baseline: the
  same page by page number (``?page=``: OFFSET and a count);
* a suggestion's page with its timeline (the HTML detail, county staff, the suggestion with the
  longest timeline) — baseline: SQL reading its row and its events;
* full-text search (``GET /api/v1/search/?q=``, county staff and the province) — baseline:
  the unscoped text match in SQL (count and newest 20);
* a workflow step: ``acknowledge_suggestion`` (签收) by the lead unit on a fresh suggestion each
  run (created, submitted and assigned untimed) — baseline: a plain UPDATE of one row;
* clue submission through the API under load: gunicorn, ``--clients`` keep-alive clients for
  ``--load-seconds`` posting ``/api/v1/clues/`` with a deputy's token — baseline: the same
  load on ``GET /api/v1/me/``, an existing trivial token-authenticated endpoint; then each
  gunicorn worker's resident memory (VmRSS).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from base64 import b64encode
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lib_table import (  # noqa: E402
    Row,
    Target,
    format_table,
    median,
    megabytes,
    ms,
    per_second,
    percentile,
)

DEFAULT_URL = "postgres://root@127.0.0.1:5432/synth_province"
WARMUPS = 3
PAGE = 50  # the API's page size
LIST_FILTERS = {"concluded": "true", "tier": "county"}

OVERVIEW_TIME = Target("overview-time", "p50 ≤ 100 ms")
OVERVIEW_RATIO = Target("overview-ratio", "p50 ≤ 1.5× baseline")
LIST_P95 = Target("list-p95", "p95 ≤ 50 ms")
LIST_QUERIES = Target("list-queries", "queries per page constant")
CLUE_RATE = Target("clue-rate", "≥ 150 req/s")
CLUE_ERRORS = Target("clue-errors", "no errors")
CLUE_P99 = Target("clue-p99", "p99 ≤ 250 ms")
WORKER_RSS = Target("worker-rss", "each < 300 MB")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--runs", type=int, default=30, help="timed runs per case, after 3 warm-ups")
    parser.add_argument("--load-seconds", type=float, default=60.0)
    parser.add_argument("--baseline-seconds", type=float, default=20.0, help="the load on /api/v1/me/")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--port", type=int, default=18100)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (gthread)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--no-load", action="store_true", help="skip the gunicorn load test")
    parser.add_argument("--migrate", action="store_true", help="apply pending migrations first")
    return parser.parse_args(argv)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- the database ---------------------------------------------------------------------------


def setup(args) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.lib_settings"
    import django

    django.setup()


def check_data(args) -> str | None:
    """Why the database cannot be benchmarked, or ``None``."""
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    hint = f"Fill it first: DATABASE_URL={args.database_url} .venv/bin/daibiao synth --counties 100"
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        return f"Cannot open {args.database_url}: {str(exc).strip().splitlines()[0]}\n{hint}"
    if connection.vendor != "postgresql":
        return "The province benchmark runs on PostgreSQL (its baselines are PostgreSQL SQL)."
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending and args.migrate:
        from django.core.management import call_command

        say(f"Applying {len(pending)} migration(s) …")
        call_command("migrate", verbosity=0, interactive=False)
    elif pending:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in pending[:5])
        return (
            f"{args.database_url} lacks {len(pending)} migration(s) ({names} …): run "
            f"DATABASE_URL={args.database_url} .venv/bin/daibiao migrate, or pass --migrate."
        )
    from daibiao.suggestions.models import Suggestion

    try:
        empty = not Suggestion.objects.exists()
    except DatabaseError:
        return f"{args.database_url} has no daibiao tables.\n{hint}"
    if empty:
        return f"{args.database_url} holds no suggestions.\n{hint}"
    return None


class Actors:
    """Who acts in the benchmark: existing logins where the data has them."""

    def __init__(self):
        from django.db.models import Count

        from daibiao.accounts.choices import Role
        from daibiao.accounts.models import User
        from daibiao.registry.models import Town, Unit
        from daibiao.suggestions.models import Suggestion

        busiest = Suggestion.objects.values("county_id").annotate(n=Count("id")).order_by("-n", "county_id")
        self.county_id = busiest[0]["county_id"]
        towns = (
            Suggestion.objects.filter(county_id=self.county_id, town__isnull=False)
            .values("town_id")
            .annotate(n=Count("id"))
            .order_by("-n", "town_id")
        )
        self.town = Town.objects.get(pk=towns[0]["town_id"])
        active = User.objects.filter(is_active=True).order_by("id")
        self.province = active.filter(is_superuser=True).first() or self._make(
            "bench-province", [Role.ADMIN], superuser=True
        )
        self.county = active.filter(role_grants__role=Role.COUNTY_STAFF, county_id=self.county_id).first()
        self.county = self.county or self._make("bench-county", [Role.COUNTY_STAFF], county_id=self.county_id)
        self.town_staff = active.filter(role_grants__role=Role.TOWN_STAFF, town=self.town).first()
        self.town_staff = self.town_staff or self._make("bench-town", [Role.TOWN_STAFF], town=self.town)
        self.unit = active.filter(role_grants__role=Role.UNIT_STAFF, unit__county_id=self.county_id).first()
        if self.unit is None:
            unit = Unit.objects.filter(county_id=self.county_id).order_by("id").first()
            self.unit = self._make("bench-unit", [Role.UNIT_STAFF], unit=unit)
        self.deputy = active.filter(
            role_grants__role=Role.DEPUTY, deputy__isnull=False, deputy__town=self.town
        ).first()
        if self.deputy is None:
            from daibiao.registry.models import Deputy

            deputy = Deputy.objects.filter(town=self.town, user__isnull=True).order_by("id").first()
            self.deputy = self._make("bench-deputy", [Role.DEPUTY], deputy=deputy)

    @staticmethod
    def _make(username, roles, *, superuser=False, **bindings):
        from daibiao.accounts.models import User
        from daibiao.accounts.services import create_user

        user = User.objects.filter(username=username).first()
        if user is None:
            say(f"No login of that kind in the data: adding {username}.")
            user = create_user(username, actor=None, password=None, roles=roles, **bindings)
        if superuser and not user.is_superuser:
            User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
            user.refresh_from_db()
        return user


# --- timing -----------------------------------------------------------------------------------


class Timing(list):
    """Milliseconds per call, and ``cpu_ms``: the CPU one call took on average, this process's
    and its PostgreSQL backend's together (``None`` where the backend cannot be read). On a
    machine that other work keeps busy, wall-clock times stretch; the CPU a call costs does not,
    or much less."""

    cpu_ms: float | None = None


def _backend_ticks() -> tuple[int, int] | None:
    """(the PostgreSQL backend's pid, its user + system CPU in clock ticks)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return pid, int(fields[11]) + int(fields[12])


class CPUMeter:
    """The CPU of this process and of its PostgreSQL backend (on this machine) between
    ``start()`` and ``stop()``, in milliseconds."""

    def start(self) -> None:
        self.backend = _backend_ticks()
        self.process = time.process_time()

    def stop(self) -> float | None:
        process = (time.process_time() - self.process) * 1000
        backend = _backend_ticks()
        if self.backend is None or backend is None or backend[0] != self.backend[0]:
            return None
        return process + (backend[1] - self.backend[1]) * 1000 / os.sysconf("SC_CLK_TCK")


def timed(func, runs: int, warmups: int = WARMUPS) -> Timing:
    """Milliseconds of each of ``runs`` calls of ``func()``, after ``warmups`` calls."""
    for _ in range(warmups):
        func()
    times = Timing()
    meter = CPUMeter()
    meter.start()
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    cpu = meter.stop()
    times.cpu_ms = cpu / runs if cpu is not None and runs else None
    return times


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def getter(client, url: str):
    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.content[:300]!r}")
        return response

    return get


def sql_runner(sql: str, params: list):
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def count_queries(func) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured)


def row(operation, rows, times, base_times, checks=(), note="") -> Row:
    p50, base = median(times), median(base_times) if base_times else None
    cpu, base_cpu = getattr(times, "cpu_ms", None), getattr(base_times, "cpu_ms", None)
    return Row(
        operation,
        rows,
        ms(p50),
        ms(percentile(times, 95)),
        ms(base),
        p50 / base if base else None,
        list(checks),
        note,
        cpu=f"{ms(cpu)} / {ms(base_cpu)}" if cpu is not None else "—",
    )


# --- the cases ------------------------------------------------------------------------------


def overview_rows(actors: Actors, runs: int) -> list[Row]:
    from bench.lib_sql import Scope, overview_figures, overview_sql

    cases = [
        ("overview, province (superuser)", actors.province, Scope("province")),
        ("overview, county (its staff)", actors.county, Scope("county", county_id=actors.county_id)),
        (
            "overview, town (its staff)",
            actors.town_staff,
            Scope("town", county_id=actors.town.county_id, town_id=actors.town.pk),
        ),
    ]
    rows = []
    for name, user, scope in cases:
        get = getter(client_for(user), "/api/v1/stats/overview/")
        figures = get().json()
        sql, params = overview_sql(scope)
        baseline = sql_runner(sql, params)
        by_hand = overview_figures(baseline()[0])
        differ = {k: (figures.get(k), v) for k, v in by_hand.items() if figures.get(k) != v}
        if differ:
            say(f"{name}: the SQL baseline's figures differ from the API's (API, SQL): {differ}")
        say(f"{name} …")
        times = timed(get, runs)
        base_times = timed(baseline, runs)
        p50, base = median(times), median(base_times)
        rows.append(
            row(
                name,
                figures["suggestions"],
                times,
                base_times,
                [(OVERVIEW_TIME, p50 <= 100), (OVERVIEW_RATIO, p50 <= 1.5 * base and not differ)],
                note="baseline figures DIFFER" if differ else "",
            )
        )
    return rows


def cursor_at(position_id: int) -> str:
    """The keyset cursor for the rows after (older than) ``position_id``, as ``?cursor=``
    carries it (DRF's encoding: ``p=<id>``, base64)."""
    return b64encode(urlencode({"p": str(position_id)}).encode()).decode()


def list_rows(actors: Actors, runs: int) -> list[Row]:
    from django.urls import reverse

    from daibiao.suggestions.filtersets import SuggestionFilterSet
    from daibiao.suggestions.models import Suggestion

    user = actors.province
    filtered = SuggestionFilterSet(LIST_FILTERS, queryset=Suggestion.objects.restrict(user)).qs.order_by(
        "-id"
    )
    total = filtered.count()
    depth = max(0, int(total * 0.9) // PAGE * PAGE)
    client = client_for(user)
    base = "/api/v1/suggestions/?" + urlencode(LIST_FILTERS)
    first = getter(client, f"{base}&cursor=")
    first_offset = getter(client, f"{base}&page=1")
    if depth:
        before = filtered.values_list("id", flat=True)[depth - 1]
        deep = getter(client, f"{base}&{urlencode({'cursor': cursor_at(before)})}")
    else:
        deep = first
    deep_offset = getter(client, f"{base}&page={depth // PAGE + 1}")
    # The same rows by both ways, or the comparison means nothing.
    ids = [r["id"] for r in deep().json()["results"]]
    assert ids == [r["id"] for r in deep_offset().json()["results"]], "keyset and page differ"
    queries = (count_queries(first), count_queries(deep))
    same = queries[0] == queries[1]
    say(f"suggestion list: {total:,} rows match, deep page at row {depth:,}; queries {queries} …")
    rows = []
    for name, get, baseline, note in (
        ("suggestion list, first page", first, first_offset, f"{queries[0]} queries"),
        (f"suggestion list, page at row {depth:,}", deep, deep_offset, f"{queries[1]} queries"),
    ):
        times, base_times = timed(get, runs), timed(baseline, runs)
        checks = [(LIST_P95, percentile(times, 95) <= 50), (LIST_QUERIES, same)]
        rows.append(row(name, total, times, base_times, checks, note=note))
    # The HTML list (30 a page, by page number, with its tab counts): a deep page against
    # the first, to show what OFFSET costs there. No target: people narrow by the filters.
    html = reverse("suggestions:suggestion-list") + "?" + urlencode(LIST_FILTERS)
    html_first, html_deep = getter(client, html), getter(client, f"{html}&page={depth // 30 + 1}")
    times, base_times = timed(html_deep, runs), timed(html_first, runs)
    rows.append(row(f"suggestion list page (HTML), page at row {depth:,}", total, times, base_times))
    rows[-1].baseline += " (page 1)"
    return rows


def detail_row(actors: Actors, runs: int) -> Row:
    from django.db.models import Count
    from django.urls import reverse

    from daibiao.suggestions.models import Event

    longest = (
        Event.objects.filter(suggestion__county_id=actors.county_id)
        .values("suggestion_id")
        .annotate(n=Count("id"))
        .order_by("-n", "suggestion_id")
        .first()
    )
    pk, events = longest["suggestion_id"], longest["n"]
    get = getter(client_for(actors.county), reverse("suggestions:suggestion-detail", args=[pk]))
    say(f"suggestion page {pk} ({events} events) …")
    baseline = sql_runner(
        "SELECT s.*, (SELECT json_agg(e ORDER BY e.created_at, e.id) FROM suggestions_event e"
        " WHERE e.suggestion_id = s.id) FROM suggestions_suggestion s WHERE s.id = %s",
        [pk],
    )
    return row(
        "suggestion page with its timeline", f"{events} events", timed(get, runs), timed(baseline, runs)
    )


def search_rows(actors: Actors, runs: int) -> list[Row]:
    from daibiao.routing.models import SearchDocument
    from daibiao.routing.search.analysis import parse
    from daibiao.routing.search.engine import RANK_LIMIT, PostgreSQL

    if not SearchDocument.objects.exists():
        return [Row("full-text search", 0, "—", "—", "—", None, note="index empty: daibiao search rebuild")]
    word = "道路"
    match = PostgreSQL.match(parse(word))
    from django.db import connection

    backend = PostgreSQL(connection)
    count_sql, count_params = backend.match_count(match, RANK_LIMIT)
    newest = (
        f"SELECT {backend.document_id} FROM {backend.terms} WHERE {backend.vector} @@ "  # noqa: S608
        f"to_tsquery('simple', %s) ORDER BY {backend.document_id} DESC LIMIT 20"
    )
    count, page = sql_runner(count_sql, count_params), sql_runner(newest, [match])

    def baseline():
        count()
        page()

    rows = []
    for name, user in (
        ("search “道路”, county staff", actors.county),
        ("search “道路”, province", actors.province),
    ):
        get = getter(client_for(user), "/api/v1/search/?" + urlencode({"q": word}))
        try:
            found = get().json()["count"]
        except Exception as exc:  # one failing case must not lose the table
            say(f"{name}: {exc!r}")
            rows.append(Row(name, "—", "—", "—", "—", None, note=f"FAILED: {type(exc).__name__}"))
            continue
        say(f"{name} …")
        rows.append(row(name, found, timed(get, runs), timed(baseline, runs), note=f"{found:,} found"))
    return rows


def workflow_row(actors: Actors, runs: int) -> Row:
    from django.db import connection

    from daibiao.suggestions import services
    from daibiao.suggestions.models import Suggestion

    unit = actors.unit.unit
    staff = actors.county
    town = actors.town
    fresh = []

    def prepare(n):
        for i in range(n):
            s = services.create_suggestion(
                actor=staff,
                title=f"基准测试：签收 {i}",
                content="基准测试建立的建议，用于计时签收一步。",
                town=town,
                submit=True,
            )
            services.assign_suggestion(s, actor=staff, lead_unit=unit)
            fresh.append(s.pk)

    say(f"workflow step: preparing {runs + WARMUPS} fresh suggestions …")
    prepare(runs + WARMUPS)
    times, base_times = Timing(), Timing()
    cpu, base_cpu, meter = [], [], CPUMeter()
    for i, pk in enumerate(fresh):
        meter.start()
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("UPDATE suggestions_suggestion SET updated_at = now() WHERE id = %s", [pk])
            base = (time.perf_counter() - started) * 1000
        spent_base = meter.stop()
        suggestion = Suggestion.objects.get(pk=pk)
        meter.start()
        started = time.perf_counter()
        services.acknowledge_suggestion(suggestion, actor=actors.unit)
        elapsed = (time.perf_counter() - started) * 1000
        spent = meter.stop()
        if i >= WARMUPS:
            times.append(elapsed)
            base_times.append(base)
            cpu.append(spent)
            base_cpu.append(spent_base)
    if times and None not in cpu + base_cpu:
        times.cpu_ms, base_times.cpu_ms = sum(cpu) / len(cpu), sum(base_cpu) / len(base_cpu)
    return row("workflow step: acknowledge (service)", len(times), times, base_times)


def load_rows(actors: Actors, args) -> tuple[list[Row], str]:
    from rest_framework.authtoken.models import Token

    from bench.lib_load import Gunicorn, build_request, run_load

    token = Token.objects.get_or_create(user=actors.deputy)[0].key
    auth = {"Authorization": f"Token {token}", "Accept": "application/json"}
    me = [build_request("GET", "/api/v1/me/", headers=auth)]
    clues = [
        build_request(
            "POST",
            "/api/v1/clues/",
            headers={**auth, "Content-Type": "application/json"},
            body=json.dumps(
                {
                    "title": f"压测线索 {i}：村口路灯不亮",
                    "content": f"压测第 {i} 条：村口路灯坏了多日，夜间出行不便。",
                },
                ensure_ascii=False,
            ).encode(),
        )
        for i in range(64)
    ]
    server = Gunicorn(
        ROOT,
        args.port,
        "bench.lib_settings",
        args.workers,
        args.threads,
        {"DATABASE_URL": args.database_url},
    )
    say(f"{server.description} on 127.0.0.1:{args.port}; {args.clients} clients …")
    server.start()
    try:
        run_load(args.port, me, clients=args.clients, seconds=3)  # warm-up: every worker loaded
        baseline = run_load(args.port, me, clients=args.clients, seconds=args.baseline_seconds)
        run_load(args.port, clues, clients=args.clients, seconds=3)
        load = run_load(args.port, clues, clients=args.clients, seconds=args.load_seconds)
        rss = server.worker_rss_mb()
    finally:
        server.stop()
    if load.errors:
        say(f"clue submission: {load.errors} errors, statuses {load.statuses}, first {load.first_error}")
    p99 = percentile(load.latencies_ms, 99)
    label = f"clue submission, {args.clients} clients × {args.load_seconds:.0f} s"
    rows = [
        Row(
            f"{label}: throughput",
            load.done,
            per_second(load.rate),
            "—",
            per_second(baseline.rate),
            load.rate / baseline.rate if baseline.rate else None,
            [(CLUE_RATE, load.rate >= 150), (CLUE_ERRORS, load.errors == 0 and load.done > 0)],
            note=f"{load.errors} errors",
        ),
        Row(
            f"{label}: latency",
            load.done,
            ms(median(load.latencies_ms)),
            ms(percentile(load.latencies_ms, 95)),
            ms(median(baseline.latencies_ms)),
            median(load.latencies_ms) / median(baseline.latencies_ms) if baseline.done else None,
            [(CLUE_P99, p99 <= 250)],
            note=f"p99 {p99:.0f} ms",
        ),
        Row(
            "web worker memory after the load (VmRSS)",
            f"{len(rss)} workers",
            megabytes(median(rss) if rss else None),
            megabytes(max(rss) if rss else None),
            "—",
            None,
            [(WORKER_RSS, bool(rss) and max(rss) < 300)],
            note="p50 and max",
        ),
    ]
    config = (
        f"{server.description}, keep-alive; settings bench.lib_settings (production base, "
        f"persistent connections); load baseline: {args.clients} clients × {args.baseline_seconds:.0f} s "
        f"on GET /api/v1/me/ (existing, token-authenticated, reads the user and roles)"
    )
    return rows, config


# --- the run --------------------------------------------------------------------------------


def describe(args) -> str:
    import django
    from django.db import connection

    from daibiao.registry.models import County, Deputy
    from daibiao.suggestions.models import Clue, Suggestion

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    name = connection.settings_dict["NAME"]
    load = os.getloadavg()[0]
    return (
        f"Province benchmark — {name}: {County.objects.count()} counties, "
        f"{Deputy.objects.count():,} deputies, {Clue.objects.count():,} clues, "
        f"{Suggestion.objects.count():,} suggestions; PostgreSQL {version}, "
        f"Django {django.get_version()}; {os.cpu_count()} cores, load average {load:.1f}; "
        f"{args.runs} runs a case after {WARMUPS} warm-ups (server time in process, DEBUG off)."
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    setup(args)
    problem = check_data(args)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    started = time.perf_counter()
    header = describe(args)
    say(header)
    actors = Actors()
    say(f"Actors: {actors.province}, {actors.county}, {actors.town_staff}, {actors.unit}, {actors.deputy}")
    rows = [*overview_rows(actors, args.runs), *list_rows(actors, args.runs)]
    rows.append(detail_row(actors, args.runs))
    rows += search_rows(actors, args.runs)
    rows.append(workflow_row(actors, args.runs))
    config = "load test skipped (--no-load)"
    if not args.no_load:
        load, config = load_rows(actors, args)
        rows += load
    print(header)
    print(
        "Baselines: overview — one hand-written SQL statement, same figures; list — the same page by "
        "?page= (OFFSET + count); page — SQL for its row and events; search — the unscoped SQL text "
        "match; step — UPDATE of one row."
    )
    print(f"Load: {config}.")
    print(
        "cpu: the CPU one call took on average, Django's process and its PostgreSQL backend together "
        "(operation / baseline): what a call costs, however busy the machine is."
    )
    print(f"Run took {time.perf_counter() - started:.0f} s.\n")
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
