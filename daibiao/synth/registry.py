"""One county's reference data and logins, as rows: the county, its towns, villages,
stations, deputy groups, handling units, deputies with their mandates, and the few logins
that act in the histories (county staff, each town's presidium, each unit, some deputies)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pypinyin import Style, lazy_pinyin

from daibiao.accounts.choices import Role
from daibiao.accounts.models import User, UserRole
from daibiao.registry import demo as registry_demo
from daibiao.registry.choices import Gender, Level, Party, TownKind, UnitKind, VillageKind
from daibiao.registry.models import (
    County,
    Deputy,
    DeputyGroup,
    LiaisonStation,
    Mandate,
    Town,
    Unit,
    Village,
)

TOWNS = 12
VILLAGES_PER_TOWN = 15
STATIONS_PER_TOWN = 2
GROUPS_PER_TOWN = 3
DEPUTY_LOGINS = 30  # deputies who act in the histories (raise, submit, rate): they need a login
COUNTY_SYLLABLES = "安宝昌丰福广和华吉嘉建江康乐临隆宁平庆仁荣瑞顺泰通万文祥新兴永云长正忠"
TOWN_SUFFIXES = ("镇",) * 10 + ("管理区", "经济开发区")


@dataclass(frozen=True)
class Actor:
    """A login that takes steps: ``username`` goes to the change log, ``full_name`` to events."""

    id: int
    username: str
    full_name: str


@dataclass
class CountyData:
    """What the histories need to know of one county (ids and names only)."""

    ordinal: int
    id: int
    name: str
    prefix: str  # login prefix, ``c001``
    towns: list = field(default_factory=list)  # (id, name)
    villages: dict = field(default_factory=dict)  # town id → [(id, name)]
    stations: dict = field(default_factory=dict)  # town id → [(id, name)]
    deputies: dict = field(default_factory=dict)  # town id → [(id, name, station id)]
    town_gov: dict = field(default_factory=dict)  # town id → (unit id, name)
    departments: dict = field(default_factory=dict)  # name → unit id
    unit_names: dict = field(default_factory=dict)  # unit id → name
    county_staff: Actor | None = None
    town_staff: dict = field(default_factory=dict)  # town id → Actor
    unit_staff: dict = field(default_factory=dict)  # unit id → Actor
    deputy_users: dict = field(default_factory=dict)  # deputy id → Actor
    deputy_names: dict = field(default_factory=dict)  # deputy id → name
    deputy_count: int = 0


def county_name(ordinal: int) -> str:
    n = len(COUNTY_SYLLABLES)
    first, second = divmod((ordinal * 7919) % (n * n), n)  # a fixed shuffle of the pairs
    return f"{COUNTY_SYLLABLES[first]}{COUNTY_SYLLABLES[second]}县"


def person_name(rng, gender: str) -> str:
    chars = registry_demo.FEMALE_CHARS if gender == Gender.FEMALE else registry_demo.MALE_CHARS
    given = rng.choice(chars) if rng.random() < 0.3 else "".join(rng.sample(chars, 2))
    return rng.choice(registry_demo.SURNAMES) + given


class RegistryWriter:
    """Writes one county's reference rows and logins through ``builder`` (``build.Builder``)."""

    def __init__(self, builder, ordinal: int, name: str, deputies: int):
        self.b = builder
        self.rng = builder.rng
        self.ordinal = ordinal
        self.name = name
        self.deputy_total = deputies
        self.when = builder.start  # reference data exists before the first clue

    def created(self, model, t, repr_=None, **values) -> int:
        """A row and the change log's create row for it, as ``post_save`` writes it."""
        table = self.b.table(model)
        pk = table.add(created_at=t, updated_at=t, **values) if _stamped(model) else table.add(**values)
        self.b.log_create(model, table, pk, t, actor=None, repr_=repr_)
        return pk

    def run(self) -> CountyData:
        b, rng, t = self.b, self.rng, self.when
        county_id = self.created(County, t, name=self.name, code=f"9{self.ordinal:05d}")
        data = CountyData(ordinal=self.ordinal, id=county_id, name=self.name, prefix=f"c{self.ordinal:03d}")
        words = rng.sample(registry_demo.PLACE_WORDS, TOWNS + 2)
        for i in range(TOWNS):
            suffix = TOWN_SUFFIXES[i]
            kind = {"镇": TownKind.TOWN, "管理区": TownKind.DISTRICT}.get(suffix, TownKind.ZONE)
            town_name = f"{words[i]}{suffix}"
            town_id = self.created(Town, t, county_id=county_id, name=town_name, kind=kind, sort_order=i)
            data.towns.append((town_id, town_name))
            village_words = rng.sample(registry_demo.PLACE_WORDS, VILLAGES_PER_TOWN)
            data.villages[town_id] = []
            for j, word in enumerate(village_words):
                community = j == 0
                village_name = f"{word}{'社区' if community else '村'}"
                kind = VillageKind.COMMUNITY if community else VillageKind.VILLAGE
                vid = self.created(Village, t, town_id=town_id, name=village_name, kind=kind)
                data.villages[town_id].append((vid, village_name))
            data.stations[town_id] = []
            for j in range(STATIONS_PER_TOWN):
                station_name = f"{town_name}第{'一二三'[j]}人大代表联络站"
                sid = self.created(
                    LiaisonStation,
                    t,
                    town_id=town_id,
                    village_id=data.villages[town_id][j][0],
                    name=station_name,
                    is_legislative_contact_point=j == 0 and i == 0,
                )
                data.stations[town_id].append((sid, station_name))
        for name, short, kind in registry_demo.UNITS:
            name = name.replace("南漳", self.name.removesuffix("县"))
            uid = self.created(Unit, t, county_id=county_id, name=name, short_name=short, kind=kind)
            data.departments[name] = uid
            data.unit_names[uid] = name
            b.document(t, "unit", uid, None, None, name, f"{short}")
        for town_id, town_name in data.towns:
            name = f"{town_name}人民政府"
            uid = self.created(
                Unit,
                t,
                county_id=county_id,
                name=name,
                short_name=town_name,
                kind=UnitKind.TOWN_GOVERNMENT,
                town_id=town_id,
            )
            data.town_gov[town_id] = (uid, name)
            data.unit_names[uid] = name
            b.document(t, "unit", uid, town_id, None, name, town_name)
        self.deputies(data)
        self.users(data)
        return data

    def deputies(self, data: CountyData) -> None:
        rng, t = self.rng, self.when
        occupations = [o for o, w in registry_demo.OCCUPATIONS for _ in range(w)]
        groups = {}
        for town_id, town_name in data.towns:
            groups[town_id] = [
                self.created(
                    DeputyGroup,
                    t,
                    town_id=town_id,
                    name=f"{town_name}第{'一二三四'[j]}代表小组",
                    station_id=data.stations[town_id][j % STATIONS_PER_TOWN][0],
                )
                for j in range(GROUPS_PER_TOWN)
            ]
            data.deputies[town_id] = []
        table = self.b.table(Deputy)
        for i in range(self.deputy_total):
            town_id, town_name = data.towns[i % TOWNS]
            gender = Gender.FEMALE if rng.random() < 0.32 else Gender.MALE
            name = person_name(rng, gender)
            occupation = rng.choice(occupations)
            village = rng.choice(data.villages[town_id])[1]
            employer = f"{town_name}{village}" + {
                "村党支部书记": "党支部书记",
                "村委会主任": "村委会主任",
            }.get(occupation, occupation)
            station_id = rng.choice(data.stations[town_id])[0]
            party = Party.CPC if occupation in registry_demo.PARTY_POSTS or rng.random() < 0.4 else Party.NONE
            pk = table.add(
                created_at=t,
                updated_at=t,
                county_id=data.id,
                town_id=town_id,
                name=name,
                name_pinyin="".join(lazy_pinyin(name)).lower(),
                name_initials="".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower(),
                gender=gender,
                party=party,
                birth_year=rng.randint(1960, 1996),
                phone=f"16{data.ordinal:03d}{i:06d}",
                occupation=occupation,
                employer=employer,
                group_id=rng.choice(groups[town_id]),
                station_id=station_id,
            )
            self.b.log_create(Deputy, table, pk, t, actor=None)
            self.b.document(t, "deputy", pk, town_id, None, name, f"{occupation}\n{employer}")
            data.deputies[town_id].append((pk, name, station_id))
            data.deputy_names[pk] = name
            roll = rng.random()
            levels = (
                [Level.TOWN]
                if roll < 0.72
                else [Level.COUNTY, Level.TOWN]
                if roll < 0.86
                else [Level.COUNTY]
                if roll < 0.95
                else [Level.CITY]
                if roll < 0.99
                else [Level.PROVINCE]
            )
            for level in levels:
                self.created(
                    Mandate,
                    t,
                    repr_=f"{name} · {Level(level).label}",
                    deputy_id=pk,
                    level=level,
                    term="第十九届" if level != Level.TOWN else "第二十届",
                )
        data.deputy_count = self.deputy_total

    def users(self, data: CountyData) -> None:
        """The logins: county staff, a presidium login per town, a login per unit, and a few
        deputies (the ones who raise and rate suggestions in the histories)."""
        p = data.prefix
        data.county_staff = self.user(
            f"{p}-county", f"{data.name}人大常委会代表工委", Role.COUNTY_STAFF, data.id
        )
        for i, (town_id, town_name) in enumerate(data.towns, 1):
            data.town_staff[town_id] = self.user(
                f"{p}-t{i:02d}", f"{town_name}人大主席团", Role.TOWN_STAFF, data.id, town_id=town_id
            )
        for i, (uid, name) in enumerate(data.unit_names.items(), 1):
            data.unit_staff[uid] = self.user(f"{p}-u{i:02d}", name, Role.UNIT_STAFF, data.id, unit_id=uid)
        every = [(d, town_id) for town_id, ds in data.deputies.items() for d in ds]
        chosen = sorted(self.rng.sample(every, min(DEPUTY_LOGINS, len(every))), key=lambda x: x[0][0])
        for i, ((deputy_id, name, _station), town_id) in enumerate(chosen, 1):
            data.deputy_users[deputy_id] = self.user(
                f"{p}-d{i:04d}", name, Role.DEPUTY, data.id, town_id=town_id, deputy_id=deputy_id
            )

    def user(self, username, display_name, role, county_id, **bindings) -> Actor:
        return make_user(self.b, self.when, username, display_name, [role], county_id=county_id, **bindings)


def make_user(b, t, username, display_name, roles, *, superuser=False, **bindings) -> Actor:
    """A login with the shared password hash, its roles, and their change-log rows."""
    table = b.table(User)
    pk = table.add(
        password=b.password_hash,
        is_superuser=superuser,
        is_staff=superuser,
        username=username,
        date_joined=t,
        display_name=display_name,
        **bindings,
    )
    b.log_create(User, table, pk, t, actor=None)
    roles_table = b.table(UserRole)
    for role in roles:
        rid = roles_table.add(user_id=pk, role=role)
        b.log_create(
            UserRole,
            roles_table,
            rid,
            t,
            actor=None,
            repr_=f"{display_name or username} · {Role(role).label}",
        )
    return Actor(pk, username, display_name or username)


def _stamped(model) -> bool:
    return any(f.attname == "created_at" for f in model._meta.concrete_fields)


def first_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())
