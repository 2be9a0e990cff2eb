"""Pages and API answers of the reports: a deputy's duty record and annual report."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.response import Response

from daibiao.activities.models import Campaign
from daibiao.core.api import ScopedAPIMixin, ScopedRelatedField
from daibiao.core.documents import XLSX_TYPE, build_xlsx, file_response
from daibiao.core.drf import query_param
from daibiao.core.files import serve
from daibiao.core.scoping import Action
from daibiao.core.views import ScopedDetailView, ScopedMixin
from daibiao.registry.models import Deputy, Town

from . import services
from .annual_report import annual_report, report_filename
from .duty import DutyRecord, build_duty_record, years_of
from .models import ReportBatch
from .stats import overview, own_town

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FIRST_YEAR = 2000


def parse_year(value) -> int:
    """``?year=``: this year when absent; a ``ValueError`` for anything but a plausible year."""
    this_year = timezone.localdate().year
    if value in (None, ""):
        return this_year
    year = int(value)
    if not FIRST_YEAR <= year <= this_year + 1:
        raise ValueError(value)
    return year


def _day(moment):
    return timezone.localtime(moment).date() if moment else ""


def record_rows(record: DutyRecord):
    """One line per fact, for the Excel export: what, when, which, how it stands."""
    for a in record.attendance:
        activity = a.activity
        yield (
            _("Activity"),
            _day(activity.starts_at),
            f"{activity.get_kind_display()} · {activity.name}",
            a.get_status_display(),
        )
    for c in record.clues:
        yield (_("Clue"), c.occurred_on, c.title, c.get_state_display())
    for s in record.suggestions_led:
        yield (_("Suggestion led"), _day(s.created_at), s.title, s.get_state_display())
    for s in record.suggestions_cosigned:
        yield (_("Suggestion co-signed"), _day(s.created_at), s.title, s.get_state_display())
    for r in record.ratings:
        yield (_("Rating"), _day(r.created_at), r.suggestion.title, r.get_result_display())
    for case in record.mediation_cases:
        yield (
            _("Mediation case"),
            case.received_on,
            f"{case.clinic.name} {case.number}",
            case.get_outcome_display(),
        )
    for m in record.memberships:
        yield (_("Organisation"), m.since, m.organization.name, m.role)
    for receipt in record.receipts:
        yield (_("Material"), _day(receipt.received_at), receipt.material.title, receipt.get_status_display())


class DutyRecordPage(ScopedDetailView):
    """履职档案: what a deputy did in a year, from the records; with the Excel export and the
    annual report's draft."""

    model = Deputy
    template_name = "reports/duty_record.html"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            self.year = parse_year(request.GET.get("year"))
        except ValueError:
            messages.error(request, _("There is no record for that year; showing this year's."))
            self.year = timezone.localdate().year
        self.record = build_duty_record(self.object, self.year)
        if request.GET.get("export") == "xlsx":
            headers = [_("Kind"), _("Date"), _("What"), _("How it stands")]
            content = build_xlsx(headers, record_rows(self.record), title=str(self.year))
            name = _("Duty record {year} {name}.xlsx").format(year=self.year, name=self.object.name)
            return file_response(content, name, XLSX_TYPE)
        if request.GET.get("export") == "docx":
            return file_response(annual_report(self.record), report_filename(self.record), DOCX_TYPE)
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["record"] = self.record
        ctx["figures"] = [(labels[key], value) for key, value in self.record.summary().items()]
        ctx["year"] = self.year
        ctx["years"] = years_of(self.object)
        return ctx


labels = {
    "activities_attended": gettext_lazy("Activities attended"),
    "activities_missed": gettext_lazy("Activities missed"),
    "activities_on_leave": gettext_lazy("On leave"),
    "trainings_attended": gettext_lazy("Trainings attended"),
    "clues_recorded": gettext_lazy("Clues recorded"),
    "suggestions_led": gettext_lazy("Suggestions led"),
    "suggestions_cosigned": gettext_lazy("Suggestions co-signed"),
    "suggestions_concluded": gettext_lazy("Of them concluded"),
    "suggestions_implemented": gettext_lazy("Of them implemented"),
    "mediation_cases": gettext_lazy("Mediation cases"),
    "mediation_cases_resolved": gettext_lazy("Of them resolved"),
    "memberships": gettext_lazy("Organisations"),
    "materials_received": gettext_lazy("Materials received"),
}

YEAR = OpenApiParameter("year", int, description="The year; this year when absent.")


class DeputyRecordMixin(ScopedAPIMixin):
    queryset = Deputy.objects.select_related("town")
    action = "retrieve"  # read-only: the scoped mixin's write checks never apply

    def record(self) -> DutyRecord:
        deputy = self.get_object()
        try:
            year = parse_year(query_param(self.request, "year"))
        except ValueError as exc:
            raise exceptions.ValidationError({"year": [_("Give a year such as 2026.")]}) from exc
        return build_duty_record(deputy, year)


class DutyRecordAPI(DeputyRecordMixin, generics.GenericAPIView):
    """A deputy's duty record for a year: the figures and the records behind them."""

    @extend_schema(parameters=[YEAR], responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk):
        record = self.record()
        return Response(
            {
                "deputy": record.deputy.pk,
                "name": record.deputy.name,
                "year": record.year,
                "figures": record.summary(),
                "activities": [
                    {
                        "id": a.activity_id,
                        "name": a.activity.name,
                        "kind": a.activity.kind,
                        "starts_at": a.activity.starts_at,
                        "status": a.status,
                    }
                    for a in record.attendance
                ],
                "clues": [
                    {"id": c.pk, "title": c.title, "date": c.occurred_on, "state": c.state}
                    for c in record.clues
                ],
                "suggestions": [
                    {
                        "id": s.pk,
                        "title": s.title,
                        "role": "lead" if s in record.suggestions_led else "co_signer",
                        "state": s.state,
                        "reply_category": s.reply_category,
                    }
                    for s in record.suggestions
                ],
                "ratings": [
                    {
                        "suggestion": r.suggestion_id,
                        "attitude": r.attitude,
                        "result": r.result,
                        "round": r.round,
                    }
                    for r in record.ratings
                ],
                "mediation_cases": [
                    {"id": c.pk, "clinic": c.clinic.name, "received_on": c.received_on, "outcome": c.outcome}
                    for c in record.mediation_cases
                ],
                "memberships": [
                    {
                        "organization": m.organization.name,
                        "kind": m.organization.kind,
                        "role": m.role,
                        "since": m.since,
                    }
                    for m in record.memberships
                ],
                "roles": {
                    "courtyard_head": [c.name for c in record.courtyards_headed],
                    "station_head": [s.name for s in record.stations_headed],
                    "mandates": [m.level for m in record.mandates],
                },
                "materials": [
                    {"title": r.material.title, "status": r.status, "received_at": r.received_at}
                    for r in record.receipts
                ],
            }
        )


class AnnualReportAPI(DeputyRecordMixin, generics.GenericAPIView):
    """The deputy's annual report to constituents for a year, drafted as a .docx."""

    @extend_schema(parameters=[YEAR], responses={(200, DOCX_TYPE): OpenApiTypes.BINARY})
    def get(self, request, pk):
        record = self.record()
        return file_response(annual_report(record), report_filename(record), DOCX_TYPE)


# --- a town's reports in one batch ----------------------------------------------------------


class TownReports(ScopedDetailView):
    """The annual reports of a whole town, made by the worker; the page follows the progress."""

    model = Town
    template_name = "reports/town_reports.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        this_year = timezone.localdate().year
        ctx["years"] = list(range(this_year, this_year - 5, -1))
        ctx["may_request"] = services.may_request(self.request.user, self.object)
        ctx["batches"] = (
            ReportBatch.objects.restrict(self.request.user, Action.VIEW)
            .filter(town=self.object)
            .select_related("requested_by", "archive")[:20]
        )
        ctx["deputies"] = services.town_deputies(self.object).count()
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = town = self.get_object()
        try:
            year = parse_year(request.POST.get("year"))
        except ValueError:
            messages.error(request, _("Choose a year."))
            return HttpResponseRedirect(request.path)
        services.request_town_reports(town, year, actor=request.user)
        messages.success(
            request,
            _("The {year} reports of {town} are being made; this page shows the progress.").format(
                year=year, town=town.name
            ),
        )
        return HttpResponseRedirect(request.path)


class BatchProgress(ScopedDetailView):
    """One batch's progress bar; htmx asks again every two seconds until it is finished."""

    model = ReportBatch
    template_name = "reports/_batch.html"

    def base_queryset(self):
        return ReportBatch.objects.select_related("town", "requested_by", "archive")

    def get_template_names(self):
        return ["reports/_batch.html" if self.request.htmx else "reports/batch_detail.html"]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["batch"] = self.object
        return ctx


class BatchDownload(ScopedMixin, generic.View):
    """The finished archive, to whoever sees the batch; 404 until it is finished."""

    model = ReportBatch

    def get(self, request, pk):
        batch = get_object_or_404(self.get_queryset().select_related("archive"), pk=pk)
        archive = getattr(batch, "archive", None)
        if archive is None:
            raise Http404
        return serve(archive, inline=False)


# --- the overview's figures -----------------------------------------------------------------


class OverviewQuery(serializers.Serializer):
    campaign = ScopedRelatedField(queryset=Campaign.objects.all(), required=False)
    town = ScopedRelatedField(queryset=Town.objects.all(), required=False)


class StatsOverviewAPI(ScopedAPIMixin, generics.GenericAPIView):
    """The report's figures from the records, within the caller's scope (a town's staff get
    their town's): ``?campaign=`` and ``?town=`` narrow them."""

    queryset = Campaign.objects.all()
    action = "retrieve"
    serializer_class = OverviewQuery
    filter_backends = ()
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("campaign", int, description="A campaign id."),
            OpenApiParameter("town", int, description="A town id."),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        query = OverviewQuery(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        town = query.validated_data.get("town") or own_town(request.user)
        mine = own_town(request.user)
        if mine is not None and town != mine:
            raise exceptions.ValidationError({"town": [_("You see the figures of your own town only.")]})
        campaign = query.validated_data.get("campaign")
        figures = overview(request.user, campaign=campaign, town=town)
        return Response(
            {"campaign": campaign.pk if campaign else None, "town": town.pk if town else None, **figures}
        )
