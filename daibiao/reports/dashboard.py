"""What the overview page shows: the report's four outcomes (capability, problems found,
problems solved, the congress's role), the town comparison, the units' league table and the
overdue list — each figure with the link to the list it counts, and the data of the charts.

Read-only and scoped like the lists it links to: every figure counts rows of
``Model.objects.restrict(user, "view")`` with the very filters its link puts in the list's
URL, so a figure always equals the length of its list. Each breakdown (by town, unit,
category, month, kind) is one ``GROUP BY``, so the page runs a fixed number of queries
whatever the number of towns, units or records."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from daibiao.activities.choices import ActivityKind, AttendanceStatus
from daibiao.activities.models import Activity, Attendance
from daibiao.core.scoping import Action
from daibiao.mediation.models import MediationCase
from daibiao.registry.choices import OrganizationKind
from daibiao.registry.models import Deputy, Organization, OrgMembership, Town
from daibiao.suggestions.choices import (
    CONCLUDED_STATES,
    OPEN_STATES,
    AssignmentState,
    Category,
    ClueState,
    Satisfaction,
    State,
    UnitRole,
)
from daibiao.suggestions.models import Assignment, Rating, Reply

from .stats import _rate, _within, deputies_trained, overview, scoped_clues, scoped_suggestions

OVERDUE_SHOWN = 10  # the overdue list shows the longest overdue; "all" opens the whole list
VIEW = Action.VIEW


@dataclass
class Figure:
    """One number on the page: what it is, and the list it counts (``url``; empty for a
    rate, which counts no list of its own)."""

    key: str
    label: str
    value: int | float | None
    url: str = ""
    rate: bool = False  # a percentage
    api: str = ""  # its key in GET /api/v1/stats/overview/, when it is one of those
    note: str = ""

    @property
    def count(self) -> int | None:
        """The length of the linked list (``None`` for a rate or an unlinked figure)."""
        return None if self.rate or not self.url else self.value

    @property
    def display(self) -> str:
        """The number as shown: thousands grouped; a rate with one decimal; a dash for none."""
        if self.value is None:
            return "—"
        return f"{self.value:.1f}" if self.rate else f"{self.value:,}"


@dataclass
class TownRow:
    town: object
    figures: list[Figure] = field(default_factory=list)


@dataclass
class UnitRow:
    unit_id: int
    name: str
    assigned: Figure
    overdue: Figure
    lead: int
    acknowledged_on_time: float | None
    replied_on_time: float | None
    satisfaction: float | None
    implemented: float | None

    @property
    def rates(self) -> list[float | None]:
        """Acknowledged on time, replied on time, deputies satisfied, implemented (percent)."""
        return [self.acknowledged_on_time, self.replied_on_time, self.satisfaction, self.implemented]

    @property
    def score(self) -> float | None:
        """The mean of the rates it has: what the league is ranked by."""
        rates = [r for r in self.rates if r is not None]
        return round(sum(rates) / len(rates), 1) if rates else None


@dataclass
class Dashboard:
    campaign: object
    town: object
    headline: list[Figure]
    capability: list[Figure]
    found: list[Figure]
    solved: list[Figure]
    role: list[Figure]
    towns: list[TownRow]
    town_columns: list[str]
    league: list[UnitRow]
    overdue: list
    overdue_all: Figure
    charts: dict
    figures: dict  # the overview API's figures, as it answers them


def link(name: str, *args, **params) -> str:
    """The URL of a list with its filters; ``None`` and ``False`` filters are left out, a
    record stands for its id and ``True`` for ``true``."""
    query = {}
    for key, value in params.items():
        if value is None or value is False or value == "":
            continue
        if value is True:
            value = "true"
        query[key] = getattr(value, "pk", value)
    url = _path(get_script_prefix(), get_urlconf(), name, args)
    return f"{url}?{urlencode(query)}" if query else url


@functools.lru_cache(maxsize=256)
def _path(prefix: str, urlconf, name: str, args: tuple) -> str:
    # A page links some two hundred figures to a dozen lists: reverse each list once (per
    # script prefix and URLconf, which the answer depends on).
    return reverse(name, args=args, urlconf=urlconf)


def build(user, *, campaign=None, town=None, now=None) -> Dashboard:
    """The overview of ``user``'s scope, for one campaign and one town when given."""
    now = now or timezone.now()
    figures = overview(user, campaign=campaign, town=town)
    suggestions = scoped_suggestions(user, campaign=campaign, town=town)
    clues = scoped_clues(user, campaign=campaign, town=town)
    activities = _within(
        Activity.objects.restrict(user, VIEW), town=town, campaign=campaign, campaign_path="campaign"
    )
    loop = {"campaign": campaign, "town": town}  # the filters of the loop's lists

    headline = [
        Figure(
            "deputies",
            _("Deputies"),
            figures["deputies"],
            link("registry:deputy-list", town=town),
            api="deputies",
        ),
        Figure("clues", _("Clues"), figures["clues"], link("suggestions:clue-list", **loop), api="clues"),
        Figure(
            "suggestions",
            _("Suggestions"),
            figures["suggestions"],
            link("suggestions:suggestion-list", **loop),
            api="suggestions",
        ),
        Figure(
            "concluded",
            _("Concluded"),
            figures["concluded"],
            link("suggestions:suggestion-list", concluded=True, **loop),
            api="concluded",
        ),
        Figure(
            "implemented",
            _("Implemented"),
            figures["implemented"],
            link("suggestions:suggestion-list", implemented=True, **loop),
            api="implemented",
        ),
        Figure(
            "overdue",
            _("Overdue"),
            figures["overdue"],
            link("suggestions:suggestion-list", overdue=True, **loop),
            api="overdue",
        ),
        Figure(
            "satisfaction_rate",
            _("Satisfaction rate"),
            figures["satisfaction_rate"],
            rate=True,
            api="satisfaction_rate",
        ),
        Figure(
            "training_coverage",
            _("Training coverage"),
            figures["training_coverage"],
            rate=True,
            api="training_coverage",
        ),
    ]
    top = {f.key: f for f in headline}

    # --- capability: training and activities ---------------------------------------------
    by_kind = dict(activities.values_list("kind").annotate(n=Count("pk")).order_by())
    attendance = (
        Attendance.objects.restrict(user, VIEW)
        .filter(activity__in=activities.values("pk"))
        .aggregate(
            present=Count("pk", filter=Q(status=AttendanceStatus.PRESENT)),
            recorded=Count("pk", filter=~Q(status=AttendanceStatus.INVITED)),
        )
    )
    capability = [
        Figure(
            "activities",
            _("Activities held"),
            sum(by_kind.values()),
            link("activities:activity-list", **loop),
        ),
        Figure(
            "trainings",
            _("Trainings"),
            by_kind.get(ActivityKind.TRAINING, 0),
            link("activities:activity-list", kind=ActivityKind.TRAINING, **loop),
        ),
        Figure(
            "attendance_rate",
            _("Attendance rate"),
            _rate(attendance["present"], attendance["recorded"]),
            rate=True,
            note=_("present of those recorded"),
        ),
    ]

    # --- problems found: clues and suggestions by category ---------------------------------
    clue_categories, solved = {}, 0
    for category, state, n in clues.values_list("category", "state").annotate(n=Count("pk")).order_by():
        clue_categories[category] = clue_categories.get(category, 0) + n
        solved += n if state == ClueState.SOLVED else 0
    suggestion_categories = dict(suggestions.values_list("category").annotate(n=Count("pk")).order_by())
    found = [
        top["clues"],
        top["suggestions"],
        Figure(
            "clues_solved",
            _("Solved on the spot"),
            solved,
            link("suggestions:clue-list", state=ClueState.SOLVED, **loop),
        ),
    ]

    # --- problems solved: the loop's outcome and the units' timeliness ---------------------
    league, totals = _league(user, suggestions, loop, now)
    solved = [
        top["concluded"],
        top["implemented"],
        Figure(
            "conclusion_rate",
            _("Conclusion rate"),
            _rate(figures["concluded"], figures["suggestions"]),
            rate=True,
            note=_("of all suggestions"),
        ),
        Figure(
            "implementation_rate",
            _("Implementation rate"),
            _rate(figures["implemented"], figures["concluded"]),
            rate=True,
            note=_("of the concluded"),
        ),
        Figure(
            "acknowledged_on_time",
            _("Acknowledged on time"),
            _rate(totals["ack_on_time"], totals["ack_due"]),
            rate=True,
        ),
        Figure(
            "replied_on_time",
            _("Replied on time"),
            _rate(totals["reply_on_time"], totals["reply_due"]),
            rate=True,
        ),
        top["satisfaction_rate"],
    ]

    # --- the congress's role: mediation, publicity, "代表+", courtyards --------------------
    live = OrgMembership.objects.live()
    embedded = _within(Deputy.objects.restrict(user, VIEW), town=town).filter(pk__in=live.values("deputy_id"))
    org_kinds = dict(
        _within(Organization.objects.restrict(user, VIEW), town=town)
        .filter(pk__in=live.values("organization_id"))
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    role = [
        Figure(
            "mediation_cases",
            _("Disputes mediated"),
            figures["mediation_cases"],
            link("mediation:case-list", town=town),
            api="mediation_cases",
        ),
        Figure(
            "media_articles",
            _("Media articles"),
            figures["media_articles"],
            link("activities:media-list", town=town),
            api="media_articles",
        ),
        Figure(
            "embedded_deputies",
            _("Deputies in organisations"),
            embedded.count(),
            link("registry:deputy-list", town=town, in_organization=True),
        ),
        Figure(
            "org_memberships",
            _("Posts held in organisations"),
            figures["org_memberships"],
            api="org_memberships",
        ),
        Figure(
            "courtyard_heads",
            _("Courtyard heads"),
            figures["courtyard_heads"],
            link("registry:deputy-list", town=town, courtyard_head=True),
            api="courtyard_heads",
        ),
    ]

    towns, town_columns = ([], []) if town is not None else _towns(user, campaign, suggestions, clues, now)

    overdue_rows = list(
        suggestions.overdue(now)
        .select_related("town", "lead_unit")
        .order_by("deadline", "pk")[:OVERDUE_SHOWN]
    )
    for item in overdue_rows:
        item.days_overdue = (now - item.deadline).days
    overdue_all = Figure(
        "overdue_all",
        _("All overdue"),
        figures["overdue"],
        link("suggestions:suggestion-list", overdue=True, **loop),
    )

    charts = {
        "trend": _trend(campaign, clues, suggestions, now),
        "categories": _categories(clue_categories, suggestion_categories, loop),
        "activities": _kinds(by_kind, loop),
        "organizations": _organizations(org_kinds, town),
    }
    if towns:
        charts["towns"] = _towns_chart(towns)
    return Dashboard(
        campaign=campaign,
        town=town,
        headline=headline,
        capability=[top["training_coverage"], *capability],
        found=found,
        solved=solved,
        role=role,
        towns=towns,
        town_columns=town_columns,
        league=league,
        overdue=overdue_rows,
        overdue_all=overdue_all,
        charts=charts,
        figures=figures,
    )


# --- the towns side by side -----------------------------------------------------------------

TOWN_COLUMNS = {
    "deputies": _("Deputies"),
    "clues": _("Clues"),
    "suggestions": _("Suggestions"),
    "concluded": _("Concluded"),
    "implemented": _("Implemented"),
    "overdue": _("Overdue"),
    "mediation_cases": _("Disputes mediated"),
    "training_coverage": _("Training coverage"),
}


def _towns(user, campaign, suggestions, clues, now):
    """One row per town in scope, each figure linked to that town's list; six queries
    whatever the number of towns (the towns and five grouped counts)."""
    towns = list(Town.objects.restrict(user, VIEW).order_by("sort_order", "name", "pk"))
    deputies = dict(
        Deputy.objects.restrict(user, VIEW).values_list("town").annotate(n=Count("pk")).order_by()
    )
    clue_counts = dict(clues.values_list("town").annotate(n=Count("pk")).order_by())
    loop = {
        row["town"]: row
        for row in suggestions.values("town")
        .annotate(
            suggestions=Count("pk"),
            concluded=Count("pk", filter=Q(state__in=CONCLUDED_STATES)),
            implemented=Count("pk", filter=Q(state=State.IMPLEMENTED)),
            overdue=Count("pk", filter=Q(state__in=OPEN_STATES, deadline__lt=now)),
        )
        .order_by()
    }
    cases = dict(
        MediationCase.objects.restrict(user, VIEW)
        .values_list("clinic__town")
        .annotate(n=Count("pk"))
        .order_by()
    )
    coverage = deputies_trained(campaign) if campaign is not None else {}
    result = []
    for town in towns:
        counts = loop.get(town.pk, {})
        scope = {"campaign": campaign, "town": town}

        def figure(key, value, url, *, rate=False, town=town):
            return Figure(f"town:{town.pk}:{key}", str(TOWN_COLUMNS[key]), value, url, rate=rate)

        figures = [
            figure("deputies", deputies.get(town.pk, 0), link("registry:deputy-list", town=town)),
            figure("clues", clue_counts.get(town.pk, 0), link("suggestions:clue-list", **scope)),
            figure("suggestions", counts.get("suggestions", 0), link("suggestions:suggestion-list", **scope)),
            figure(
                "concluded",
                counts.get("concluded", 0),
                link("suggestions:suggestion-list", concluded=True, **scope),
            ),
            figure(
                "implemented",
                counts.get("implemented", 0),
                link("suggestions:suggestion-list", implemented=True, **scope),
            ),
            figure(
                "overdue",
                counts.get("overdue", 0),
                link("suggestions:suggestion-list", overdue=True, **scope),
            ),
            figure("mediation_cases", cases.get(town.pk, 0), link("mediation:case-list", town=town)),
        ]
        if campaign is not None:
            trained, total = coverage.get(town.pk, (0, 0))
            figures.append(
                figure(
                    "training_coverage",
                    _rate(trained, total),
                    link("activities:coverage", campaign.pk),
                    rate=True,
                )
            )
        result.append(TownRow(town=town, figures=figures))
    columns = [str(TOWN_COLUMNS[f.key.rsplit(":", 1)[1]]) for f in result[0].figures] if result else []
    return result, columns


def _towns_chart(rows):
    series_keys = ("clues", "suggestions", "concluded", "implemented")
    series = []
    for key in series_keys:
        data = []
        for row in rows:
            figure = next(f for f in row.figures if f.key.endswith(f":{key}"))
            data.append({"value": figure.value, "url": figure.url})
        series.append({"name": str(TOWN_COLUMNS[key]), "data": data})
    rate = None
    if any(f.key.endswith(":training_coverage") for f in rows[0].figures):
        rate = {
            "name": str(TOWN_COLUMNS["training_coverage"]),
            "data": [
                {"value": f.value, "url": f.url}
                for row in rows
                for f in row.figures
                if f.key.endswith(":training_coverage")
            ],
        }
    return {
        "kind": "bar",
        "categories": [row.town.name for row in rows],
        "series": series,
        "rate": rate,
        "empty": not any(d["value"] for s in series for d in s["data"]),
    }


# --- the units' league table ------------------------------------------------------------------


def _league(user, suggestions, loop, now):
    """Per unit with a live part in the suggestions in scope: how many it was given (lead or
    co-handling), acknowledged on time, replied on time (lead units reply), the deputies'
    satisfaction with its replies, and how many of those it led were implemented. Two grouped
    queries; ranked by the mean of the four rates."""
    scoped = suggestions.values("pk")
    # A reply is on time when the lead unit's first-round reply came by the deadline in force.
    reply = Reply.objects.filter(suggestion=OuterRef("suggestion"), unit=OuterRef("unit"), follow_up=False)
    replied = Exists(reply)
    replied_on_time = Exists(reply.filter(created_at__lte=OuterRef("suggestion__deadline")))
    lead = Q(role=UnitRole.LEAD)
    late_now = Q(suggestion__state__in=OPEN_STATES, suggestion__deadline__lt=now)
    rows = (
        Assignment.objects.filter(suggestion__in=scoped)
        .exclude(state=AssignmentState.RETURNED)
        .values("unit", "unit__name")
        .annotate(
            assigned=Count("pk"),
            lead=Count("pk", filter=lead),
            ack_on_time=Count(
                "pk", filter=Q(acknowledged_at__isnull=False, acknowledged_at__lte=F("acknowledge_by"))
            ),
            ack_due=Count("pk", filter=Q(acknowledged_at__isnull=False) | Q(acknowledge_by__lt=now)),
            reply_on_time=Count("pk", filter=lead & replied_on_time),
            reply_due=Count("pk", filter=lead & (replied | late_now)),
            implemented=Count("pk", filter=lead & Q(suggestion__state=State.IMPLEMENTED)),
            overdue=Count("pk", filter=late_now),
        )
        .order_by()
    )
    ratings = {
        row["suggestion__lead_unit"]: row
        for row in Rating.objects.filter(suggestion__in=scoped)
        .values("suggestion__lead_unit")
        .annotate(rated=Count("pk"), satisfied=Count("pk", filter=~Q(result=Satisfaction.UNSATISFIED)))
        .order_by()
    }
    totals = dict.fromkeys(("ack_on_time", "ack_due", "reply_on_time", "reply_due"), 0)
    league = []
    for row in rows:
        for key in totals:
            totals[key] += row[key]
        unit = row["unit"]
        rated = ratings.get(unit, {"rated": 0, "satisfied": 0})
        league.append(
            UnitRow(
                unit_id=unit,
                name=row["unit__name"],
                assigned=Figure(
                    f"unit:{unit}:assigned",
                    str(_("Given")),
                    row["assigned"],
                    link("suggestions:suggestion-list", unit=unit, **loop),
                ),
                overdue=Figure(
                    f"unit:{unit}:overdue",
                    str(_("Overdue")),
                    row["overdue"],
                    link("suggestions:suggestion-list", unit=unit, overdue=True, **loop),
                ),
                lead=row["lead"],
                acknowledged_on_time=_rate(row["ack_on_time"], row["ack_due"]),
                replied_on_time=_rate(row["reply_on_time"], row["reply_due"]),
                satisfaction=_rate(rated["satisfied"], rated["rated"]),
                implemented=_rate(row["implemented"], row["lead"]),
            )
        )
    league.sort(key=lambda r: (r.score is None, -(r.score or 0), -r.assigned.value, r.name))
    return league, totals


# --- charts ------------------------------------------------------------------------------------


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _month_of(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return value.replace(day=1)


def _trend(campaign, clues, suggestions, now):
    """Per month over the campaign (or over the records, without one): clues collected,
    suggestions formed, concluded and implemented. Four grouped queries."""

    def per_month(queryset, column):
        rows = (
            queryset.filter(**{f"{column}__isnull": False})
            .annotate(month=TruncMonth(column))
            .values_list("month")
            .annotate(n=Count("pk"))
            .order_by()
        )
        counts = {}
        for month, n in rows:
            key = _month_of(month)
            counts[key] = counts.get(key, 0) + n
        return counts

    series = {
        _("Clues"): per_month(clues, "occurred_on"),
        _("Suggestions"): per_month(suggestions, "created_at"),
        _("Concluded"): per_month(suggestions.filter(state__in=CONCLUDED_STATES), "concluded_at"),
        _("Implemented"): per_month(suggestions.filter(state=State.IMPLEMENTED), "implemented_at"),
    }
    seen = [month for counts in series.values() for month in counts]
    today = timezone.localtime(now).date()
    if campaign is not None:
        first = campaign.starts_on
        last = min(campaign.ends_on or today, today)
        first, last = min([first, *seen]), max([last, *seen])
    elif seen:
        first, last = min(seen), max(seen)
    else:
        first = last = today
    months = _months(first, last)
    return {
        "kind": "line",
        "categories": [m.strftime("%Y-%m") for m in months],
        "series": [
            {"name": str(name), "data": [counts.get(m, 0) for m in months]} for name, counts in series.items()
        ],
        "empty": not seen,
    }


def _categories(clue_categories, suggestion_categories, loop):
    """Clues and suggestions per category, largest first; each bar opens its list."""
    labels = dict(Category.choices)
    keys = sorted(
        set(clue_categories) | set(suggestion_categories),
        key=lambda k: (-(clue_categories.get(k, 0) + suggestion_categories.get(k, 0)), k),
    )

    def bar(counts, list_name, key):
        value = counts.get(key, 0)
        # An uncategorised clue has no list of its own: the filter cannot ask for "none".
        return {"value": value, "url": link(list_name, category=key, **loop) if key else ""}

    return {
        "kind": "bar",
        "horizontal": True,
        "categories": [
            str(labels.get(k, _("Uncategorised"))) if k else str(_("Uncategorised")) for k in keys
        ],
        "series": [
            {
                "name": str(_("Clues")),
                "data": [bar(clue_categories, "suggestions:clue-list", k) for k in keys],
            },
            {
                "name": str(_("Suggestions")),
                "data": [bar(suggestion_categories, "suggestions:suggestion-list", k) for k in keys],
            },
        ],
        "empty": not keys,
    }


def _kinds(by_kind, loop):
    """Activities per kind, in the order of the kinds; each bar opens its list."""
    kinds = [(k, label) for k, label in ActivityKind.choices if by_kind.get(k)]
    return {
        "kind": "bar",
        "horizontal": True,
        "categories": [str(label) for _k, label in kinds],
        "series": [
            {
                "name": str(_("Activities held")),
                "data": [
                    {"value": by_kind[k], "url": link("activities:activity-list", kind=k, **loop)}
                    for k, _label in kinds
                ],
            }
        ],
        "empty": not kinds,
    }


def _organizations(org_kinds, town):
    """Organisations with deputies embedded, per kind ("代表+"); each slice opens its list."""
    return {
        "kind": "pie",
        "data": [
            {
                "name": str(label),
                "value": org_kinds[k],
                "url": link("registry:organization-list", kind=k, town=town, with_deputies=True),
            }
            for k, label in OrganizationKind.choices
            if org_kinds.get(k)
        ],
        "empty": not org_kinds,
    }
