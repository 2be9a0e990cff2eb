"""The figures of a leader's page (我的联系镇): for each town a leading-group member answers for
(分片包干), how the campaign stands there.

Read-only and computed by the database: one grouped query per kind of figure (plans, the
three coverage groups, activities, clues, suggestions by state, overdue suggestions,
follow-up items, visits, report rounds and reports), whatever the number of towns. Every
record is read through ``restrict(user)``, as the lists each figure links to read it, so a
figure is always the count of the list behind it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Max, Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from daibiao.activities.coverage import Row, training_coverage
from daibiao.activities.models import Activity, Campaign
from daibiao.suggestions.choices import State
from daibiao.suggestions.models import Clue, Suggestion

from .choices import FollowUpStanding, ReportStatus
from .models import FollowUpItem, LeadingGroupMember, ProgressReport, ReportRound, SupervisionVisit


def link(name: str, args=(), **params) -> str:
    """The URL of a list, filtered by ``params`` (empty values left out)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    url = reverse(name, args=args)
    return f"{url}?{query}" if query else url


@dataclass
class TownFigures:
    """How the campaign stands in one town, and the lists behind each figure (``links``)."""

    town: object
    campaign: Campaign
    today: dt.date
    members: list = field(default_factory=list)  # the leading-group members who answer for it
    plan_status: str = ""
    coverage: Row | None = None
    activities: int = 0  # held so far in the campaign
    activities_month: int = 0  # held so far this month
    clues: int = 0
    states: dict[str, int] = field(default_factory=dict)  # suggestions per state
    overdue: int = 0  # suggestions past their deadline, a unit still owing work
    follow_ups_open: int = 0  # not done, not yet due
    follow_ups_overdue: int = 0  # not done, past due
    visits: int = 0
    last_visit: dt.date | None = None
    reports_late: int = 0
    reports_missing: int = 0

    @property
    def suggestions(self) -> int:
        return sum(self.states.values())

    @property
    def by_state(self) -> list[dict]:
        """The states that have suggestions here, in the loop's order, each with its list."""
        return [
            {"state": state, "label": state.label, "n": self.states[state], "url": self.state_url(state)}
            for state in State
            if self.states.get(state)
        ]

    def _filters(self) -> dict:
        return {"town": self.town.pk, "campaign": self.campaign.pk}

    def state_url(self, state: str) -> str:
        return link("suggestions:suggestion-list", **self._filters(), state=state)

    @property
    def links(self) -> dict[str, str]:
        base, campaign = self._filters(), self.campaign.pk
        return {
            "plan": reverse("activities:campaign-detail", args=[campaign]),
            "coverage": reverse("activities:coverage", args=[campaign]),
            "activities": link("activities:activity-list", **base, starts_before=self.today.isoformat()),
            "activities_month": link(
                "activities:activity-list",
                **base,
                starts_after=self.today.replace(day=1).isoformat(),
                starts_before=self.today.isoformat(),
            ),
            "clues": link("suggestions:clue-list", **base),
            "suggestions": link("suggestions:suggestion-list", **base),
            "overdue": link("suggestions:suggestion-list", **base, overdue="true"),
            "follow_ups_open": link("supervision:follow-up-list", **base, standing=FollowUpStanding.OPEN),
            "follow_ups_overdue": link(
                "supervision:follow-up-list", **base, standing=FollowUpStanding.OVERDUE
            ),
            "visits": link("supervision:visit-list", **base),
            "reports": link("supervision:report-matrix", **base),
        }


def _by_town(rows, key: str = "town_id") -> dict:
    return {row[key]: row for row in rows}


def town_figures(user, campaign: Campaign, towns, *, now: dt.datetime | None = None) -> list[TownFigures]:
    """The figures of ``towns`` (a Town queryset, already restricted) in ``campaign``, as far as
    ``user`` may see the records behind them."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    members = LeadingGroupMember.objects.restrict(user).filter(campaign=campaign).select_related("user")
    towns = list(
        campaign.town_plan_table(towns).prefetch_related(
            Prefetch("leading_group_members", queryset=members, to_attr="answering")
        )
    )
    ids = [t.pk for t in towns]
    figures = {
        t.pk: TownFigures(
            town=t, campaign=campaign, today=today, members=t.answering, plan_status=t.plan_status
        )
        for t in towns
    }
    if not figures:
        return []

    rows, _county = training_coverage(campaign, towns)
    for row in rows:
        figures[row.town.pk].coverage = row

    # The same lookups as the activity list's filters (``starts_at`` by local date).
    activities = (
        Activity.objects.restrict(user)
        .filter(campaign=campaign, town_id__in=ids, starts_at__date__lte=today)
        .order_by()
        .values("town_id")
        .annotate(n=Count("pk"), month=Count("pk", filter=Q(starts_at__date__gte=today.replace(day=1))))
    )
    for town_id, row in _by_town(activities).items():
        figures[town_id].activities, figures[town_id].activities_month = row["n"], row["month"]

    clues = (
        Clue.objects.restrict(user)
        .filter(campaign=campaign, town_id__in=ids)
        .order_by()
        .values("town_id")
        .annotate(n=Count("pk"))
    )
    for town_id, row in _by_town(clues).items():
        figures[town_id].clues = row["n"]

    suggestions = Suggestion.objects.restrict(user).filter(campaign=campaign, town_id__in=ids).order_by()
    for row in suggestions.values("town_id", "state").annotate(n=Count("pk")):
        figures[row["town_id"]].states[row["state"]] = row["n"]
    for row in suggestions.overdue(now).values("town_id").annotate(n=Count("pk")):
        figures[row["town_id"]].overdue = row["n"]

    items = (
        FollowUpItem.objects.restrict(user)
        .filter(visit__campaign=campaign, visit__town_id__in=ids, done_on__isnull=True)
        .order_by()
        .values("visit__town_id")
        .annotate(
            open=Count("pk", filter=Q(due_on__gte=today)),
            overdue=Count("pk", filter=Q(due_on__lt=today)),
        )
    )
    for town_id, row in _by_town(items, "visit__town_id").items():
        figures[town_id].follow_ups_open, figures[town_id].follow_ups_overdue = row["open"], row["overdue"]

    visits = (
        SupervisionVisit.objects.restrict(user)
        .filter(campaign=campaign, town_id__in=ids)
        .order_by()
        .values("town_id")
        .annotate(n=Count("pk"), last=Max("visited_on"))
    )
    for town_id, row in _by_town(visits).items():
        figures[town_id].visits, figures[town_id].last_visit = row["n"], row["last"]

    # Late or missing can only be said of a round whose due day has passed.
    due = list(
        ReportRound.objects.restrict(user)
        .filter(campaign=campaign, due_on__lt=today)
        .values_list("pk", flat=True)
    )
    if due:
        handed_in: Counter = Counter()
        late: defaultdict = defaultdict(int)
        reports = (
            ProgressReport.objects.restrict(user)
            .filter(round_id__in=due, town_id__in=ids)
            .with_timeliness()
            .values_list("town_id", "timeliness")
        )
        for town_id, timeliness in reports:
            handed_in[town_id] += 1
            late[town_id] += timeliness == ReportStatus.LATE
        for town_id, figure in figures.items():
            figure.reports_late = late[town_id]
            figure.reports_missing = len(due) - handed_in[town_id]
    return list(figures.values())
