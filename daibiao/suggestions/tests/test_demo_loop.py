"""The closed loop's demo history: the report's figures, histories the workflow allows, dates
inside the campaign, and work waiting on the demo logins' desks."""

import datetime as dt
from collections import Counter
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from daibiao.accounts.models import User
from daibiao.activities.models import Campaign
from daibiao.core import workdays
from daibiao.registry.demo import DEMO_ACCOUNTS, load_demo
from daibiao.suggestions import services, workflow
from daibiao.suggestions.choices import (
    AssignmentState,
    ClueState,
    ExtensionState,
    ReplyCategory,
    Satisfaction,
    State,
    Step,
    UnitRole,
)
from daibiao.suggestions.demo import STORY_END, TARGETS, THEME, load_loop
from daibiao.suggestions.models import Assignment, Clue, Event, Extension, Rating, Reply, Suggestion

pytestmark = pytest.mark.django_db

CHINA = workdays.CHINA_TZ
CAMPAIGN_START = dt.datetime(2026, 4, 28, tzinfo=CHINA)


@pytest.fixture(scope="module")
def loop(django_db_setup, django_db_blocker):
    """The demo county and its campaign, loaded once for this module (it takes half a
    minute) in a transaction rolled back when the module ends; each test runs in a savepoint
    inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        # Notifications go out on commit; this transaction never commits, so what would have
        # been sent is the callbacks the load queued.
        queued = len(connection.run_on_commit)
        summary = load_loop()
        yield SimpleNamespace(summary=summary, notifications=len(connection.run_on_commit) - queued)
        transaction.set_rollback(True)


def local_day(moment):
    return timezone.localtime(moment, CHINA).date()


def test_the_report_figures_come_out_exactly(loop):
    assert Clue.objects.count() == 271
    assert Suggestion.objects.count() == 181
    assert Suggestion.objects.filter(state__in=[State.CONCLUDED, State.IMPLEMENTED]).count() == 133
    assert Suggestion.objects.filter(state=State.IMPLEMENTED).count() == 119
    states = Counter(Suggestion.objects.values_list("state", flat=True))
    assert states == Counter(TARGETS)
    summary = loop.summary
    assert (summary.clues, summary.suggestions, summary.concluded, summary.implemented) == (
        271,
        181,
        133,
        119,
    )
    clues = Counter(Clue.objects.values_list("state", flat=True))
    assert clues[ClueState.MERGED] > 200
    assert clues[ClueState.SOLVED] > 20
    assert clues[ClueState.DISMISSED] > 5
    assert clues[ClueState.OPEN] > 5
    # Many suggestions grew from one clue, some from two or three.
    per_suggestion = Counter(Suggestion.objects.annotate(n=Count("clues")).values_list("n", flat=True))
    assert set(per_suggestion) == {1, 2, 3}
    assert per_suggestion[1] > per_suggestion[2] > per_suggestion[3]
    campaign = Campaign.objects.get(theme=THEME)
    assert campaign.starts_on == dt.date(2026, 4, 28)
    assert "1+N" in campaign.requirement
    assert not Suggestion.objects.exclude(campaign=campaign).exists()
    assert not Clue.objects.exclude(campaign=campaign).exists()


def test_every_history_is_a_path_through_the_workflow_table(loop):
    events = Event.objects.order_by("suggestion_id", "created_at", "id")
    by_item: dict[int, list[Event]] = {}
    for event in events:
        by_item.setdefault(event.suggestion_id, []).append(event)
    states = dict(Suggestion.objects.values_list("id", "state"))
    assert set(by_item) == set(states)
    for sid, history in by_item.items():
        first, rest = history[0], history[1:]
        assert (first.step, first.from_state, first.to_state) == (Step.CREATE, "", State.DRAFT), sid
        previous = first
        for event in rest:
            transition = workflow.TABLE[Step(event.step)]
            assert event.from_state in transition.sources, (sid, event.step, event.from_state)
            if transition.target is not None:
                assert event.to_state == transition.target, (sid, event.step)
            assert event.from_state == previous.to_state, (sid, previous.step, event.step)
            previous = event
        assert previous.to_state == states[sid], sid


def test_every_step_was_taken_by_someone_whose_role_may_take_it(loop):
    for event in Event.objects.exclude(step=Step.CREATE).select_related("actor"):
        assert event.actor is not None, event
        assert set(event.actor.roles) & workflow.TABLE[Step(event.step)].roles, (event, event.actor)
    # Units act on their own items, deputies rate their own.
    for rating in Rating.objects.select_related("suggestion"):
        assert rating.deputy_id == rating.suggestion.lead_deputy_id
    for event in Event.objects.filter(step=Step.REPLY).select_related("actor", "suggestion"):
        assert event.actor.unit_id == event.suggestion.lead_unit_id


def test_times_run_forward_inside_the_campaign(loop):
    now = timezone.now()
    assert now >= STORY_END
    times: dict[int, list] = {}
    for sid, created in Event.objects.order_by("id").values_list("suggestion_id", "created_at"):
        times.setdefault(sid, []).append(created)
    for sid, moments in times.items():
        assert moments == sorted(moments), sid
        assert moments[0] >= CAMPAIGN_START, sid
        assert moments[-1] <= STORY_END, sid
    for clue in Clue.objects.all():
        assert CAMPAIGN_START <= clue.created_at <= STORY_END
        assert clue.occurred_on == local_day(clue.created_at)
    entered = {}
    for event in Event.objects.exclude(from_state=F("to_state")).order_by("created_at", "id"):
        entered[event.suggestion_id] = event.created_at
    for suggestion in Suggestion.objects.prefetch_related("clues"):
        first_event = times[suggestion.pk][0]
        assert suggestion.created_at == first_event
        assert suggestion.state_entered_at == entered[suggestion.pk]
        assert all(clue.created_at <= suggestion.created_at for clue in suggestion.clues.all())


def test_deadlines_are_the_services_own_counted_from_the_replayed_dates(loop):
    assigned = Suggestion.objects.filter(
        state__in=[State.ASSIGNED, State.HANDLING], assigned_at__isnull=False
    )
    checked = 0
    for suggestion in assigned.select_related("lead_unit"):
        if suggestion.extensions.filter(state=ExtensionState.APPROVED).exists():
            continue
        expected = services.reply_deadline(suggestion, suggestion.lead_unit, suggestion.assigned_at)
        assert suggestion.deadline == expected, suggestion
        checked += 1
    assert checked > 10
    for assignment in Assignment.objects.filter(state=AssignmentState.PENDING).select_related("suggestion"):
        expected = workdays.deadline_after(assignment.suggestion.assigned_at, working_days=3)
        assert assignment.acknowledge_by == expected


def test_most_units_acknowledge_within_three_working_days(loop):
    acks = Event.objects.filter(step=Step.ACKNOWLEDGE, data__role=UnitRole.LEAD)
    late = acks.filter(data__late=True).count()
    assert acks.count() > 140
    assert 0 < late < acks.count() / 5


def test_the_transport_bureau_has_items_to_acknowledge_and_to_answer(loop):
    user = User.objects.get(username="unit-jiaotong")
    mine = Suggestion.objects.restrict(user)
    pending = Assignment.objects.filter(unit=user.unit, state=AssignmentState.PENDING, suggestion__in=mine)
    assert pending.filter(suggestion__state=State.ASSIGNED).count() >= 2
    assert pending.filter(acknowledge_by__lt=timezone.now()).exists()
    to_answer = mine.filter(state=State.HANDLING, lead_unit=user.unit)
    assert to_answer.count() >= 2
    waiting = pending.filter(role=UnitRole.LEAD).first().suggestion
    assert "acknowledge" in services.allowed_steps(waiting, user)
    assert "reply" in services.allowed_steps(to_answer.first(), user)


def test_the_demo_deputy_has_replies_waiting_for_a_rating(loop):
    user = User.objects.get(username="deputy-demo")
    waiting = Suggestion.objects.restrict(user).filter(state=State.REPLIED, lead_deputy=user.deputy)
    assert waiting.count() >= 2
    for suggestion in waiting:
        assert "rate" in services.allowed_steps(suggestion, user)
    assert Suggestion.objects.filter(lead_deputy=user.deputy, state=State.IMPLEMENTED).exists()


def test_the_loop_shows_every_kind_of_history(loop):
    overdue = Suggestion.objects.overdue()
    assert overdue.filter(state=State.HANDLING).count() >= 3
    assert Suggestion.objects.filter(
        state=State.ASSIGNED, assignments__acknowledge_by__lt=timezone.now()
    ).exists()
    assert Event.objects.filter(step=Step.URGE).count() >= 5
    assert Suggestion.objects.filter(key_supervision=True).count() >= 2
    assert Suggestion.objects.exclude(responsible_leader=None).exists()
    assert Extension.objects.filter(state=ExtensionState.APPROVED).exists()
    assert Extension.objects.filter(state=ExtensionState.REFUSED).exists()
    # Returned by a misrouted unit, then assigned afresh.
    returned = Suggestion.objects.filter(events__step=Step.RETURN).distinct()
    assert returned.count() >= 4
    assert returned.filter(state=State.SUBMITTED).exists()
    assert returned.exclude(state=State.SUBMITTED).filter(events__step=Step.ACKNOWLEDGE).exists()
    # Unsatisfied, handled again, replied a second time.
    again = Suggestion.objects.filter(ratings__result=Satisfaction.UNSATISFIED, replies__round=2).distinct()
    assert again.count() >= 3
    assert Reply.objects.filter(follow_up=True).exists()
    assert Event.objects.filter(step=Step.RECLASSIFY).count() >= 2
    assert Event.objects.filter(step=Step.CO_OPINION).count() >= 20
    assert Event.objects.filter(step=Step.LOOK_BACK).count() >= 10
    assert Suggestion.objects.filter(state=State.TRANSFERRED).exclude(transferred_to="").count() == 4
    assert 1 <= Suggestion.objects.filter(state=State.WITHDRAWN).count() <= 2
    assert set(Reply.objects.values_list("category", flat=True)) == set(ReplyCategory.values)
    # Implemented only when solved.
    assert not Suggestion.objects.filter(state=State.IMPLEMENTED).exclude(reply_category="A").exists()


def test_the_safety_rail_story_is_told_with_its_dates(loop):
    clue = Clue.objects.get(title__contains="堰塘边缺少安全防护栏")
    assert clue.occurred_on == dt.date(2026, 6, 5)
    assert (clue.town.name, clue.village.name) == ("城关镇", "王家坡社区")
    suggestion = clue.suggestion
    assert suggestion.lead_unit.name == "县交通运输局"
    assert suggestion.state == State.IMPLEMENTED
    reply = suggestion.events.get(step=Step.REPLY)
    assert local_day(reply.created_at) == dt.date(2026, 6, 11)
    assert reply.data["category"] == ReplyCategory.A
    assert "700" in reply.note
    assert local_day(suggestion.implemented_at) > dt.date(2026, 6, 11)
    assert suggestion.events.filter(step=Step.LOOK_BACK).exists()


def test_the_express_shop_and_the_red_courtyards_are_there(loop):
    shop = Suggestion.objects.get(title__contains="爱心快递超市")
    assert (shop.town.name, shop.clues.get().village.name) == ("肖堰镇", "青龙湾村")
    assert shop.state == State.IMPLEMENTED
    assert shop.events.filter(step=Step.LOOK_BACK, note__contains="推进会").exists()
    courtyard = Suggestion.objects.get(title__contains="红色屋场", town__name="李庙镇")
    assert courtyard.state == State.IMPLEMENTED
    assert courtyard.clues.get().courtyard is not None


def test_texts_do_not_repeat(loop):
    titles = list(Suggestion.objects.values_list("title", flat=True))
    assert len(set(titles)) == len(titles)
    clue_titles = list(Clue.objects.values_list("title", flat=True))
    assert len(set(clue_titles)) == len(clue_titles)
    replies = list(Reply.objects.values_list("text", flat=True))
    assert len(set(replies)) == len(replies)
    assert not Suggestion.objects.filter(Q(content__contains="{") | Q(title__contains="{")).exists()
    assert not Reply.objects.filter(text__contains="{").exists()


def test_replaying_history_notified_nobody_and_added_no_logins(loop):
    assert loop.notifications == 0
    extra = User.objects.exclude(username__in=DEMO_ACCOUNTS)
    assert extra.count() == loop.summary.accounts > 100
    assert not any(user.has_usable_password() for user in extra)
