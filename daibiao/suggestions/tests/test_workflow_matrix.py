"""The closed loop, generated from ``workflow.TABLE`` (STYLE habit 4): every state × every step
× every member of the cast, through the services.

For each (state, step, role) the expected answer is worked out in the order ``services.base._check``
asks: a role the table never lets take the step is refused (``Forbidden``); then an actor who
cannot see the suggestion is refused (``Forbidden``: scope comes before state, so a stranger
learns nothing about where the item stands); then a state the step does not start from is a
``Conflict``; past the table, the step's guard decides, and ``guard`` below says what each
guard answers in the cast. Each attempt runs in a savepoint that is rolled back.

``allowed_steps`` must agree with what happens: for everyone who sees the suggestion, a step
is listed exactly when it succeeds.
"""

from __future__ import annotations

import pytest

from daibiao.core.testing.cast import Cast
from daibiao.suggestions import services
from daibiao.suggestions.choices import ReplyCategory, State, Step
from daibiao.suggestions.errors import Conflict, Forbidden
from daibiao.suggestions.models import Suggestion
from daibiao.suggestions.workflow import TABLE

from .walk import attempt, suggestion_in

pytestmark = pytest.mark.django_db

ROLES = Cast.ROLE_USERS
OK = None

# Every state, plus the variants whose guards answer differently.
SCENARIOS = [pytest.param(state, {}, id=state) for state in State.values] + [
    pytest.param(State.HANDLING, {"extension": True}, id="handling-with-a-pending-extension"),
    pytest.param(State.CONCLUDED, {"category": ReplyCategory.B}, id="concluded-replied-B"),
]

# Who sees 武安镇's suggestion led by deputy_a (see ``walk``): always, or while holding a
# live assignment (units). town_b and deputy_b never do.
ALWAYS_SEE = {"county", "leader", "town_a", "deputy_a", "station_a", "admin"}
UNITS_HOLD = {State.ASSIGNED, State.HANDLING, State.REPLIED, State.RATED, State.CONCLUDED, State.IMPLEMENTED}


def sees(role: str, state: str) -> bool:
    if role in ALWAYS_SEE:
        return True
    return role in ("unit_a", "unit_b") and state in UNITS_HOLD


def guard(step: Step, role: str, state: str, options: dict):
    """What the step's own guard answers once the role, the scope and the state are right."""
    pending = options.get("extension", False)
    category = options.get("category", ReplyCategory.A)
    if step == Step.ACKNOWLEDGE:
        # unit_a acknowledged on the way to handling; unit_b (co) never has.
        return Conflict if role == "unit_a" and state != State.ASSIGNED else OK
    if step == Step.CO_OPINION:
        return Forbidden if role == "unit_a" else OK  # only a co-unit sends an opinion
    if step == Step.REQUEST_EXTENSION:
        if role == "unit_b":
            return Forbidden  # only the lead unit asks for more time
        return Conflict if pending else OK  # one pending request at a time
    if step == Step.DECIDE_EXTENSION:
        return OK if pending else Conflict  # nothing to decide
    if step == Step.REPLY:
        if role == "unit_b":
            return Forbidden  # a co-unit does not reply
        if state == State.CONCLUDED and category not in (ReplyCategory.B, ReplyCategory.C):
            return Conflict  # only B and C items take a later reply
        return OK
    if step == Step.RATE:
        return OK if state == State.REPLIED else Conflict  # the leading deputy rates once a round
    if step == Step.CONCLUDE:
        # A replied item waits for its leading deputy's rating.
        return Conflict if state == State.REPLIED else OK
    if step == Step.VERIFY_IMPLEMENTED:
        return OK if category == ReplyCategory.A else Conflict
    return OK


def expected(step: Step, role: str, user, state: str, options: dict):
    transition = TABLE[step]
    if not transition.roles & services.roles_of(user):
        return Forbidden
    if not sees(role, state):
        return Forbidden
    if state not in transition.sources:
        return Conflict
    return guard(step, role, state, options)


def state_after(step: Step, role: str, state: str) -> str:
    """Where a successful step leaves the item: the table's target, or for the steps whose
    outcome decides (target ``None``) what the service works out."""
    target = TABLE[step].target
    if target is not None:
        return target
    if step == Step.ACKNOWLEDGE and role == "unit_a":
        return State.HANDLING
    if step == Step.RETURN and role == "unit_a":
        return State.SUBMITTED  # the lead unit's return goes back to the presidium
    if step == Step.REPLY and state == State.HANDLING:
        return State.REPLIED
    if step == Step.RATE:
        return State.RATED  # the leading deputy, satisfied
    return state


def name(outcome) -> str:
    return "ok" if outcome is None else outcome.__name__


@pytest.mark.parametrize(("state", "options"), SCENARIOS)
def test_every_step_by_every_role_follows_the_table_then_the_guards(cast, state, options):
    s = suggestion_in(cast, state, **options)
    wrong = []
    successes = 0
    for role in ROLES:
        user = cast.users[role]
        assert Suggestion.objects.restrict(user, "view").filter(pk=s.pk).exists() == sees(role, state), role
        listed = set(services.allowed_steps(Suggestion.objects.get(pk=s.pk), user))
        for step in TABLE:
            refusal, events, after = attempt(step, s.pk, user, cast)
            want = expected(step, role, user, state, options)
            if refusal is not want:
                wrong.append(f"{role} {step}: {name(refusal)}, expected {name(want)}")
                continue
            if refusal is None:
                successes += 1
                # One event row, from the state it was in to the state it is in now.
                want_after = state_after(step, role, state)
                if events != [(step, state, want_after)] or after != want_after:
                    wrong.append(f"{role} {step}: events {events}, now {after}, expected {want_after}")
            elif events or after != state:
                wrong.append(f"{role} {step}: refused, yet wrote {events} and is now {after}")
            # The buttons: for whoever sees the item, listed exactly when the step succeeds.
            if sees(role, state) and (step.value in listed) != (refusal is None):
                wrong.append(f"{role} {step}: allowed_steps says {step.value in listed}, got {name(refusal)}")
    assert wrong == []
    # Withdrawn and merged items are closed to every step; every other state moves.
    assert (successes == 0) == (state in (State.WITHDRAWN, State.MERGED))


def test_the_table_covers_every_step_and_every_state():
    assert set(TABLE) == set(Step) - {Step.CREATE}
    sources = set().union(*(t.sources for t in TABLE.values()))
    assert set(State) - sources == {State.WITHDRAWN, State.MERGED}  # the only dead ends


def test_a_station_head_can_take_no_step_in_any_state(cast):
    station = cast.users["station_a"]
    for state in State.values:
        s = suggestion_in(cast, state)
        assert services.allowed_steps(s, station) == []
        for step in TABLE:
            refusal, events, after = attempt(step, s.pk, station, cast)
            assert (refusal, events, after) == (Forbidden, [], state), (state, step)
