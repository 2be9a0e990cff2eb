"""Race-safe steps (STYLE habit 6): people who take a step at the same moment, each on a
connection of their own, get exactly one success between them, a ``Conflict`` for everyone
else and exactly one event row. Runs on SQLite (WAL, ``BEGIN IMMEDIATE``) and PostgreSQL.

Every thread reads the suggestion before the start line, so all of them pass the table's
check on the same stale state and meet at the conditional update, where only one can win.

On SQLite the test database lives in memory with a shared cache, whose table locks fail at
once ("database table is locked") where a file database waits its turn (``timeout``); so these
tests run on a file copy of it, with the project's own options (WAL, ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import pytest

from daibiao.core.testing.cast import build_cast
from daibiao.core.testing.threads import at_once
from daibiao.suggestions import services
from daibiao.suggestions.choices import AssignmentState, State, Step, UnitRole
from daibiao.suggestions.errors import Conflict, Forbidden, StepRefused
from daibiao.suggestions.models import Assignment, Event, Suggestion

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("database_on_file")]

N = 10


def race(steps) -> list:
    """Run each of ``steps`` in a thread of its own. A step is a function that does its reads
    and returns the write to make; every write starts at the same moment. Returns, per step,
    ``"ok"``, the class of the refusal, or the unexpected exception itself."""
    return [_outcome(result) for result in at_once(steps, staged=True)]


def _outcome(result):
    if isinstance(result, StepRefused):
        return type(result)
    return result if isinstance(result, Exception) else "ok"


def assert_one_winner(outcomes):
    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count(Conflict) == len(outcomes) - 1, outcomes


def test_ten_presidium_members_assigning_at_once_assign_once():
    cast = build_cast()
    pk = cast.suggestions["b"].pk  # 九集镇's, waiting for triage
    staff = [cast.users[name] for name in ("town_b", "county", "admin")]

    def assign_as(user):
        def read():
            s = Suggestion.objects.get(pk=pk)
            return lambda: services.assign_suggestion(
                s, actor=user, lead_unit=cast.units["a"], co_units=[cast.units["b"]]
            )

        return read

    outcomes = race([assign_as(staff[i % len(staff)]) for i in range(N)])

    assert_one_winner(outcomes)
    assert Suggestion.objects.get(pk=pk).state == State.ASSIGNED
    assert Event.objects.filter(suggestion_id=pk, step=Step.ASSIGN).count() == 1
    # The losers' assignment rows went with their rolled-back transactions.
    assert sorted(Assignment.objects.filter(suggestion_id=pk).values_list("role", flat=True)) == [
        UnitRole.CO,
        UnitRole.LEAD,
    ]


def test_the_lead_unit_acknowledging_from_ten_sessions_at_once_acknowledges_once():
    cast = build_cast()
    pk = cast.suggestions["a"].pk  # 武安镇's, assigned to unit a
    unit_a = cast.users["unit_a"]

    def acknowledge():
        s = Suggestion.objects.get(pk=pk)
        return lambda: services.acknowledge_suggestion(s, actor=unit_a)

    outcomes = race([acknowledge] * N)

    assert_one_winner(outcomes)
    assert Suggestion.objects.get(pk=pk).state == State.HANDLING
    assert Event.objects.filter(suggestion_id=pk, step=Step.ACKNOWLEDGE).count() == 1
    lead = Assignment.objects.get(suggestion_id=pk, unit=cast.units["a"])
    assert lead.state == AssignmentState.ACKNOWLEDGED


def test_a_withdrawal_and_an_assignment_at_the_same_moment_leave_one_of_them():
    cast = build_cast()
    pk = cast.suggestions["b"].pk

    def withdraw():
        s = Suggestion.objects.get(pk=pk)
        return lambda: services.withdraw_suggestion(s, actor=cast.users["deputy_b"], reason="撤回。")

    def assign():
        s = Suggestion.objects.get(pk=pk)
        return lambda: services.assign_suggestion(s, actor=cast.users["town_b"], lead_unit=cast.units["a"])

    outcomes = race([withdraw, assign] * (N // 2))

    assert_one_winner(outcomes)
    s = Suggestion.objects.get(pk=pk)
    winner = Step.WITHDRAW if s.state == State.WITHDRAWN else Step.ASSIGN
    assert s.state in (State.WITHDRAWN, State.ASSIGNED)
    assert list(
        Event.objects.filter(suggestion_id=pk)
        .exclude(step__in=["create", "submit"])
        .values_list("step", flat=True)
    ) == [winner]
    assert Assignment.objects.filter(suggestion_id=pk).count() == (1 if winner == Step.ASSIGN else 0)


def test_a_co_unit_returning_from_ten_sessions_at_once_returns_once():
    # A co-unit's return leaves the suggestion's state as it is, so the state cannot be what
    # stops the second one: the assignment's own state must.
    cast = build_cast()
    pk = cast.suggestions["a"].pk
    unit_b = cast.users["unit_b"]

    def give_back():
        s = Suggestion.objects.get(pk=pk)
        return lambda: services.return_suggestion(s, actor=unit_b, reason="不属于本单位职责。")

    outcomes = race([give_back] * N)

    # PostgreSQL: the others read before the winner committed and meet the conditional update
    # (Conflict). SQLite queues whole transactions: the others start after the winner committed
    # and no longer see the item at all (Forbidden). Either way: refused, and nothing written.
    assert outcomes.count("ok") == 1, outcomes
    assert all(outcome in ("ok", Conflict, Forbidden) for outcome in outcomes), outcomes
    assert Suggestion.objects.get(pk=pk).state == State.ASSIGNED
    assert Event.objects.filter(suggestion_id=pk, step=Step.RETURN).count() == 1
