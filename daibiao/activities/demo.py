"""The campaign side of the demo: the deputy-action campaign's plans, activities, trainings,
handbook and media coverage in the demo county, as the report tells them.

Two parts, both driven through ``activities.services`` at plausible moments under the loop's
fake clock (``suggestions.demo.at``), so the change log, sign-in times and receipts are dated
as if the county's staff had entered them on the day:

- ``ClueVenues`` plans, while the closed loop is replayed, the activities its 271 clues were
  raised at (village visits, constituent receptions, station days, courtyard consultations):
  each one is organised before its clue, the recording deputy is invited and signs in, and
  the clue names it (``create_clue(activity=…)``).
- ``load_campaign`` then fills in the rest of the season: the county plan issued on 28 April
  with its document, the towns' plans due on 15 May (one late), the trainings of the key
  people and then of every deputy with a make-up session so coverage reaches 100 %
  (全覆盖), the handbook sent to all 1,046 deputies and received by every one, 50+ media
  articles, and an activity under way now to which ``deputy-demo`` is invited.

Deterministic: its own seeded random generator, never the loop's.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone

from daibiao.accounts.choices import Role
from daibiao.accounts.models import User
from daibiao.accounts.services import create_user
from daibiao.core import workdays
from daibiao.core.docx import OfficialDocument
from daibiao.core.files import WORD, CheckedFile, check_upload
from daibiao.registry.choices import DeputyStatus
from daibiao.registry.models import County, Deputy, DeputyGroup, LiaisonStation, Town

from . import services
from .choices import ActivityKind, AttendanceStatus, MediaLevel
from .models import Activity, Attendance, Campaign, Material, MaterialReceipt, MediaArticle

SEED = 20260429
CHINA = workdays.CHINA_TZ
PLANS_DUE = dt.date(2026, 5, 15)
LATE_TOWN = "薛坪镇"  # hands its plan in four days late, for realism
COUNTY_AUTHORITY = "南漳县人民代表大会常务委员会"
HANDBOOK_TITLE = "《聚力共同缔造·助力基层治理体制机制创新》代表行动学习资料汇编"
HANDBOOK_PAGES = 86

LEAVE_REASONS = (
    "外出务工，不在本地",
    "身体不适，住院治疗",
    "参加镇里其他会议",
    "家中老人生病需要照顾",
    "在外地参加业务培训",
    "农忙抢收，无法脱身",
    "单位值班",
    "外出参加招商活动",
    "孩子中考，需陪同",
)
SAME_VENUE = dt.timedelta(hours=5)
PLAN_HABITS = ("每月开展一次进村入户走访", "每月固定一天进站接待选民", "每季度召开一次屋场议事会")
PLAN_FOCUS = ("农村道路、饮水安全", "产业发展、乡村振兴", "人居环境整治、基层治理", "教育医疗、养老服务")
RECEPTION_PLACES = ("{station}接待室", "{station}")
VISIT_VERBS = ("进村入户走访", "入户走访", "走访调研")


def bj(year_month_day_time: str) -> dt.datetime:
    return dt.datetime.strptime(year_month_day_time, "%Y-%m-%d %H:%M").replace(tzinfo=CHINA)


def docx_file(
    name: str, title: str, paragraphs: list[str], *, authority: str = "", number: str = ""
) -> CheckedFile:
    """A small official document as an upload that passed ``check_upload`` (the real bytes)."""
    doc = OfficialDocument(authority=authority, number=number)
    doc.title(title)
    for text in paragraphs:
        if text.startswith("#"):
            doc.heading(text.lstrip("# "))
        else:
            doc.paragraph(text)
    return check_upload(SimpleUploadedFile(name, bytes(doc)), (WORD,))


def office_moment(rng: random.Random, day: dt.date, lo: str = "08:40", hi: str = "17:20") -> dt.datetime:
    """A moment of office hours on ``day`` or, if that is no working day, the one before."""
    while not workdays.is_working_day(day):
        day -= dt.timedelta(days=1)
    a, b = (int(x[:2]) * 60 + int(x[3:]) for x in (lo, hi))
    minute = rng.randint(a, b)
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=CHINA)


def round_down(moment: dt.datetime, minutes: int = 10) -> dt.datetime:
    return moment.replace(minute=moment.minute - moment.minute % minutes, second=0, microsecond=0)


def _at():
    # Imported late: suggestions.demo imports this module.
    from daibiao.suggestions.demo import at

    return at


def staff_of(county: County) -> tuple[User, dict[int, User]]:
    """The county's staff login and each town's presidium login (made by the demo loaders)."""
    from daibiao.suggestions.demo import TOWN_PINYIN

    users = {u.username: u for u in User.objects.filter(county=county)}
    towns = Town.objects.filter(county=county)
    return users["county"], {t.pk: users[f"town-{TOWN_PINYIN[t.name]}"] for t in towns}


def attendance_entries(
    rng: random.Random, deputies, *, must: set[int], present=0.86, leave=0.08
) -> list[dict]:
    """Staff's ticks for ``deputies``: those in ``must`` present, the others mostly present,
    some on leave (with a reason) and a few absent."""
    entries = []
    for dep in deputies:
        roll = rng.random()
        if dep.pk in must or roll < present:
            entries.append({"deputy": dep, "status": AttendanceStatus.PRESENT})
        elif roll < present + leave:
            entries.append(
                {"deputy": dep, "status": AttendanceStatus.LEAVE, "leave_reason": rng.choice(LEAVE_REASONS)}
            )
        else:
            entries.append({"deputy": dep, "status": AttendanceStatus.ABSENT})
    return entries


# --- the activities the clues were raised at -----------------------------------------------


@dataclass(eq=False)
class Venue:
    """One activity planned for a cluster of clues of one town."""

    town: Town
    kind: str
    starts_at: dt.datetime
    station: LiaisonStation | None = None
    group: DeputyGroup | None = None
    clues: list = field(default_factory=list)
    invitees: list = field(default_factory=list)
    obj: Activity | None = None


class ClueVenues:
    """Plans and creates, within the loop's replay, the activities its clues came from.

    Clues of one town and kind raised within a few hours of each other on the same day share
    an activity: a station's reception day, a group's village visit, a village's courtyard
    consultation (the clue's own text tells which).
    Each recording deputy is invited and signs in (on the phone with the QR code if the deputy
    has a login, else ticked by the town's staff) before the clue is recorded."""

    def __init__(self, loop):
        self.loop = loop
        self.rng = random.Random(SEED)  # noqa: S311 — a fixed seed, for demo data
        self.venue_of: dict[int, Venue] = {}
        self.venues: list[Venue] = []

    @staticmethod
    def kind_of(spec) -> str:
        text = spec.content or ""
        if spec.station is not None and "接待选民日" in text:
            return ActivityKind.RECEPTION
        if "屋场会" in text or "议事恳谈会" in text or "议事会" in text:
            return ActivityKind.COURTYARD
        return ActivityKind.VISIT

    def plan(self, clue_times) -> list[tuple[dt.datetime, object]]:
        """``clue_times``: (moment, ClueSpec) of every clue. Returns (moment, step) pairs for
        the loop's queue: create each activity, sign in, tick the list, write the minutes."""
        rng = self.rng
        current: dict[tuple, Venue] = {}
        for when, spec in sorted(clue_times, key=lambda pair: (pair[0], pair[1].title)):
            kind = self.kind_of(spec)
            station = spec.station if kind == ActivityKind.RECEPTION else None
            place = spec.village.pk if kind == ActivityKind.COURTYARD else None
            key = (spec.town.pk, kind, getattr(station, "pk", None), place)
            venue = current.get(key)
            # The same activity: the same day, and the clue came in while it was on or soon after.
            if venue is None or when.date() != venue.starts_at.date() or when - venue.starts_at > SAME_VENUE:
                start = round_down(when - dt.timedelta(minutes=rng.randint(40, 110)))
                venue = Venue(town=spec.town, kind=kind, starts_at=start, station=station)
                if kind == ActivityKind.RECEPTION and rng.random() < 0.4:
                    venue.kind = ActivityKind.STATION_DAY
                current[key] = venue
                self.venues.append(venue)
            venue.clues.append(spec)
            self.venue_of[id(spec)] = venue
        steps = []
        for venue in self.venues:
            steps += self.venue_steps(venue)
        return steps

    def venue_steps(self, venue: Venue) -> list:
        rng = self.rng
        loop = self.loop
        town = venue.town
        recorders = list({c.recorder.pk: c.recorder for c in venue.clues}.values())
        serving = loop.deputies[town.pk]
        if venue.station is not None:
            pool = [d for d in serving if d.station_id == venue.station.pk]
        else:
            first = recorders[0]
            if first.town_id == town.pk and first.group_id and rng.random() < 0.7:
                venue.group = DeputyGroup.objects.get(pk=first.group_id)
                pool = [d for d in serving if d.group_id == first.group_id]
            else:
                pool = serving
        known = {d.pk for d in recorders}
        extra = [d for d in pool if d.pk not in known]
        venue.invitees = recorders + rng.sample(extra, min(len(extra), rng.randint(1, 4)))
        hours = {ActivityKind.COURTYARD: 2, ActivityKind.VISIT: 3}.get(venue.kind, 3)
        venue.ends_at = venue.starts_at + dt.timedelta(hours=hours, minutes=rng.choice((0, 30)))
        created = office_moment(rng, venue.starts_at.date() - dt.timedelta(days=rng.randint(2, 5)))
        created = max(created, bj("2026-04-29 09:00"))
        users = loop.deputy_users
        qr = [d for d in venue.invitees if d.pk in users and rng.random() < 0.6]
        steps = [(created, lambda v=venue: self.create(v))]
        for dep in qr:
            moment = venue.starts_at + dt.timedelta(minutes=rng.randint(-25, 8))
            steps.append((moment, lambda v=venue, u=users[dep.pk], m=moment: self.sign_in(v, u, m)))
        ticked = [d for d in venue.invitees if d not in qr]
        entries = attendance_entries(rng, ticked, must=known)
        steps.append((venue.starts_at + dt.timedelta(minutes=12), lambda v=venue, e=entries: self.tick(v, e)))
        if len(venue.clues) > 1 or rng.random() < 0.4:  # not every activity gets its minutes typed up
            steps.append(
                (venue.ends_at + dt.timedelta(minutes=rng.randint(30, 150)), lambda v=venue: self.minutes(v))
            )
        return steps

    def actor(self, venue: Venue) -> User:
        if all(d.town_id == venue.town.pk for d in venue.invitees):
            return self.loop.town_staff[venue.town.pk]
        return self.loop.county_staff

    def name(self, venue: Venue) -> str:
        first = venue.clues[0]
        villages = list(dict.fromkeys(c.village.name for c in venue.clues))
        where = villages[0] + ("等地" if len(villages) > 1 else "")
        if venue.station is not None:
            label = "代表进站接待选民日" if venue.kind == ActivityKind.STATION_DAY else "接待选民日"
            return f"{venue.station.name}{label}"
        if venue.kind == ActivityKind.COURTYARD:
            if first.courtyard is not None:
                return f"{first.courtyard.name.removesuffix('屋场')}屋场会"
            return f"{first.village.name}议事恳谈会"
        organiser = venue.group.name if venue.group else f"{venue.town.name}人大代表"
        return f"{organiser}{self.rng.choice(VISIT_VERBS)}{where}"

    def place(self, venue: Venue) -> str:
        first = venue.clues[0]
        if venue.station is not None:
            return self.rng.choice(RECEPTION_PLACES).format(station=venue.station.name)
        if venue.kind == ActivityKind.COURTYARD and first.courtyard is not None:
            return f"{first.village.name}{first.courtyard.name}"
        return f"{venue.town.name}{first.village.name}"

    def create(self, venue: Venue) -> None:
        venue.obj = services.create_activity(
            actor=self.actor(venue),
            name=self.name(venue)[:120],
            kind=venue.kind,
            campaign=self.loop.campaign,
            town=venue.town if venue.station is None and venue.group is None else None,
            station=venue.station,
            group=venue.group,
            starts_at=venue.starts_at,
            ends_at=venue.ends_at,
            place=self.place(venue),
            invitees=venue.invitees,
        )

    def sign_in(self, venue: Venue, user: User, moment: dt.datetime) -> None:
        services.sign_in_by_qr(venue.obj.qr_token, actor=user, now=moment)

    def tick(self, venue: Venue, entries: list[dict]) -> None:
        if entries:
            services.record_attendance(venue.obj, entries, actor=self.actor(venue))

    def minutes(self, venue: Venue) -> None:
        present = Attendance.objects.filter(activity=venue.obj, status=AttendanceStatus.PRESENT).count()
        titles = "；".join(dict.fromkeys(c.title for c in venue.clues))
        text = (
            f"参加代表{present}名。活动中代表与群众面对面交流，听取意见建议，"
            f"收集问题线索{len(venue.clues)}条：{titles}。已登记入库，按程序分类处置。"
        )
        services.update_activity(venue.obj, actor=self.actor(venue), minutes=text)

    def activity_for(self, spec) -> Activity | None:
        venue = self.venue_of.get(id(spec))
        return venue.obj if venue else None


# --- the rest of the season ---------------------------------------------------------------


@dataclass
class CampaignSummary:
    """What the campaign side holds, counted from the database afterwards."""

    plans: int
    late_plans: int
    activities: int
    trainings: int
    clue_activities: int
    trained: int
    deputies: int
    receipts: int
    received: int
    articles: int


class Season:
    """Plans, trainings, the handbook, media articles and the activity under way now."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        self.county = campaign.county
        self.rng = random.Random(SEED + 1)  # noqa: S311 — a fixed seed, for demo data
        self.at = _at()
        self.county_staff, self.town_staff = staff_of(self.county)
        self.towns = list(Town.objects.filter(county=self.county).order_by("sort_order", "id"))
        self.serving = defaultdict(list)
        for dep in Deputy.objects.filter(county=self.county, status=DeputyStatus.SERVING).order_by("id"):
            self.serving[dep.town_id].append(dep)
        self.deputy_users = {
            u.deputy_id: u
            for u in User.objects.filter(
                county=self.county, deputy__isnull=False, role_grants__role=Role.DEPUTY
            )
        }
        self.demo_user = User.objects.get(username="deputy-demo")
        self.trainings: list[Activity] = []

    def run(self) -> None:
        self.presidium_chairs()
        self.county_plan()
        self.town_plans()
        self.handbook()
        self.key_training()
        self.town_trainings()
        self.make_up_trainings()
        self.media()
        self.under_way()

    # --- plans ------------------------------------------------------------------------------

    def presidium_chairs(self) -> None:
        """Each town's presidium chair (人大主席) is one of its deputies and works the town's
        desk: a town-staff login bound to that deputy, which is how coverage knows the chairs.
        The logins cannot sign in (no password): the demo publishes only its own."""
        from daibiao.suggestions.demo import TOWN_PINYIN

        with_login = set(User.objects.filter(deputy__isnull=False).values_list("deputy_id", flat=True))
        with self.at(bj("2026-04-28 15:30")):
            for town in self.towns:
                pool = [d for d in self.serving[town.pk] if d.pk not in with_login]
                chair = next((d for d in pool if d.occupation == "乡镇干部"), pool[0])
                create_user(
                    f"chair-{TOWN_PINYIN[town.name]}",
                    actor=None,
                    password=None,
                    roles=[Role.TOWN_STAFF],
                    display_name=f"{town.name}人大主席团主席 · {chair.name}",
                    county=self.county,
                    town=town,
                    deputy=chair,
                )

    def county_plan(self) -> None:
        document = docx_file(
            "关于开展聚力共同缔造·助力基层治理体制机制创新代表行动的实施方案.docx",
            "关于在全县各级人大代表中开展“聚力共同缔造·助力基层治理体制机制创新”代表行动的实施方案",
            [
                "为深入贯彻落实省人大常委会“1+N”工作要求，充分发挥各级人大代表在深化共同缔造、"
                "推进党建引领基层治理体制机制创新中的作用，县人大常委会决定在全县各级人大代表中开展代表行动。",
                "# 一、活动主题",
                "聚力共同缔造·助力基层治理体制机制创新。",
                "# 二、时间安排",
                "2026年4月下旬至12月底，分动员部署、集中行动、督办落实、总结提升四个阶段进行。"
                "各镇（区）人大于5月15日前制定本地活动方案报县人大常委会代表工委。",
                "# 三、主要内容",
                "（一）开展全员培训，实现代表培训全覆盖；（二）进村入户收集问题线索，形成意见建议；"
                "（三）分级分类交办转办，跟踪督办，办成落地；（四）推行“代表+”模式，嵌入基层各类组织；"
                "（五）依托法治诊所、红色屋场参与矛盾纠纷调解。",
                "# 四、工作要求",
                "各镇（区）人大要加强组织领导，做好宣传报道，建立代表履职档案，确保活动取得实效。",
            ],
            authority=COUNTY_AUTHORITY,
            number="南人常发〔2026〕5号",
        )
        with self.at(bj("2026-04-28 10:30")):
            services.update_campaign(
                self.campaign, actor=self.county_staff, town_plans_due_on=PLANS_DUE, documents=[document]
            )

    def town_plans(self) -> None:
        rng = self.rng
        for town in self.towns:
            if town.name == LATE_TOWN:
                moment = bj("2026-05-19 16:05")
            else:
                moment = office_moment(rng, dt.date(2026, 5, rng.randint(6, 15)))
            stations = LiaisonStation.objects.filter(town=town).count()
            summary = (
                f"{town.name}人大主席团结合本地实际，以{stations}个人大代表联络站为主阵地，"
                f"组织辖区{len(self.serving[town.pk])}名各级人大代表分片包村，"
                f"{rng.choice(PLAN_HABITS)}，重点围绕{rng.choice(PLAN_FOCUS)}"
                "收集问题线索，建立台账，按时交办反馈。"
            )
            document = docx_file(
                f"{town.name}代表行动活动方案.docx",
                f"{town.name}“聚力共同缔造·助力基层治理体制机制创新”代表行动活动方案",
                [summary, "各代表小组要明确联系村组，做好活动记录，及时报送问题线索和活动信息。"],
                authority=f"{town.name}人大主席团",
            )
            with self.at(moment):
                services.submit_town_plan(
                    self.campaign, town, actor=self.town_staff[town.pk], summary=summary, documents=[document]
                )

    # --- trainings --------------------------------------------------------------------------

    def training(
        self, *, actor, name, start: dt.datetime, hours: float, place, invitees, at_meeting=False, **org
    ):
        created = office_moment(self.rng, start.date() - dt.timedelta(days=4))
        with self.at(created):
            activity = services.create_activity(
                actor=actor,
                county=self.county,
                name=name,
                kind=ActivityKind.TRAINING,
                at_meeting=at_meeting,
                campaign=self.campaign,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=hours),
                place=place,
                invitees=invitees,
                **org,
            )
        self.trainings.append(activity)
        return activity

    def record(self, activity: Activity, entries: list[dict], actor, *, minutes: str) -> None:
        with self.at(activity.starts_at + dt.timedelta(minutes=15)):
            services.record_attendance(activity, entries, actor=actor)
        with self.at(activity.ends_at + dt.timedelta(hours=1)):
            services.update_activity(activity, actor=actor, minutes=minutes)

    def key_training(self) -> None:
        """First the key people: station heads, group leaders and presidium chairs."""
        heads = Deputy.objects.filter(
            Q(stations_headed__isnull=False)
            | Q(pk__in=DeputyGroup.objects.filter(town__county=self.county).values("leader_id"))
            | Q(user__role_grants__role=Role.TOWN_STAFF),
            county=self.county,
            status=DeputyStatus.SERVING,
        ).distinct()
        heads = list(heads.order_by("id"))
        activity = self.training(
            actor=self.county_staff,
            name="“聚力共同缔造”代表行动骨干培训班",
            start=bj("2026-05-08 08:30"),
            hours=7.5,
            place="县人大常委会机关三楼会议室",
            invitees=heads,
        )
        leave = set(self.rng.sample([d.pk for d in heads], 3))
        entries = [
            {"deputy": d, "status": AttendanceStatus.LEAVE, "leave_reason": self.rng.choice(LEAVE_REASONS)}
            if d.pk in leave
            else {"deputy": d, "status": AttendanceStatus.PRESENT}
            for d in heads
        ]
        self.record(
            activity,
            entries,
            self.county_staff,
            minutes=(
                "县人大常委会副主任作动员讲话，代表工委解读《实施方案》和“1+N”工作要求，"
                "城关镇、九集镇交流联络站建设和法治诊所经验。各联络站站长、代表小组组长参加培训。"
            ),
        )

    def town_trainings(self) -> None:
        """Every town trains all its deputies in May; four do it at a presidium meeting (以会代训)."""
        rng = self.rng
        meeting_towns = {"武安镇", "李庙镇", "东巩镇", "清河管理区"}
        for i, town in enumerate(self.towns):
            day = workdays.next_working_day(dt.date(2026, 5, 18) + dt.timedelta(days=i))
            start = dt.datetime.combine(day, dt.time(8, 30) if i % 2 else dt.time(14, 30), tzinfo=CHINA)
            at_meeting = town.name in meeting_towns
            name = (
                f"{town.name}人大主席团会议暨代表行动培训会（以会代训）"
                if at_meeting
                else f"{town.name}“聚力共同缔造”代表行动全员培训"
            )
            deputies = self.serving[town.pk]
            staff = self.town_staff[town.pk]
            activity = self.training(
                actor=staff,
                name=name,
                start=start,
                hours=3,
                place=f"{town.name}人民政府三楼会议室",
                invitees=deputies,
                at_meeting=at_meeting,
                town=town,
            )
            must = {self.demo_user.deputy_id}
            entries = attendance_entries(rng, deputies, must=must, present=0.9, leave=0.07)
            self.record(
                activity,
                entries,
                staff,
                minutes=(
                    f"传达县人大常委会代表行动骨干培训班精神，学习《资料汇编》，部署{town.name}代表行动。"
                    "请假、缺席代表安排补训。"
                ),
            )

    def make_up_trainings(self) -> None:
        """Those on leave or absent are trained again in June, each town its own."""
        from .coverage import trained_deputies

        for town in self.towns:
            trained = set(trained_deputies(self.campaign).values_list("deputy_id", flat=True))
            missing = [d for d in self.serving[town.pk] if d.pk not in trained]
            if not missing:
                continue
            staff = self.town_staff[town.pk]
            day = workdays.next_working_day(dt.date(2026, 6, 9) + dt.timedelta(days=self.towns.index(town)))
            activity = self.training(
                actor=staff,
                name=f"{town.name}代表行动补训会",
                start=dt.datetime.combine(day, dt.time(15, 0), tzinfo=CHINA),
                hours=2,
                place=f"{town.name}人大代表联络站",
                invitees=missing,
                town=town,
            )
            self.record(
                activity,
                [{"deputy": d, "status": AttendanceStatus.PRESENT} for d in missing],
                staff,
                minutes=f"为前期请假、缺席的{len(missing)}名代表集中补训，至此本镇代表培训实现全覆盖。",
            )

    # --- the handbook -----------------------------------------------------------------------

    def handbook(self) -> None:
        """Sent to all 1,046 deputies on 7 May; each confirms in the app or a town's staff record
        the copies handed out at the trainings."""
        rng = self.rng
        chapters = [
            "# 目录（共86页）",
            "一、省人大常委会关于开展“聚力共同缔造·代表行动”的通知及“1+N”工作要求（第1页）",
            "二、南漳县代表行动实施方案（第9页）",
            "三、人大代表法及代表履职相关规定选编（第17页）",
            "四、代表建议、批评和意见办理工作办法（第38页）",
            "五、人大代表联络站工作规则（第52页）",
            "六、代表履职典型案例（第61页）",
            "七、问题线索收集表、代表活动登记表等表样（第79页）",
        ]
        document = docx_file(f"{HANDBOOK_TITLE}.docx", HANDBOOK_TITLE, chapters, authority=COUNTY_AUTHORITY)
        with self.at(bj("2026-05-06 15:10")):
            material = services.create_material(
                actor=self.county_staff,
                title=HANDBOOK_TITLE,
                county=self.county,
                campaign=self.campaign,
                description=f"共{HANDBOOK_PAGES}页，发放全县各级人大代表，作为代表行动学习培训用书。",
                files=[document],
            )
        everyone = list(Deputy.objects.filter(county=self.county).order_by("id"))
        with self.at(bj("2026-05-07 09:30")):
            services.send_material(material, everyone, actor=self.county_staff)
        self.material = material
        confirming = sorted(self.deputy_users.items())
        for n, (_pk, user) in enumerate(confirming):
            moment = bj("2026-05-07 10:00") + dt.timedelta(hours=rng.randint(0, 24 * 9), minutes=n)
            with self.at(moment):
                services.confirm_receipt(material, actor=user)
        confirmed = {pk for pk, _u in confirming}
        by_town = defaultdict(list)
        for dep in everyone:
            if dep.pk not in confirmed:
                by_town[dep.town_id].append(dep)
        for i, town in enumerate(self.towns):
            batch = by_town[town.pk]
            cut = len(batch) * 2 // 3
            for part, day in ((batch[:cut], 8 + i % 5), (batch[cut:], 18 + i % 5)):
                if part:
                    with self.at(office_moment(rng, dt.date(2026, 5, day))):
                        services.record_receipt(material, part, actor=self.town_staff[town.pk])

    # --- media --------------------------------------------------------------------------------

    def media(self) -> None:
        """56 articles about the campaign, central to county level, from May to November."""
        rng = self.rng
        activities = list(
            Activity.objects.filter(campaign=self.campaign)
            .exclude(kind=ActivityKind.TRAINING)
            .order_by("starts_at")
        )
        by_town = defaultdict(list)
        for a in activities:
            by_town[a.town_id].append(a)
        present = defaultdict(list)
        for att in Attendance.objects.filter(
            activity__campaign=self.campaign, status=AttendanceStatus.PRESENT
        ).select_related("deputy"):
            present[att.activity_id].append(att.deputy)
        town_names = {t.pk: t.name for t in self.towns}
        plan = MEDIA_PLAN
        used: set[str] = set()
        rail = Activity.objects.filter(clues__title__contains="防护栏", town__name="城关镇").first()
        for n, (level, outlet, slug, template) in enumerate(plan):
            # An article about one town, one story or the trainings covers what it names.
            named = [t for t in self.towns if t.name in template]
            if "护栏" in template and rail is not None:
                act = rail
            elif named:
                act = rng.choice(by_town[named[0].pk] or activities)
            elif "全覆盖" in template:
                act = max(self.trainings, key=lambda t: t.starts_at)  # after the last make-up
            elif "方案" in template:
                act = self.trainings[1]  # the towns' plans are all in by the first town's training
            elif "培训" in template:
                act = rng.choice(self.trainings)
            elif any(word in template for word in ("印发", "部署", "开展“")):
                act = self.trainings[0]  # the launch: the key people's training
            else:
                act = rng.choice(activities)
            town_id = act.town_id or rng.choice(self.towns).pk
            people = present[act.pk] or [None]
            dep = rng.choice(people)
            day = timezone.localtime(act.ends_at, CHINA).date() + dt.timedelta(days=rng.randint(1, 6))
            day = min(day, dt.date(2026, 11, 27))
            title = template.format(
                town=town_names[town_id],
                dep=dep.name if dep else "人大",
                place=act.place or town_names[town_id],
            )
            if title in used:
                title = f"{title}（{n + 1}）"
            used.add(title)
            moment = dt.datetime.combine(day, dt.time(16, 0), tzinfo=CHINA)
            with self.at(moment):
                services.save_media_article(
                    actor=self.county_staff,
                    title=title[:200],
                    outlet=outlet,
                    level=level,
                    published_on=day,
                    url=f"https://{slug}.example.com/2026/{day:%m%d}/{1000 + n * 37}.html",
                    deputies=[dep] if dep else [],
                    activities=list(
                        dict.fromkeys(
                            [
                                act,
                                *[t for t in self.trainings if t.town_id == town_id and t.starts_at < moment][
                                    :1
                                ],
                            ]
                        )
                    ),
                )

    # --- now ----------------------------------------------------------------------------------

    def under_way(self) -> None:
        """An activity under way right now, and one next week, both waiting for ``deputy-demo``
        to sign in (the QR code works from two hours before the start)."""
        demo = self.demo_user.deputy
        staff = self.town_staff[demo.town_id]
        now = round_down(timezone.now())
        others = [
            d for d in self.serving[demo.town_id] if d.station_id == demo.station_id and d.pk != demo.pk
        ]
        invitees = [demo, *self.rng.sample(others, min(4, len(others)))]
        station = LiaisonStation.objects.get(pk=demo.station_id)
        services.create_activity(
            actor=staff,
            name=f"{station.name}代表进站接待选民日",
            kind=ActivityKind.STATION_DAY,
            campaign=self.campaign,
            station=station,
            starts_at=now - dt.timedelta(minutes=30),
            ends_at=now + dt.timedelta(hours=4),
            place=f"{station.name}接待室",
            invitees=invitees,
        )
        services.create_activity(
            actor=staff,
            name=f"{demo.town}代表建议办理“回头看”座谈会",
            kind=ActivityKind.LOOK_BACK,
            campaign=self.campaign,
            town=demo.town,
            starts_at=now + dt.timedelta(days=7),
            ends_at=now + dt.timedelta(days=7, hours=2),
            place=f"{demo.town}人民政府三楼会议室",
            invitees=invitees,
        )


# (level, outlet, slug for the example link, title with {town}, {dep}, {place})
MEDIA_PLAN = (
    (MediaLevel.CENTRAL, "人民网", "people", "湖北南漳：千名人大代表进村入户“聚力共同缔造”"),
    (MediaLevel.CENTRAL, "中国人大网", "npc", "南漳县人大推动代表建议“件件有着落、事事有回音”"),
    (MediaLevel.CENTRAL, "新华网", "xinhua", "湖北南漳：“红色屋场”里议出基层治理新路子"),
    (MediaLevel.CENTRAL, "人民网", "people", "一根护栏六天装好：南漳代表建议办理跑出加速度"),
    (MediaLevel.PROVINCE, "湖北日报", "hbrb", "南漳开展“聚力共同缔造·助力基层治理体制机制创新”代表行动"),
    (MediaLevel.PROVINCE, "湖北日报", "hbrb", "{town}：人大代表走进{place}听民声"),
    (MediaLevel.PROVINCE, "湖北人大网", "hbrd", "南漳县实现人大代表培训全覆盖"),
    (MediaLevel.PROVINCE, "湖北人大网", "hbrd", "南漳：1046名代表人手一本“资料汇编”"),
    (MediaLevel.PROVINCE, "湖北人大网", "hbrd", "{town}人大代表联络站：家门口的“民意直通车”"),
    (MediaLevel.PROVINCE, "楚天都市报", "ctdsb", "{dep}代表：群众的小事就是我的大事"),
    (MediaLevel.PROVINCE, "湖北日报", "hbrb", "板桥镇推行“代表+”模式 人大代表嵌入基层组织"),
    (MediaLevel.PROVINCE, "湖北人大网", "hbrd", "九集镇法治诊所：人大代表当起“和事佬”"),
    (MediaLevel.PROVINCE, "荆楚网", "cnhubei", "南漳：代表行动让民生实事落地见效"),
    (MediaLevel.PROVINCE, "湖北人大网", "hbrd", "{town}：代表小组“回头看”确保建议办成落地"),
    (MediaLevel.CITY, "襄阳日报", "xyrb", "南漳县人大常委会部署开展代表行动"),
    (MediaLevel.CITY, "襄阳日报", "xyrb", "{town}人大代表进村入户收集问题线索"),
    (MediaLevel.CITY, "襄阳日报", "xyrb", "{dep}代表：把群众的急难愁盼写进建议"),
    (MediaLevel.CITY, "襄阳广播电视台", "xytv", "{town}：屋场会上话发展 代表履职解民忧"),
    (MediaLevel.CITY, "襄阳人大网", "xyrd", "南漳县各镇代表行动方案全部报送到位"),
    (MediaLevel.CITY, "襄阳人大网", "xyrd", "{town}召开代表行动培训会"),
    (MediaLevel.CITY, "襄阳人大网", "xyrd", "{place}：代表接待选民日收集意见建议"),
    (MediaLevel.CITY, "襄阳晚报", "xywb", "{dep}代表推动解决{town}群众出行难题"),
    (MediaLevel.CITY, "襄阳日报", "xyrb", "南漳：代表建议办理实行“红黄绿”三色督办"),
    (MediaLevel.CITY, "襄阳广播电视台", "xytv", "{town}人大代表助力产业发展"),
    (MediaLevel.CITY, "襄阳人大网", "xyrd", "{town}：代表联络站开展集中接待活动"),
    (MediaLevel.CITY, "襄阳日报", "xyrb", "南漳县人大常委会领导督办重点代表建议"),
    (MediaLevel.CITY, "襄阳人大网", "xyrd", "{dep}代表：扎根基层的“民情联络员”"),
    (MediaLevel.CITY, "襄阳晚报", "xywb", "{town}：人大代表调处矛盾纠纷促和谐"),
    (MediaLevel.CITY, "襄阳人大网", "xyrd", "{town}人大主席团开展代表建议办理“回头看”"),
    (MediaLevel.COUNTY, "南漳新闻网", "nzxw", "县人大常委会印发代表行动实施方案"),
    (MediaLevel.COUNTY, "南漳新闻网", "nzxw", "{town}人大代表走访{place}"),
    (MediaLevel.COUNTY, "南漳新闻网", "nzxw", "{dep}代表：倾听民声办实事"),
    (MediaLevel.COUNTY, "南漳县融媒体中心", "nzrm", "{town}代表小组进村入户收集民意"),
    (MediaLevel.COUNTY, "南漳县融媒体中心", "nzrm", "{place}：议事恳谈会上解难题"),
    (MediaLevel.COUNTY, "南漳人大微信公众号", "nzrd", "代表行动进行时｜{town}"),
    (MediaLevel.COUNTY, "南漳人大微信公众号", "nzrd", "代表风采｜{dep}"),
    (MediaLevel.COUNTY, "南漳新闻网", "nzxw", "{town}召开代表行动推进会"),
    (MediaLevel.COUNTY, "南漳县融媒体中心", "nzrm", "{town}人大代表联络站迎来接待日"),
    (MediaLevel.COUNTY, "南漳新闻网", "nzxw", "全县代表行动培训实现全覆盖"),
    (MediaLevel.COUNTY, "南漳人大微信公众号", "nzrd", "代表建议办理｜{town}群众盼的事办成了"),
    (MediaLevel.COUNTY, "南漳新闻网", "nzxw", "{dep}代表为{town}村民架起“连心桥”"),
    (MediaLevel.COUNTY, "南漳县融媒体中心", "nzrm", "{town}：屋场议事议出和谐新风"),
    (MediaLevel.COUNTY, "南漳人大微信公众号", "nzrd", "代表行动进行时｜{place}"),
    (MediaLevel.COUNTY, "南漳新闻网", "nzxw", "县人大常委会开展代表建议办理专项督办"),
    (MediaLevel.COUNTY, "南漳县融媒体中心", "nzrm", "{town}人大代表进站履职常态化"),
    (MediaLevel.COUNTY, "南漳人大微信公众号", "nzrd", "代表风采｜{dep}：履职为民显担当"),
    (MediaLevel.COUNTY, "南漳新闻网", "nzxw", "{town}代表行动见实效"),
    (MediaLevel.COUNTY, "南漳县融媒体中心", "nzrm", "{place}群众点赞人大代表"),
    (MediaLevel.COUNTY, "南漳人大微信公众号", "nzrd", "代表行动进行时｜{town}代表小组在行动"),
    (MediaLevel.COUNTY, "南漳新闻网", "nzxw", "{dep}代表：小建议解决大问题"),
    (MediaLevel.COUNTY, "南漳县融媒体中心", "nzrm", "{town}：代表建议推动人居环境改善"),
    (MediaLevel.COUNTY, "南漳人大微信公众号", "nzrd", "代表建议办理｜{place}的新变化"),
    (MediaLevel.COUNTY, "南漳新闻网", "nzxw", "{town}人大代表助力秋收秋种"),
    (MediaLevel.COUNTY, "南漳县融媒体中心", "nzrm", "{town}：代表行动“回头看”群众满意度高"),
    (MediaLevel.COUNTY, "南漳人大微信公众号", "nzrd", "代表风采｜{dep}的履职日记"),
    (MediaLevel.COUNTY, "南漳新闻网", "nzxw", "南漳县代表行动阶段性总结：线索变建议 建议成实事"),
)


def load_campaign(campaign: Campaign) -> CampaignSummary:
    """The rest of the campaign season (``Season``), after the loop has been replayed."""
    Season(campaign).run()
    return summarise_campaign(campaign)


def summarise_campaign(campaign: Campaign) -> CampaignSummary:
    from .coverage import training_coverage

    _rows, county = training_coverage(campaign)
    figure = county.figures["deputies"]
    activities = Activity.objects.filter(campaign=campaign)
    receipts = MaterialReceipt.objects.filter(material__in=Material.objects.filter(campaign=campaign))
    plans = campaign.town_plan_table(Town.objects.filter(county=campaign.county))
    return CampaignSummary(
        plans=sum(1 for t in plans if t.plan_id),
        late_plans=sum(1 for t in plans if t.plan_status == "late"),
        activities=activities.count(),
        trainings=activities.filter(kind=ActivityKind.TRAINING).count(),
        clue_activities=activities.filter(clues__isnull=False).distinct().count(),
        trained=figure.trained,
        deputies=figure.total,
        receipts=receipts.count(),
        received=receipts.filter(status="received").count(),
        articles=MediaArticle.objects.filter(county=campaign.county).count(),
    )


@dataclass
class SeasonSummary:
    """The campaign side, the "代表+" organisations, the law clinics and the leading group's
    supervision, as loaded."""

    campaign: CampaignSummary
    organizations: object
    mediation: object
    supervision: object
    seconds: float


def load_season() -> SeasonSummary:
    """After ``suggestions.demo.load_loop``: the campaign's plans, trainings, handbook and
    media, 板桥镇's organisations, 九集镇's law clinics and the leading group's supervision, in
    one transaction."""
    from django.conf import settings
    from django.db import transaction
    from django.utils.translation import gettext as _

    from daibiao.core import audit
    from daibiao.mediation.demo import load_mediation
    from daibiao.registry.demo import COUNTY_NAME, DemoError
    from daibiao.registry.demo_organizations import load_organizations
    from daibiao.suggestions.demo import THEME
    from daibiao.supervision.demo import load_supervision

    started = time.perf_counter()
    if not settings.DEMO_MODE:
        raise DemoError(_("The demo can only be loaded when DEMO_MODE is on (DAIBIAO_DEMO=1)."))
    campaign = Campaign.objects.filter(county__name=COUNTY_NAME, theme=THEME).select_related("county").first()
    if campaign is None:
        raise DemoError(_("Load the demo county and its campaign first."))
    county = campaign.county
    with transaction.atomic(), audit.acting_as(None):
        _county_staff, town_staff = staff_of(county)
        towns = {t.name: t.pk for t in Town.objects.filter(county=county)}
        at = _at()
        campaign_summary = load_campaign(campaign)
        organizations = load_organizations(county, actor=town_staff[towns["板桥镇"]], at=at)
        mediation = load_mediation(county, actor=town_staff[towns["九集镇"]], at=at)
        supervision = load_supervision(campaign, at=at)
    return SeasonSummary(
        campaign=campaign_summary,
        organizations=organizations,
        mediation=mediation,
        supervision=supervision,
        seconds=time.perf_counter() - started,
    )
