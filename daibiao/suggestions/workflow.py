"""The closed loop as a table: for each step, the states it may start from, the state it
leads to, and the roles that may take it. Pure: no database, no side effects.

``services`` enforces it; ``allowed_steps`` drives both the buttons on the page and the API's
``allowed_steps`` field; the tests are generated from it (every state × step × role).
Finer conditions that need the record (the unit must hold the assignment, the deputy must be
the leading one …) are the services' guards.
"""

from __future__ import annotations

from dataclasses import dataclass

from daibiao.accounts.choices import Role

from .choices import State, Step

STAFF = frozenset({Role.COUNTY_STAFF, Role.TOWN_STAFF, Role.ADMIN})
UNIT = frozenset({Role.UNIT_STAFF})
DEPUTY = frozenset({Role.DEPUTY})
SUPERVISORS = STAFF | {Role.LEADER}


@dataclass(frozen=True)
class Transition:
    step: Step
    sources: frozenset[State]
    # None: the step leaves the state as it is (progress, urge …), or its outcome decides
    # the next state (acknowledge, return, reply, rate), which the service works out.
    target: State | None
    roles: frozenset[str]


def _t(step, sources, target, roles):
    return Transition(step, frozenset(sources), target, frozenset(roles))


S = State
TABLE: dict[Step, Transition] = {
    t.step: t
    for t in (
        _t(Step.SUBMIT, [S.DRAFT], S.SUBMITTED, STAFF | DEPUTY),
        _t(Step.ASSIGN, [S.SUBMITTED], S.ASSIGNED, STAFF),
        _t(Step.TRANSFER, [S.SUBMITTED], S.TRANSFERRED, STAFF),
        # The lead unit's acknowledgement starts the handling; a co-unit's leaves the state.
        _t(Step.ACKNOWLEDGE, [S.ASSIGNED, S.HANDLING], None, UNIT),
        # The lead unit's return sends the item back to the presidium; a co-unit's drops it.
        _t(Step.RETURN, [S.ASSIGNED, S.HANDLING], None, UNIT),
        _t(Step.CO_OPINION, [S.ASSIGNED, S.HANDLING], None, UNIT),
        _t(Step.PROGRESS, [S.HANDLING, S.TRANSFERRED], None, UNIT | STAFF),
        _t(Step.REQUEST_EXTENSION, [S.HANDLING], None, UNIT),
        _t(Step.DECIDE_EXTENSION, [S.HANDLING], None, STAFF),
        # In handling: the reply of the round. Concluded B or C items: a later reply that
        # reports them solved.
        _t(Step.REPLY, [S.HANDLING, S.CONCLUDED], None, UNIT),
        _t(Step.RECLASSIFY, [S.REPLIED, S.RATED, S.CONCLUDED, S.IMPLEMENTED], None, STAFF),
        # Satisfied → rated; unsatisfied in round 1 → handling again; in round 2 → rated and
        # flagged for key supervision. Co-signers' ratings are recorded and change nothing.
        _t(Step.RATE, [S.REPLIED, S.RATED, S.CONCLUDED, S.IMPLEMENTED], None, DEPUTY),
        _t(Step.CONCLUDE, [S.RATED, S.REPLIED, S.TRANSFERRED], S.CONCLUDED, STAFF),
        _t(Step.VERIFY_IMPLEMENTED, [S.CONCLUDED], S.IMPLEMENTED, STAFF),
        _t(Step.LOOK_BACK, [S.IMPLEMENTED], None, STAFF | DEPUTY),
        _t(Step.URGE, [S.ASSIGNED, S.HANDLING, S.REPLIED], None, SUPERVISORS),
        _t(Step.WITHDRAW, [S.DRAFT, S.SUBMITTED, S.ASSIGNED], S.WITHDRAWN, STAFF | DEPUTY),
        _t(Step.MERGE, [S.DRAFT, S.SUBMITTED], S.MERGED, STAFF),
    )
}


def role_may(step: Step, roles) -> bool:
    """Whether any of ``roles`` may ever take ``step`` (in some state)."""
    return bool(TABLE[step].roles & set(roles))


def state_allows(step: Step, state: str) -> bool:
    return state in TABLE[step].sources


def steps_for(state: str, roles) -> list[Step]:
    """The steps these roles may take from ``state``, by the table alone."""
    roles = set(roles)
    return [step for step, t in TABLE.items() if state in t.sources and t.roles & roles]
