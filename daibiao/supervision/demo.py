"""The supervision side of the demo: the campaign's leading group (领导小组) with its area
assignments (分片包干), the members' supervision visits to their towns from May to November
with the follow-up items they left, the county's monthly report rounds and the towns' reports,
and two of the standing committee's oversight items (监督项目) drawn from the deputies'
suggestions.

All of it through ``supervision.services``, each step at its moment under the loop's fake
clock (``suggestions.demo.at``), so that visits, closings and hand-ins are dated as if entered
on the day:

- the group is formed on 29 April, the day after the plan was issued: the demo's ``leader``
  (陈志强) heads it and answers for 城关镇 and 武安镇; two vice-chairs and two committee heads
  (new logins that cannot sign in) answer for the other ten towns, every town for exactly one;
- each member visits each of his or her towns three times (at the start, in the summer, and
  in the autumn's look-back), with findings drawn from what the town had done by that day and
  one to three follow-up items; the town's staff close most of them, a few late, and some of
  the autumn's are still open or overdue on 27 November;
- rounds are due on the 25th (or the working day before) of each month from June to November;
  most towns hand in on time, some late, and two have not reported for November;
- a road-safety item (October) and a drinking-water item (November) cite the suggestions on
  those subjects and name the units that handle them.

Deterministic: its own seeded random generator.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from daibiao.accounts.choices import Role
from daibiao.accounts.models import User
from daibiao.accounts.services import create_user
from daibiao.activities.demo import bj, office_moment, staff_of
from daibiao.activities.models import Activity, Campaign
from daibiao.core import workdays
from daibiao.registry.models import Deputy, Town, Unit
from daibiao.suggestions.choices import CONCLUDED_STATES, Category, State
from daibiao.suggestions.demo import STORY_END
from daibiao.suggestions.models import Clue, Suggestion

from . import services
from .choices import Committee, GroupRole
from .models import (
    FollowUpItem,
    LeadingGroupMember,
    OversightItem,
    ProgressReport,
    ReportRound,
    SupervisionVisit,
)

SEED = 20260429
CHINA = workdays.CHINA_TZ
# The day the demo's story stands at: open and overdue are counted as of then, whatever day
# the demo is loaded on.
STORY_DAY = STORY_END.date()

# username (the demo's ``leader`` exists already), display name, place, title, towns.
GROUP = (
    ("leader", "", GroupRole.HEAD, "县人大常委会主任", ("城关镇", "武安镇")),
    (
        "leader-wang",
        "代表行动领导小组 · 王建华",
        GroupRole.DEPUTY_HEAD,
        "县人大常委会副主任",
        ("九集镇", "李庙镇", "长坪镇"),
    ),
    (
        "leader-zhang",
        "代表行动领导小组 · 张丽萍",
        GroupRole.DEPUTY_HEAD,
        "县人大常委会副主任",
        ("肖堰镇", "东巩镇", "薛坪镇"),
    ),
    (
        "leader-li",
        "代表行动领导小组 · 李德明",
        GroupRole.MEMBER,
        "县人大常委会代表工委主任",
        ("板桥镇", "巡检镇"),
    ),
    (
        "leader-zhao",
        "代表行动领导小组 · 赵红",
        GroupRole.MEMBER,
        "县人大常委会办公室主任",
        ("清河管理区", "南漳经济开发区"),
    ),
)

# Three rounds of visits: the start, the summer's handling, the autumn's look-back.
WAVES = (
    (dt.date(2026, 6, 1), dt.date(2026, 6, 24)),
    (dt.date(2026, 8, 3), dt.date(2026, 9, 18)),
    (dt.date(2026, 10, 12), dt.date(2026, 11, 20)),
)
FINDINGS = (
    (
        "{member}到{town}督导代表行动启动情况。{town}人大主席团已制定活动方案，召开动员培训会，"
        "全镇{deputies}名代表分片包村。截至{date}，组织代表活动{acts}场，收集问题线索{clues}条。"
        "存在问题：{issue}。"
    ),
    (
        "{member}到{town}督导集中行动和建议办理情况。截至{date}，全镇累计开展代表活动{acts}场，"
        "收集问题线索{clues}条，形成意见建议{made}件，已办结{done}件。存在问题：{issue}。"
    ),
    (
        "{member}到{town}督导建议办理落实和“回头看”。截至{date}，全镇形成意见建议{made}件，"
        "已办结{done}件，其中办成落地{implemented}件。存在问题：{issue}。"
    ),
)
ISSUES = (
    (
        "部分代表小组活动记录不规范，签到表、照片等资料不全",
        "个别村代表联系群众公示牌尚未更新",
        "问题线索登记台账要素不全，缺少反映人联系方式",
        "联络站接待选民日制度执行不够经常",
        "少数代表对线索录入平台操作不熟练",
    ),
    (
        "部分建议办理进度滞后，承办单位反馈不及时",
        "线索梳理汇总不够及时，个别线索超过一个月未处置",
        "屋场会开展不均衡，部分村次数偏少",
        "代表履职档案更新不及时",
        "办理结果向反映问题的群众反馈不到位",
    ),
    (
        "个别已办结建议群众满意度不高，需开展“回头看”",
        "部分办成落地事项佐证资料不全",
        "年度总结材料准备滞后",
        "代表向原选区选民述职准备工作尚未启动",
        "个别重点督办件仍未办结",
    ),
)
# Per wave: (what is to be done, who sees to it); the first goes with the first issue, and so on.
FOLLOW_UPS = (
    (
        ("补齐代表小组活动签到表和现场照片，规范活动记录", "{town}人大主席团"),
        ("更新各村代表公示牌，公布代表联系方式", "{town}人大主席团"),
        ("完善问题线索登记台账，补录反映人联系方式", "{town}人大办公室"),
        ("落实联络站每月固定接待选民日制度", "{town}各代表联络站"),
        ("组织代表学习线索录入平台操作", "{town}人大主席团"),
    ),
    (
        ("督促承办单位按期反馈办理进度，每周更新办理台账", "{town}人大主席团"),
        ("对超过一个月未处置的线索逐条梳理，提出处置意见", "{town}人大办公室"),
        ("制定屋场会轮排计划，确保每村至少召开一次", "{town}人大主席团"),
        ("更新代表履职档案，补录近两个月活动", "{town}人大办公室"),
        ("将办理结果向反映问题的群众逐一反馈", "{town}人民政府"),
    ),
    (
        ("对群众不满意的已办结建议开展“回头看”，重新办理", "{town}人民政府"),
        ("补齐办成落地事项的现场照片和验收材料", "{town}人大办公室"),
        ("按时报送代表行动年度总结", "{town}人大主席团"),
        ("制定代表向原选区选民述职工作方案", "{town}人大主席团"),
        ("重点督办件明确完成时限，每周报告进展", "{town}人民政府"),
    ),
)
DONE_NOTES = (
    "已整改到位，相关资料已归档。",
    "已按要求完成，并报县人大常委会代表工委备案。",
    "已完成整改，台账已更新。",
    "已落实，镇人大主席团进行了复核。",
)

REPORT_MONTHS = (6, 7, 8, 9, 10, 11)
LATE_TOWN = "薛坪镇"  # late with its plan, and with two of its reports
LATE_ROUNDS = (7, 10)
MISSING_LAST = ("巡检镇", "南漳经济开发区")  # nothing in for November yet
LATE_LAST = "东巩镇"  # November's report came in two days after the day
HIGHLIGHTS = (
    "各代表小组深入村组开展走访，群众反映的道路、饮水等问题已逐条登记。",
    "联络站坚持每月接待选民日，代表轮流进站接待群众。",
    "召开屋场会、议事恳谈会，代表与群众面对面商议村里的事。",
    "对已交办的建议逐件跟踪，督促承办单位按时答复。",
    "组织代表对已办结建议开展“回头看”，听取群众评价。",
)
NEXT_STEPS = (
    "继续组织代表进村入户，做好线索收集和梳理",
    "加强与承办单位沟通，推动建议按期办结",
    "做好代表履职档案整理，准备年度总结",
    "对重点督办件逐一跟进，确保办成落地",
)

# The oversight items: when, title, committee, subject, which suggestions (category, words in
# the title), at most how many.
OVERSIGHT = (
    (
        bj("2026-10-16 10:00"),
        "农村道路交通安全隐患整治情况专项监督",
        Committee.URBAN,
        "听取和审议县人民政府关于农村道路交通安全隐患整治工作情况的报告；组织部分代表视察临水临崖路段"
        "防护栏安装和村口路口隐患整治情况，跟踪相关代表建议办理落实。",
        Category.SAFETY,
        ("护栏", "交通安全"),
        10,
    ),
    (
        bj("2026-11-18 10:00"),
        "农村饮水安全保障工作专项监督",
        Committee.AGRICULTURE,
        "听取和审议县人民政府关于农村饮水安全保障工作情况的报告；组织代表实地察看集中供水工程、管网延伸"
        "和水质检测情况，督促解决代表建议反映的供水问题。",
        Category.WATER,
        ("供水",),
        8,
    ),
)


@dataclass
class SupervisionSummary:
    """What the supervision side holds, counted from the database afterwards (as of
    ``STORY_DAY``)."""

    members: int
    towns: int  # towns answered for
    visits: int
    follow_ups: int
    done: int
    open: int  # not done, not yet due
    overdue: int  # not done, past due
    rounds: int
    reports: int
    late: int
    missing: int
    oversight_items: int
    cited: int  # suggestions the oversight items cite
    seconds: float


def working_day_before(day: dt.date) -> dt.date:
    while not workdays.is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def moment_on(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment of office hours on ``day`` itself."""
    minute = rng.randint(8 * 60 + 40, 17 * 60 + 20)
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=CHINA)


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, CHINA).date()


class Record:
    """What each town had done by a given day: read once, counted in memory."""

    def __init__(self, campaign: Campaign):
        county = campaign.county
        self.activities = list(
            Activity.objects.filter(campaign=campaign, town__isnull=False).values_list("town_id", "starts_at")
        )
        self.clues = list(Clue.objects.filter(county=county).values_list("town_id", "created_at"))
        self.suggestions = list(
            Suggestion.objects.filter(county=county, town__isnull=False).values_list(
                "town_id", "created_at", "concluded_at", "implemented_at", "state"
            )
        )
        self.deputies = Counter(
            Deputy.objects.filter(county=county, status="serving").values_list("town_id", flat=True)
        )

    @staticmethod
    def _count(rows, town_id, start, end) -> int:
        return sum(1 for t, when, *_rest in rows if t == town_id and when and start <= local_day(when) <= end)

    def as_of(self, town_id: int, day: dt.date, start: dt.date = dt.date(2026, 1, 1)) -> dict:
        made = [s for s in self.suggestions if s[0] == town_id and start <= local_day(s[1]) <= day]
        return {
            "deputies": self.deputies[town_id],
            "acts": self._count(self.activities, town_id, start, day),
            "clues": self._count(self.clues, town_id, start, day),
            "made": len(made),
            "done": sum(
                1
                for s in self.suggestions
                if s[0] == town_id and s[2] and start <= local_day(s[2]) <= day and s[4] in CONCLUDED_STATES
            ),
            "implemented": sum(
                1 for s in self.suggestions if s[0] == town_id and s[3] and start <= local_day(s[3]) <= day
            ),
        }


class Supervision:
    """The leading group, its visits, the report rounds and reports, the oversight items."""

    def __init__(self, campaign: Campaign, at):
        self.campaign = campaign
        self.county = campaign.county
        self.at = at
        self.rng = random.Random(SEED)  # noqa: S311 — a fixed seed, for demo data
        self.county_staff, self.town_staff = staff_of(self.county)
        self.towns = {t.name: t for t in Town.objects.filter(county=self.county)}
        self.record = Record(campaign)

    def run(self) -> None:
        members = self.group()
        for wave in range(len(WAVES)):
            for member, towns in members:
                for town in towns:
                    self.visit(member, town, wave)
        self.reports()
        self.oversight()

    # --- the group ------------------------------------------------------------------------

    def group(self) -> list[tuple[LeadingGroupMember, list[Town]]]:
        from daibiao.registry.demo import DemoError

        answered = Counter(name for *_rest, towns in GROUP for name in towns)
        if set(answered) != set(self.towns) or set(answered.values()) != {1}:
            raise DemoError(f"The leading group must answer for every town once: {answered}")
        existing = {u.username: u for u in User.objects.filter(county=self.county)}
        members = []
        with self.at(bj("2026-04-29 09:00")):
            users = {
                username: existing.get(username)
                or create_user(
                    username,
                    actor=None,
                    password=None,
                    roles=[Role.LEADER],
                    display_name=display_name,
                    county=self.county,
                )
                for username, display_name, *_rest in GROUP
            }
        with self.at(bj("2026-04-29 09:40")):
            for username, _name, role, title, names in GROUP:
                towns = [self.towns[name] for name in names]
                member = services.add_member(
                    self.campaign,
                    users[username],
                    actor=self.county_staff,
                    role=role,
                    title=title,
                    towns=towns,
                )
                members.append((member, towns))
        return members

    # --- visits -----------------------------------------------------------------------------

    def visit(self, member: LeadingGroupMember, town: Town, wave: int) -> None:
        rng = self.rng
        first, last = WAVES[wave]
        day = working_day_before(first + dt.timedelta(days=rng.randint(0, (last - first).days)))
        moment = moment_on(rng, day)
        picks = rng.sample(range(len(ISSUES[wave])), rng.choice((1, 1, 2, 2, 3)))
        figures = self.record.as_of(town.pk, day)
        name = str(member.user).split(" · ")[-1]
        findings = FINDINGS[wave].format(
            member=f"{member.title}{name}",
            town=town.name,
            date=f"{day.month}月{day.day}日",
            issue="；".join(ISSUES[wave][i] for i in picks),
            **figures,
        )
        items = [
            {
                "text": FOLLOW_UPS[wave][i][0],
                "owner": FOLLOW_UPS[wave][i][1].format(town=town.name),
                "due_on": day + dt.timedelta(days=rng.choice((15, 20, 20, 30))),
            }
            for i in picks
        ]
        # The head records his own visits; the deputies' affairs office records the others'.
        actor = member.user if member.role == GroupRole.HEAD else self.county_staff
        # Entered the same day, after the visit.
        with self.at(moment + dt.timedelta(hours=rng.randint(1, 6))):
            visit = services.record_visit(
                member, town, actor=actor, visited_on=day, findings=findings, follow_ups=items
            )
        for item in FollowUpItem.objects.filter(visit=visit).order_by("id"):
            self.close(item, day)

    def close(self, item: FollowUpItem, visited_on: dt.date) -> None:
        """Most items are done by their day, some a little after; of the autumn's, those due
        before the story's day are mostly done, the rest still open."""
        rng = self.rng
        span = (item.due_on - visited_on).days
        roll = rng.random()
        if item.due_on >= STORY_DAY - dt.timedelta(days=3):
            if roll < 0.75:
                return  # still open
            done = visited_on + dt.timedelta(days=rng.randint(3, max(3, (STORY_DAY - visited_on).days - 1)))
        elif item.due_on >= dt.date(2026, 10, 25):
            if roll < 0.45:
                return  # overdue on the story's day
            done = visited_on + dt.timedelta(days=rng.randint(3, span))
        elif roll < 0.85:
            done = visited_on + dt.timedelta(days=rng.randint(3, span))
        else:
            done = item.due_on + dt.timedelta(days=rng.randint(2, 12))  # done, late
        done = min(working_day_before(done), STORY_DAY)
        if done < visited_on:
            done = visited_on
        staff = self.town_staff[item.visit.town_id]
        with self.at(moment_on(rng, done)):
            services.close_follow_up(item, actor=staff, done_on=done, note=rng.choice(DONE_NOTES))

    # --- progress reports ------------------------------------------------------------------

    def reports(self) -> None:
        rng = self.rng
        with self.at(bj("2026-05-20 10:20")):
            rounds = [
                services.create_round(
                    self.campaign,
                    actor=self.county_staff,
                    title=f"2026年{month}月份代表行动进展情况",
                    due_on=working_day_before(dt.date(2026, month, 25)),
                )
                for month in REPORT_MONTHS
            ]
        last = rounds[-1]
        for report_round in rounds:
            month = report_round.due_on.month
            for town in sorted(self.towns.values(), key=lambda t: (t.sort_order, t.pk)):
                if report_round == last and town.name in MISSING_LAST:
                    continue
                late = (
                    (town.name == LATE_TOWN and month in LATE_ROUNDS)
                    or (report_round == last and town.name == LATE_LAST)
                    or (report_round != last and rng.random() < 0.06)
                )
                if late:
                    day = workdays.next_working_day(
                        report_round.due_on + dt.timedelta(days=rng.randint(1, 4))
                    )
                    day = min(day, STORY_DAY)
                else:
                    day = working_day_before(report_round.due_on - dt.timedelta(days=rng.randint(0, 6)))
                month_start = dt.date(2026, month, 1)
                figures = self.record.as_of(town.pk, day, start=month_start)
                text = (
                    f"{town.name}{month}月份代表行动进展情况：本月组织代表开展各类活动{figures['acts']}场，"
                    f"收集问题线索{figures['clues']}条，形成意见建议{figures['made']}件，"
                    f"办结{figures['done']}件。{rng.choice(HIGHLIGHTS)}"
                    f"下月打算：{rng.choice(NEXT_STEPS)}。"
                )
                with self.at(office_moment(rng, day) if not late else moment_on(rng, day)):
                    services.submit_report(report_round, town, actor=self.town_staff[town.pk], text=text)

    # --- oversight items -------------------------------------------------------------------

    def oversight(self) -> None:
        for moment, title, committee, subject, category, words, most in OVERSIGHT:
            wanted = Q()
            for word in words:
                wanted |= Q(title__contains=word)
            cited = list(
                Suggestion.objects.filter(
                    wanted,
                    county=self.county,
                    campaign=self.campaign,
                    category=category,
                    created_at__lt=moment,
                )
                .exclude(state__in=[State.DRAFT, State.WITHDRAWN, State.MERGED])
                .order_by("id")[:most]
            )
            units = Unit.objects.filter(pk__in={s.lead_unit_id for s in cited if s.lead_unit_id})
            with self.at(moment):
                services.propose_oversight_item(
                    cited,
                    title,
                    actor=self.county_staff,
                    year=moment.year,
                    committee=committee,
                    subject=subject,
                    units=list(units),
                )


def summarise_supervision(campaign: Campaign, *, seconds: float = 0.0) -> SupervisionSummary:
    members = LeadingGroupMember.objects.filter(campaign=campaign)
    items = FollowUpItem.objects.filter(visit__campaign=campaign)
    rounds = ReportRound.objects.filter(campaign=campaign)
    reports = ProgressReport.objects.filter(round__campaign=campaign).with_timeliness()
    due = rounds.filter(due_on__lt=STORY_DAY).count()
    oversight = OversightItem.objects.filter(county=campaign.county, year=campaign.starts_on.year)
    return SupervisionSummary(
        members=members.count(),
        towns=Town.objects.filter(leading_group_members__in=members).distinct().count(),
        visits=SupervisionVisit.objects.filter(campaign=campaign).count(),
        follow_ups=items.count(),
        done=items.filter(done_on__isnull=False).count(),
        open=items.filter(done_on__isnull=True, due_on__gte=STORY_DAY).count(),
        overdue=items.overdue(STORY_DAY).count(),
        rounds=rounds.count(),
        reports=reports.count(),
        late=sum(1 for r in reports if r.timeliness == "late"),
        missing=due * Town.objects.filter(county=campaign.county).count()
        - reports.filter(round__due_on__lt=STORY_DAY).count(),
        oversight_items=oversight.count(),
        cited=Suggestion.objects.filter(oversight_items__in=oversight).distinct().count(),
        seconds=seconds,
    )


def load_supervision(campaign: Campaign, *, at) -> SupervisionSummary:
    """The leading group, visits, reports and oversight items of the demo's campaign; called by
    ``activities.demo.load_season`` inside its transaction, as the system actor."""
    started = time.perf_counter()
    Supervision(campaign, at).run()
    return summarise_supervision(campaign, seconds=time.perf_counter() - started)
