"""Handling units' measures (县直部门办理工作测评), read from their assignments on the year's
suggestions: acknowledged on time (签收率), replied on time (按期答复率), the deputies'
satisfaction — from their ratings of the replies and from the year-end survey, two
indicators so that each shows its own records — implemented on the ground (办成落地率), and
items returned as misrouted.

A co-handling unit (协办) answers for its part: its "reply" is the opinion it owes the lead
unit by its own deadline, and it shares the item's outcome (the ratings of the reply, the
implementation) with the lead unit.

The units scored are those that handled a suggestion of the year (an assignment they did not
return): a unit given nothing, or only what it rightly returned, has no rate to measure, and
ranking it last would say nothing. Returns still count against the units that handled
something."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Min
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from daibiao.suggestions.choices import AssignmentState, Satisfaction, State, Step, UnitRole
from daibiao.suggestions.models import Assignment, Event, Rating, Reply, Suggestion

from ..choices import Rule, TargetKind
from ..metrics import Context, kept, list_url, measure, metric, record, url_of

K = TargetKind.UNIT
# A suggestion in these states asks nothing more of its units: no reply, no implementation.
GONE = (State.WITHDRAWN, State.MERGED, State.TRANSFERRED)


def year_suggestions(ctx: Context):
    return Suggestion.objects.filter(county=ctx.county, year=ctx.year, **ctx.campaign_filter("campaign"))


def units_to_score(ctx: Context):
    """The ids of the units to score (a subquery): those with a live assignment of the year."""
    return (
        Assignment.objects.filter(suggestion__in=year_suggestions(ctx))
        .exclude(state=AssignmentState.RETURNED)
        .values("unit_id")
    )


def _assignments(ctx: Context) -> dict[int, list]:
    """Every assignment of the year's suggestions, by unit, returned ones included."""

    def fetch():
        rows = (
            Assignment.objects.filter(suggestion__in=year_suggestions(ctx))
            .order_by("suggestion_id", "id")
            .values_list(
                "id",
                "unit_id",
                "role",
                "state",
                "acknowledge_by",
                "acknowledged_at",
                "opinion_by",
                "opinion_at",
                "suggestion_id",
                "suggestion__title",
                "suggestion__state",
                "suggestion__deadline",
                named=True,
            )
        )
        by_unit = defaultdict(list)
        for row in rows:
            by_unit[row.unit_id].append(row)
        return by_unit

    return ctx.once("unit_assignments", fetch)


def _live(ctx: Context, unit_id: int) -> list:
    """The unit's assignments (lead or co) it did not return, on suggestions still asking
    something of their units."""
    return [
        row
        for row in _assignments(ctx).get(unit_id, [])
        if row.state != AssignmentState.RETURNED and row.suggestion__state not in GONE
    ]


def _suggestion_url(row) -> str:
    return url_of("suggestions:suggestion-detail", row.suggestion_id)


def _unit_list_url(ctx: Context, unit_id: int) -> str:
    return list_url("suggestions:suggestion-list", **ctx.list_params(unit=unit_id, year=ctx.year))


def _labelled(row, status: str) -> dict:
    return record(
        _("{title} ({status})").format(title=row.suggestion__title, status=status), _suggestion_url(row)
    )


def _rate(ctx: Context, unit_id: int, flagged: list) -> object:
    good = sum(1 for bad, _r in flagged if not bad)
    return measure(good, len(flagged), kept(flagged), _unit_list_url(ctx, unit_id))


@metric(
    K,
    "acknowledged_on_time",
    gettext_lazy("Acknowledged on time"),
    Rule.RATE,
    description=gettext_lazy(
        "Assignments (lead or co-handling) acknowledged by their deadline, of those acknowledged or due "
        "(returned ones left out)."
    ),
)
def acknowledged_on_time(ctx: Context) -> dict:
    of = _assignments(ctx)
    result = {}
    for unit_id in ctx.targets:
        flagged = []
        for row in of.get(unit_id, []):
            if row.state == AssignmentState.RETURNED:
                continue
            if row.acknowledged_at is None:
                if row.acknowledge_by >= ctx.cutoff or row.suggestion__state in GONE:
                    continue  # not due yet, or no longer asked for
                flagged.append((True, _labelled(row, _("not acknowledged"))))
            elif row.acknowledged_at <= row.acknowledge_by:
                flagged.append((False, _labelled(row, _("acknowledged on time"))))
            else:
                flagged.append((True, _labelled(row, _("acknowledged late"))))
        result[unit_id] = _rate(ctx, unit_id, flagged)
    return result


def _timeliness(done, due, cutoff, on_time: str, late: str, missing: str) -> tuple[bool, str] | None:
    """(late or missing, label) of something due by ``due`` and done at ``done``; ``None``
    while it is neither done nor due."""
    if done is None:
        if due is None or due >= cutoff:
            return None
        return True, missing
    if due is None or done <= due:
        return False, on_time
    return True, late


@metric(
    K,
    "replied_on_time",
    gettext_lazy("Replied on time"),
    Rule.RATE,
    description=gettext_lazy(
        "As lead unit, the first reply by the deadline (extensions granted count); as co-handling unit, "
        "its opinion to the lead unit by its own deadline. Of those done or due."
    ),
)
def replied_on_time(ctx: Context) -> dict:
    first = {
        (row["suggestion_id"], row["unit_id"]): row["first"]
        for row in Reply.objects.filter(suggestion__in=year_suggestions(ctx), follow_up=False)
        .order_by()
        .values("suggestion_id", "unit_id")
        .annotate(first=Min("created_at"))
    }
    lead = (_("replied on time"), _("replied late"), _("no reply, past the deadline"))
    co = (_("opinion sent on time"), _("opinion sent late"), _("no opinion, past its deadline"))
    result = {}
    for unit_id in ctx.targets:
        flagged = []
        for row in _live(ctx, unit_id):
            if row.role == UnitRole.LEAD:
                verdict = _timeliness(
                    first.get((row.suggestion_id, unit_id)), row.suggestion__deadline, ctx.cutoff, *lead
                )
            else:
                verdict = _timeliness(row.opinion_at, row.opinion_by, ctx.cutoff, *co)
            if verdict is not None:
                bad, status = verdict
                flagged.append((bad, _labelled(row, status)))
        result[unit_id] = _rate(ctx, unit_id, flagged)
    return result


@metric(
    K,
    "satisfaction_ratings",
    gettext_lazy("Satisfaction (deputies' ratings)"),
    Rule.RATE,
    description=gettext_lazy(
        "The deputies' ratings of the replies (every round) to the suggestions it handled, lead or "
        "co-handling, that were satisfied or basically satisfied."
    ),
)
def satisfaction_ratings(ctx: Context) -> dict:
    handled = defaultdict(set)  # suggestion → the units that handled it
    for unit_id, rows in _assignments(ctx).items():
        for row in rows:
            if row.state != AssignmentState.RETURNED:
                handled[row.suggestion_id].add(unit_id)
    rows = (
        Rating.objects.filter(suggestion__in=year_suggestions(ctx))
        .order_by("suggestion_id", "round", "id")
        .values_list("suggestion_id", "suggestion__title", "result", "round", named=True)
    )
    by_unit = defaultdict(list)
    for row in rows:
        label = _("{title}, round {round}: {result}").format(
            title=row.suggestion__title, round=row.round, result=Satisfaction(row.result).label
        )
        entry = (row.result == Satisfaction.UNSATISFIED, record(label, _suggestion_url(row)))
        for unit_id in handled.get(row.suggestion_id, ()):
            by_unit[unit_id].append(entry)
    return {unit_id: _rate(ctx, unit_id, by_unit.get(unit_id, [])) for unit_id in ctx.targets}


@metric(
    K,
    "satisfaction_survey",
    gettext_lazy("Satisfaction (year-end survey)"),
    Rule.RATE,
    description=gettext_lazy(
        "The deputies' answers in the year-end survey that were satisfied or basically satisfied. "
        "Who answered what is not shown."
    ),
)
def satisfaction_survey(ctx: Context) -> dict:
    from ..models import SurveyAnswer

    counts = defaultdict(dict)
    for unit_id, result, n in (
        SurveyAnswer.objects.filter(survey__county=ctx.county, survey__year=ctx.year)
        .order_by()
        .values_list("unit_id", "result")
        .annotate(n=Count("pk"))
    ):
        counts[unit_id][result] = n
    out = {}
    for unit_id in ctx.targets:
        mine = counts.get(unit_id, {})
        # The answers are anonymous to the units: the records are the counts, without links.
        records = [
            record(_("{result}: {n}").format(result=label, n=mine[value]))
            for value, label in Satisfaction.choices
            if mine.get(value)
        ]
        satisfied = sum(n for value, n in mine.items() if value != Satisfaction.UNSATISFIED)
        out[unit_id] = measure(satisfied, sum(mine.values()), records)
    return out


@metric(
    K,
    "implemented",
    gettext_lazy("Implemented on the ground"),
    Rule.RATE,
    description=gettext_lazy(
        "The suggestions it handled, lead or co-handling, verified as implemented on the ground (办成落地)."
    ),
)
def implemented(ctx: Context) -> dict:
    result = {}
    for unit_id in ctx.targets:
        flagged = [
            (row.suggestion__state != State.IMPLEMENTED, _labelled(row, State(row.suggestion__state).label))
            for row in _live(ctx, unit_id)
        ]
        result[unit_id] = _rate(ctx, unit_id, flagged)
    return result


@metric(
    K,
    "returned",
    gettext_lazy("Returned as misrouted"),
    Rule.INVERSE,
    description=gettext_lazy("Its assignments that it returned as not its remit (the fewer, the better)."),
)
def returned(ctx: Context) -> dict:
    # A lead unit's return marks its co-units' assignments returned too; the event names the
    # unit that returned the item, so only that one counts.
    returns = defaultdict(list)
    rows = (
        Event.objects.filter(suggestion__in=year_suggestions(ctx), step=Step.RETURN)
        .order_by("created_at", "id")
        .values_list("suggestion_id", "suggestion__title", "data", "note", named=True)
    )
    for row in rows:
        unit_id = (row.data or {}).get("unit")
        label = _("{title} (returned: {reason})").format(title=row.suggestion__title, reason=row.note[:60])
        returns[unit_id].append(record(label, url_of("suggestions:suggestion-detail", row.suggestion_id)))
    of = _assignments(ctx)
    return {
        unit_id: measure(
            len(returns[unit_id]), len(of.get(unit_id, [])), kept((True, r) for r in returns[unit_id])
        )
        for unit_id in ctx.targets
    }
