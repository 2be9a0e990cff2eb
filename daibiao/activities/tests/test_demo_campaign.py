"""The campaign side of the demo carries the report's figures, read back from the records:
plans, training coverage, the handbook's receipts, media, law clinics, "代表+" organisations,
courtyard heads, the activities the clues came from, and the demo deputy's duty record."""

import datetime as dt
from collections import Counter
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from daibiao.accounts.models import User
from daibiao.activities import services
from daibiao.activities.choices import (
    ActivityKind,
    AttendanceStatus,
    CoverageGroup,
    MediaLevel,
    PlanStatus,
    ReceiptMethod,
    ReceiptStatus,
)
from daibiao.activities.coverage import training_coverage
from daibiao.activities.demo import HANDBOOK_TITLE, LATE_TOWN, PLANS_DUE, load_season
from daibiao.activities.models import (
    Activity,
    Attendance,
    Campaign,
    CampaignFile,
    MaterialReceipt,
    MediaArticle,
)
from daibiao.core import workdays
from daibiao.mediation.choices import Outcome
from daibiao.mediation.models import LawClinic, MediationAgreement, MediationCase
from daibiao.registry.choices import OrganizationKind
from daibiao.registry.demo import load_demo
from daibiao.registry.models import Courtyard, Deputy, LiaisonStation, Organization, Town
from daibiao.reports.duty import build_duty_record
from daibiao.suggestions.demo import THEME, load_loop
from daibiao.suggestions.models import Clue, Suggestion

pytestmark = pytest.mark.django_db

CHINA = workdays.CHINA_TZ


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The whole demo, loaded once for this module in a transaction rolled back at its end;
    each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        load_loop()
        season = load_season()
        yield SimpleNamespace(season=season, campaign=Campaign.objects.get(theme=THEME))
        transaction.set_rollback(True)


def local(moment):
    return timezone.localtime(moment, CHINA)


def test_county_plan_issued_28_april_and_town_plans_due_mid_may_one_late(demo):
    campaign = demo.campaign
    assert campaign.starts_on == dt.date(2026, 4, 28)
    assert campaign.town_plans_due_on == PLANS_DUE == dt.date(2026, 5, 15)
    assert "1+N" in campaign.requirement
    document = CampaignFile.objects.get(campaign=campaign)
    assert document.name.endswith(".docx")
    assert local(document.created_at).date() == dt.date(2026, 4, 28)
    table = campaign.town_plan_table(Town.objects.filter(county=campaign.county))
    statuses = {t.name: t.plan_status for t in table}
    assert len(statuses) == 12
    assert [name for name, status in statuses.items() if status == PlanStatus.LATE] == [LATE_TOWN]
    assert PlanStatus.MISSING not in statuses.values()
    for plan in campaign.plans.all():
        assert plan.documents.count() == 1
        assert local(plan.submitted_at).date() <= (
            PLANS_DUE if plan.town.name != LATE_TOWN else dt.date(2026, 5, 31)
        )


def test_training_reaches_full_coverage_in_the_county_and_every_town(demo):
    rows, county = training_coverage(demo.campaign)
    assert county.full
    deputies = county.figures[CoverageGroup.DEPUTIES]
    assert deputies.trained == deputies.total == Deputy.objects.filter(status="serving").count()
    chairs = county.figures[CoverageGroup.CHAIRS]
    assert chairs.trained == chairs.total == 12
    heads = county.figures[CoverageGroup.STATION_HEADS]
    assert heads.trained == heads.total == LiaisonStation.objects.count() == 33
    assert len(rows) == 12
    assert all(row.full for row in rows)
    assert demo.season.campaign.trained == demo.season.campaign.deputies == deputies.total


def test_key_people_are_trained_first_then_everyone_with_leave_and_a_make_up(demo):
    trainings = list(Activity.objects.trainings(demo.campaign).order_by("starts_at"))
    first = trainings[0]
    assert first.town_id is None  # organised by the county
    invited = set(first.attendances.values_list("deputy_id", flat=True))
    assert set(LiaisonStation.objects.values_list("head_id", flat=True)) <= invited
    assert (
        set(Deputy.objects.filter(user__username__startswith="chair-").values_list("pk", flat=True))
        <= invited
    )
    assert len(invited) < 100
    assert any(t.at_meeting for t in trainings)
    leave = Attendance.objects.filter(activity__in=trainings, status=AttendanceStatus.LEAVE)
    assert leave.exists()
    assert all(reason for reason in leave.values_list("leave_reason", flat=True))
    # Whoever missed the town's training was trained anyway: at the key people's training
    # before it, or at a make-up one after it.
    missed = Attendance.objects.filter(
        activity__in=trainings,
        activity__town__isnull=False,
        status__in=[AttendanceStatus.LEAVE, AttendanceStatus.ABSENT],
    )
    assert missed.exists()
    for row in missed.select_related("activity"):
        assert Attendance.objects.filter(
            deputy_id=row.deputy_id,
            activity__in=trainings,
            status=AttendanceStatus.PRESENT,
        ).exists()
    make_ups = [t for t in trainings if "补训" in t.name]
    assert make_ups
    assert all(t.starts_at > max(r.activity.starts_at for r in missed) for t in make_ups)


def test_the_handbook_reaches_every_one_of_the_1046_deputies(demo):
    receipts = MaterialReceipt.objects.filter(material__title=HANDBOOK_TITLE)
    assert Deputy.objects.count() == 1046
    assert receipts.count() == 1046
    assert receipts.filter(status=ReceiptStatus.RECEIVED).count() == 1046
    methods = Counter(receipts.values_list("method", flat=True))
    assert methods[ReceiptMethod.CONFIRMED] > 50
    assert methods[ReceiptMethod.RECORDED] > 800
    assert receipts.first().material.files.count() == 1


def test_more_than_fifty_media_articles_at_every_level(demo):
    articles = MediaArticle.objects.all()
    assert articles.count() >= 50
    assert set(articles.values_list("level", flat=True)) == set(MediaLevel.values)
    assert {"湖北日报", "襄阳日报", "南漳新闻网", "人民网"} <= set(articles.values_list("outlet", flat=True))
    assert all(".example.com/" in url for url in articles.values_list("url", flat=True))
    assert not articles.annotate(n=Count("activities")).filter(n=0).exists()
    assert articles.annotate(n=Count("deputies")).filter(n__gt=0).count() > 30
    for article in articles.prefetch_related("activities"):
        assert all(local(a.starts_at).date() <= article.published_on for a in article.activities.all())
    # Full coverage is news only once the last make-up training is over.
    last_training = Activity.objects.trainings(Campaign.objects.get(theme=THEME)).latest("starts_at")
    for article in articles.filter(title__contains="全覆盖"):
        assert article.published_on > local(last_training.starts_at).date()


def test_jiuji_law_clinics_mediated_200_disputes_with_13_deputies_from_4_villages(demo):
    clinics = LawClinic.objects.filter(town__name="九集镇")
    assert clinics.values("village").distinct().count() == 4
    mediators = Deputy.objects.filter(law_clinics__in=clinics).distinct()
    assert mediators.count() == 13
    assert set(mediators.values_list("town__name", flat=True)) == {"九集镇"}
    cases = MediationCase.objects.filter(clinic__in=clinics)
    assert cases.count() >= 200
    outcomes = Counter(cases.values_list("outcome", flat=True))
    assert outcomes[Outcome.RESOLVED] > cases.count() * 0.75
    assert outcomes[Outcome.NOT_RESOLVED] > 0
    assert outcomes[Outcome.REFERRED] > 0
    assert 0 < outcomes[Outcome.OPEN] < 20
    assert MediationAgreement.objects.filter(case__in=cases).exists()
    for case in cases.prefetch_related("mediators", "clinic__mediators"):
        assert case.mediators.exists()
        assert set(case.mediators.all()) <= set(case.clinic.mediators.all())


def test_banqiao_deputies_embedded_in_organisations_of_four_kinds_and_34_courtyard_heads(demo):
    town = Town.objects.get(name="板桥镇")
    figures = Organization.objects.filter(town=town).figures_by_town()[town.pk]
    assert figures["organizations"] == {
        OrganizationKind.MASS: 69,
        OrganizationKind.SOCIAL: 146,
        OrganizationKind.SELF_GOVERNING: 115,
        OrganizationKind.ECONOMIC: 92,
    }
    assert figures["deputies"] == 74
    assert not Organization.objects.filter(town=town).annotate(n=Count("memberships")).filter(n=0).exists()
    assert Courtyard.objects.filter(village__town=town, head_deputy__isnull=False).count() == 34


def test_every_clue_was_raised_at_an_activity_its_recorder_attended(demo):
    clues = Clue.objects.select_related("activity")
    assert clues.count() == 271
    assert not clues.filter(activity__isnull=True).exists()
    present = set(
        Attendance.objects.filter(status=AttendanceStatus.PRESENT).values_list("activity_id", "deputy_id")
    )
    for clue in clues:
        activity = clue.activity
        assert (activity.pk, clue.recorded_by_id) in present, clue.title
        assert activity.town_id == clue.town_id
        assert activity.campaign_id == demo.campaign.pk
        assert activity.kind != ActivityKind.TRAINING
        assert activity.starts_at <= clue.created_at <= activity.starts_at + dt.timedelta(hours=5)
        assert local(activity.starts_at).date() == clue.occurred_on
    kinds = set(Activity.objects.filter(clues__isnull=False).values_list("kind", flat=True))
    assert {ActivityKind.VISIT, ActivityKind.COURTYARD, ActivityKind.RECEPTION} <= kinds
    # The loop's own figures are untouched.
    assert Suggestion.objects.count() == 181


def test_deputy_demo_is_invited_to_an_activity_under_way_and_signs_in_with_the_qr_code(demo):
    user = User.objects.get(username="deputy-demo")
    now = timezone.now()
    waiting = [
        row
        for row in Attendance.objects.filter(
            deputy=user.deputy, status=AttendanceStatus.INVITED
        ).select_related("activity")
        if row.activity.qr_window()[0] <= now <= row.activity.qr_window()[1]
    ]
    assert len(waiting) == 1
    row, signed = services.sign_in_by_qr(waiting[0].activity.qr_token, actor=user)
    assert signed
    assert row.status == AttendanceStatus.PRESENT
    # And one more to come.
    assert Attendance.objects.filter(
        deputy=user.deputy, status=AttendanceStatus.INVITED, activity__starts_at__gt=now
    ).exists()


def test_deputy_demo_duty_record_lists_what_the_records_say(demo):
    deputy = User.objects.get(username="deputy-demo").deputy
    record = build_duty_record(deputy, 2026)
    rows = Attendance.objects.filter(deputy=deputy)
    assert len(record.attendance) == rows.count()
    assert len(record.attended) == rows.filter(status=AttendanceStatus.PRESENT).count() > 2
    assert (
        len(record.trainings)
        == rows.filter(status=AttendanceStatus.PRESENT, activity__kind=ActivityKind.TRAINING).count()
    )
    assert record.trainings
    clues = Clue.objects.filter(recorded_by=deputy)
    assert clues.exists()
    assert [c.pk for c in record.clues] == list(
        clues.order_by("occurred_on", "id").values_list("pk", flat=True)
    )
    assert len(record.suggestions_led) == Suggestion.objects.filter(lead_deputy=deputy).count() > 0
    assert [r.material.title for r in record.materials_received] == [HANDBOOK_TITLE]
    # Every clue the deputy recorded came from an activity on the record as attended.
    attended = {a.activity_id for a in record.attended}
    assert {c.activity_id for c in record.clues} <= attended


def test_the_county_overview_shows_the_reports_figures(demo):
    from daibiao.reports.stats import overview

    county = User.objects.get(username="county")
    figures = overview(county, campaign=demo.campaign)
    assert (figures["deputies"], figures["clues"], figures["suggestions"]) == (1046, 271, 181)
    assert (figures["concluded"], figures["implemented"]) == (133, 119)
    assert figures["mediation_cases"] >= 200
    assert figures["media_articles"] >= 50
    assert figures["training_coverage"] == 100.0
    assert figures["courtyard_heads"] >= 34
