"""The closed loop's services on the paths the table alone does not tell: merging, a later
reply to a B or C item, withdrawing and the two kinds of return. (That a station head takes
no step in any state is in test_workflow_matrix.)"""

from __future__ import annotations

import pytest

from daibiao.suggestions import services
from daibiao.suggestions.choices import AssignmentState, ReplyCategory, Satisfaction, State, Step, UnitRole
from daibiao.suggestions.errors import Conflict, Forbidden, Invalid
from daibiao.suggestions.models import Assignment, Event, Rating, Reply, Suggestion

from .walk import suggestion_in

pytestmark = pytest.mark.django_db


def visible_to(user, s) -> bool:
    return Suggestion.objects.restrict(user, "view").filter(pk=s.pk).exists()


# --- merging ---------------------------------------------------------------------------------


def merged_pair(cast):
    """九集镇's suggestion (led by deputy_b) merged by the county into a new one of 武安镇."""
    target = suggestion_in(cast, State.SUBMITTED)
    merged = cast.suggestions["b"]
    services.merge_suggestion(merged, actor=cast.users["county"], into=target)
    return target, merged


def test_a_merged_item_points_at_the_one_that_carries_it_on(cast):
    target, merged = merged_pair(cast)
    merged.refresh_from_db()
    assert (merged.state, merged.merged_into_id) == (State.MERGED, target.pk)
    event = Event.objects.get(suggestion=merged, step=Step.MERGE)
    assert (event.from_state, event.to_state, event.data) == (
        State.SUBMITTED,
        State.MERGED,
        {"into": target.pk},
    )


def test_the_merged_items_leading_deputy_may_rate_the_reply_it_gets(cast):
    target, _ = merged_pair(cast)
    deputy_b = cast.users["deputy_b"]
    assert cast.deputies["b"].pk in services.raters(target)
    # The reply of the suggestion that carries theirs on is theirs to read.
    assert visible_to(deputy_b, target)

    services.assign_suggestion(target, actor=cast.users["town_a"], lead_unit=cast.units["a"])
    services.acknowledge_suggestion(target, actor=cast.users["unit_a"])
    services.reply_to_suggestion(target, actor=cast.users["unit_a"], category="A", text="已安装护栏。")
    assert "rate" in services.allowed_steps(target, deputy_b)

    rating = services.rate_reply(
        target, actor=deputy_b, attitude=Satisfaction.SATISFIED, result=Satisfaction.BASIC, comment="还行。"
    )
    assert (rating.deputy_id, rating.round) == (cast.deputies["b"].pk, 1)
    # Recorded, and the item still waits for its own leading deputy.
    target.refresh_from_db()
    assert target.state == State.REPLIED
    assert Event.objects.get(suggestion=target, step=Step.RATE).data["lead"] is False
    # Once a round: the button goes, and a second rating is a Conflict.
    assert "rate" not in services.allowed_steps(Suggestion.objects.get(pk=target.pk), deputy_b)
    with pytest.raises(Conflict):
        services.rate_reply(target, actor=deputy_b, attitude="satisfied", result="satisfied")
    assert Rating.objects.filter(suggestion=target).count() == 1


def test_merging_into_an_item_out_of_scope_or_into_itself_is_invalid(cast):
    s = suggestion_in(cast, State.SUBMITTED)
    for into in (s, cast.suggestions["b"]):  # itself; 九集镇's, which town_a cannot see
        with pytest.raises(Invalid) as refused:
            services.merge_suggestion(Suggestion.objects.get(pk=s.pk), actor=cast.users["town_a"], into=into)
        assert "into" in refused.value.errors
    assert Suggestion.objects.get(pk=s.pk).state == State.SUBMITTED


# --- a later reply to a B or C item ----------------------------------------------------------


@pytest.mark.parametrize("category", [ReplyCategory.B, ReplyCategory.C])
def test_a_b_or_c_item_replied_again_after_conclusion_can_be_verified_as_implemented(cast, category):
    s = suggestion_in(cast, State.CONCLUDED, category=category)
    with pytest.raises(Conflict):  # not solved: nothing to verify yet
        services.verify_implemented(s, actor=cast.users["town_a"], evidence="现场查看。")

    reply = services.reply_to_suggestion(s, actor=cast.users["unit_a"], category="A", text="护栏已装好。")

    assert reply.follow_up is True
    s.refresh_from_db()
    assert (s.state, s.reply_category) == (State.CONCLUDED, ReplyCategory.A)
    event = Event.objects.filter(suggestion=s, step=Step.REPLY).latest("id")
    assert (event.from_state, event.to_state, event.data["follow_up"]) == (
        State.CONCLUDED,
        State.CONCLUDED,
        True,
    )
    services.verify_implemented(s, actor=cast.users["town_a"], evidence="现场查看，护栏牢固。")
    s.refresh_from_db()
    assert s.state == State.IMPLEMENTED
    assert s.implemented_at is not None


@pytest.mark.parametrize("category", [ReplyCategory.A, ReplyCategory.D])
def test_an_a_or_d_item_takes_no_later_reply(cast, category):
    s = suggestion_in(cast, State.CONCLUDED, category=category)
    with pytest.raises(Conflict):
        services.reply_to_suggestion(s, actor=cast.users["unit_a"], category="A", text="补充答复。")
    assert Reply.objects.filter(suggestion=s).count() == 1


# --- withdrawing -----------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.DRAFT, State.SUBMITTED, State.ASSIGNED])
def test_the_leading_deputy_may_withdraw_and_a_co_signing_deputy_may_not(cast, state):
    s = suggestion_in(cast, state, co_signers=[cast.deputies["b"]])
    deputy_b = cast.users["deputy_b"]
    assert visible_to(deputy_b, s)  # deputy_b sees it as a co-signer …
    assert "withdraw" not in services.allowed_steps(s, deputy_b)
    with pytest.raises(Forbidden):  # … but only the leading deputy takes it back
        services.withdraw_suggestion(s, actor=deputy_b, reason="不想要了。")
    assert Suggestion.objects.get(pk=s.pk).state == state

    services.withdraw_suggestion(s, actor=cast.users["deputy_a"], reason="已自行解决。")
    s.refresh_from_db()
    assert s.state == State.WITHDRAWN
    assert [e.step for e in Event.objects.filter(suggestion=s, step=Step.WITHDRAW)] == [Step.WITHDRAW]
    # The units' pending parts end with it.
    assert not Assignment.objects.filter(suggestion=s, state=AssignmentState.PENDING).exists()


def test_a_deputy_who_did_not_raise_the_suggestion_may_not_withdraw_it(cast):
    s = suggestion_in(cast, State.SUBMITTED)
    assert not visible_to(cast.users["deputy_b"], s)
    with pytest.raises(Forbidden):
        services.withdraw_suggestion(s, actor=cast.users["deputy_b"])
    assert Suggestion.objects.get(pk=s.pk).state == State.SUBMITTED


# --- returning -------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.ASSIGNED, State.HANDLING])
def test_a_co_units_return_drops_only_that_unit(cast, state):
    s = suggestion_in(cast, state)
    before = Suggestion.objects.get(pk=s.pk)

    services.return_suggestion(s, actor=cast.users["unit_b"], reason="不属于水利局职责。")

    s.refresh_from_db()
    assert (s.state, s.lead_unit_id, s.deadline) == (state, before.lead_unit_id, before.deadline)
    parts = {a.unit_id: a for a in Assignment.objects.filter(suggestion=s)}
    assert parts[cast.units["b"].pk].state == AssignmentState.RETURNED
    assert parts[cast.units["b"].pk].return_reason == "不属于水利局职责。"
    assert parts[cast.units["a"].pk].state != AssignmentState.RETURNED
    assert not visible_to(cast.users["unit_b"], s)
    assert visible_to(cast.users["unit_a"], s)
    event = Event.objects.get(suggestion=s, step=Step.RETURN)
    assert (event.from_state, event.to_state, event.data["role"]) == (state, state, UnitRole.CO)


@pytest.mark.parametrize("state", [State.ASSIGNED, State.HANDLING])
def test_the_lead_units_return_sends_the_item_back_to_the_presidium_with_no_live_assignment(cast, state):
    s = suggestion_in(cast, state)

    services.return_suggestion(s, actor=cast.users["unit_a"], reason="应由水利局主办。")

    s.refresh_from_db()
    assert (s.state, s.lead_unit_id, s.deadline, s.assigned_at) == (State.SUBMITTED, None, None, None)
    assert set(Assignment.objects.filter(suggestion=s).values_list("state", flat=True)) == {
        AssignmentState.RETURNED
    }
    assert not visible_to(cast.users["unit_a"], s)
    assert not visible_to(cast.users["unit_b"], s)
    event = Event.objects.get(suggestion=s, step=Step.RETURN)
    assert (event.from_state, event.to_state, event.data["role"]) == (state, State.SUBMITTED, UnitRole.LEAD)
    # The presidium assigns it afresh, to the unit the lead pointed at.
    services.assign_suggestion(s, actor=cast.users["town_a"], lead_unit=cast.units["b"])
    live = Assignment.objects.filter(suggestion=s).exclude(state=AssignmentState.RETURNED)
    assert [(a.unit_id, a.role) for a in live] == [(cast.units["b"].pk, UnitRole.LEAD)]


def test_a_unit_that_returned_its_part_cannot_return_it_again(cast):
    s = suggestion_in(cast, State.ASSIGNED)
    services.return_suggestion(s, actor=cast.users["unit_b"], reason="不属于水利局职责。")
    with pytest.raises(Forbidden):  # out of its scope now
        services.return_suggestion(s, actor=cast.users["unit_b"], reason="再退一次。")
    assert Event.objects.filter(suggestion=s, step=Step.RETURN).count() == 1


def test_an_unsatisfied_first_rating_logs_the_next_round_as_a_number(cast):
    """The round moves by an expression in the database; the change log keeps the value."""
    from daibiao.core.models import ChangeLog

    target = suggestion_in(cast, State.REPLIED)
    actor = next(u for u in cast.users.values() if getattr(u, "deputy_id", None) == target.lead_deputy_id)
    services.rate_reply(target, actor=actor, attitude=Satisfaction.BASIC, result=Satisfaction.UNSATISFIED)
    target.refresh_from_db()
    assert (target.state, target.round) == (State.HANDLING, 2)
    entry = ChangeLog.objects.filter(object_id=str(target.pk), changes__has_key="round").latest("pk")
    assert entry.changes["round"] == [1, 2]
