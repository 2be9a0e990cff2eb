"""The fixed cast of test users and the small county they live in (STYLE habit 12).

Two towns, each with its staff, a station, a group, a village and deputies; two units with
their staff; a deputy of each town with a login; county staff, a leader, a station head and
an administrator. Built through the services, like the demo, so every row has its history."""

from __future__ import annotations

from dataclasses import dataclass, field

from daibiao.accounts.choices import Role
from daibiao.accounts.services import create_user
from daibiao.core import audit
from daibiao.registry.choices import Gender, Level, TownKind, UnitKind, VillageKind
from daibiao.registry.models import (
    County,
    Deputy,
    DeputyGroup,
    ElectoralDistrict,
    LiaisonStation,
    Town,
    Unit,
    Village,
)
from daibiao.registry.services import save_deputy

PASSWORD = "cast-pass-123"  # noqa: S105 — test accounts only


@dataclass
class Cast:
    county: County
    towns: dict[str, Town] = field(default_factory=dict)
    villages: dict[str, Village] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    stations: dict[str, LiaisonStation] = field(default_factory=dict)
    groups: dict[str, DeputyGroup] = field(default_factory=dict)
    deputies: dict[str, Deputy] = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    clues: dict = field(default_factory=dict)
    suggestions: dict = field(default_factory=dict)

    # Which user names may see which deputy keys (for scoping tests).
    ROLE_USERS = (
        "county",
        "leader",
        "town_a",
        "town_b",
        "unit_a",
        "unit_b",
        "deputy_a",
        "deputy_b",
        "station_a",
        "admin",
    )


def build_cast() -> Cast:
    with audit.acting_as(None):
        county = County.objects.create(name="测试县")
        cast = Cast(county=county)
        for key, name in (("a", "武安镇"), ("b", "九集镇")):
            town = Town.objects.create(county=county, name=name, kind=TownKind.TOWN)
            cast.towns[key] = town
            cast.villages[key] = Village.objects.create(
                town=town, name=f"{name[:2]}村", kind=VillageKind.VILLAGE
            )
            cast.stations[key] = LiaisonStation.objects.create(town=town, name=f"{name}第一代表联络站")
            cast.groups[key] = DeputyGroup.objects.create(
                town=town, name=f"{name}第一代表小组", station=cast.stations[key]
            )
            ElectoralDistrict.objects.create(
                county=county, town=town, level=Level.TOWN, name=f"{name}第1选区"
            )
        cast.units["a"] = Unit.objects.create(county=county, name="县交通运输局", kind=UnitKind.DEPARTMENT)
        cast.units["b"] = Unit.objects.create(county=county, name="县水利局", kind=UnitKind.DEPARTMENT)

        phones = iter(range(13800000001, 13800009999))
        for key, name, town_key, levels in (
            ("a", "王小明", "a", [Level.COUNTY, Level.TOWN]),
            ("a2", "李春兰", "a", [Level.TOWN]),
            ("b", "张建国", "b", [Level.TOWN]),
            ("b2", "赵秀英", "b", [Level.CITY]),
        ):
            deputy = Deputy(
                name=name,
                gender=Gender.MALE if name in ("王小明", "张建国") else Gender.FEMALE,
                phone=str(next(phones)),
                town=cast.towns[town_key],
                group=cast.groups[town_key],
                station=cast.stations[town_key],
                occupation="村党支部书记",
            )
            cast.deputies[key] = save_deputy(
                deputy, actor=None, mandates=[{"level": lv, "term": ""} for lv in levels]
            )

    def user(name, roles, **bindings):
        u = create_user(name, actor=None, password=PASSWORD, roles=roles, county=county, **bindings)
        cast.users[name] = u
        return u

    user("county", [Role.COUNTY_STAFF])
    user("leader", [Role.LEADER])
    user("town_a", [Role.TOWN_STAFF], town=cast.towns["a"])
    user("town_b", [Role.TOWN_STAFF], town=cast.towns["b"])
    user("unit_a", [Role.UNIT_STAFF], unit=cast.units["a"])
    user("unit_b", [Role.UNIT_STAFF], unit=cast.units["b"])
    user("deputy_a", [Role.DEPUTY], deputy=cast.deputies["a"], town=cast.towns["a"])
    user("deputy_b", [Role.DEPUTY], deputy=cast.deputies["b"], town=cast.towns["b"])
    user("station_a", [Role.STATION_HEAD], station=cast.stations["a"], town=cast.towns["a"])
    user("admin", [Role.ADMIN])
    build_loop(cast)
    return cast


def build_loop(cast: Cast) -> None:
    """A clue and a suggestion per town, raised by that town's deputy; 武安镇's is assigned
    to unit a (县交通运输局) with unit b co-handling, 九集镇's waits for triage."""
    from daibiao.suggestions import services as loop

    cast.clues = {}
    cast.suggestions = {}
    for key in ("a", "b"):
        actor = cast.users[f"deputy_{key}"]
        clue = loop.create_clue(
            actor=actor,
            title=f"{cast.towns[key].name}村道破损",
            content="村道多处坑洼，雨天积水。",
            town=cast.towns[key],
        )
        cast.clues[key] = loop.create_clue(
            actor=actor,
            title=f"{cast.towns[key].name}路灯不亮",
            content="村口路灯坏了半年。",
            town=cast.towns[key],
        )
        cast.suggestions[key] = loop.create_suggestion(
            actor=actor,
            title=f"修复{cast.towns[key].name}村道",
            content="建议尽快修复村道。",
            clues=[clue],
            tier="county",
            category="transport",
            submit=True,
        )
    loop.assign_suggestion(
        cast.suggestions["a"],
        actor=cast.users["town_a"],
        lead_unit=cast.units["a"],
        co_units=[cast.units["b"]],
    )
