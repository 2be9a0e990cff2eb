"""The demo county: Nanzhang County (南漳县), the county of the report the platform follows.

Twelve towns with their villages, communities and courtyards; county departments and town
governments as handling units; liaison stations, deputy groups and electoral districts; exactly
1,046 deputies holding mandates at four levels; and one login per role, all with the password
``demo12345``.

Everything is built by driving the services (``save_record``, ``save_deputy``,
``create_user``) as the system actor, so every row carries its change-log history exactly as
if the county's staff had typed it in. The people, phones and most village names are invented;
the random generator has a fixed seed, so every load produces the same county.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from daibiao.accounts.choices import Role
from daibiao.accounts.models import User
from daibiao.accounts.services import create_user
from daibiao.core import audit
from daibiao.core.models import ChangeLog
from daibiao.core.services import save_record

from .choices import DeputyStatus, Gender, Level, Party, TownKind, UnitKind, VillageKind
from .models import (
    County,
    Courtyard,
    Deputy,
    DeputyGroup,
    ElectoralDistrict,
    LiaisonStation,
    Mandate,
    Town,
    Unit,
    Village,
)
from .services import save_deputy

COUNTY_NAME = "南漳县"
COUNTY_CODE = "420624"
SEED = 420624
DEMO_PASSWORD = "demo12345"  # noqa: S105 — the published demo logins; refused unless DEMO_MODE
TOTAL_DEPUTIES = 1046

# The term each congress is in; one value per level so the records agree with each other.
TERMS = {
    Level.PROVINCE: "第十四届",
    Level.CITY: "第十八届",
    Level.COUNTY: "第十九届",
    Level.TOWN: "第十七届",
}

# How the 1,046 deputies hold their seats. Province and city deputies are mostly also county
# deputies; most county deputies also sit in their town's congress (县镇人大代表).
PROVINCE_SEATS = 6
PROVINCE_ALSO_COUNTY = 5
CITY_SEATS = 30
CITY_ALSO_COUNTY = 24
COUNTY_SEATS = 230
COUNTY_ALSO_TOWN = 150
# Deputies whose seat has ended, by status; they stay in the register with their history.
RETIRED = (DeputyStatus.RESIGNED,) * 3 + (DeputyStatus.TERM_ENDED,) * 2


@dataclass(frozen=True)
class TownSpec:
    """One town of the demo: its size, named villages and how many stations and groups."""

    name: str
    kind: str
    deputies: int
    villages: int  # villages and communities in all, named ones included
    named: tuple[str, ...]  # real names the report mentions, and the communities
    stations: int
    groups: int


TOWNS = (
    TownSpec(
        "城关镇",
        TownKind.TOWN,
        150,
        24,
        ("卞和社区", "王家坡社区", "白鹤湖社区", "凤凰社区", "水镜社区", "金漳社区", "清凉河社区"),
        4,
        5,
    ),
    TownSpec("武安镇", TownKind.TOWN, 120, 28, ("武安社区", "堰河社区"), 3, 4),
    TownSpec(
        "九集镇", TownKind.TOWN, 115, 26, ("九集社区", "八泉村", "良种场村", "彭家营村", "方家庙村"), 3, 4
    ),
    TownSpec("李庙镇", TownKind.TOWN, 90, 22, ("李庙社区",), 3, 4),
    TownSpec("长坪镇", TownKind.TOWN, 70, 16, ("长坪社区",), 2, 2),
    TownSpec("肖堰镇", TownKind.TOWN, 85, 20, ("肖堰社区", "青龙湾村"), 3, 3),
    TownSpec("东巩镇", TownKind.TOWN, 90, 25, ("东巩社区",), 3, 4),
    TownSpec("薛坪镇", TownKind.TOWN, 70, 15, ("薛坪社区",), 2, 2),
    TownSpec("板桥镇", TownKind.TOWN, 75, 18, ("板桥社区", "九龙观村", "白云庵村"), 3, 3),
    TownSpec("巡检镇", TownKind.TOWN, 80, 22, ("巡检社区",), 3, 3),
    TownSpec("清河管理区", TownKind.DISTRICT, 50, 12, ("清河社区",), 2, 2),
    TownSpec("南漳经济开发区", TownKind.ZONE, 51, 13, ("涌泉社区", "徐庶社区"), 2, 2),
)

# Towns whose villages are organised in courtyards (红色屋场), and how many deputies serve
# as courtyard heads there: the report counts 34 in the town whose deputies are embedded in
# organisations ("代表+", 板桥镇).
COURTYARD_TOWNS = {"李庙镇": 15, "板桥镇": 34}

# Which stations (town, index) are also legislative or budget contact points.
LEGISLATIVE_POINTS = {("城关镇", 0), ("武安镇", 0), ("板桥镇", 0)}
BUDGET_POINTS = {("城关镇", 1), ("九集镇", 0), ("南漳经济开发区", 0)}

# (name, short name, kind) of the county's handling units besides the town governments.
UNITS = (
    ("县交通运输局", "交通局", UnitKind.DEPARTMENT),
    ("县住房和城乡建设局", "住建局", UnitKind.DEPARTMENT),
    ("县水利和湖泊局", "水利局", UnitKind.DEPARTMENT),
    ("县农业农村局", "农业农村局", UnitKind.DEPARTMENT),
    ("县教育局", "教育局", UnitKind.DEPARTMENT),
    ("县卫生健康局", "卫健局", UnitKind.DEPARTMENT),
    ("县民政局", "民政局", UnitKind.DEPARTMENT),
    ("县人力资源和社会保障局", "人社局", UnitKind.DEPARTMENT),
    ("县自然资源和规划局", "自然资源局", UnitKind.DEPARTMENT),
    ("襄阳市生态环境局南漳分局", "生态环境分局", UnitKind.DEPARTMENT),
    ("县公安局", "公安局", UnitKind.DEPARTMENT),
    ("县司法局", "司法局", UnitKind.DEPARTMENT),
    ("国网南漳县供电公司", "供电公司", UnitKind.ENTERPRISE),
    ("南漳县邮政分公司", "邮政公司", UnitKind.ENTERPRISE),
    ("县城市管理执法局", "城管局", UnitKind.DEPARTMENT),
    ("县市场监督管理局", "市场监管局", UnitKind.DEPARTMENT),
    ("县财政局", "财政局", UnitKind.DEPARTMENT),
    ("县文化和旅游局", "文旅局", UnitKind.DEPARTMENT),
)

# --- pools for invented names --------------------------------------------------------------

# Common surnames, the commonest repeated so they come up more often.
SURNAMES = (
    "王王王王李李李李张张张张刘刘刘陈陈陈杨杨赵赵黄黄周周吴吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯"
    "于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔"
    "康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文向覃"
)
MALE_CHARS = "伟强军磊勇杰涛斌明超刚平辉鹏华飞波建国志新海峰亮宏林俊文兵成春德东洪义永忠先锋荣贵全"
FEMALE_CHARS = "芳娟敏静丽艳霞秀英玲红燕萍梅琴兰凤洁慧婷雪莉桂珍琳颖倩月琼翠"
PLACE_SURNAMES = "张王李刘陈杨黄赵周吴徐孙胡朱高何郭马罗谢唐冯邓彭曾肖田董潘袁蔡蒋余杜叶程魏苏吕丁"
PLACE_FEATURES = "湾坡岗河冲营店庙集坪垭沟岭畈台洲桥寨"
PLACE_WORDS = (  # noqa: SIM905 — a word list reads best as text
    "石门 青山 龙泉 桃园 双河 三合 新华 红星 团结 和平 东风 金星 长岭 高峰 白马 黄龙 玉泉 茶园 松林"
    " 柳树 杨桥 马鞍 龙王 观音 清泉 龙门 金桥 花园 太平 永兴 天池 峡口 石桥 油坊 界牌 鹿角 梅花 响水"
    " 新店 卧牛 莲花 回龙 七里 三岔 五峰 铁炉 云雾 古井 土门 白水 狮子 朝阳 向阳 前进 胜利 新建 曙光"
    " 黄土 清水 大坪 平安 南河 北河 东湾 方山 龙潭 青峰 金竹 紫荆 桂花 竹园 杉木 栗树 枫树 鸡鸣 凉水"
).split()
ROADS = ("水镜路", "凤凰大道", "金漳路", "卞和路", "清凉河路", "人民路", "解放路", "和平路", "荆山大道")
COMPANY_WORDS = ("荆山", "沮漳", "卧龙", "楚源", "汉南", "水镜", "香溪", "漳河")
INDUSTRIES = ("农业科技", "食品", "建材", "茶业", "香菇", "物流", "矿业", "生态农业")
PRODUCTS = ("茶叶", "柑橘", "香菇", "生猪", "核桃", "蔬菜", "油茶", "中药材")
SHOPS = ("农资店", "超市", "餐馆", "五金店", "药店", "家电商场")
# Deputies' mobile prefixes (13x, 15x, 18x), as Deputy.phone must look like a mobile number.
MOBILE_PREFIXES = (  # noqa: SIM905 — a word list reads best as text
    "130 131 132 133 135 136 137 138 139 150 151 152 155 157 158 159 180 181 183 186 187 189"
).split()

# (occupation, weight); the employer is made to fit by ``Builder.employer``.
OCCUPATIONS = (
    ("村党支部书记", 18),
    ("村委会主任", 8),
    ("社区书记", 3),
    ("农民", 20),
    ("教师", 10),
    ("医生", 7),
    ("个体工商户", 10),
    ("企业负责人", 10),
    ("乡镇干部", 8),
    ("合作社理事长", 6),
)
# Posts that only a party member holds.
PARTY_POSTS = {"村党支部书记", "社区书记", "乡镇干部"}
# Deputies to the provincial and city congresses come mostly from these walks of life.
SENIOR_OCCUPATIONS = (("企业负责人", 4), ("乡镇干部", 3), ("村党支部书记", 3), ("医生", 1), ("教师", 1))

# The demo logins: username → (role, display name). Bindings are made in ``Builder.accounts``.
DEMO_ACCOUNTS = {
    "county": (Role.COUNTY_STAFF, "县人大常委会代表工委 · 刘芳"),
    "leader": (Role.LEADER, "代表行动领导小组 · 陈志强"),
    "town-wuan": (Role.TOWN_STAFF, "武安镇人大主席团 · 周敏"),
    "town-jiuji": (Role.TOWN_STAFF, "九集镇人大主席团 · 杨帆"),
    "unit-jiaotong": (Role.UNIT_STAFF, "县交通运输局 · 李强"),
    "station-wuan": (Role.STATION_HEAD, "{station} · 站长"),
    "deputy-demo": (Role.DEPUTY, "人大代表 · {deputy}"),
    "admin": (Role.ADMIN, "系统管理员"),
}


class DemoError(Exception):
    """The demo cannot be loaded here (not in demo mode, or already loaded)."""


@dataclass
class Summary:
    """What a load produced, counted from the database afterwards."""

    deputies: int
    mandates: dict[str, int]
    multi_mandate: int
    non_serving: int
    towns: int
    villages: int
    courtyards: int
    units: int
    stations: int
    groups: int
    districts: int
    accounts: int
    change_log: int


def load_demo(*, if_absent: bool = False) -> Summary | None:
    """Load the demo county in one transaction, as the system actor.

    Refuses unless ``settings.DEMO_MODE`` is on, since it creates logins with a published
    password. When the county is already there: with ``if_absent`` do nothing and return
    ``None`` (so ``make demo`` can run again and keep the data), otherwise refuse."""
    if not settings.DEMO_MODE:
        raise DemoError(
            _(
                "The demo county can only be loaded when DEMO_MODE is on (DAIBIAO_DEMO=1): it "
                "creates accounts with a published password."
            )
        )
    with transaction.atomic():
        if County.objects.filter(name=COUNTY_NAME).exists():
            if if_absent:
                return None
            raise DemoError(
                _(
                    "The demo county {name} is already loaded. Run with --if-absent to keep it, or start "
                    "from an empty database to load it again."
                ).format(name=COUNTY_NAME)
            )
        with audit.acting_as(None) as ctx:
            county = Builder(random.Random(SEED)).build()
        return summarise(county, request_id=ctx.request_id)


def summarise(county: County, *, request_id: str = "") -> Summary:
    """Count what the demo county holds, and the change-log rows the load (``request_id``)
    wrote."""
    deputies = Deputy.objects.filter(county=county)
    mandates = dict(
        Mandate.objects.filter(deputy__county=county).order_by().values_list("level").annotate(n=Count("id"))
    )
    towns = Town.objects.filter(county=county)
    return Summary(
        deputies=deputies.count(),
        mandates={level: mandates.get(level, 0) for level in Level.values},
        multi_mandate=deputies.annotate(n=Count("mandates")).filter(n__gte=2).count(),
        non_serving=deputies.exclude(status=DeputyStatus.SERVING).count(),
        towns=towns.count(),
        villages=Village.objects.filter(town__county=county).count(),
        courtyards=Courtyard.objects.filter(village__town__county=county).count(),
        units=Unit.objects.filter(county=county).count(),
        stations=LiaisonStation.objects.filter(town__county=county).count(),
        groups=DeputyGroup.objects.filter(town__county=county).count(),
        districts=ElectoralDistrict.objects.filter(county=county).count(),
        accounts=User.objects.filter(county=county, username__in=DEMO_ACCOUNTS).count(),
        change_log=ChangeLog.objects.filter(request_id=request_id).count() if request_id else 0,
    )


def demo_accounts() -> list[dict]:
    """The demo logins as they stand in the database, for the console table."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=DEMO_ACCOUNTS, county__name=COUNTY_NAME).select_related(
            "county", "town", "unit", "station", "deputy"
        )
    }
    rows = []
    for username in DEMO_ACCOUNTS:
        user = users.get(username)
        if user is None:
            continue
        rows.append(
            {
                "username": username,
                "roles": "、".join(user.role_labels),
                "binding": binding_of(user),
                "display_name": user.display_name,
                "password": DEMO_PASSWORD,
            }
        )
    return rows


def binding_of(user: User) -> str:
    """The most specific thing a user is bound to, as a reader would name it."""
    if user.deputy_id:
        return f"{user.deputy.town} · {user.deputy.name}"
    for bound in (user.station, user.unit, user.town, user.county):
        if bound is not None:
            return str(bound)
    return "—"


@dataclass
class Plan:
    """One deputy to create: where he or she belongs and which seats he or she holds."""

    town: Town
    levels: list[str] = field(default_factory=list)
    status: str = DeputyStatus.SERVING
    deputy: Deputy | None = None


class Builder:
    """Builds the demo county through the services; one instance per load."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.phones: set[str] = set()
        self.service_phone_seq = 0
        self.place_names: set[str] = set()
        self.towns: dict[str, Town] = {}
        self.villages: dict[str, list[Village]] = {}
        self.stations: dict[str, list[LiaisonStation]] = {}
        self.groups: dict[str, list[DeputyGroup]] = {}
        self.plans: list[Plan] = []

    def build(self) -> County:
        """Build everything, in the order the foreign keys need."""
        self.county = save_record(County(name=COUNTY_NAME, code=COUNTY_CODE), actor=None)
        self.areas()
        self.units()
        self.stations_and_groups()
        self.plan_seats()
        self.deputies()
        self.appoint_heads()
        self.courtyards()
        self.retire()
        self.accounts()
        return self.county

    # --- invented names and numbers --------------------------------------------------------

    def person_name(self, gender: str | None = None) -> str:
        chars = FEMALE_CHARS if gender == Gender.FEMALE else MALE_CHARS
        # A third of given names have one character; two-character ones never repeat it.
        given = self.rng.choice(chars) if self.rng.random() < 0.3 else "".join(self.rng.sample(chars, 2))
        return self.rng.choice(SURNAMES) + given

    def mobile(self) -> str:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def service_phone(self) -> str:
        # Offices' numbers follow one made-up pattern (170, a virtual-operator prefix, then
        # Xiangyang's area code 0710), so nobody mistakes them for a real person's number.
        self.service_phone_seq += 1
        return f"1700710{self.service_phone_seq:04d}"

    def address(self) -> str:
        return f"南漳县{self.rng.choice(ROADS)}{self.rng.randint(1, 299)}号"

    def village_name(self) -> str:
        # Unique across the county, so that a name alone finds one village in search.
        while True:
            if self.rng.random() < 0.5:
                stem = self.rng.choice(PLACE_SURNAMES) + "家" + self.rng.choice(PLACE_FEATURES)
            else:
                stem = self.rng.choice(PLACE_WORDS)
            name = stem + "村"
            if name not in self.place_names:
                self.place_names.add(name)
                return name

    # --- areas, units, stations, groups ----------------------------------------------------

    def areas(self) -> None:
        for spec in TOWNS:
            self.place_names.update(spec.named)
        for order, spec in enumerate(TOWNS, start=1):
            town = save_record(
                Town(county=self.county, name=spec.name, kind=spec.kind, sort_order=order), actor=None
            )
            self.towns[spec.name] = town
            names = list(spec.named)
            names += [self.village_name() for _ in range(spec.villages - len(names))]
            self.villages[spec.name] = [
                save_record(
                    Village(
                        town=town,
                        name=name,
                        kind=VillageKind.COMMUNITY if name.endswith("社区") else VillageKind.VILLAGE,
                    ),
                    actor=None,
                )
                for name in names
            ]

    def units(self) -> None:
        for name, short_name, kind in UNITS:
            self.unit(name=name, short_name=short_name, kind=kind)
        for spec in TOWNS:
            if spec.kind == TownKind.TOWN:
                name, short_name = f"{spec.name}人民政府", spec.name
            else:
                name, short_name = f"{spec.name}管理委员会", spec.name.removeprefix("南漳")
            self.unit(
                name=name, short_name=short_name, kind=UnitKind.TOWN_GOVERNMENT, town=self.towns[spec.name]
            )

    def unit(self, **fields) -> Unit:
        return save_record(
            Unit(
                county=self.county,
                contact_person=self.person_name(self.rng.choice(list(Gender))),
                contact_phone=self.service_phone(),
                address=self.address(),
                **fields,
            ),
            actor=None,
        )

    def stations_and_groups(self) -> None:
        numerals = "一二三四五六七八九十"
        for spec in TOWNS:
            town = self.towns[spec.name]
            # The first station sits in the town seat (its first community); the others in
            # villages spread over the town.
            villages = self.villages[spec.name]
            sites = [villages[0], *self.rng.sample(villages[1:], spec.stations - 1)]
            self.stations[spec.name] = [
                save_record(
                    LiaisonStation(
                        town=town,
                        village=site,
                        name=f"{spec.name}第{numerals[i]}人大代表联络站",
                        address=f"南漳县{spec.name}{site.name}党群服务中心",
                        phone=self.service_phone(),
                        is_legislative_contact_point=(spec.name, i) in LEGISLATIVE_POINTS,
                        is_budget_contact_point=(spec.name, i) in BUDGET_POINTS,
                    ),
                    actor=None,
                )
                for i, site in enumerate(sites)
            ]
            self.groups[spec.name] = [
                save_record(
                    DeputyGroup(
                        town=town,
                        name=f"{spec.name}第{numerals[i]}代表小组",
                        station=self.stations[spec.name][i % spec.stations],
                    ),
                    actor=None,
                )
                for i in range(spec.groups)
            ]

    # --- deputies --------------------------------------------------------------------------

    def plan_seats(self) -> None:
        """Decide each deputy's town and seats before any is saved, so the electoral
        districts can be sized to the seats they elect."""
        self.plans = [Plan(town=self.towns[spec.name]) for spec in TOWNS for _ in range(spec.deputies)]
        if len(self.plans) != TOTAL_DEPUTIES:
            raise DemoError(f"The towns' deputies must add up to {TOTAL_DEPUTIES}.")
        order = list(range(TOTAL_DEPUTIES))
        self.rng.shuffle(order)
        picks = iter(order)

        def take(n: int) -> list[Plan]:
            return [self.plans[next(picks)] for _ in range(n)]

        province, city = take(PROVINCE_SEATS), take(CITY_SEATS)
        county_only = take(COUNTY_SEATS - PROVINCE_ALSO_COUNTY - CITY_ALSO_COUNTY)
        town_only = [self.plans[i] for i in picks]
        for plan in province:
            plan.levels.append(Level.PROVINCE)
        for plan in city:
            plan.levels.append(Level.CITY)
        for plan in province[:PROVINCE_ALSO_COUNTY] + city[:CITY_ALSO_COUNTY] + county_only:
            plan.levels.append(Level.COUNTY)
        for plan in county_only[:COUNTY_ALSO_TOWN] + town_only:
            plan.levels.append(Level.TOWN)
        # A few town deputies have left their seats; they are picked now so that none of them
        # is made a station head, group leader or courtyard head later.
        for plan, status in zip(town_only, RETIRED, strict=False):
            plan.status = status

    def districts(self, spec: TownSpec, plans: list[Plan], first_county_no: int) -> dict[str, list]:
        """Electoral districts of one town for the county and town congresses, sized to about
        three county seats and five town seats each. Province and city deputies are elected by
        the congress below, not by voters, so those levels have no districts."""
        town = self.towns[spec.name]
        seats = Counter(level for plan in plans for level in plan.levels)
        made: dict[str, list] = {Level.COUNTY: [], Level.TOWN: []}
        for n in range(max(1, math.ceil(seats[Level.COUNTY] / 3))):
            made[Level.COUNTY].append(
                save_record(
                    ElectoralDistrict(
                        county=self.county,
                        town=town,
                        level=Level.COUNTY,
                        name=f"{COUNTY_NAME}第{first_county_no + n}选区",
                    ),
                    actor=None,
                )
            )
        for n in range(max(1, math.ceil(seats[Level.TOWN] / 5))):
            made[Level.TOWN].append(
                save_record(
                    ElectoralDistrict(
                        county=self.county, town=town, level=Level.TOWN, name=f"{spec.name}第{n + 1}选区"
                    ),
                    actor=None,
                )
            )
        return made

    def deputies(self) -> None:
        county_district_no = 1
        for spec in TOWNS:
            town = self.towns[spec.name]
            plans = [p for p in self.plans if p.town is town]
            districts = self.districts(spec, plans, county_district_no)
            county_district_no += len(districts[Level.COUNTY])
            seat_no = Counter()
            groups = self.groups[spec.name]
            # Shuffled so that each group gets a mix of levels, not the first plans in a row.
            members = plans[:]
            self.rng.shuffle(members)
            for i, plan in enumerate(members):
                group = groups[i % len(groups)]
                mandates = []
                for level in plan.levels:
                    district = None
                    if level in districts:
                        pool = districts[level]
                        district = pool[seat_no[level] % len(pool)]
                        seat_no[level] += 1
                    mandates.append({"level": level, "term": TERMS[level], "electoral_district": district})
                plan.deputy = save_deputy(self.new_deputy(spec, plan, group), actor=None, mandates=mandates)

    def new_deputy(self, spec: TownSpec, plan: Plan, group: DeputyGroup) -> Deputy:
        rng = self.rng
        gender = Gender.MALE if rng.random() < 0.7 else Gender.FEMALE
        senior = Level.PROVINCE in plan.levels or Level.CITY in plan.levels
        pool = SENIOR_OCCUPATIONS if senior else OCCUPATIONS
        occupation = rng.choices([o for o, _ in pool], weights=[w for _, w in pool])[0]
        roll = rng.random()
        party = rng.choices(
            [Party.CPC, Party.CPC_PROBATIONARY, Party.DEMOCRATIC, Party.NONE], weights=[62, 2, 4, 32]
        )[0]
        return Deputy(
            county=self.county,
            town=plan.town,
            name=self.person_name(gender),
            gender=gender,
            ethnicity="汉族" if roll < 0.95 else ("回族" if roll < 0.98 else "土家族"),
            party=Party.CPC if occupation in PARTY_POSTS else party,
            birth_year=rng.randint(1960, 1998),
            phone=self.mobile(),
            occupation=occupation,
            employer=self.employer(spec, occupation),
            group=group,
            station=group.station,
        )

    def employer(self, spec: TownSpec, occupation: str) -> str:
        rng = self.rng
        villages = self.villages[spec.name]
        village = rng.choice([v for v in villages if v.kind == VillageKind.VILLAGE] or villages)
        community = rng.choice([v for v in villages if v.kind == VillageKind.COMMUNITY] or villages)
        town = spec.name
        match occupation:
            case "村党支部书记":
                return f"{town}{village.name}党支部书记"
            case "村委会主任":
                return f"{town}{village.name}村委会主任"
            case "社区书记":
                return f"{town}{community.name}党委书记"
            case "农民":
                return f"{town}{village.name}村民"
            case "教师":
                return rng.choice([f"{town}中心学校教师", "南漳县第一中学教师", f"{town}中心幼儿园教师"])
            case "医生":
                return rng.choice([f"{town}卫生院医生", "南漳县人民医院医生", f"{village.name}卫生室村医"])
            case "个体工商户":
                return f"{town}{rng.choice(SHOPS)}经营者"
            case "企业负责人":
                return f"湖北{rng.choice(COMPANY_WORDS)}{rng.choice(INDUSTRIES)}有限公司总经理"
            case "乡镇干部":
                return rng.choice([f"{town}党委委员", f"{town}人民政府副镇长", f"{town}农业服务中心主任"])
            case _:
                return f"南漳县{village.name.removesuffix('村')}{rng.choice(PRODUCTS)}专业合作社理事长"

    def serving(self, plans) -> list[Deputy]:
        return [p.deputy for p in plans if p.status == DeputyStatus.SERVING]

    def appoint_heads(self) -> None:
        """Each station gets a head and each group a leader from among its own deputies;
        saved as changes, as a town would record an appointment."""
        for spec in TOWNS:
            plans = [p for p in self.plans if p.town == self.towns[spec.name]]
            for station in self.stations[spec.name]:
                station.head = self.rng.choice(self.serving(p for p in plans if p.deputy.station == station))
                save_record(station, actor=None, update_fields=["head", "updated_at"])
            for group in self.groups[spec.name]:
                group.leader = self.rng.choice(self.serving(p for p in plans if p.deputy.group == group))
                save_record(group, actor=None, update_fields=["leader", "updated_at"])

    def courtyards(self) -> None:
        """Courtyards (红色屋场) in the towns that organise by them, a number of them led by
        deputies of the town and the rest by residents."""
        for town_name, deputy_heads in COURTYARD_TOWNS.items():
            town = self.towns[town_name]
            yards = []
            for village in self.villages[town_name]:
                if village.kind != VillageKind.VILLAGE:
                    continue
                names: list[str] = []
                wanted = self.rng.randint(2, 4)
                while len(names) < wanted:
                    name = "{s}家{f}屋场".format(
                        s=self.rng.choice(PLACE_SURNAMES), f=self.rng.choice("湾岗冲坡台")
                    )
                    if name not in names:
                        names.append(name)
                yards += [Courtyard(village=village, name=name) for name in names]
            heads = self.rng.sample(self.serving(p for p in self.plans if p.town == town), deputy_heads)
            for yard, head in zip(self.rng.sample(yards, deputy_heads), heads, strict=True):
                yard.head_deputy = head
            for yard in yards:
                if yard.head_deputy is None:
                    yard.head_name = self.person_name(self.rng.choice(list(Gender)))
                save_record(yard, actor=None)

    def retire(self) -> None:
        """The deputies planned to have left their seats: saved as a later change of status,
        so their history shows when it happened."""
        for plan in self.plans:
            if plan.status != DeputyStatus.SERVING:
                plan.deputy.status = plan.status
                save_deputy(plan.deputy, actor=None)

    # --- accounts --------------------------------------------------------------------------

    def accounts(self) -> None:
        wuan, jiuji = self.towns["武安镇"], self.towns["九集镇"]
        station = self.stations["武安镇"][0]
        # The demo deputy sits in both the county and the town congress (县镇人大代表), so
        # every part of a deputy's pages has something to show.
        deputy = next(
            p.deputy
            for p in self.plans
            if p.town == wuan and p.status == DeputyStatus.SERVING and p.levels == [Level.COUNTY, Level.TOWN]
        )
        bindings = {
            "town-wuan": {"town": wuan},
            "town-jiuji": {"town": jiuji},
            "unit-jiaotong": {"unit": Unit.objects.get(county=self.county, name="县交通运输局")},
            "station-wuan": {"station": station, "town": wuan},
            "deputy-demo": {"deputy": deputy, "town": wuan},
            # The administrator also gets into Django's admin site.
            "admin": {"is_staff": True, "is_superuser": True},
        }
        for username, (role, display_name) in DEMO_ACCOUNTS.items():
            create_user(
                username,
                actor=None,
                password=DEMO_PASSWORD,
                roles=[role],
                display_name=display_name.format(station=station.name, deputy=deputy.name),
                county=self.county,
                **bindings.get(username, {}),
            )
