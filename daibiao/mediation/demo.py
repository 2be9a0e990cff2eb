"""The demo's law clinics (法治诊所): four in 九集镇's villages, where 13 deputies mediate, and
the 200-odd disputes brought to them during the campaign, as the report counts them.

Entered by the town's presidium through the services (``save_clinic``, ``open_case``,
``record_outcome`` with the signed agreement for some), each on its day under the loop's fake
clock. Most disputes end resolved, some not resolved or referred, and the latest few are still
being mediated. Parties, phone numbers (on the 170 virtual-operator prefix, so that none is a
real person's) and stories are invented; a fixed seed makes every load the same."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from daibiao.core import workdays
from daibiao.registry.choices import DeputyStatus
from daibiao.registry.demo import FEMALE_CHARS, MALE_CHARS, SURNAMES
from daibiao.registry.models import Deputy, Town, Village

from .choices import DisputeType, Outcome
from .models import LawClinic, MediationCase
from .services import open_case, record_outcome, save_clinic

SEED = 20260506
CHINA = workdays.CHINA_TZ
TOWN = "九集镇"
# The clinics' villages and how many deputies mediate in each: 13 deputies from 4 villages.
CLINICS = (("八泉村", 4), ("良种场村", 3), ("彭家营村", 3), ("方家庙村", 3))
CASES = 216
FIRST_DAY, LAST_DAY = dt.date(2026, 5, 11), dt.date(2026, 11, 26)

TYPES = (
    (DisputeType.NEIGHBOUR, 30),
    (DisputeType.LAND, 25),
    (DisputeType.FAMILY, 18),
    (DisputeType.LABOUR, 11),
    (DisputeType.CONTRACT, 11),
    (DisputeType.OTHER, 5),
)
STORIES = {
    DisputeType.NEIGHBOUR: (
        "{a}与邻居{b}因房前屋后排水沟走向发生争执，雨天积水漫入{a}家院坝。",
        "{b}家新建围墙占用两家共用通道约半米，{a}认为影响农用车通行。",
        "{b}家散养的鸡鸭多次啄食{a}家菜园，双方多次口角。",
        "{a}与{b}因门前堆放柴草、建材引发矛盾，互不相让。",
        "{b}家屋后竹林根系伸入{a}家宅基地，{a}要求清理遭拒。",
    ),
    DisputeType.LAND: (
        "{a}与{b}对承包地界址存在争议，界桩在平整土地时被移动。",
        "{a}认为{b}在山林确权时多划了其家约两亩林地。",
        "{a}与{b}因宅基地边界及滴水距离产生纠纷。",
        "{b}流转{a}家承包地种植茶叶，到期后对地上附着物补偿意见不一。",
        "{a}与{b}因灌溉用水先后顺序及堰塘放水发生争执。",
    ),
    DisputeType.FAMILY: (
        "{a}年逾七旬，与子女{b}等人就赡养费用分担和轮流照料产生矛盾。",
        "{a}与{b}兄弟之间因父母去世后老屋继承问题发生纠纷。",
        "{a}与配偶{b}因家庭琐事长期不和，一方提出离婚，涉及子女抚养。",
        "{a}要求儿子{b}归还其建房时借用的养老积蓄。",
    ),
    DisputeType.LABOUR: (
        "{a}等人在{b}承包的建房工地务工，完工后尚欠工资约{m}元。",
        "{a}在{b}经营的香菇基地务工时手部受伤，就医疗费承担协商不成。",
        "{a}为{b}的茶园采茶，双方对计件工钱结算有分歧。",
    ),
    DisputeType.CONTRACT: (
        "{a}向{b}出售生猪，约定货款{m}元至今未付清。",
        "{a}借给{b}{m}元用于购买农机，约定期满未归还。",
        "{a}请{b}装修房屋，对工程质量和尾款{m}元存在争议。",
        "{a}与{b}合伙经营的农家乐散伙，对共同财产分割意见不一。",
    ),
    DisputeType.OTHER: (
        "{a}的车辆与{b}的三轮车在村道会车时发生剐蹭，对赔偿数额有分歧。",
        "{a}反映{b}家养殖场气味和污水影响其生活。",
        "{a}家的狗咬伤{b}，双方就医疗费用协商未果。",
    ),
}
RESOLVED_NOTES = (
    "经调解，双方达成一致，当场签订调解协议，已履行完毕。",
    "经代表和村干部现场勘查、释法说理，双方各让一步，达成口头协议。",
    "调解员多次上门做工作，双方自愿达成协议，约定{d}日内履行。",
    "经调解，{b}当场赔礼道歉并赔偿损失，{a}表示满意。",
    "邀请村里老党员、乡贤共同参与调解，双方握手言和。",
)
NOT_RESOLVED_NOTES = (
    "经多次调解，双方分歧较大未能达成协议，已告知当事人可通过诉讼途径解决。",
    "一方拒绝继续调解，已引导当事人申请仲裁或向人民法院起诉。",
)
REFERRED_NOTES = (
    "涉及山林权属确认，已移交镇自然资源所处理。",
    "涉及工伤认定，已移交县人力资源和社会保障局劳动监察大队。",
    "事实争议较大，已移交镇司法所进一步调解。",
    "涉嫌违法，已移交派出所依法处理。",
)


@dataclass
class MediationSummary:
    clinics: int
    mediators: int
    cases: int
    outcomes: dict[str, int]


def person(rng: random.Random) -> str:
    chars = FEMALE_CHARS if rng.random() < 0.4 else MALE_CHARS
    given = rng.choice(chars) if rng.random() < 0.3 else "".join(rng.sample(chars, 2))
    return rng.choice(SURNAMES) + given


def phone(rng: random.Random) -> str:
    return f"170{rng.randrange(10**8):08d}"


def moment(rng: random.Random, day: dt.date) -> dt.datetime:
    minute = rng.randint(8 * 60 + 30, 17 * 60 + 30)
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=CHINA)


def agreement(case: MediationCase, note: str):
    from daibiao.activities.demo import docx_file

    return docx_file(
        f"调解协议书{case.case_number}.docx",
        "人民调解协议书",
        [
            f"编号：{case.clinic.name}〔{case.year}〕{case.number:03d}号",
            f"当事人：{case.party_a_name}；{case.party_b_name}",
            f"纠纷简要情况：{case.summary}",
            f"经调解，自愿达成如下协议：{note}",
            "本协议一式三份，当事人各执一份，法治诊所留存一份。",
        ],
    )


def load_mediation(county, *, actor, at) -> MediationSummary:
    """The clinics, mediators and cases of 九集镇, entered by ``actor`` (its presidium) with
    ``at`` (the loop's fake clock)."""
    rng = random.Random(SEED)  # noqa: S311 — a fixed seed, for demo data
    town = Town.objects.get(county=county, name=TOWN)
    deputies = list(Deputy.objects.filter(town=town, status=DeputyStatus.SERVING).order_by("id"))
    chosen = iter(rng.sample(deputies, sum(n for _v, n in CLINICS)))
    clinics = []
    with at(dt.datetime(2026, 5, 6, 10, 0, tzinfo=CHINA)):
        for village_name, n in CLINICS:
            village = Village.objects.get(town=town, name=village_name)
            clinic = LawClinic(
                town=town,
                village=village,
                name=f"{village_name}法治诊所",
                contact_person=person(rng),
                contact_phone=phone(rng),
                address=f"南漳县九集镇{village_name}党群服务中心",
            )
            mediators = [next(chosen) for _ in range(n)]
            clinics.append((save_clinic(clinic, actor=actor, mediators=mediators), mediators))
    span = (LAST_DAY - FIRST_DAY).days
    days = sorted(FIRST_DAY + dt.timedelta(days=rng.randint(0, span)) for _ in range(CASES))
    for day in days:
        clinic, mediators = rng.choices(clinics, weights=[4, 3, 3, 3])[0]
        kind = rng.choices([t for t, _w in TYPES], weights=[w for _t, w in TYPES])[0]
        a, b = person(rng), person(rng)
        summary = rng.choice(STORIES[kind]).format(a=a, b=b, m=rng.randrange(20, 400) * 100)
        opened = moment(rng, day)
        with at(opened):
            case = open_case(
                actor=actor,
                clinic=clinic,
                dispute_type=kind,
                party_a_name=a,
                party_a_phone=phone(rng),
                party_b_name=b,
                party_b_phone=phone(rng) if rng.random() < 0.8 else "",
                summary=summary,
                received_on=day,
                mediators=rng.sample(mediators, rng.choice((1, 1, 2))),
            )
        if day >= LAST_DAY - dt.timedelta(days=10) and rng.random() < 0.5:
            continue  # still being mediated
        roll = rng.random()
        if roll < 0.86:
            outcome, note = Outcome.RESOLVED, rng.choice(RESOLVED_NOTES)
        elif roll < 0.93:
            outcome, note = Outcome.NOT_RESOLVED, rng.choice(NOT_RESOLVED_NOTES)
        else:
            outcome, note = Outcome.REFERRED, rng.choice(REFERRED_NOTES)
        note = note.format(a=a, b=b, d=rng.choice((3, 5, 7, 10)))
        closed = min(workdays.next_working_day(day + dt.timedelta(days=rng.randint(0, 12))), LAST_DAY)
        files = [agreement(case, note)] if outcome == Outcome.RESOLVED and rng.random() < 0.12 else []
        closing = (
            opened + dt.timedelta(minutes=rng.randint(60, 180)) if closed == day else moment(rng, closed)
        )
        with at(closing):
            record_outcome(case, actor=actor, outcome=outcome, closed_on=closed, note=note, files=files)
    cases = MediationCase.objects.filter(clinic__town=town)
    return MediationSummary(
        clinics=len(clinics),
        mediators=Deputy.objects.filter(law_clinics__town=town).distinct().count(),
        cases=cases.count(),
        outcomes={o: cases.filter(outcome=o).count() for o in Outcome.values},
    )
