"""Deputies' measures (代表履职考评), read from the records the duty record is built from:
attendance at the activities invited to, trainings, clues recorded, suggestions led or
co-signed and what became of them, the report to constituents, disputes mediated, and the
posts held in organisations, courtyards, stations and groups.

Every line links to the deputy's duty record of the year (``reports:duty-record``), the
scoped page that lists all of these."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from daibiao.activities.choices import ActivityKind, AttendanceStatus
from daibiao.activities.models import Attendance
from daibiao.mediation.choices import Outcome
from daibiao.mediation.models import MediationCase
from daibiao.registry.models import Courtyard, DeputyGroup, LiaisonStation, OrgMembership
from daibiao.suggestions.choices import CONCLUDED_STATES, State
from daibiao.suggestions.models import Clue, Suggestion

from ..choices import Rule, TargetKind
from ..metrics import Context, kept, local_day, measure, metric, record, url_of

K = TargetKind.DEPUTY
PRESENT = AttendanceStatus.PRESENT


def duty_record_url(ctx: Context, deputy_id: int) -> str:
    return f"{url_of('reports:duty-record', deputy_id)}?year={ctx.year}"


def _attendance(ctx: Context) -> dict[int, list]:
    """Each deputy's attendance rows at the activities held so far in the period (those he or
    she was invited to, or came to uninvited), in time order."""

    def fetch():
        rows = (
            Attendance.objects.filter(
                activity__county=ctx.county,
                activity__starts_at__gte=ctx.start,
                activity__starts_at__lt=ctx.cutoff,
                **ctx.campaign_filter("activity__campaign"),
            )
            .filter(Q(invited=True) | Q(status=PRESENT))
            .order_by("activity__starts_at", "activity_id")
            .values_list(
                "deputy_id",
                "status",
                "activity_id",
                "activity__name",
                "activity__kind",
                "activity__starts_at",
                named=True,
            )
        )
        by_deputy = defaultdict(list)
        for row in rows:
            by_deputy[row.deputy_id].append(row)
        return by_deputy

    return ctx.once("deputy_attendance", fetch)


def _activity_record(row, *, status: bool = False) -> dict:
    day = local_day(row.activity__starts_at)
    if status:
        label = _("{date} {name} ({status})").format(
            date=day, name=row.activity__name, status=AttendanceStatus(row.status).label
        )
    else:
        label = _("{date} {name}").format(date=day, name=row.activity__name)
    return record(label, url_of("activities:activity-detail", row.activity_id))


@metric(
    K,
    "attendance",
    gettext_lazy("Activities attended of those invited"),
    Rule.RATE,
    description=gettext_lazy("Present at the activities he or she was invited to, held in the year."),
)
def attendance(ctx: Context) -> dict:
    rows_of = _attendance(ctx)
    result = {}
    for deputy_id in ctx.targets:
        rows = rows_of.get(deputy_id, [])
        present = sum(1 for r in rows if r.status == PRESENT)
        records = kept((r.status != PRESENT, _activity_record(r, status=True)) for r in rows)
        result[deputy_id] = measure(present, len(rows), records, duty_record_url(ctx, deputy_id))
    return result


def _present_at(ctx: Context, kind: str) -> dict:
    rows_of = _attendance(ctx)
    result = {}
    for deputy_id in ctx.targets:
        rows = [r for r in rows_of.get(deputy_id, []) if r.status == PRESENT and r.activity__kind == kind]
        result[deputy_id] = measure(
            len(rows), None, [_activity_record(r) for r in rows], duty_record_url(ctx, deputy_id)
        )
    return result


@metric(
    K,
    "training",
    gettext_lazy("Trained"),
    Rule.YES_NO,
    description=gettext_lazy("Present at a training (a training held at a meeting counts too)."),
)
def training(ctx: Context) -> dict:
    return _present_at(ctx, ActivityKind.TRAINING)


@metric(
    K,
    "annual_report",
    gettext_lazy("Reported to constituents"),
    Rule.YES_NO,
    description=gettext_lazy("Present at a report to constituents (向原选区选民述职) in the year."),
)
def annual_report(ctx: Context) -> dict:
    return _present_at(ctx, ActivityKind.REPORT_BACK)


@metric(
    K,
    "clues",
    gettext_lazy("Clues raised"),
    Rule.TARGET,
    target=2,
    description=gettext_lazy("Problem clues he or she recorded in the year."),
)
def clues(ctx: Context) -> dict:
    rows = (
        Clue.objects.filter(
            county=ctx.county,
            occurred_on__range=(ctx.first, ctx.last),
            recorded_by__isnull=False,
            **ctx.campaign_filter("campaign"),
        )
        .order_by("occurred_on", "id")
        .values_list("recorded_by_id", "id", "title", "occurred_on", named=True)
    )
    by_deputy = defaultdict(list)
    for row in rows:
        by_deputy[row.recorded_by_id].append(
            record(
                _("{date} {name}").format(date=row.occurred_on, name=row.title),
                url_of("suggestions:clue-detail", row.id),
            )
        )
    return {
        d: measure(len(by_deputy[d]), None, kept((False, r) for r in by_deputy[d]), duty_record_url(ctx, d))
        for d in ctx.targets
    }


def _suggestions(ctx: Context) -> dict[int, list]:
    """Each deputy's suggestions of the year (led first, then co-signed), drafts and
    withdrawn ones left out: ``(row, led)`` pairs."""

    def fetch():
        items = Suggestion.objects.filter(
            county=ctx.county, year=ctx.year, **ctx.campaign_filter("campaign")
        ).exclude(state__in=(State.DRAFT, State.WITHDRAWN))
        rows = {
            row.id: row
            for row in items.order_by("id").values_list("id", "title", "state", "lead_deputy_id", named=True)
        }
        by_deputy = defaultdict(dict)
        for row in rows.values():
            if row.lead_deputy_id:
                by_deputy[row.lead_deputy_id][row.id] = (row, True)
        cosigned = (
            Suggestion.co_signers.through.objects.filter(suggestion__in=items)
            .order_by("suggestion_id")
            .values_list("deputy_id", "suggestion_id")
        )
        for deputy_id, suggestion_id in cosigned:
            by_deputy[deputy_id].setdefault(suggestion_id, (rows[suggestion_id], False))
        return {d: list(items.values()) for d, items in by_deputy.items()}

    return ctx.once("deputy_suggestions", fetch)


def _suggestion_record(row, led: bool) -> dict:
    label = _("{title} ({role}, {state})").format(
        title=row.title, role=_("led") if led else _("co-signed"), state=State(row.state).label
    )
    return record(label, url_of("suggestions:suggestion-detail", row.id))


@metric(
    K,
    "suggestions",
    gettext_lazy("Suggestions formed"),
    Rule.TARGET,
    target=1,
    description=gettext_lazy("Suggestions of the year he or she led or co-signed."),
)
def suggestions(ctx: Context) -> dict:
    of = _suggestions(ctx)
    result = {}
    for d in ctx.targets:
        items = of.get(d, [])
        result[d] = measure(
            len(items), None, kept((False, _suggestion_record(*i)) for i in items), duty_record_url(ctx, d)
        )
    return result


@metric(
    K,
    "suggestion_outcome",
    gettext_lazy("Suggestions concluded"),
    Rule.RATE,
    description=gettext_lazy(
        "Of his or her suggestions of the year, those concluded or implemented (merged ones are "
        "carried on by another and left out)."
    ),
)
def suggestion_outcome(ctx: Context) -> dict:
    of = _suggestions(ctx)
    result = {}
    for d in ctx.targets:
        items = [(row, led) for row, led in of.get(d, []) if row.state != State.MERGED]
        done = sum(1 for row, _led in items if row.state in CONCLUDED_STATES)
        records = kept(
            (row.state not in CONCLUDED_STATES, _suggestion_record(row, led)) for row, led in items
        )
        result[d] = measure(done, len(items), records, duty_record_url(ctx, d))
    return result


@metric(
    K,
    "mediation",
    gettext_lazy("Disputes mediated"),
    Rule.TARGET,
    target=2,
    description=gettext_lazy("Dispute cases received in the year that he or she mediated."),
)
def mediation(ctx: Context) -> dict:
    rows = (
        MediationCase.mediators.through.objects.filter(
            mediationcase__clinic__town__county=ctx.county,
            mediationcase__received_on__range=(ctx.first, ctx.last),
        )
        .order_by("mediationcase__received_on", "mediationcase_id")
        .values_list(
            "deputy_id",
            "mediationcase_id",
            "mediationcase__year",
            "mediationcase__number",
            "mediationcase__clinic__name",
            "mediationcase__outcome",
            named=True,
        )
    )
    by_deputy = defaultdict(list)
    for row in rows:
        number = f"{row.mediationcase__year}-{row.mediationcase__number:03d}"
        label = _("{clinic}, case {number} ({outcome})").format(
            clinic=row.mediationcase__clinic__name,
            number=number,
            outcome=Outcome(row.mediationcase__outcome).label,
        )
        by_deputy[row.deputy_id].append(record(label, url_of("mediation:case-detail", row.mediationcase_id)))
    return {
        d: measure(len(by_deputy[d]), None, kept((False, r) for r in by_deputy[d]), duty_record_url(ctx, d))
        for d in ctx.targets
    }


@metric(
    K,
    "roles",
    gettext_lazy("Posts in organisations"),
    Rule.TARGET,
    target=1,
    description=gettext_lazy(
        "Posts held in the year: member of an organisation (“代表+”), courtyard head, station head, "
        "group leader."
    ),
)
def roles(ctx: Context) -> dict:
    by_deputy = defaultdict(list)
    memberships = (
        OrgMembership.objects.filter(deputy__county=ctx.county, since__lte=ctx.last)
        .filter(Q(until__isnull=True) | Q(until__gte=ctx.first))
        .order_by("since", "id")
        .values_list("deputy_id", "organization_id", "organization__name", "role")
    )
    for deputy_id, organization_id, name, post in memberships:
        label = _("{organization} ({post})").format(organization=name, post=post) if post else name
        by_deputy[deputy_id].append(record(label, url_of("registry:organization-detail", organization_id)))
    courtyards = (
        Courtyard.objects.filter(head_deputy__county=ctx.county)
        .order_by("id")
        .values_list("head_deputy_id", "name", "village_id", "village__name")
    )
    for deputy_id, name, village_id, village in courtyards:
        label = _("Head of the courtyard {courtyard}, {village}").format(courtyard=name, village=village)
        by_deputy[deputy_id].append(record(label, url_of("registry:village-detail", village_id)))
    stations = LiaisonStation.objects.filter(head__county=ctx.county).order_by("id")
    for deputy_id, station_id, name in stations.values_list("head_id", "id", "name"):
        label = _("Head of {station}").format(station=name)
        by_deputy[deputy_id].append(record(label, url_of("registry:station-detail", station_id)))
    groups = DeputyGroup.objects.filter(leader__county=ctx.county).order_by("id")
    for deputy_id, group_id, name in groups.values_list("leader_id", "id", "name"):
        label = _("Leader of {group}").format(group=name)
        by_deputy[deputy_id].append(record(label, url_of("registry:group-detail", group_id)))
    return {
        d: measure(len(by_deputy[d]), None, kept((False, r) for r in by_deputy[d]), duty_record_url(ctx, d))
        for d in ctx.targets
    }
