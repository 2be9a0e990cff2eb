"""The supervision side of the demo, read back from the records: a leading group with every
town answered for once, visits across the season with follow-up items (most done, some open or
overdue on the story's day), monthly report rounds with late and missing reports, two
oversight items drawn from suggestions of one subject each, and the demo leader's page."""

import datetime as dt
from collections import Counter
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from daibiao.accounts.models import User
from daibiao.activities.demo import load_season
from daibiao.activities.models import Campaign
from daibiao.core import workdays
from daibiao.registry.demo import DEMO_PASSWORD, load_demo
from daibiao.registry.models import Town
from daibiao.suggestions.demo import THEME, load_loop
from daibiao.supervision.choices import GroupRole, ReportStatus
from daibiao.supervision.demo import MISSING_LAST, REPORT_MONTHS, STORY_DAY
from daibiao.supervision.models import (
    FollowUpItem,
    LeadingGroupMember,
    OversightItem,
    ProgressReport,
    ReportRound,
    SupervisionVisit,
)

pytestmark = pytest.mark.django_db

CHINA = workdays.CHINA_TZ


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The whole demo, loaded once for this module in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        load_loop()
        season = load_season()
        yield SimpleNamespace(season=season, campaign=Campaign.objects.get(theme=THEME))
        transaction.set_rollback(True)


def test_the_leading_group_answers_for_every_town_once_and_the_demo_leader_heads_it(demo):
    members = list(LeadingGroupMember.objects.filter(campaign=demo.campaign).select_related("user"))
    assert 4 <= len(members) <= 6
    roles = Counter(m.role for m in members)
    assert roles[GroupRole.HEAD] == 1
    assert roles[GroupRole.DEPUTY_HEAD] >= 1
    assert roles[GroupRole.MEMBER] >= 1
    head = next(m for m in members if m.role == GroupRole.HEAD)
    assert head.user.username == "leader"
    assert head.user.check_password(DEMO_PASSWORD)
    towns = Town.objects.filter(county=demo.campaign.county)
    answered = Counter(t.pk for m in members for t in m.towns.all())
    assert set(answered) == set(towns.values_list("pk", flat=True))
    assert set(answered.values()) == {1}
    assert all(m.title for m in members)
    assert demo.season.supervision.members == len(members)
    assert demo.season.supervision.towns == towns.count() == 12


def test_visits_run_from_june_to_november_with_findings_and_follow_up_items(demo):
    visits = list(SupervisionVisit.objects.filter(campaign=demo.campaign).select_related("member"))
    assert len(visits) == demo.season.supervision.visits >= 30
    days = [v.visited_on for v in visits]
    assert min(days) >= dt.date(2026, 5, 1)
    assert max(days) <= STORY_DAY
    assert {d.month for d in days} >= {6, 8, 9, 10, 11}
    for visit in visits:
        # Only in a town the member answers for, and recorded on the day.
        assert visit.member.towns.filter(pk=visit.town_id).exists()
        assert timezone.localtime(visit.created_at, CHINA).date() == visit.visited_on
        assert "督导" in visit.findings
    per_town = Counter(v.town_id for v in visits)
    assert set(per_town.values()) == {3}


def test_most_follow_up_items_are_done_and_some_are_open_or_overdue_on_the_story_day(demo):
    items = list(FollowUpItem.objects.filter(visit__campaign=demo.campaign).select_related("visit"))
    done = [i for i in items if i.done_on]
    open_ = [i for i in items if not i.done_on and i.due_on >= STORY_DAY]
    overdue = [i for i in items if not i.done_on and i.due_on < STORY_DAY]
    assert len(done) > len(items) * 0.6
    assert len(open_) >= 2
    assert len(overdue) >= 2
    assert all(i.owner and i.due_on > i.visit.visited_on for i in items)
    assert all(i.visit.visited_on <= i.done_on <= STORY_DAY and i.done_note and i.closed_by for i in done)
    assert any(i.done_on > i.due_on for i in done)  # some were done late
    summary = demo.season.supervision
    assert (summary.follow_ups, summary.done, summary.open, summary.overdue) == (
        len(items),
        len(done),
        len(open_),
        len(overdue),
    )


def test_every_town_reports_monthly_some_late_and_two_missing_in_november(demo):
    rounds = list(ReportRound.objects.filter(campaign=demo.campaign).order_by("due_on"))
    assert [r.due_on.month for r in rounds] == list(REPORT_MONTHS)
    assert all(r.due_on.day <= 25 and workdays.is_working_day(r.due_on) for r in rounds)
    towns = set(Town.objects.filter(county=demo.campaign.county).values_list("name", flat=True))
    reports = ProgressReport.objects.filter(round__campaign=demo.campaign).with_timeliness()
    for report_round in rounds:
        table = {
            t.name: t.report_status for t in report_round.town_table(Town.objects.filter(name__in=towns))
        }
        missing = {name for name, status in table.items() if status == ReportStatus.MISSING}
        assert missing == (set(MISSING_LAST) if report_round == rounds[-1] else set())
    late = [r for r in reports if r.timeliness == ReportStatus.LATE]
    assert 3 <= len(late) < len(reports) / 4
    assert any(r.round == rounds[-1] for r in late)
    assert all(
        r.submitted_by.username.startswith("town-") and "月份代表行动进展情况" in r.text for r in reports
    )
    summary = demo.season.supervision
    assert (summary.rounds, summary.reports, summary.late, summary.missing) == (
        len(rounds),
        reports.count(),
        len(late),
        len(MISSING_LAST),
    )


def test_two_oversight_items_cite_suggestions_of_one_subject_and_name_their_units(demo):
    items = list(OversightItem.objects.filter(county=demo.campaign.county).prefetch_related("units"))
    assert len(items) == 2
    for item in items:
        assert item.year == 2026
        cited = list(item.suggestions.all())
        assert 5 <= len(cited) <= 10
        assert len({s.category for s in cited}) == 1
        named = {u.pk for u in item.units.all()}
        assert named == {s.lead_unit_id for s in cited if s.lead_unit_id}
        assert item.clues.exists()  # the clues behind the suggestions come with them
        assert item.created_by.username == "county"
    assert demo.season.supervision.cited == sum(i.suggestions.count() for i in items)


def test_the_demo_leader_sees_his_towns_and_the_items_on_a_cited_suggestion(demo):
    leader = User.objects.get(username="leader")
    client = Client()
    client.force_login(leader)
    response = client.get(reverse("supervision:my-towns"))
    assert response.status_code == 200
    figures = {f.town.name: f for f in response.context["figures"]}
    assert set(figures) == {t.name for t in LeadingGroupMember.objects.get(user=leader).towns.all()}
    for f in figures.values():
        assert f.clues > 0
        assert f.suggestions > 0
        assert f.visits == 3
        assert client.get(f.links["clues"]).context["total"] == f.clues
        for state in f.by_state:
            assert client.get(state["url"]).context["total"] == state["n"]
    item = OversightItem.objects.first()
    page = client.get(item.suggestions.first().get_absolute_url()).content.decode()
    assert item.title in page
