"""Base classes of the HTML views. Every data view inherits one of them, so every page reads
through ``restrict(user, action)``; a test fails any data view that does not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic
from django_filters.views import FilterView

from .documents import xlsx_response
from .forms import add_errors
from .models import ChangeLog
from .scoping import Action, can, may_add
from .services import delete_record, save_record


class ScopedMixin(LoginRequiredMixin):
    """Rows come from ``model.objects.restrict(user, scope_action)``."""

    model = None
    scope_action = Action.VIEW

    def base_queryset(self):
        return self.model._default_manager.all()

    def get_queryset(self):
        return self.base_queryset().restrict(self.request.user, self.scope_action)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["opts"] = self.model._meta
        ctx["can_add"] = may_add(self.request.user, self.model)
        return ctx


@dataclass(frozen=True)
class Column:
    """One column of a list export: its heading and how to read it from a row."""

    label: Any
    value: Any  # attribute path ("town.name") or callable(row)

    def read(self, obj):
        if callable(self.value):
            return self.value(obj)
        for part in self.value.split("."):
            if obj is None:
                return ""
            getter = getattr(obj, f"get_{part}_display", None)
            obj = getter() if getter else getattr(obj, part)
        return obj


class ScopedListView(ScopedMixin, FilterView):
    """A filtered, paginated list; ``?export=xlsx`` downloads every filtered row."""

    paginate_by = 50
    export_columns: list[Column] = []
    export_name = "export"
    strict = False

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx" and self.export_columns:
            filterset = self.get_filterset(self.get_filterset_class())
            rows = filterset.qs if filterset.is_bound and filterset.is_valid() else self.get_queryset()
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            return xlsx_response(
                f"{self.export_name}-{stamp}.xlsx",
                [c.label for c in self.export_columns],
                ([c.read(obj) for c in self.export_columns] for obj in rows.iterator(chunk_size=2000)),
                title=str(self.model._meta.verbose_name_plural),
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx["query_string"] = query.urlencode()
        ctx["can_export"] = bool(self.export_columns)
        paginator = ctx.get("paginator")
        ctx["total"] = paginator.count if paginator is not None else len(ctx["object_list"])
        return ctx


class ScopedDetailView(ScopedMixin, generic.DetailView):
    """A record's page, with its change-log trail and what the user may do to it."""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["can_change"] = can(user, Action.CHANGE, self.object)
        ctx["can_delete"] = can(user, Action.DELETE, self.object)
        ctx["changelog"] = ChangeLog.objects.for_object(self.object).select_related("actor")[:50]
        return ctx


OUT_OF_SCOPE = _("You may not save this record here: it would fall outside your scope.")


class ServiceFormMixin:
    """``form_valid`` saves through ``save(form)`` (a service call that returns the record):
    its ``ValidationError`` lands on the form, by field where it can; a refusal for scope is
    said plainly; success says ``success_message`` and goes on to the record."""

    success_message = _("Saved.")

    def save(self, form):
        return save_record(form.instance, actor=self.request.user)

    def form_valid(self, form):
        try:
            self.object = self.save(form)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied:
            form.add_error(None, OUT_OF_SCOPE)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())


class ScopedFormMixin(ServiceFormMixin):
    """Forms get the user so that their pickers offer only rows in scope."""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs


class ScopedCreateView(ScopedFormMixin, ScopedMixin, generic.CreateView):
    template_name = "core/form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_add(request.user, self.model):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ScopedUpdateView(ScopedFormMixin, ScopedMixin, generic.UpdateView):
    template_name = "core/form.html"

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)  # 404 when out of view scope
        if not can(self.request.user, Action.CHANGE, obj):
            raise PermissionDenied
        return obj


class ScopedDeleteView(ScopedMixin, generic.DeleteView):
    """Asks for confirmation, then deletes through the service."""

    template_name = "core/confirm_delete.html"

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not can(self.request.user, Action.DELETE, obj):
            raise PermissionDenied
        return obj

    def form_valid(self, form):
        try:
            delete_record(self.object, actor=self.request.user)
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return HttpResponseRedirect(self.object.get_absolute_url())
        messages.success(self.request, _("Deleted “{name}”.").format(name=self.object))
        return HttpResponseRedirect(self.get_success_url())


class SectionRoot(LoginRequiredMixin, generic.RedirectView):
    """A section's root (``/loop/``, ``/supervision/`` …): sends a logged-in user on to the
    section's first page (``pattern_name``), and anyone else to log in first."""

    scoped = True  # reads no data; the page it sends to is scoped (tests/test_views_are_scoped.py)
    permanent = False
    query_string = True
