"""The year-end evaluation of the demo county (四纳入), after the campaign season is loaded.

Through the services only, each step at its moment under the loop's fake clock
(``suggestions.demo.at``), by the user who would take it:

- in October and November every town holds two meetings where some of its deputies report to
  their constituents (向原选区选民述职): about a third of the town's deputies, most present,
  a few on leave — the deputies' indicator "reported to constituents" counts them;
- on 10 November the county's staff install the default schemes; on 13 November they open
  the year-end survey, 16 to 26 November; about eight in ten of the deputies who dealt with a
  unit answer it on their phones (or, without a login, on a paper form the system types in),
  mostly satisfied — units that replied late or were rated unsatisfied fare worse;
- on 27 November the evaluations of the units, the towns and the deputies are created and
  computed in the morning and published by the county's staff (``county``) in the afternoon.

Deterministic: its own seeded random generator.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from daibiao.accounts.choices import Role
from daibiao.accounts.models import User
from daibiao.activities import services as activities
from daibiao.activities.choices import ActivityKind, AttendanceStatus
from daibiao.activities.demo import LEAVE_REASONS, bj, office_moment, staff_of
from daibiao.activities.models import Campaign
from daibiao.core import audit, workdays
from daibiao.registry.choices import DeputyStatus
from daibiao.registry.demo import DemoError
from daibiao.registry.models import County, Deputy, Town
from daibiao.suggestions.choices import Satisfaction
from daibiao.suggestions.models import Rating, Reply

from . import services
from .choices import TargetKind
from .models import Evaluation, Scheme
from .survey import answer_survey, deputies_to_answer, open_survey, survey_progress, units_to_rate

SEED = 20261127
YEAR = 2026
SURVEY_OPENS, SURVEY_CLOSES = dt.date(2026, 11, 16), dt.date(2026, 11, 26)
SCHEMES_AT = bj("2026-11-10 09:30")
SURVEY_AT = bj("2026-11-13 10:00")
COMPUTED_AT = bj("2026-11-27 09:00")
PUBLISHED_AT = bj("2026-11-27 16:30")
REPORTING_SHARE = 0.34  # of a town's deputies who report to their constituents this year
ANSWERING_SHARE = 0.82  # of the deputies asked who answer the survey
ORDER = (TargetKind.UNIT, TargetKind.TOWN, TargetKind.DEPUTY)


@dataclass
class EvaluationSummary:
    """What the evaluation's load produced, counted from the database afterwards."""

    report_meetings: int
    reported: int  # deputies present at a report to constituents
    asked: int  # deputies asked in the survey
    answered: int
    answers: int
    satisfied_rate: float | None
    scores: dict[str, int]  # target kind → scores in its published evaluation
    seconds: float


def _at():
    from daibiao.suggestions.demo import at

    return at


class YearEnd:
    def __init__(self, county: County):
        self.county = county
        self.rng = random.Random(SEED)  # noqa: S311 — a fixed seed, for demo data
        self.at = _at()
        self.county_staff, self.town_staff = staff_of(county)
        self.campaign = Campaign.objects.filter(county=county).order_by("-starts_on", "-id").first()
        self.towns = list(Town.objects.filter(county=county).order_by("sort_order", "id"))
        self.deputy_users = {
            u.deputy_id: u
            for u in User.objects.filter(county=county, deputy__isnull=False, role_grants__role=Role.DEPUTY)
        }

    def run(self) -> dict[str, Evaluation]:
        self.report_meetings()
        with self.at(SCHEMES_AT):
            schemes = services.install_default_schemes(self.county, actor=self.county_staff)
        self.survey()
        evaluations = {}
        for n, kind in enumerate(ORDER):
            with self.at(COMPUTED_AT + dt.timedelta(minutes=10 * n)):
                evaluation = services.create_evaluation(
                    schemes[kind], actor=self.county_staff, year=YEAR, campaign=self.campaign
                )
                services.compute_evaluation(evaluation, actor=self.county_staff)
            evaluations[kind] = evaluation
        for n, kind in enumerate(ORDER):
            with self.at(PUBLISHED_AT + dt.timedelta(minutes=2 * n)):
                services.publish_evaluation(evaluations[kind], actor=self.county_staff)
        return evaluations

    # --- reports to constituents (述职) ------------------------------------------------------

    def report_meetings(self) -> None:
        serving = defaultdict(list)
        for dep in Deputy.objects.filter(county=self.county, status=DeputyStatus.SERVING).order_by("id"):
            serving[dep.town_id].append(dep)
        for i, town in enumerate(self.towns):
            deputies = serving[town.pk]
            reporting = self.rng.sample(deputies, round(len(deputies) * REPORTING_SHARE))
            half = len(reporting) // 2
            staff = self.town_staff[town.pk]
            for session, (group, day) in enumerate(
                (
                    (reporting[:half], dt.date(2026, 10, 20 + i % 8)),
                    (reporting[half:], dt.date(2026, 11, 3 + i % 9)),
                )
            ):
                if not group:
                    continue
                start = office_moment(self.rng, day, "09:00", "14:30").replace(second=0)
                with self.at(office_moment(self.rng, day - dt.timedelta(days=6))):
                    meeting = activities.create_activity(
                        actor=staff,
                        name=f"{town.name}人大代表向原选区选民述职会（第{session + 1}场）",
                        kind=ActivityKind.REPORT_BACK,
                        campaign=self.campaign,
                        town=town,
                        starts_at=start,
                        ends_at=start + dt.timedelta(hours=2),
                        place=f"{town.name}人大代表联络站",
                        invitees=group,
                    )
                entries = []
                for dep in group:
                    if self.rng.random() < 0.93:
                        entries.append({"deputy": dep, "status": AttendanceStatus.PRESENT})
                    else:
                        reason = self.rng.choice(LEAVE_REASONS)
                        entries.append(
                            {"deputy": dep, "status": AttendanceStatus.LEAVE, "leave_reason": reason}
                        )
                with self.at(start + dt.timedelta(minutes=10)):
                    activities.record_attendance(meeting, entries, actor=staff)
                with self.at(start + dt.timedelta(hours=3)):
                    activities.update_activity(
                        meeting,
                        actor=staff,
                        minutes=(
                            f"{len(group)}名代表逐一向原选区选民报告一年来的履职情况，现场选民代表进行测评，"
                            "对代表履职提出意见和建议。"
                        ),
                    )

    # --- the survey --------------------------------------------------------------------------

    def survey(self) -> None:
        with self.at(SURVEY_AT):
            survey = open_survey(
                self.county,
                actor=self.county_staff,
                year=YEAR,
                opens_on=SURVEY_OPENS,
                closes_on=SURVEY_CLOSES,
            )
        mood = self.moods()
        asked = list(deputies_to_answer(survey).order_by("id"))
        answering = [d for d in asked if self.rng.random() < ANSWERING_SHARE]
        days = (SURVEY_CLOSES - SURVEY_OPENS).days
        for dep in answering:
            day = SURVEY_OPENS + dt.timedelta(days=min(int(self.rng.expovariate(0.35)), days))
            minute = self.rng.randint(7 * 60 + 30, 21 * 60 + 30)
            moment = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=workdays.CHINA_TZ)
            with self.at(moment):
                units = units_to_rate(survey, dep)
                answers = {u.pk: (self.rating(mood[u.pk]), "") for u in units}
                if answers:
                    # Deputies without a login fill in a paper form that the office types in.
                    answer_survey(survey, dep, actor=self.deputy_users.get(dep.pk), answers=answers)

    def moods(self) -> dict[int, float]:
        """How well each unit is regarded, from 0 to 1: its replies' ratings and timeliness,
        with some noise (the survey asks about the whole year, not one reply)."""
        mood = defaultdict(lambda: 0.85)
        rated = defaultdict(list)
        for unit_id, result in Rating.objects.filter(suggestion__county=self.county).values_list(
            "suggestion__lead_unit_id", "result"
        ):
            rated[unit_id].append(result != Satisfaction.UNSATISFIED)
        late = defaultdict(list)
        for unit_id, created, deadline in Reply.objects.filter(suggestion__county=self.county).values_list(
            "unit_id", "created_at", "suggestion__deadline"
        ):
            late[unit_id].append(bool(deadline and created > deadline))
        for unit_id in set(rated) | set(late):
            satisfied = sum(rated[unit_id]) / len(rated[unit_id]) if rated[unit_id] else 0.9
            on_time = 1 - sum(late[unit_id]) / len(late[unit_id]) if late[unit_id] else 0.9
            mood[unit_id] = min(
                0.97, max(0.55, 0.5 * satisfied + 0.4 * on_time + self.rng.uniform(-0.05, 0.12))
            )
        return mood

    def rating(self, mood: float) -> str:
        roll = self.rng.random()
        if roll < mood:
            return Satisfaction.SATISFIED
        if roll < mood + (1 - mood) * 0.7:
            return Satisfaction.BASIC
        return Satisfaction.UNSATISFIED


def load_evaluation(county: County) -> EvaluationSummary:
    """The year-end evaluation of ``county`` (the demo county, after ``load_season``), in one
    transaction. Refuses outside DEMO_MODE or when the county already has schemes."""
    started = time.perf_counter()
    if not settings.DEMO_MODE:
        raise DemoError(_("The demo can only be loaded when DEMO_MODE is on (DAIBIAO_DEMO=1)."))
    with transaction.atomic(), audit.acting_as(None):
        if Scheme.objects.filter(county=county).exists():
            raise DemoError(_("The demo's year-end evaluation is already loaded."))
        evaluations = YearEnd(county).run()
        return summarise_evaluation(county, evaluations, seconds=time.perf_counter() - started)


def summarise_evaluation(county: County, evaluations: dict, *, seconds: float = 0.0) -> EvaluationSummary:
    from daibiao.activities.models import Activity, Attendance

    from .models import SurveyRound

    meetings = Activity.objects.filter(county=county, kind=ActivityKind.REPORT_BACK)
    survey = SurveyRound.objects.get(county=county, year=YEAR)
    progress = survey_progress(survey)
    return EvaluationSummary(
        report_meetings=meetings.count(),
        reported=Attendance.objects.filter(activity__in=meetings, status=AttendanceStatus.PRESENT)
        .values("deputy_id")
        .distinct()
        .count(),
        asked=progress["deputies"],
        answered=progress["answered"],
        answers=progress["answers"],
        satisfied_rate=progress["satisfied_rate"],
        scores={kind: e.scores.count() for kind, e in evaluations.items()},
        seconds=seconds,
    )
