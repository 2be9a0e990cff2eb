"""Benchmark: import a generated roster into a fresh SQLite database and print the figures.

    DJANGO_SETTINGS_MODULE=daibiao.settings.test .venv/bin/python bench/bench_roster_import.py [--rows N]

Builds the test county (two towns of the cast plus ten more, each with groups, a station and
districts), writes an .xlsx of N deputies in memory (10,000 by default), then times reading
and checking the file apart from writing it, as county staff would upload it. A second run
imports the same file again, which must change nothing. Not a test: it prints figures; the
target is the whole first import in under 30 s.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 30.0
EXTRA_TOWNS = (
    "城关镇",
    "李庙镇",
    "长坪镇",
    "肖堰镇",
    "薛坪镇",
    "板桥镇",
    "东巩镇",
    "巡检镇",
    "清河管理区",
    "开发区",
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红春梅海燕玉林文斌波宇浩凯俊辉鹏飞丹萍云"
LEVEL_CHOICES = ("镇", "镇", "镇", "县、镇", "县", "县级、镇级", "市", "省人大代表", "市、县")
OCCUPATIONS = (
    "村党支部书记",
    "村委会主任",
    "种粮大户",
    "教师",
    "医生",
    "企业负责人",
    "个体工商户",
    "社区书记",
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="deputies in the generated roster")
    parser.add_argument("--seed", type=int, default=20250428, help="random seed of the generated names")
    return parser.parse_args()


def setup_django(directory: str) -> None:
    # The database must be named before the settings are read; each run gets its own file.
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    os.environ["MEDIA_ROOT"] = f"{directory}/media"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daibiao.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def build_county():
    """The cast's county, grown to twelve towns with groups, stations and districts."""
    from daibiao.core import audit
    from daibiao.core.testing.cast import build_cast
    from daibiao.registry.choices import Level
    from daibiao.registry.models import DeputyGroup, ElectoralDistrict, LiaisonStation, Town

    cast = build_cast()
    with audit.acting_as(None):
        for order, name in enumerate(EXTRA_TOWNS, start=10):
            town = Town.objects.create(county=cast.county, name=name, sort_order=order)
            station = LiaisonStation.objects.create(town=town, name=f"{name}代表联络站")
            for n in (1, 2, 3):
                DeputyGroup.objects.create(town=town, name=f"{name}第{n}代表小组", station=station)
            ElectoralDistrict.objects.create(
                county=cast.county, town=town, level=Level.TOWN, name=f"{name}第1选区"
            )
            ElectoralDistrict.objects.create(county=cast.county, level=Level.COUNTY, name=f"{name}县级选区")
    return cast


def roster_xlsx(rows: int, seed: int) -> bytes:
    """A roster of ``rows`` fictional deputies, spread over every town, as an .xlsx file."""
    from openpyxl import Workbook

    from daibiao.registry import roster
    from daibiao.registry.choices import Level
    from daibiao.registry.models import DeputyGroup, ElectoralDistrict, LiaisonStation, Town

    rng = random.Random(seed)
    towns = list(Town.objects.values_list("pk", "name"))
    groups: dict[int, list[str]] = {}
    for town_id, name in DeputyGroup.objects.values_list("town_id", "name"):
        groups.setdefault(town_id, []).append(name)
    stations = dict(LiaisonStation.objects.values_list("town_id", "name"))
    county_districts = set(
        ElectoralDistrict.objects.filter(level=Level.COUNTY).values_list("name", flat=True)
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("代表名册")
    sheet.append([c.header for c in roster.COLUMNS])
    for i in range(rows):
        town_id, town = towns[i % len(towns)]
        levels = rng.choice(LEVEL_CHOICES)
        district = f"{town}县级选区"
        if "县" not in levels or district not in county_districts or rng.random() < 0.5:
            district = ""
        sheet.append(
            [
                rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
                rng.choice(("男", "女")),
                rng.choice(("汉族", "汉族", "汉族", "回族", "土家族")),
                rng.randint(1955, 2000),
                rng.choice(("中共党员", "中共党员", "群众", "中共预备党员", "民主党派")),
                15000000000 + i,  # a number cell, as Excel keeps it
                rng.choice(OCCUPATIONS),
                f"{town}某单位",
                town,
                levels,
                "第十九届",
                district,
                rng.choice(groups.get(town_id, [""])),
                stations.get(town_id, ""),
                "在任",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def timed_import(content: bytes, user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from daibiao.core import audit
    from daibiao.registry import roster

    start = time.perf_counter()
    table = roster.read_table(SimpleUploadedFile("bench.xlsx", content))
    plan = roster.validate(table, user)
    checked = time.perf_counter()
    if not plan.ok:
        raise SystemExit(f"the generated roster has errors: {plan.errors[:5]}")
    with audit.acting_as(user):
        result = roster.apply(plan, actor=user)
    written = time.perf_counter()
    return checked - start, written - checked, result


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="daibiao-bench-") as directory:
        setup_django(directory)
        from django.db import connection

        from daibiao.core.models import ChangeLog
        from daibiao.registry.models import Deputy, Mandate

        cast = build_county()
        user = cast.users["county"]
        t0 = time.perf_counter()
        content = roster_xlsx(args.rows, args.seed)
        generate_s = time.perf_counter() - t0
        deputies, mandates, log = Deputy.objects.count(), Mandate.objects.count(), ChangeLog.objects.count()

        check_s, write_s, result = timed_import(content, user)
        total_s = check_s + write_s
        new_mandates = Mandate.objects.count() - mandates
        assert result.created == args.rows
        assert Deputy.objects.count() == deputies + args.rows
        assert ChangeLog.objects.count() - log == args.rows + new_mandates

        log = ChangeLog.objects.count()
        again_check_s, again_write_s, again = timed_import(content, user)
        assert (again.created, again.updated, again.unchanged) == (0, 0, args.rows)
        assert ChangeLog.objects.count() == log

        width = 28
        print(
            f"Roster import benchmark — {connection.vendor} {connection.Database.sqlite_version}, "
            "fresh database"
        )
        print(f"{'rows':<{width}}{args.rows:>10}")
        print(f"{'file size (MB)':<{width}}{len(content) / 2**20:>10.2f}")
        print(f"{'mandates written':<{width}}{new_mandates:>10}")
        print(f"{'(generating the file s)':<{width}}{generate_s:>10.2f}")
        print(f"{'parse+validate s':<{width}}{check_s:>10.2f}")
        print(f"{'write s':<{width}}{write_s:>10.2f}")
        print(f"{'total s':<{width}}{total_s:>10.2f}")
        print(f"{'rows/s':<{width}}{args.rows / total_s:>10.0f}")
        print(f"{'target < 30 s':<{width}}{'met' if total_s < TARGET_S else 'NOT met':>10}")
        print(f"{'re-import: parse+validate s':<{width}}{again_check_s:>10.2f}")
        print(f"{'re-import: write s':<{width}}{again_write_s:>10.2f}  (all {again.unchanged} unchanged)")


if __name__ == "__main__":
    main()
