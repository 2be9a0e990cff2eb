"""``daibiao synth --counties N``: a province of N synthetic counties, written in bulk."""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from daibiao.accounts.choices import Role
from daibiao.accounts.models import User
from daibiao.registry.models import County
from daibiao.synth import build
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
            "--trust-keys",
            action="store_true",
            help="PostgreSQL, as a superuser: skip the foreign-key checks while writing (faster)",
        )

    def handle(self, *args, counties, seed, scale, append, trust_keys=False, max_minutes=0, **options):
        self.max_seconds = max_minutes * 60
        if counties < 1 or not 0 < scale <= 10:
            raise CommandError(_("Give --counties of at least 1 and a --scale above 0 (at most 10)."))
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
        done = []
        for data, seconds in builder.counties(counties, first, taken):
            done.append(data)
            elapsed = time.perf_counter() - started
            self.say(
                f"  {len(done):>4}/{counties}  {data.name} ({data.prefix})  {seconds:6.1f} s"
                f"   total {elapsed:7.1f} s"
            )
            if self.max_seconds and elapsed > self.max_seconds and len(done) < counties:
                self.say(f"Stopping after {len(done)} counties (--max-minutes); add the rest with --append.")
                break
        finishing = time.perf_counter()
        builder.writer.finish()
        finish_s = time.perf_counter() - finishing
        total = time.perf_counter() - started
        self.report(builder, done, finish_s, total)

    def report(self, builder, done, finish_s: float, total: float) -> None:
        w = builder.writer
        write_s = sum(w.seconds.values())
        phases = builder.phases
        self.say("\nPhases (seconds; generation excludes the database writes made during it):")
        for name, seconds in phases.items():
            self.say(f"  {name:<28}{seconds:8.1f}")
        self.say(f"  {'database writes (COPY/INSERT)':<28}{write_s:8.1f}")
        self.say(f"  {'sequences and ANALYZE':<28}{finish_s:8.1f}")
        self.say(f"  {'total':<28}{total:8.1f}")
        python_cpu = time.process_time() - self.cpu[0]
        server = backend_cpu()
        server = f", PostgreSQL backend {server - self.cpu[1]:.1f} s" if server is not None else ""
        self.say(f"  CPU: this process {python_cpu:.1f} s{server} (wall time suffers on a shared machine)")
        self.say("\nRows written (this run / now in the table):")
        with connection.cursor() as cursor:
            for table in sorted(w.tables.values(), key=lambda t: -t.written):
                cursor.execute(f"SELECT COUNT(*) FROM {table.name}")  # noqa: S608 — a model's table
                self.say(f"  {table.name:<36}{table.written:>12,}{cursor.fetchone()[0]:>12,}")
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
                self.say(f"\nDatabase size: {cursor.fetchone()[0]}")
        if done:
            a, z = done[0].prefix, done[-1].prefix
            accounts = sum(1 + len(d.towns) + len(d.unit_names) + len(d.deputy_users) for d in done)
            self.say(
                f"\nLogins (password {PASSWORD}): {ADMIN} (whole province); per county {a} … {z}: "
                f"<prefix>-county (county staff), "
                f"<prefix>-t01 … -t{len(done[0].towns):02d} (town presidium), "
                f"<prefix>-u01 … -u{len(done[0].unit_names):02d} (units), "
                f"<prefix>-d0001 … (up to {DEPUTY_LOGINS} deputies). "
                f"Accounts: {accounts:,} + {ADMIN}"
            )
