"""``daibiao synth --counties N``: a province of N synthetic counties, written in bulk."""

from __future__ import annotations

import math
import multiprocessing
import os
import queue
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.db.models import AutoField
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from daibiao.accounts.choices import Role
from daibiao.accounts.models import User
from daibiao.registry.models import County
from daibiao.synth import build, bulk
from daibiao.synth.registry import DEPUTY_LOGINS, make_user

PASSWORD = "synth12345"  # noqa: S105 — synthetic accounts, printed for whoever runs it
ADMIN = "synth-admin"


def backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend, when it runs on this
    machine (``/proc``); None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


class Command(BaseCommand):
    help = (
        "Write a synthetic province: per county about 1,000 deputies, 10,000 clues and 6,000 "
        "suggestions with their complete histories (events, assignments, replies, ratings, "
        "change log, search index), in bulk. For benchmarks and load tests, never production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--counties", type=int, required=True, help="how many counties to write")
        parser.add_argument("--seed", type=int, default=20260428, help="random seed (same seed, same data)")
        parser.add_argument(
            "--scale", type=float, default=1.0, help="fraction of the per-county volumes (tests: 0.01)"
        )
        parser.add_argument("--append", action="store_true", help="add counties to a database that has some")
        parser.add_argument(
            "--max-minutes",
            type=float,
            default=0,
            help="start no county after this many minutes (the rest can follow with --append)",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="PostgreSQL: write this many counties at once, each process on its own connection",
        )
        parser.add_argument(
            "--trust-keys",
            action="store_true",
            help="PostgreSQL, as a superuser: skip the foreign-key checks while writing (faster)",
        )

    def handle(
        self, *args, counties, seed, scale, append, trust_keys=False, max_minutes=0, jobs=1, **options
    ):
        self.max_seconds = max_minutes * 60
        if counties < 1 or not 0 < scale <= 10:
            raise CommandError(_("Give --counties of at least 1 and a --scale above 0 (at most 10)."))
        if jobs < 1 or (jobs > 1 and connection.vendor != "postgresql"):
            raise CommandError(
                _("Give --jobs of at least 1; above 1 needs PostgreSQL (SQLite writes one at a time).")
            )
        self.jobs = min(jobs, counties)
        if County.objects.exists() and not append:
            raise CommandError(
                _(
                    "The database already holds {n} counties; use --append to add synthetic ones to them."
                ).format(n=County.objects.count())
            )
        with translation.override(settings.LANGUAGE_CODE):
            self.build(counties, seed, scale, trust_keys)

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def build(self, counties: int, seed: int, scale: float, trust_keys: bool) -> None:
        started = time.perf_counter()
        self.cpu = time.process_time(), backend_cpu()
        password_hash = make_password(PASSWORD)  # once: every synthetic login shares it
        now = timezone.now()
        builder = build.Builder(
            connection,
            seed=seed,
            scale=scale,
            now=now,
            password_hash=password_hash,
            out=self.stdout,
            trust_keys=trust_keys,
        )
        first = User.objects.filter(username__regex=r"^c[0-9]{3,}-county$").count() + 1
        taken = set(County.objects.values_list("name", flat=True))
        self.say(
            f"Writing {counties} counties (scale {scale:g}, seed {seed}) on {connection.vendor}, "
            f"history {builder.base_day} – {timezone.localdate(now)}"
        )
        with transaction.atomic():
            if not User.objects.filter(username=ADMIN).exists():
                make_user(builder, now, ADMIN, "", [Role.ADMIN], superuser=True)
                builder.writer.flush()
        fresh = not taken  # no county yet: nothing reads the tables while they fill
        counties_ = build.plan(counties, first, taken)
        tally = Tally()
        deferred = []
        if connection.vendor == "postgresql" and fresh:
            deferred = bulk.drop_secondary_indexes(connection, deferred_index_models())
            self.say(f"  {len(deferred)} indexes of the busiest tables dropped, to be built once at the end")
        try:
            if self.jobs == 1:
                self.write_here(builder, counties_, tally, started)
                models_ = None
            else:
                models_ = self.write_in_parallel(builder, counties_, tally, started)
        finally:
            indexing = time.perf_counter()
            bulk.create_indexes(connection, deferred)
            index_s = time.perf_counter() - indexing
        finishing = time.perf_counter()
        builder.writer.finish(models_)
        finish_s = time.perf_counter() - finishing
        tally.phases["indexes built at the end"] = index_s
        total = time.perf_counter() - started
        tally.add_writer(builder)
        self.report(tally, finish_s, total)

    def progress(self, tally, name, prefix, seconds, started) -> None:
        self.say(
            f"  {len(tally.done):>4}/{tally.planned}  {name} ({prefix})  {seconds:6.1f} s"
            f"   total {time.perf_counter() - started:7.1f} s"
        )

    def write_here(self, builder, counties_, tally, started) -> None:
        tally.planned = len(counties_)
        for data, seconds in builder.build_plan(counties_):
            tally.done.append(CountyDone.of(data))
            self.progress(tally, data.name, data.prefix, seconds, started)
            elapsed = time.perf_counter() - started
            if self.max_seconds and elapsed > self.max_seconds and len(tally.done) < len(counties_):
                self.say(
                    f"Stopping after {len(tally.done)} counties (--max-minutes); add the rest with --append."
                )
                break

    def write_in_parallel(self, builder, counties_, tally, started) -> list:
        """``--jobs`` processes (forked), each writing every jobs-th county of the plan on its
        own connection, in one transaction per county as alone. County k takes its ids from
        its own block in every table (``bulk.Writer.id_blocks``), above every id now in use;
        the sequences are moved past them at the end. Returns the models that got rows."""
        # Many-to-many tables too (a suggestion's co-signers): their ids come from the blocks.
        models_ = [
            m for m in apps.get_models(include_auto_created=True) if not m._meta.proxy and m._meta.managed
        ]
        with connection.cursor() as cursor:
            highest = 0
            for model in models_:
                if isinstance(model._meta.pk, AutoField):
                    cursor.execute(f"SELECT MAX({model._meta.pk.column}) FROM {model._meta.db_table}")  # noqa: S608
                    highest = max(highest, cursor.fetchone()[0] or 0)
        stride = ID_BLOCK * math.ceil(builder.scale)
        id_blocks = (highest + 1, stride)
        tally.planned = len(counties_)
        self.say(f"  {self.jobs} writers; county k takes ids from {highest + 1:,} + k × {stride:,}")
        connections.close_all()  # each process opens its own
        context = multiprocessing.get_context("fork")
        messages = context.Queue()
        b = builder
        settings_ = (b.seed, b.scale, b.now, b.password_hash, b.writer.trust_keys)
        workers = [
            context.Process(
                target=_write_counties, args=(counties_[i :: self.jobs], settings_, id_blocks, messages)
            )
            for i in range(self.jobs)
        ]
        for worker in workers:
            worker.start()
        finished, failures = 0, []
        while finished < len(workers):
            try:
                kind, *payload = messages.get(timeout=5)
            except queue.Empty:
                if any(not w.is_alive() and w.exitcode for w in workers):  # killed, never reported
                    kind, payload = "error", [_("A writer process ended with an error.")]
                    finished = len(workers)
                else:
                    continue
            if kind == "county":
                county, seconds = payload
                tally.done.append(county)
                self.progress(tally, county.name, county.prefix, seconds, started)
            elif kind == "done":
                tally.add(*payload)
                finished += 1
            else:
                failures.append(payload[0])
                finished += 1
        for worker in workers:
            worker.join()
        if failures or any(worker.exitcode for worker in workers):
            raise CommandError("\n".join(failures) or _("A writer process ended with an error."))
        tally.done.sort(key=lambda county: county.prefix)
        return [m for m in models_ if tally.written[m._meta.db_table]]

    def report(self, tally, finish_s: float, total: float) -> None:
        self.say("\nPhases (seconds; generation excludes the database writes made during it):")
        for name, seconds in tally.phases.items():
            self.say(f"  {name:<28}{seconds:8.1f}")
        self.say(f"  {'database writes (COPY/INSERT)':<28}{tally.write_s:8.1f}")
        self.say(f"  {'sequences and ANALYZE':<28}{finish_s:8.1f}")
        self.say(f"  {'total':<28}{total:8.1f}")
        python_cpu = time.process_time() - self.cpu[0] + tally.python_cpu
        server = backend_cpu()
        if server is not None:
            server = f", PostgreSQL backends {server - self.cpu[1] + tally.backend_cpu:.1f} s"
        server = server or ""
        if self.jobs > 1:
            self.say("  (phases and writes summed over the writers: they ran side by side)")
        self.say(f"  CPU: the writers {python_cpu:.1f} s{server} (wall time suffers on a shared machine)")
        self.say("\nRows written (this run / now in the table):")
        with connection.cursor() as cursor:
            rows = +tally.written  # the tables that got rows
            for name, written in sorted(rows.items(), key=lambda item: -item[1]):
                cursor.execute(f"SELECT COUNT(*) FROM {name}")  # noqa: S608 — a model's table
                self.say(f"  {name:<36}{written:>12,}{cursor.fetchone()[0]:>12,}")
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
                self.say(f"\nDatabase size: {cursor.fetchone()[0]}")
        done = tally.done
        if done:
            a, z = done[0].prefix, done[-1].prefix
            accounts = sum(d.accounts for d in done)
            self.say(
                f"\nLogins (password {PASSWORD}): {ADMIN} (whole province); per county {a} … {z}: "
                f"<prefix>-county (county staff), "
                f"<prefix>-t01 … -t{done[0].towns:02d} (town presidium), "
                f"<prefix>-u01 … -u{done[0].units:02d} (units), "
                f"<prefix>-d0001 … (up to {DEPUTY_LOGINS} deputies). "
                f"Accounts: {accounts:,} + {ADMIN}"
            )


def deferred_index_models() -> list:
    """The tables that take most rows: their plain indexes are built once, at the end."""
    from daibiao.core.models import ChangeLog
    from daibiao.routing.models import SearchDocument, SearchTerms
    from daibiao.suggestions.models import Assignment, Clue, Event, Rating, Reply, Suggestion

    return [ChangeLog, Event, SearchDocument, SearchTerms, Clue, Suggestion, Assignment, Reply, Rating]


ID_BLOCK = 2_000_000  # ids per county and table at scale 1 (the change log, the most, takes ~100,000)


@dataclass
class CountyDone:
    name: str
    prefix: str
    towns: int
    units: int
    accounts: int

    @classmethod
    def of(cls, data) -> CountyDone:
        towns, units = len(data.towns), len(data.unit_names)
        return cls(data.name, data.prefix, towns, units, 1 + towns + units + len(data.deputy_users))


@dataclass
class Tally:
    """What the writers wrote and spent, summed."""

    planned: int = 0
    done: list = field(default_factory=list)
    written: Counter = field(default_factory=Counter)  # table → rows
    phases: Counter = field(default_factory=Counter)
    write_s: float = 0.0
    python_cpu: float = 0.0  # the writer processes' (the command's own is counted apart)
    backend_cpu: float = 0.0

    def add(self, written, phases, write_s, python_cpu=0.0, backend_cpu_=0.0) -> None:
        self.written.update(written)
        self.phases.update(phases)
        self.write_s += write_s
        self.python_cpu += python_cpu
        self.backend_cpu += backend_cpu_

    def add_writer(self, builder) -> None:
        self.add(*figures(builder))


def figures(builder) -> tuple[dict, dict, float]:
    """What a builder's writer wrote (rows per table), its phases, and its seconds writing."""
    w = builder.writer
    return {t.name: t.written for t in w.tables.values()}, dict(builder.phases), sum(w.seconds.values())


def _write_counties(counties_, settings_, id_blocks, messages) -> None:
    """One writer process (forked): its counties, on its own connection; reports each county
    and, at the end, what it wrote and spent (or the error) through ``messages``."""
    try:
        seed, scale, now, password_hash, trust_keys = settings_
        cpu = time.process_time(), backend_cpu()
        with translation.override(settings.LANGUAGE_CODE):
            builder = build.Builder(
                connection, seed=seed, scale=scale, now=now, password_hash=password_hash, out=None,
                trust_keys=trust_keys,
            )  # fmt: skip
            builder.writer.id_blocks = id_blocks
            for data, seconds in builder.build_plan(counties_):
                messages.put(("county", CountyDone.of(data), seconds))
            builder.writer.check_slot()
            server = backend_cpu()
            spent = time.process_time() - cpu[0], (server - cpu[1]) if server is not None else 0.0
            messages.put(("done", *figures(builder), *spent))
    except BaseException:  # reported to the command, which fails with it
        messages.put(("error", traceback.format_exc()))
        raise
    finally:
        connection.close()
