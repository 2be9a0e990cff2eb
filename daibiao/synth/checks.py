"""Is a history consistent? Checks that read only the database and the workflow table, so they
hold for any data (the synthetic set, the demo, production): used by the tests and by
``daibiao synth --check``."""

from __future__ import annotations

from collections import defaultdict

from daibiao.accounts.choices import Role
from daibiao.accounts.models import User, UserRole
from daibiao.suggestions import workflow
from daibiao.suggestions.choices import ClueState, State, Step, UnitRole
from daibiao.suggestions.models import Assignment, Clue, Event, Rating, Reply, Suggestion

BATCH = 2000


def _roles() -> dict[int, set[str]]:
    roles = defaultdict(set)
    for user_id, role in UserRole.objects.values_list("user_id", "role").iterator(chunk_size=BATCH):
        roles[user_id].add(role)
    for user_id in User.objects.filter(is_superuser=True).values_list("pk", flat=True):
        roles[user_id].add(Role.ADMIN)
    return roles


def _batches(queryset):
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(ids), BATCH):
        yield ids[i : i + BATCH]


def replay_errors(suggestions=None, limit: int = 50) -> list[str]:
    """Replay every suggestion's events, in order, through ``workflow.TABLE``: the first is
    the creation into the model's initial state; each next one starts from the state the
    previous one left, is a step the table allows from there, leads where the table says
    (when it says), was taken by a role the table allows, no earlier than the one before, and
    records when the state it leaves was entered; the last one leaves the suggestion's
    current state. Returns the first ``limit`` problems found."""
    initial = Suggestion._meta.get_field("state").default
    roles = _roles()
    errors: list[str] = []
    queryset = Suggestion.objects.all() if suggestions is None else suggestions
    for ids in _batches(queryset):
        events = defaultdict(list)
        for ev in (
            Event.objects.filter(suggestion_id__in=ids)
            .order_by("created_at", "pk")
            .iterator(chunk_size=BATCH)
        ):
            events[ev.suggestion_id].append(ev)
        for pk, state in Suggestion.objects.filter(pk__in=ids).values_list("pk", "state"):
            errors.extend(_replay(pk, state, events.get(pk, []), initial, roles))
            if len(errors) >= limit:
                return errors[:limit]
    return errors


def _replay(pk, final, events, initial, roles) -> list[str]:
    if not events:
        return [f"suggestion {pk}: no events"]
    first = events[0]
    if first.step != Step.CREATE or first.to_state != initial or first.from_state:
        return [
            f"suggestion {pk}: starts with {first.step} → {first.to_state}, not {Step.CREATE} → {initial}"
        ]
    state, entered, previous = first.to_state, first.created_at, first.created_at
    for ev in events[1:]:
        where = f"suggestion {pk}, event {ev.pk} ({ev.step})"
        transition = workflow.TABLE.get(ev.step)
        if transition is None:
            return [f"{where}: not a step of the workflow table"]
        if ev.from_state != state:
            return [f"{where}: from {ev.from_state}, but the suggestion was {state}"]
        if state not in transition.sources:
            return [f"{where}: the table does not allow it from {state}"]
        if transition.target is not None and ev.to_state != transition.target:
            return [f"{where}: leads to {ev.to_state}, the table says {transition.target}"]
        if ev.actor_id is not None and not roles.get(ev.actor_id, set()) & transition.roles:
            return [f"{where}: taken by user {ev.actor_id}, whose roles may not take it"]
        if ev.created_at < previous:
            return [f"{where}: earlier than the event before it"]
        if ev.from_entered_at != entered:
            return [f"{where}: says {state} was entered at {ev.from_entered_at}, not {entered}"]
        if ev.to_state != state:
            state, entered = ev.to_state, ev.created_at
        previous = ev.created_at
    if state != final:
        return [f"suggestion {pk}: the events end in {state}, the suggestion is {final}"]
    return []


def record_errors(limit: int = 50) -> list[str]:
    """What the events promise is there: a reply row (by the lead unit, of its round) for
    every reply event, a rating row for every rating event, an acknowledged assignment for
    every acknowledgement; every merged clue points at a suggestion whose creation names it,
    and no other clue points at one."""
    errors: list[str] = []
    replies = {r.pk: r for r in Reply.objects.all()}
    ratings = {(r.suggestion_id, r.deputy_id, r.round) for r in Rating.objects.all()}
    leads = dict(
        Assignment.objects.filter(role=UnitRole.LEAD)
        .exclude(state="returned")
        .values_list("suggestion_id", "unit_id")
    )
    deputies = dict(User.objects.filter(deputy__isnull=False).values_list("pk", "deputy_id"))
    acknowledged = set(
        Assignment.objects.filter(state="acknowledged").values_list("suggestion_id", "unit_id")
    )
    clues_of = defaultdict(set)
    for clue_id, suggestion_id in Clue.objects.filter(suggestion__isnull=False).values_list(
        "pk", "suggestion_id"
    ):
        clues_of[suggestion_id].add(clue_id)
    for ev in Event.objects.order_by("pk").iterator(chunk_size=BATCH):
        where = f"suggestion {ev.suggestion_id}, event {ev.pk} ({ev.step})"
        if ev.step == Step.REPLY:
            reply = replies.get(ev.data.get("reply"))
            if (
                reply is None
                or reply.suggestion_id != ev.suggestion_id
                or reply.category != ev.data["category"]
            ):
                errors.append(f"{where}: no reply row {ev.data.get('reply')} of that class")
            elif leads.get(ev.suggestion_id) != reply.unit_id:
                errors.append(f"{where}: replied by unit {reply.unit_id}, not the lead unit")
        elif ev.step == Step.RATE:
            if (ev.suggestion_id, deputies.get(ev.actor_id), ev.data.get("round")) not in ratings:
                errors.append(f"{where}: no rating row of that deputy and round")
        elif ev.step == Step.ACKNOWLEDGE and (ev.suggestion_id, ev.data.get("unit")) not in acknowledged:
            errors.append(f"{where}: the unit's assignment is not acknowledged")
        elif ev.step == Step.CREATE and set(ev.data.get("clues", [])) != clues_of.get(
            ev.suggestion_id, set()
        ):
            named = sorted(clues_of[ev.suggestion_id])
            errors.append(f"{where}: names clues {ev.data.get('clues')}, not {named}")
        if len(errors) >= limit:
            return errors
    merged = Clue.objects.filter(state=ClueState.MERGED)
    if (
        merged.filter(suggestion__isnull=True).exists()
        or Clue.objects.exclude(state=ClueState.MERGED).filter(suggestion__isnull=False).exists()
    ):
        errors.append("merged clues and clues with a suggestion are not the same clues")
    replied = Suggestion.objects.filter(state__in=[State.REPLIED, State.RATED]).exclude(
        pk__in=Reply.objects.values("suggestion_id")
    )
    if replied.exists():
        errors.append(
            f"replied suggestions without a reply: {list(replied.values_list('pk', flat=True)[:10])}"
        )
    return errors[:limit]
