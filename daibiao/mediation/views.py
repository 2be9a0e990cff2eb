"""Law-clinic pages: thin adapters over the scoped base views and the services.

The parties of a case go through ``masking`` everywhere they are shown: the list, the
detail page, its change-log trail and the Excel export.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from daibiao.core.files import serve
from daibiao.core.forms import add_errors
from daibiao.core.scoping import Action, can
from daibiao.core.views import (
    Column,
    ScopedCreateView,
    ScopedDeleteView,
    ScopedDetailView,
    ScopedListView,
    ScopedMixin,
    ScopedUpdateView,
)
from daibiao.registry.models import Deputy

from . import forms, services
from .choices import Outcome
from .filtersets import CaseFilterSet, ClinicFilterSet
from .masking import masker_for
from .models import LawClinic, MediationAgreement, MediationCase


def refused(form) -> None:
    form.add_error(None, _("You may not do this to this record."))


# --- law clinics --------------------------------------------------------------------------


class ClinicFormMixin:
    """Saves the clinic and its mediators together, through the service."""

    form_class = forms.ClinicForm

    def save(self, form):
        return services.save_clinic(
            form.instance, actor=self.request.user, mediators=form.cleaned_data["mediators"]
        )


class ClinicList(ScopedListView):
    model = LawClinic
    filterset_class = ClinicFilterSet
    template_name = "mediation/clinic_list.html"
    export_name = "law-clinics"
    export_columns = [
        Column(gettext_lazy("Name"), "name"),
        Column(gettext_lazy("Town"), "town.name"),
        Column(gettext_lazy("Village"), lambda c: c.village.name if c.village else ""),
        Column(gettext_lazy("Mediators"), "n_mediators"),
        Column(gettext_lazy("Cases"), "n_cases"),
        Column(gettext_lazy("Staff contact"), "contact_person"),
        Column(gettext_lazy("Contact phone"), "contact_phone"),
    ]

    def base_queryset(self):
        return (
            LawClinic.objects.select_related("town", "village")
            .annotate(n_mediators=Count("mediators", distinct=True), n_cases=Count("cases", distinct=True))
            .order_by("town__sort_order", "town_id", "name", "id")
        )


class ClinicDetail(ScopedDetailView):
    """A clinic, its mediators and its cases counted by outcome (those the user may see)."""

    model = LawClinic
    template_name = "mediation/clinic_detail.html"

    def base_queryset(self):
        return LawClinic.objects.select_related("town", "village").prefetch_related(
            Prefetch("mediators", queryset=Deputy.objects.select_related("town"))
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        cases = MediationCase.objects.restrict(self.request.user).filter(clinic=self.object)
        counts = cases.counts_by_outcome().get(self.object.pk, dict.fromkeys(Outcome.values, 0))
        ctx["outcome_counts"] = [(o, counts[o.value]) for o in Outcome]
        ctx["case_total"] = sum(counts.values())
        ctx["may_open_case"] = can(self.request.user, Action.CHANGE, self.object)
        return ctx


class ClinicCreate(ClinicFormMixin, ScopedCreateView):
    model = LawClinic


class ClinicUpdate(ClinicFormMixin, ScopedUpdateView):
    model = LawClinic


class ClinicDelete(ScopedDeleteView):
    model = LawClinic
    success_url = reverse_lazy("mediation:clinic-list")


# --- cases --------------------------------------------------------------------------------


def case_queryset():
    return MediationCase.objects.select_related("clinic__town").prefetch_related(
        Prefetch("mediators", queryset=Deputy.objects.only("pk", "name"))
    )


class CaseList(ScopedListView):
    model = MediationCase
    filterset_class = CaseFilterSet
    template_name = "mediation/case_list.html"
    export_name = "mediation-cases"

    def base_queryset(self):
        return case_queryset()

    @property
    def export_columns(self):
        """The columns of the export, the parties masked as this user sees them."""
        masker = masker_for(self.request)

        def shown(attr):
            return lambda case: getattr(masker.parties(case), attr)

        return [
            Column(gettext_lazy("Case number"), "case_number"),
            Column(gettext_lazy("Law clinic"), "clinic.name"),
            Column(gettext_lazy("Town"), "clinic.town.name"),
            Column(gettext_lazy("Type of dispute"), "dispute_type"),
            Column(gettext_lazy("Party (applicant)"), shown("a_name")),
            Column(gettext_lazy("Applicant's phone"), shown("a_phone")),
            Column(gettext_lazy("Other party"), shown("b_name")),
            Column(gettext_lazy("Other party's phone"), shown("b_phone")),
            Column(gettext_lazy("Summary of the dispute"), shown("summary")),
            Column(gettext_lazy("Mediators"), lambda c: "、".join(d.name for d in c.mediators.all())),
            Column(gettext_lazy("Received on"), "received_on"),
            Column(gettext_lazy("Closed on"), lambda c: c.closed_on or ""),
            Column(gettext_lazy("Outcome"), "outcome"),
            Column(gettext_lazy("How it ended"), shown("note")),
        ]


class CaseDetail(ScopedDetailView):
    """A case, its parties as this user may see them, its agreement files and, for those who
    may change it, the forms that close it and attach the agreement."""

    model = MediationCase
    template_name = "mediation/case_detail.html"

    def base_queryset(self):
        return case_queryset().prefetch_related("agreements")

    def get_context_data(self, outcome_form=None, agreement_form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = self.object
        masker = masker_for(self.request)
        ctx["parties"] = masker.parties(case)
        ctx["changelog"] = masker.mask_changes(case, ctx["changelog"])
        ctx["agreements"] = list(case.agreements.all())
        if ctx["can_change"]:
            ctx["outcome_form"] = outcome_form or forms.OutcomeForm(
                prefix="outcome",
                initial={
                    "outcome": case.outcome if not case.is_open else "",
                    "closed_on": case.closed_on or timezone.localdate(),
                    "note": case.outcome_note,
                    "expected": case.outcome,
                },
            )
            ctx["agreement_form"] = agreement_form or forms.AgreementForm(prefix="agreement")
        return ctx


class CaseCreate(ScopedCreateView):
    model = MediationCase
    form_class = forms.CaseForm
    template_name = "core/form.html"

    def get_initial(self):
        return {"clinic": self.request.GET.get("clinic"), "received_on": timezone.localdate()}

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            self.object = services.open_case(actor=self.request.user, **data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied:
            refused(form)
            return self.form_invalid(form)
        messages.success(self.request, _("Case {number} opened.").format(number=self.object.case_number))
        return HttpResponseRedirect(self.object.get_absolute_url())


class CaseEdit(ScopedMixin, generic.FormView):
    """Correct a case's details (who may: the case's change scope; others 403, out of sight 404)."""

    model = MediationCase
    form_class = forms.CaseEditForm
    template_name = "core/form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            if not can(request.user, Action.CHANGE, self.object):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object, "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        mediators = data.pop("mediators")
        # The form wrote its values onto the instance; the service saves them (from a fresh
        # copy, so that its scope checks read the row as stored).
        case = MediationCase.objects.select_related("clinic").get(pk=self.object.pk)
        try:
            services.update_case(case, actor=self.request.user, mediators=mediators, **data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied:
            refused(form)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return HttpResponseRedirect(case.get_absolute_url())


class CaseDelete(ScopedDeleteView):
    model = MediationCase
    success_url = reverse_lazy("mediation:case-list")


class CaseAction(CaseDetail):
    """POST only: record the outcome, or attach the agreement."""

    http_method_names = ["post"]
    action = ""

    def post(self, request, *args, **kwargs):
        self.object = case = self.get_object()
        if not can(request.user, Action.CHANGE, case):
            raise PermissionDenied
        form_class = forms.OutcomeForm if self.action == "outcome" else forms.AgreementForm
        form = form_class(request.POST, request.FILES, prefix=self.action)
        if form.is_valid():
            try:
                done = self.apply(case, form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            except PermissionDenied:
                refused(form)
            except services.Conflict as exc:
                messages.error(request, exc.message)
                return redirect(case)
            else:
                messages.success(request, done)
                return redirect(case)
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data(**{f"{self.action}_form": form}))

    def apply(self, case, data) -> str:
        """Call the action's service; the message to show when it is done."""
        user = self.request.user
        if self.action == "outcome":
            services.record_outcome(
                case,
                actor=user,
                outcome=data["outcome"],
                closed_on=data["closed_on"],
                note=data["note"],
                files=data["files"],
                expected=data["expected"],
            )
            return _("Outcome recorded.")
        services.attach_agreement(case, actor=user, files=data["files"])
        return _("Agreement attached.")


class AgreementFile(ScopedMixin, generic.View):
    """A case's agreement, to whoever sees the case (else 404)."""

    model = MediationAgreement

    def get(self, request, pk):
        agreement = get_object_or_404(self.get_queryset(), pk=pk)
        return serve(agreement, inline=agreement.is_image and "download" not in request.GET)
