"""The demo's "代表+" model in 板桥镇: 74 of the town's deputies embedded in 69 mass, 146
social, 115 self-governing and 92 economic organisations, as the report counts them.

The organisations are entered by the town's presidium (``save_record``) and the deputies
embedded one by one (``add_membership``), in June under the loop's fake clock; the
memberships date from when each deputy took the post. Names are invented from the town's
villages and the kinds of organisation a Chinese town has; a fixed seed makes every load the
same."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from daibiao.core import workdays
from daibiao.core.services import save_record
from daibiao.registry.choices import DeputyStatus, OrganizationKind, VillageKind
from daibiao.registry.models import Deputy, Organization, OrgMembership, Town, Village
from daibiao.registry.services import add_membership

SEED = 20260601
TOWN = "板桥镇"
EMBEDDED_DEPUTIES = 74
COUNTS = {
    OrganizationKind.MASS: 69,
    OrganizationKind.SOCIAL: 146,
    OrganizationKind.SELF_GOVERNING: 115,
    OrganizationKind.ECONOMIC: 92,
}

# Town-level organisations first, then one of each per village (村 / 社区), as many as needed.
TOWN_LEVEL = {
    OrganizationKind.MASS: (
        "板桥镇总工会",
        "板桥镇妇女联合会",
        "共青团板桥镇委员会",
        "板桥镇科学技术协会",
        "板桥镇关心下一代工作委员会",
    ),
    OrganizationKind.SOCIAL: (
        "板桥镇商会",
        "板桥镇慈善会",
        "板桥镇乡贤联谊会",
        "板桥镇老年体育协会",
        "板桥镇志愿者协会",
        "板桥镇书法家协会",
    ),
    OrganizationKind.SELF_GOVERNING: ("板桥镇人民调解委员会",),
    OrganizationKind.ECONOMIC: (
        "南漳县板桥镇农村集体经济联合总社",
        "湖北九龙观茶业有限公司",
        "板桥镇香菇产业合作联社",
        "湖北荆山生态农业开发有限公司",
    ),
}
PER_VILLAGE = {
    OrganizationKind.MASS: ("妇女联合会", "共青团支部", "民兵连", "关心下一代工作小组"),
    OrganizationKind.SOCIAL: (
        "红白理事会",
        "老年人协会",
        "志愿服务队",
        "乡贤理事会",
        "道德评议会",
        "禁毒禁赌协会",
        "文艺宣传队",
        "平安巡逻队",
        "留守儿童关爱协会",
    ),
    OrganizationKind.SELF_GOVERNING: (
        "村民委员会",
        "村务监督委员会",
        "人民调解委员会",
        "治安保卫委员会",
        "公共卫生委员会",
        "村民议事会",
        "屋场理事会",
    ),
    OrganizationKind.ECONOMIC: (
        "股份经济合作社",
        "茶叶专业合作社",
        "香菇专业合作社",
        "家庭农场",
        "生态养殖专业合作社",
        "中药材种植合作社",
    ),
}
POSTS = {
    OrganizationKind.MASS: ("主席", "副主席", "委员", "执委", ""),
    OrganizationKind.SOCIAL: ("会长", "副会长", "理事", "监事", "成员", ""),
    OrganizationKind.SELF_GOVERNING: ("主任", "副主任", "委员", "成员", ""),
    OrganizationKind.ECONOMIC: ("理事长", "理事", "监事长", "社员", "股东代表", ""),
}


@dataclass
class OrganizationSummary:
    organizations: dict[str, int]
    deputies: int
    memberships: int


def _names(
    kind: str, villages: list[Village], want: int, rng: random.Random
) -> list[tuple[str, Village | None]]:
    names: list[tuple[str, Village | None]] = [(n, None) for n in TOWN_LEVEL[kind]]
    for suffix in PER_VILLAGE[kind]:
        for village in villages:
            if len(names) >= want:
                return names
            if village.kind == VillageKind.COMMUNITY and suffix in ("民兵连", "家庭农场", "茶叶专业合作社"):
                continue
            stem = village.name.removesuffix("村") if suffix.endswith(("合作社", "农场")) else village.name
            ending = suffix
            if village.kind == VillageKind.COMMUNITY and suffix.startswith("村"):
                ending = "居" + suffix[1:]  # a community has a residents' committee
            names.append((f"{stem}{ending}", village))
    if len(names) < want:
        raise ValueError(f"not enough {kind} names")
    return names


def load_organizations(county, *, actor, at) -> OrganizationSummary:
    """Build 板桥镇's organisations and memberships as ``actor`` (its presidium), dated with
    ``at`` (the loop's fake clock)."""
    rng = random.Random(SEED)  # noqa: S311 — a fixed seed, for demo data
    town = Town.objects.get(county=county, name=TOWN)
    villages = list(Village.objects.filter(town=town).order_by("id"))
    deputies = list(Deputy.objects.filter(town=town, status=DeputyStatus.SERVING).order_by("id"))
    embedded = rng.sample(deputies, EMBEDDED_DEPUTIES)
    organizations = []
    start = dt.datetime(2026, 6, 2, 9, 0, tzinfo=workdays.CHINA_TZ)
    for i, (kind, want) in enumerate(COUNTS.items()):
        with at(start + dt.timedelta(days=i, minutes=rng.randint(0, 400))):
            for name, village in _names(kind, villages, want, rng):
                org = Organization(county=county, town=town, village=village, name=name, kind=kind)
                org.full_clean()
                organizations.append(save_record(org, actor=actor))
    # Every organisation has a deputy in it, every embedded deputy at least one post: deal the
    # deputies round the organisations, then a second deputy to a third of them.
    rng.shuffle(organizations)
    pairs = []
    for n, org in enumerate(organizations):
        pairs.append((org, embedded[n % len(embedded)]))
        if rng.random() < 0.33:
            other = rng.choice(embedded)
            if other is not embedded[n % len(embedded)]:
                pairs.append((org, other))
    for day, chunk in enumerate(range(0, len(pairs), 60)):
        with at(start + dt.timedelta(days=6 + day, hours=rng.randint(0, 7))):
            for org, dep in pairs[chunk : chunk + 60]:
                since = dt.date(rng.choice((2021, 2022, 2023, 2024, 2025, 2026)), rng.randint(1, 12), 1)
                if since > dt.date(2026, 6, 1):
                    since = dt.date(2026, 5, 1)
                add_membership(org, dep, actor=actor, role=rng.choice(POSTS[org.kind]), since=since)
    live = OrgMembership.objects.live().filter(organization__town=town)
    return OrganizationSummary(
        organizations={k: Organization.objects.filter(town=town, kind=k).count() for k in COUNTS},
        deputies=live.values("deputy_id").distinct().count(),
        memberships=live.count(),
    )
