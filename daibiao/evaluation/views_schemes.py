"""The evaluation schemes' pages: the versions of each kind, a version's indicators and the
evaluations that used it, and the form that makes the next version."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import generic

from daibiao.core.errors import Conflict
from daibiao.core.scoping import may_add
from daibiao.core.views import ScopedDetailView, ScopedListView, ScopedMixin

from . import forms, services
from .choices import TargetKind
from .filtersets import SchemeFilterSet
from .metrics import METRICS
from .models import Evaluation, Indicator, Scheme
from .views import OneRecord

# --- schemes ------------------------------------------------------------------------------------


class SchemeList(ScopedListView):
    """The schemes by kind, every version, with how many evaluations used each."""

    model = Scheme
    filterset_class = SchemeFilterSet
    template_name = "evaluation/scheme_list.html"

    def base_queryset(self):
        return Scheme.objects.annotate(
            n_indicators=Count("indicators", distinct=True), n_evaluations=Count("evaluations", distinct=True)
        ).order_by("target_kind", "-version", "-id")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        latest = {}
        for kind, pk in (
            Scheme.objects.restrict(user).order_by("target_kind", "-version").values_list("target_kind", "pk")
        ):
            latest.setdefault(kind, pk)
        ctx["latest"] = set(latest.values())
        ctx["missing_kinds"] = [label for value, label in TargetKind.choices if value not in latest]
        ctx["may_install"] = bool(ctx["missing_kinds"]) and may_add(user, Scheme) and bool(user.county_id)
        return ctx


class SchemeDetail(ScopedDetailView):
    """A scheme version: its indicators, and the evaluations that used it."""

    model = Scheme
    template_name = "evaluation/scheme_detail.html"

    def base_queryset(self):
        return Scheme.objects.select_related("created_by").prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("position", "id"))
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        scheme = self.object
        metrics = METRICS.get(scheme.target_kind, {})
        ctx["indicators"] = [
            {"indicator": i, "metric": metrics.get(i.metric)} for i in scheme.indicators.all()
        ]
        ctx["full"] = sum((i.weight for i in scheme.indicators.all()), 0)
        ctx["evaluations"] = Evaluation.objects.restrict(self.request.user).filter(scheme=scheme)
        newer = Scheme.objects.filter(
            county_id=scheme.county_id, target_kind=scheme.target_kind, version__gt=scheme.version
        ).order_by("-version")
        ctx["newer"] = newer.first()
        ctx["can_change"] = ctx["can_change"] and ctx["newer"] is None
        return ctx


class SchemeNewVersion(OneRecord, ScopedMixin, generic.TemplateView):
    """The next version of a scheme: its name, notes and indicators (prefilled from the version
    it starts from), saved together by the service or not at all."""

    model = Scheme
    template_name = "evaluation/scheme_form.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("position", "id")))
        )

    def forms(self, data=None):
        scheme = self.object
        form = forms.SchemeVersionForm(data, initial={"name": scheme.name, "notes": scheme.notes})
        formset = forms.IndicatorFormSet(
            data,
            initial=None if data is not None else forms.indicator_initial(scheme.indicators.all()),
            kind=scheme.target_kind,
            prefix="indicators",
        )
        return form, formset

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if "form" not in kwargs:
            ctx["form"], ctx["formset"] = self.forms()
        ctx["object"] = self.object
        ctx["metrics"] = METRICS.get(self.object.target_kind, {})
        return ctx

    def post(self, request, pk):
        form, formset = self.forms(request.POST)
        if form.is_valid() and formset.is_valid():
            try:
                scheme = services.new_scheme_version(
                    self.object,
                    actor=request.user,
                    indicators=formset.indicators(),
                    name=form.cleaned_data["name"],
                    notes=form.cleaned_data["notes"],
                )
            except ValidationError as exc:
                put_errors(form, formset, exc)
            except (PermissionDenied, Conflict) as exc:
                form.add_error(None, getattr(exc, "message", None) or str(exc))
            else:
                messages.success(
                    request, _("Version {version} of the scheme is saved.").format(version=scheme.version)
                )
                return redirect(scheme)
        return self.render_to_response(self.get_context_data(form=form, formset=formset))


def put_errors(form, formset, exc: ValidationError) -> None:
    """The service's errors on the form where it has the field, else above the indicators."""
    if not hasattr(exc, "error_dict"):
        formset._non_form_errors = formset.error_class([*formset.non_form_errors(), *exc.messages])
        return
    for field, errors in exc.message_dict.items():
        if field in form.fields:
            form.add_error(field, errors)
        else:
            formset._non_form_errors = formset.error_class([*formset.non_form_errors(), *errors])


class SchemeInstall(ScopedMixin, generic.View):
    """POST: the default schemes (one per kind) for a county that has none yet."""

    model = Scheme
    http_method_names = ["post"]

    def post(self, request):
        user = request.user
        if not may_add(user, Scheme) or not user.county_id:
            raise PermissionDenied
        try:
            installed = services.install_default_schemes(user.county, actor=user)
        except (ValidationError, Conflict) as exc:
            messages.error(request, getattr(exc, "message", None) or " ".join(exc.messages))
        else:
            names = "、".join(str(scheme) for scheme in installed.values())
            messages.success(request, _("Default schemes ready: {names}.").format(names=names))
        return redirect("evaluation:scheme-list")
