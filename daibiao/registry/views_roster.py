"""Roster import pages: the upload form, its error report, and the empty template.

Thin adapters over ``roster``: the form reads the file, ``roster.validate`` checks every row,
``roster.apply`` writes. Only users who may add deputies reach these pages."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from daibiao.core.documents import XLSX_TYPE, file_response
from daibiao.core.scoping import Action, may_add

from . import roster
from .forms_roster import RosterUploadForm
from .models import Deputy, Town

# The page lists this many problems; the downloadable report holds them all.
MAX_ERRORS_SHOWN = 500


class RosterAccessMixin(LoginRequiredMixin):
    """Only users who may add deputies somewhere; which towns a row may name is checked per row."""

    scoped = True  # rows are read through restrict(user, action) in roster.validate

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_add(request.user, Deputy):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class RosterImport(RosterAccessMixin, FormView):
    """Upload a roster; show its errors, or import it and go back to the deputy list."""

    form_class = RosterUploadForm
    template_name = "registry/roster_import.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["columns"] = roster.COLUMNS
        ctx["towns"] = Town.objects.restrict(self.request.user, Action.CHANGE).values_list("name", flat=True)
        return ctx

    def form_valid(self, form):
        user = self.request.user
        plan = roster.validate(form.cleaned_data["table"], user)
        if not plan.ok:
            token = roster.save_report(plan, user)
            return self.render_to_response(
                self.get_context_data(
                    form=self.form_class(),
                    filename=plan.table.filename,
                    errors=plan.errors[:MAX_ERRORS_SHOWN],
                    error_count=len(plan.errors),
                    error_rows=plan.error_rows,
                    row_count=len(plan.table.rows),
                    report_url=reverse("registry:deputy-import-report", args=[token]),
                )
            )
        try:
            result = roster.apply(plan, actor=user)
        except roster.ImportFailed as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        text = _("Imported {n} deputies: {new} new, {updated} updated.").format(
            n=result.total, new=result.created, updated=result.updated
        )
        if result.unchanged:
            text += " " + _("{count} were already up to date.").format(count=result.unchanged)
        messages.success(self.request, text)
        return redirect("registry:deputy-list")


class RosterTemplate(RosterAccessMixin, View):
    """The empty roster: its headings and one example row, in one of the user's towns."""

    def get(self, request):
        town = Town.objects.restrict(request.user, Action.CHANGE).values_list("name", flat=True).first()
        filename = _("deputy-roster-template") + ".xlsx"
        return file_response(roster.template_xlsx(town or ""), filename, XLSX_TYPE)


class RosterReport(RosterAccessMixin, View):
    """A rejected roster's rows with an error column; only for the user who uploaded it."""

    def get(self, request, token):
        data = roster.load_report(token, request.user)
        if data is None:
            raise Http404
        filename = _("roster-errors") + ".xlsx"
        return file_response(roster.report_xlsx(data), filename, XLSX_TYPE)
