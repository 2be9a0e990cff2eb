"""The evaluation's pages: thin adapters over the scoped base views and the services.

Evaluations and their ranking tables, each score's breakdown, the versioned schemes, the
year-end survey (its administration and the deputy's phone page) and the documents. A record
out of view scope is a 404, a visible one the user may not change a 403; every write goes
through ``services`` or ``survey``, whose refusals come back as messages or form errors.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from daibiao.accounts.choices import Role
from daibiao.core.documents import XLSX_TYPE, file_response
from daibiao.core.errors import Conflict
from daibiao.core.forms import add_errors
from daibiao.core.scoping import Action, can, may_add
from daibiao.core.views import Column, ScopedDeleteView, ScopedDetailView, ScopedListView, ScopedMixin

from . import documents, forms, services
from .choices import EvaluationState, TargetKind
from .filtersets import EvaluationFilterSet, ScoreFilterSet
from .models import Evaluation, Score, ScoreLine

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RANKING_PAGE = 50


def reads_county(user) -> bool:
    """Whether the user reads the whole county's evaluations, drafts included (county staff,
    leaders, administrators)."""
    return user.is_superuser or user.has_role(Role.COUNTY_STAFF, Role.LEADER, Role.ADMIN)


def sees_records(user, score: Score) -> bool:
    """Whether the records behind a score are named to the user: the whole county's readers,
    and whoever the score is about (a unit's staff their unit's, a town's staff their town's and
    its deputies', a deputy his or her own). Others see a published score's figures only: the
    records of another unit's suggestions are not theirs to read."""
    if reads_county(user):
        return True
    if score.unit_id:
        return score.unit_id == user.unit_id
    if score.town_id:
        return score.town_id == user.town_id and user.has_role(Role.TOWN_STAFF, Role.STATION_HEAD)
    if score.deputy_id:
        if score.deputy_id == user.deputy_id:
            return True
        return (
            user.town_id is not None
            and score.deputy.town_id == user.town_id
            and user.has_role(Role.TOWN_STAFF, Role.STATION_HEAD)
        )
    return False


def is_deputy(user) -> bool:
    return bool(user.deputy_id) and user.has_role(Role.DEPUTY)


def refuse_unless(user, action, obj) -> None:
    if not can(user, action, obj):
        raise PermissionDenied


class ServiceFormView(ScopedMixin, generic.FormView):
    """A form whose valid data goes to one service (``apply``); its ``ValidationError`` comes
    back onto the form, a refusal as a form error, nothing half-saved."""

    template_name = "core/form.html"
    object = None
    success_message = gettext_lazy("Saved.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)

    def form_valid(self, form):
        try:
            done = self.apply(form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        except (PermissionDenied, Conflict) as exc:
            form.add_error(None, getattr(exc, "message", None) or str(exc) or _("You may not do this."))
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(done.get_absolute_url())

    def apply(self, data):  # pragma: no cover — every subclass says what it does
        raise NotImplementedError


class AddOnly:
    """Only for users who may add ``model`` records (else 403)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_add(request.user, self.model):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class OneRecord:
    """A page about one record (``pk``): 404 outside view scope, 403 outside ``need``."""

    need = Action.CHANGE

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            if self.need is not None:
                refuse_unless(request.user, self.need, self.object)
        return super().dispatch(request, *args, **kwargs)


# --- evaluations --------------------------------------------------------------------------------


def evaluation_queryset():
    return Evaluation.objects.select_related("scheme", "campaign", "published_by", "county")


class EvaluationList(ScopedListView):
    """The evaluations the user may see (others than the county's staff and leaders: the
    published ones), with the form that starts a new one for county staff."""

    model = Evaluation
    filterset_class = EvaluationFilterSet
    template_name = "evaluation/evaluation_list.html"
    export_name = "evaluations"
    export_columns = [
        Column(gettext_lazy("Year"), "year"),
        Column(gettext_lazy("Title"), "title"),
        Column(gettext_lazy("Evaluated"), "scheme.target_kind"),
        Column(gettext_lazy("Scheme"), lambda e: str(e.scheme)),
        Column(gettext_lazy("State"), "state"),
        Column(gettext_lazy("Computed at"), "computed_at"),
        Column(gettext_lazy("Published at"), "published_at"),
    ]

    def base_queryset(self):
        return evaluation_queryset()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if ctx["can_add"]:
            ctx["new_form"] = forms.EvaluationForm(user=self.request.user)
        ctx["can_report"] = reads_county(self.request.user)
        return ctx


class EvaluationCreate(AddOnly, ServiceFormView):
    model = Evaluation
    form_class = forms.EvaluationForm
    success_message = gettext_lazy("Evaluation created: compute it to see the scores.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def apply(self, data):
        return services.create_evaluation(
            data["scheme"],
            actor=self.request.user,
            year=data["year"],
            campaign=data["campaign"],
            title=data["title"] or None,
        )


def ranked_scores(user, *evaluations):
    """The scores of ``evaluations`` the user may see, in rank order, with their lines."""
    return (
        Score.objects.restrict(user)
        .filter(evaluation__in=[e.pk for e in evaluations])
        .prefetch_related(Prefetch("lines", queryset=ScoreLine.objects.order_by("position", "id")))
        .order_by("evaluation_id", "rank", "id")
    )


class EvaluationDetail(ScopedDetailView):
    """An evaluation: its state and history, what may be done to it, its downloads, and the
    ranking table (rank, name, total, each indicator's points) searchable by name."""

    model = Evaluation
    template_name = "evaluation/evaluation_detail.html"

    def base_queryset(self):
        return evaluation_queryset()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, evaluation = self.request.user, self.object
        draft = evaluation.state == EvaluationState.DRAFT
        scores = ScoreFilterSet(
            self.request.GET, queryset=ranked_scores(user, evaluation), request=self.request
        )
        page = Paginator(scores.qs, RANKING_PAGE).get_page(self.request.GET.get("page"))
        rows = list(page.object_list)
        columns = documents.columns_of(rows)
        table = []
        for score in rows:
            lines = documents.lines_by_metric(score)
            table.append({"score": score, "cells": [lines.get(c.metric) for c in columns]})
        query = self.request.GET.copy()
        query.pop("page", None)
        kind = evaluation.scheme.target_kind
        ctx.update(
            filter=scores,
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.paginator.num_pages > 1,
            query_string=query.urlencode(),
            columns=columns,
            full=documents.full_marks(columns),
            table=table,
            may_compute=draft and ctx["can_change"],
            may_publish=draft and ctx["can_change"] and evaluation.computed_at is not None,
            may_delete=draft and ctx["can_delete"],
            has_bulletin=documents.bulletin_refusal(evaluation) is None,
            may_report=kind == TargetKind.UNIT and evaluation.is_published and reads_county(user),
            show_scheme=reads_county(user),
        )
        return ctx


class EvaluationCompute(OneRecord, ScopedMixin, generic.View):
    """POST: compute the draft's scores (again) from the records."""

    model = Evaluation
    http_method_names = ["post"]

    def post(self, request, pk):
        try:
            services.compute_evaluation(self.object, actor=request.user)
        except Conflict as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The scores are computed from the records as they stand now."))
        return redirect(self.object)


class EvaluationPublish(OneRecord, ScopedMixin, generic.TemplateView):
    """Publishing, after a confirmation: irreversible, it freezes the scores and shows them
    county-wide."""

    model = Evaluation
    template_name = "evaluation/evaluation_publish.html"

    def get_queryset(self):
        return super().get_queryset().select_related("scheme")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        evaluation = self.object
        ctx["object"] = evaluation
        ctx["ready"] = evaluation.state == EvaluationState.DRAFT and evaluation.computed_at is not None
        ctx["n_scores"] = evaluation.scores.count()
        return ctx

    def post(self, request, pk):
        try:
            services.publish_evaluation(self.object, actor=request.user)
        except Conflict as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Published: the scores are frozen and visible county-wide."))
        return redirect(self.object)


class EvaluationDelete(ScopedDeleteView):
    """Deleting a draft, after a confirmation; a published evaluation stays."""

    model = Evaluation
    template_name = "evaluation/evaluation_confirm_delete.html"
    success_url = reverse_lazy("evaluation:evaluation-list")

    def form_valid(self, form):
        try:
            services.delete_evaluation(self.object, actor=self.request.user)
        except Conflict as exc:
            messages.error(self.request, exc.message)
            return redirect(self.object)
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return redirect(self.object)
        messages.success(self.request, _("Deleted “{name}”.").format(name=self.object))
        return HttpResponseRedirect(self.get_success_url())


class EvaluationDownload(OneRecord, ScopedMixin, generic.View):
    """A document of one evaluation the user may see (else 404); what is in it is what the
    user's scope shows (``Score.objects.restrict``)."""

    model = Evaluation
    need = None

    def get_queryset(self):
        return super().get_queryset().select_related("scheme", "county")


class EvaluationRankings(EvaluationDownload):
    """The ranking as a workbook: every score the user may see, each indicator's value, base
    and points."""

    def get(self, request, pk):
        scores = ranked_scores(request.user, self.object)
        content = documents.rankings_xlsx(self.object, scores)
        return file_response(content, documents.rankings_filename(self.object), XLSX_TYPE)


class EvaluationBulletin(EvaluationDownload):
    """The bulletin (通报) of a published evaluation of the units, as .docx."""

    def get(self, request, pk):
        refusal = documents.bulletin_refusal(self.object)
        if refusal:
            messages.error(request, refusal)
            return redirect(self.object)
        content = documents.bulletin(self.object, ranked_scores(request.user, self.object))
        return file_response(content, documents.bulletin_filename(self.object), DOCX_TYPE)


def committee_parts(user, evaluation) -> dict:
    """The year's published evaluations of the county, the latest of each kind, with their
    scores in rank order."""
    published = (
        Evaluation.objects.restrict(user)
        .filter(county_id=evaluation.county_id, year=evaluation.year, state=EvaluationState.PUBLISHED)
        .select_related("scheme")
        .order_by("-published_at", "-id")
    )
    chosen: dict[str, Evaluation] = {}
    for item in published:
        chosen.setdefault(item.scheme.target_kind, item)
    chosen[TargetKind.UNIT] = evaluation
    by_evaluation: dict[int, list] = {e.pk: [] for e in chosen.values()}
    for score in ranked_scores(user, *chosen.values()):
        by_evaluation[score.evaluation_id].append(score)
    return {kind: documents.Part(e, by_evaluation[e.pk]) for kind, e in chosen.items()}


class CommitteeReport(EvaluationDownload):
    """The report to the county committee (向县委的报告) on the year of a published evaluation
    of the units: every published evaluation of that year summarised. For the county's staff
    and leaders, who read every score in it."""

    def get(self, request, pk):
        if not reads_county(request.user):
            raise PermissionDenied
        refusal = documents.bulletin_refusal(self.object)
        if refusal:
            messages.error(request, refusal)
            return redirect(self.object)
        parts = committee_parts(request.user, self.object)
        content = documents.committee_report(
            self.object.county, self.object.year, parts, serial=self.object.pk
        )
        return file_response(content, documents.committee_report_filename(self.object.year), DOCX_TYPE)


# --- scores -------------------------------------------------------------------------------------


class ScoreDetail(ScopedDetailView):
    """A score's breakdown: for each indicator the rule, what was measured (a rate as
    ``12/15 = 80%``), the points out of its weight and the records behind them."""

    model = Score
    template_name = "evaluation/score_detail.html"

    def base_queryset(self):
        return Score.objects.select_related("evaluation__scheme", "deputy", "town", "unit").prefetch_related(
            Prefetch("lines", queryset=ScoreLine.objects.order_by("position", "id"))
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, score = self.request.user, self.object
        lines = [
            {
                "line": line,
                "measured": documents.rate_text(line.value, line.base)
                if line.base is not None
                else documents.number(line.value),
                # The list behind a rate holds its base (every item counted); a count's, the count.
                "count": documents.number(line.base if line.base is not None else line.value),
            }
            for line in score.lines.all()
        ]
        target = score.target
        ctx.update(
            lines=lines,
            records_shown=sees_records(user, score),
            target_url=target.get_absolute_url() if target and can(user, Action.VIEW, target) else "",
            full=sum((line.weight for line in score.lines.all()), 0),
        )
        return ctx
