"""Towns' measures (镇人大年终考评): the town's plan for the campaign on time, the activities
held in the town, training coverage of its deputies, attendance recorded for every activity
(the duty records are built from it), its clues and suggestions handled, its progress reports
on time, and the media articles that cover it."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from daibiao.activities.choices import ActivityKind, AttendanceStatus, PlanStatus
from daibiao.activities.models import Activity, Attendance, Campaign, MediaArticle
from daibiao.registry.choices import DeputyStatus
from daibiao.registry.models import Deputy, Town
from daibiao.suggestions.choices import CONCLUDED_STATES, ClueState, State
from daibiao.suggestions.models import Clue, Suggestion
from daibiao.supervision.choices import ReportStatus
from daibiao.supervision.models import ProgressReport, ReportRound

from ..choices import Rule, TargetKind
from ..metrics import Context, kept, list_url, local_day, measure, metric, record, url_of

K = TargetKind.TOWN


def _held(ctx: Context) -> dict:
    """The period's activities held so far, organised within a town (by its presidium, a
    station or a group), as filters of the activity list."""
    return {
        "county": ctx.county,
        "town__isnull": False,
        "starts_at__gte": ctx.start,
        "starts_at__lt": ctx.cutoff,
        **ctx.campaign_filter("campaign"),
    }


def _activity_list_url(ctx: Context, town_id: int) -> str:
    return list_url(
        "activities:activity-list",
        **ctx.list_params(
            town=town_id, starts_after=ctx.first.isoformat(), starts_before=ctx.today.isoformat()
        ),
    )


@metric(
    K,
    "plan_on_time",
    gettext_lazy("Plan handed in on time"),
    Rule.RATE,
    description=gettext_lazy(
        "The town's plan for each campaign whose plans fell due, handed in by the due day."
    ),
)
def plan_on_time(ctx: Context) -> dict:
    if ctx.campaign is not None:
        campaigns = [ctx.campaign]
    else:
        campaigns = list(
            Campaign.objects.filter(county=ctx.county, town_plans_due_on__range=(ctx.first, ctx.last))
        )
    # A plan not yet due is not yet anyone's failing.
    campaigns = [c for c in campaigns if c.town_plans_due_on is None or c.town_plans_due_on <= ctx.today]
    rows = defaultdict(list)
    towns = Town.objects.filter(county=ctx.county)
    for campaign in campaigns:
        for town_id, status in campaign.town_plan_table(towns).values_list("pk", "plan_status"):
            label = _("{campaign}: {status}").format(campaign=campaign.theme, status=PlanStatus(status).label)
            rows[town_id].append((status, record(label, url_of("activities:campaign-detail", campaign.pk))))
    url = url_of("activities:campaign-detail", campaigns[0].pk) if len(campaigns) == 1 else ""
    result = {}
    for town_id in ctx.targets:
        mine = rows.get(town_id, [])
        on_time = sum(1 for status, _r in mine if status == PlanStatus.ON_TIME)
        records = kept((status != PlanStatus.ON_TIME, r) for status, r in mine)
        result[town_id] = measure(on_time, len(mine), records, url)
    return result


@metric(
    K,
    "activities_held",
    gettext_lazy("Activities held"),
    Rule.TARGET,
    target=30,
    description=gettext_lazy("Activities held in the town by its presidium, stations and groups."),
)
def activities_held(ctx: Context) -> dict:
    rows = (
        Activity.objects.filter(**_held(ctx))
        .order_by("starts_at", "id")
        .values_list("town_id", "id", "name", "starts_at", named=True)
    )
    by_town = defaultdict(list)
    for row in rows:
        label = _("{date} {name}").format(date=local_day(row.starts_at), name=row.name)
        by_town[row.town_id].append(record(label, url_of("activities:activity-detail", row.id)))
    return {
        t: measure(len(by_town[t]), None, kept((False, r) for r in by_town[t]), _activity_list_url(ctx, t))
        for t in ctx.targets
    }


@metric(
    K,
    "training_coverage",
    gettext_lazy("Training coverage"),
    Rule.RATE,
    description=gettext_lazy("The town's serving deputies present at a training (全覆盖)."),
)
def training_coverage(ctx: Context) -> dict:
    trained = Attendance.objects.filter(
        deputy_id=OuterRef("pk"),
        status=AttendanceStatus.PRESENT,
        activity__kind=ActivityKind.TRAINING,
        activity__starts_at__gte=ctx.start,
        activity__starts_at__lt=ctx.cutoff,
        **ctx.campaign_filter("activity__campaign"),
    )
    rows = (
        Deputy.objects.filter(county=ctx.county, status=DeputyStatus.SERVING)
        .annotate(trained=Exists(trained))
        .order_by("name_pinyin", "id")
        .values_list("town_id", "id", "name", "trained", named=True)
    )
    by_town = defaultdict(list)
    for row in rows:
        label = row.name if row.trained else _("{name} (not trained)").format(name=row.name)
        by_town[row.town_id].append((row.trained, record(label, url_of("registry:deputy-detail", row.id))))
    url = url_of("activities:coverage", ctx.campaign.pk) if ctx.campaign is not None else ""
    result = {}
    for t in ctx.targets:
        mine = by_town.get(t, [])
        done = sum(1 for ok, _r in mine if ok)
        result[t] = measure(done, len(mine), kept((not ok, r) for ok, r in mine), url)
    return result


@metric(
    K,
    "duty_records",
    gettext_lazy("Duty records complete"),
    Rule.RATE,
    description=gettext_lazy(
        "Attendance recorded (present, absent or on leave) for every deputy invited to the town's "
        "activities: the deputies' duty records are built from it."
    ),
)
def duty_records(ctx: Context) -> dict:
    rows = (
        Attendance.objects.filter(**{f"activity__{k}": v for k, v in _held(ctx).items()})
        .order_by("activity__starts_at", "activity_id")
        .values("activity__town_id", "activity_id", "activity__name", "activity__starts_at")
        .annotate(total=Count("pk"), recorded=Count("pk", filter=~Q(status=AttendanceStatus.INVITED)))
    )
    by_town = defaultdict(list)
    for row in rows:
        label = _("{date} {name}: attendance of {recorded} of {total} recorded").format(
            date=local_day(row["activity__starts_at"]),
            name=row["activity__name"],
            recorded=row["recorded"],
            total=row["total"],
        )
        by_town[row["activity__town_id"]].append(
            (row, record(label, url_of("activities:activity-attendance", row["activity_id"])))
        )
    result = {}
    for t in ctx.targets:
        mine = by_town.get(t, [])
        recorded = sum(row["recorded"] for row, _r in mine)
        total = sum(row["total"] for row, _r in mine)
        records = kept((row["recorded"] < row["total"], r) for row, r in mine)
        result[t] = measure(recorded, total, records, _activity_list_url(ctx, t))
    return result


@metric(
    K,
    "clues_handled",
    gettext_lazy("Clues handled"),
    Rule.RATE,
    description=gettext_lazy(
        "The town's clues of the year that were taken up: merged into a suggestion, solved on the "
        "spot or dismissed with a reason."
    ),
)
def clues_handled(ctx: Context) -> dict:
    rows = (
        Clue.objects.filter(
            county=ctx.county, occurred_on__range=(ctx.first, ctx.last), **ctx.campaign_filter("campaign")
        )
        .order_by("occurred_on", "id")
        .values_list("town_id", "id", "title", "state", "occurred_on", named=True)
    )
    by_town = defaultdict(list)
    for row in rows:
        label = _("{date} {name} ({status})").format(
            date=row.occurred_on, name=row.title, status=ClueState(row.state).label
        )
        by_town[row.town_id].append(
            (row.state != ClueState.OPEN, record(label, url_of("suggestions:clue-detail", row.id)))
        )
    result = {}
    for t in ctx.targets:
        mine = by_town.get(t, [])
        handled = sum(1 for ok, _r in mine if ok)
        url = list_url("suggestions:clue-list", **ctx.list_params(town=t, year=ctx.year))
        result[t] = measure(handled, len(mine), kept((not ok, r) for ok, r in mine), url)
    return result


@metric(
    K,
    "suggestions_concluded",
    gettext_lazy("Suggestions concluded"),
    Rule.RATE,
    description=gettext_lazy(
        "The town's suggestions of the year concluded or implemented (drafts, withdrawn and "
        "merged ones left out)."
    ),
)
def suggestions_concluded(ctx: Context) -> dict:
    rows = (
        Suggestion.objects.filter(
            county=ctx.county, year=ctx.year, town__isnull=False, **ctx.campaign_filter("campaign")
        )
        .exclude(state__in=(State.DRAFT, State.WITHDRAWN, State.MERGED))
        .order_by("id")
        .values_list("town_id", "id", "title", "state", named=True)
    )
    by_town = defaultdict(list)
    for row in rows:
        label = _("{title} ({state})").format(title=row.title, state=State(row.state).label)
        by_town[row.town_id].append(
            (row.state in CONCLUDED_STATES, record(label, url_of("suggestions:suggestion-detail", row.id)))
        )
    result = {}
    for t in ctx.targets:
        mine = by_town.get(t, [])
        done = sum(1 for ok, _r in mine if ok)
        url = list_url("suggestions:suggestion-list", **ctx.list_params(town=t, year=ctx.year))
        result[t] = measure(done, len(mine), kept((not ok, r) for ok, r in mine), url)
    return result


@metric(
    K,
    "reports_on_time",
    gettext_lazy("Progress reports on time"),
    Rule.RATE,
    description=gettext_lazy(
        "Report rounds of the year already due for which the town reported by the due day."
    ),
)
def reports_on_time(ctx: Context) -> dict:
    rounds = list(
        ReportRound.objects.filter(
            campaign__county=ctx.county,
            due_on__range=(ctx.first, ctx.today),
            **ctx.campaign_filter("campaign"),
        ).order_by("due_on", "id")
    )
    reports = {
        (r.round_id, r.town_id): r
        for r in ProgressReport.objects.filter(round__in=[r.pk for r in rounds])
        .with_timeliness()
        .only("pk", "round_id", "town_id", "submitted_at")
    }
    campaign_ids = {r.campaign_id for r in rounds}
    campaign = (
        ctx.campaign.pk
        if ctx.campaign is not None
        else (next(iter(campaign_ids)) if len(campaign_ids) == 1 else None)
    )
    result = {}
    for t in ctx.targets:
        flagged = []
        for rnd in rounds:
            report = reports.get((rnd.pk, t))
            status = report.timeliness if report is not None else ReportStatus.MISSING
            label = _("{round}: {status}").format(round=rnd.title, status=ReportStatus(status).label)
            url = (
                url_of("supervision:report-detail", report.pk)
                if report
                else url_of("supervision:round-detail", rnd.pk)
            )
            flagged.append((status != ReportStatus.ON_TIME, record(label, url)))
        on_time = sum(1 for bad, _r in flagged if not bad)
        url = list_url("supervision:report-matrix", campaign=campaign, town=t)
        result[t] = measure(on_time, len(rounds), kept(flagged), url)
    return result


@metric(
    K,
    "media",
    gettext_lazy("Media coverage"),
    Rule.TARGET,
    target=3,
    description=gettext_lazy(
        "Media articles of the year about the town: covering an activity held in it or one of its deputies."
    ),
)
def media(ctx: Context) -> dict:
    # The same articles as the media list's town filter shows (``activities.filtersets``).
    articles = MediaArticle.objects.filter(county=ctx.county, published_on__range=(ctx.first, ctx.today))
    towns_of = defaultdict(set)
    for article_id, town_id in MediaArticle.activities.through.objects.filter(
        mediaarticle__in=articles, activity__town__isnull=False
    ).values_list("mediaarticle_id", "activity__town_id"):
        towns_of[article_id].add(town_id)
    for article_id, town_id in MediaArticle.deputies.through.objects.filter(
        mediaarticle__in=articles
    ).values_list("mediaarticle_id", "deputy__town_id"):
        towns_of[article_id].add(town_id)
    by_town = defaultdict(list)
    for row in articles.order_by("published_on", "id").values_list(
        "id", "title", "outlet", "published_on", named=True
    ):
        for town_id in towns_of[row.id]:
            label = _("{date} {outlet}: {title}").format(
                date=row.published_on, outlet=row.outlet, title=row.title
            )
            by_town[town_id].append(record(label, url_of("activities:media-detail", row.id)))
    result = {}
    for t in ctx.targets:
        url = list_url(
            "activities:media-list",
            town=t,
            published_after=ctx.first.isoformat(),
            published_before=ctx.today.isoformat(),
        )
        result[t] = measure(len(by_town[t]), None, kept((False, r) for r in by_town[t]), url)
    return result
