"""Supervision pages: thin adapters over the scoped base views and the services.

Writes go through forms (``FormView`` on the scoped base) into ``services``; a record out
of view scope is a 404, a visible one the user may not change a 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from daibiao.accounts.choices import Role
from daibiao.activities.models import Campaign
from daibiao.core.files import serve
from daibiao.core.forms import add_errors
from daibiao.core.scoping import Action, can, may_add
from daibiao.core.views import Column, ScopedDeleteView, ScopedDetailView, ScopedListView, ScopedMixin
from daibiao.registry.models import Town, Unit
from daibiao.suggestions.models import Clue, Suggestion

from . import forms, services
from .choices import ReportStatus
from .filtersets import FollowUpFilterSet, MemberFilterSet, OversightFilterSet, VisitFilterSet
from .models import (
    FollowUpItem,
    LeadingGroupMember,
    OversightItem,
    ProgressReport,
    ProgressReportFile,
    ReportRound,
    SupervisionVisit,
)
from .towns import town_figures


def may_run_campaigns(user) -> bool:
    """Whether the user may compose leading groups and set report rounds (county staff)."""
    return Campaign.objects.restrict(user, Action.CHANGE).exists()


class ServiceFormView(ScopedMixin, generic.FormView):
    """A form whose valid data goes to one service (``apply``); its errors come back onto
    the form, a refusal as a form error, nothing half-saved."""

    template_name = "core/form.html"
    object = None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)

    def form_valid(self, form):
        try:
            done = self.apply(form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not do this to this record."))
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return HttpResponseRedirect(self.done_url(done))

    def apply(self, data):  # pragma: no cover — every subclass says what it does
        raise NotImplementedError

    def done_url(self, done) -> str:
        return done.get_absolute_url()


class ObjectFormView(ServiceFormView):
    """A service form on one record: 404 out of view scope, 403 out of ``need`` scope."""

    need = Action.CHANGE

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            if not can(request.user, self.need, self.object):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


# --- the leading group ----------------------------------------------------------------------


def member_queryset():
    return LeadingGroupMember.objects.select_related("user", "campaign").prefetch_related(
        Prefetch("towns", queryset=Town.objects.only("pk", "name", "sort_order"))
    )


class MemberList(ScopedListView):
    """The leading group, each member with his or her towns, and by town who answers for it."""

    model = LeadingGroupMember
    filterset_class = MemberFilterSet
    template_name = "supervision/member_list.html"
    export_name = "leading-group"
    export_columns = [
        Column(gettext_lazy("Name"), lambda m: str(m.user)),
        Column(gettext_lazy("Role in the group"), "role"),
        Column(gettext_lazy("Title"), "title"),
        Column(gettext_lazy("Campaign"), "campaign.theme"),
        Column(gettext_lazy("Towns answered for"), lambda m: "、".join(t.name for t in m.towns.all())),
    ]

    def base_queryset(self):
        return member_queryset()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["can_add"] = may_run_campaigns(user)
        members = ctx["filter"].qs.order_by().select_related("user")
        ctx["by_town"] = Town.objects.restrict(user).prefetch_related(
            Prefetch("leading_group_members", queryset=members, to_attr="answering")
        )
        return ctx


class MemberDetail(ScopedDetailView):
    model = LeadingGroupMember
    template_name = "supervision/member_detail.html"

    def base_queryset(self):
        return member_queryset()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["visits"] = (
            SupervisionVisit.objects.restrict(self.request.user)
            .filter(member=self.object)
            .select_related("town")
            .with_overdue()[:100]
        )
        return ctx


class MemberAdd(ServiceFormView):
    model = LeadingGroupMember
    form_class = forms.MemberForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_run_campaigns(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def apply(self, data):
        return services.add_member(
            data["campaign"],
            data["user"],
            actor=self.request.user,
            role=data["role"],
            title=data["title"],
            towns=data["towns"],
        )


class MemberEdit(ObjectFormView):
    model = LeadingGroupMember
    form_class = forms.MemberEditForm

    def get_initial(self):
        m = self.object
        return {"role": m.role, "title": m.title, "towns": list(m.towns.values_list("pk", flat=True))}

    def apply(self, data):
        return services.update_member(
            self.object, actor=self.request.user, role=data["role"], title=data["title"], towns=data["towns"]
        )


class MemberRemove(ScopedDeleteView):
    model = LeadingGroupMember
    success_url = reverse_lazy("supervision:member-list")

    def form_valid(self, form):
        try:
            services.remove_member(self.object, actor=self.request.user)
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return HttpResponseRedirect(self.object.get_absolute_url())
        messages.success(self.request, _("Deleted “{name}”.").format(name=self.object))
        return HttpResponseRedirect(self.get_success_url())


# --- supervision visits ---------------------------------------------------------------------


class VisitList(ScopedListView):
    model = SupervisionVisit
    filterset_class = VisitFilterSet
    template_name = "supervision/visit_list.html"
    export_name = "supervision-visits"
    export_columns = [
        Column(gettext_lazy("Visited on"), "visited_on"),
        Column(gettext_lazy("Town"), "town.name"),
        Column(gettext_lazy("Member"), lambda v: str(v.member.user)),
        Column(gettext_lazy("Findings"), "findings"),
        Column(gettext_lazy("Follow-up items"), "n_follow_ups"),
        Column(gettext_lazy("Overdue"), "n_overdue"),
    ]

    def base_queryset(self):
        return (
            SupervisionVisit.objects.select_related("town", "member__user", "campaign")
            .with_overdue()
            .order_by("-visited_on", "-id")
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_add"] = may_add(self.request.user, SupervisionVisit)
        return ctx


class VisitDetail(ScopedDetailView):
    model = SupervisionVisit
    template_name = "supervision/visit_detail.html"

    def base_queryset(self):
        return SupervisionVisit.objects.select_related("town", "member__user", "campaign", "recorded_by")

    def get_context_data(self, follow_up_form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        items = list(FollowUpItem.objects.filter(visit=self.object).select_related("closed_by"))
        closable = set(
            FollowUpItem.objects.restrict(user, Action.CHANGE)
            .filter(visit=self.object, done_on__isnull=True)
            .values_list("pk", flat=True)
        )
        for item in items:
            item.closable = item.pk in closable
        ctx["follow_ups"] = items
        if ctx["can_change"]:
            ctx["follow_up_form"] = follow_up_form or forms.FollowUpForm()
        ctx["today"] = timezone.localdate()
        return ctx


class VisitCreate(ServiceFormView):
    model = SupervisionVisit
    form_class = forms.VisitForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_add(request.user, SupervisionVisit):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"visited_on": timezone.localdate(), "town": self.request.GET.get("town")}

    def apply(self, data):
        return services.record_visit(
            data["member"],
            data["town"],
            actor=self.request.user,
            visited_on=data["visited_on"],
            findings=data["findings"],
            follow_ups=self.form.follow_ups(),
        )

    def form_valid(self, form):
        self.form = form
        return super().form_valid(form)


class FollowUpAdd(VisitDetail):
    """POST only: add a follow-up item to a visit."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = visit = self.get_object()
        if not can(request.user, Action.CHANGE, visit):
            raise PermissionDenied
        form = forms.FollowUpForm(request.POST)
        if form.is_valid():
            try:
                services.add_follow_up(visit, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Follow-up item added."))
                return redirect(visit)
        return self.render_to_response(self.get_context_data(follow_up_form=form))


class FollowUpClose(ScopedMixin, generic.View):
    """POST only: mark a follow-up item done (today, unless the form gives the day)."""

    model = FollowUpItem
    http_method_names = ["post"]

    def post(self, request, pk):
        item = get_object_or_404(self.get_queryset().select_related("visit"), pk=pk)
        if not can(request.user, Action.CHANGE, item):
            raise PermissionDenied
        form = forms.CloseForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give a valid date."))
            return redirect(item.visit)
        try:
            services.close_follow_up(
                item, actor=request.user, done_on=form.cleaned_data["done_on"], note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except services.Conflict as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Follow-up item closed."))
        return redirect(item.visit)


class FollowUpList(ScopedListView):
    """The follow-up items of the visits, by town, member and standing (open, overdue, done)."""

    model = FollowUpItem
    filterset_class = FollowUpFilterSet
    template_name = "supervision/follow_up_list.html"
    export_name = "follow-up-items"
    export_columns = [
        Column(gettext_lazy("Town"), "visit.town.name"),
        Column(gettext_lazy("Visited on"), "visit.visited_on"),
        Column(gettext_lazy("Member"), lambda f: str(f.visit.member.user)),
        Column(gettext_lazy("What is to be done"), "text"),
        Column(gettext_lazy("Owner"), "owner"),
        Column(gettext_lazy("Due on"), "due_on"),
        Column(gettext_lazy("Standing"), "standing"),
        Column(gettext_lazy("Done on"), "done_on"),
    ]

    def base_queryset(self):
        return FollowUpItem.objects.select_related("visit__town", "visit__member__user").order_by(
            "due_on", "id"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_add"] = False  # items are added on their visit's page
        ctx["today"] = timezone.localdate()
        return ctx


# --- a leader's towns -----------------------------------------------------------------------


class MyTowns(ScopedMixin, generic.TemplateView):
    """A leader's towns (我的联系镇): per town he or she answers for in the campaign, the plan,
    training coverage, activities, clues, suggestions by state, overdue items and reports.

    ``?campaign=`` picks the campaign (default: the latest one the user is a member in);
    ``?member=`` shows another member's towns and ``?member=all`` every town. Whoever reaches
    the page reads the whole county (leaders, county staff, administrators), so they may
    pick; a member out of scope is a 404, other roles get a 403."""

    model = LeadingGroupMember
    template_name = "supervision/my_towns.html"
    ALL = "all"

    def dispatch(self, request, *args, **kwargs):
        # For leading-group members and those who run the campaign: they read every town.
        if request.user.is_authenticated and not county_wide(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def picked_member(self):
        wanted = self.request.GET.get("member", "")
        if wanted in ("", self.ALL):
            return None
        if not wanted.isdigit():
            raise Http404
        return get_object_or_404(self.get_queryset().select_related("user", "campaign"), pk=int(wanted))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        campaigns = list(Campaign.objects.restrict(user).order_by("-starts_on", "-id"))
        own = {m.campaign_id: m for m in self.get_queryset().filter(user=user).select_related("user")}
        wanted = self.request.GET.get("campaign")
        member = self.picked_member()
        if member is not None and wanted and str(member.campaign_id) != wanted:
            member = None  # another campaign picked: the member belongs to the one before
        if member is not None:
            campaign = member.campaign
        else:
            campaign = next((c for c in campaigns if str(c.pk) == wanted), None)
            campaign = campaign or next((c for c in campaigns if c.pk in own), None)
            campaign = campaign or (campaigns[0] if campaigns else None)
            if campaign is not None and self.request.GET.get("member") != self.ALL:
                member = own.get(campaign.pk)
        towns = Town.objects.restrict(user).filter(county_id=getattr(campaign, "county_id", None))
        if member is not None:
            towns = towns.filter(leading_group_members=member)
        ctx.update(
            campaigns=campaigns,
            campaign=campaign,
            member=member,
            own=own.get(getattr(campaign, "pk", None)),
            members=list(self.get_queryset().filter(campaign=campaign).select_related("user"))
            if campaign
            else [],
            figures=town_figures(user, campaign, towns) if campaign else [],
            today=timezone.localdate(),
        )
        return ctx


# --- progress reports -----------------------------------------------------------------------


def county_wide(user) -> bool:
    """Whether the user reads every town's reports (else only his or her own town's row)."""
    return user.has_role(Role.COUNTY_STAFF, Role.LEADER, Role.ADMIN)


class ReportMatrix(ScopedMixin, generic.TemplateView):
    """Towns × rounds of a campaign, each cell the town's report with its status: which are
    in (on time or late), which are missing. Four queries whatever the size."""

    model = ReportRound
    template_name = "supervision/report_matrix.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        campaigns = list(Campaign.objects.restrict(user).order_by("-starts_on", "-id"))
        chosen = next((c for c in campaigns if str(c.pk) == self.request.GET.get("campaign")), None)
        chosen = chosen or (campaigns[0] if campaigns else None)
        rounds = list(ReportRound.objects.restrict(user).filter(campaign=chosen)) if chosen else []
        towns = Town.objects.restrict(user).filter(county_id=getattr(chosen, "county_id", None))
        if not county_wide(user):
            towns = towns.filter(pk=user.town_id)
        town = self.request.GET.get("town", "")
        if town.isdigit():  # one town's row (the leader's page links here)
            towns = towns.filter(pk=int(town))
        reports = (
            ProgressReport.objects.restrict(user).filter(round__in=[r.pk for r in rounds]).with_timeliness()
        )
        found = {
            (r.round_id, r.town_id): r for r in reports.only("pk", "round_id", "town_id", "submitted_at")
        }
        today = timezone.localdate()
        table = []
        for town in towns:
            cells = []
            for rnd in rounds:
                report = found.get((rnd.pk, town.pk))
                if report is not None:
                    status = report.timeliness
                else:
                    status = ReportStatus.MISSING if rnd.due_on < today else ReportStatus.NOT_DUE
                cells.append({"round": rnd, "report": report, "status": ReportStatus(status)})
            table.append({"town": town, "cells": cells})
        ctx.update(
            campaigns=campaigns,
            campaign=chosen,
            rounds=rounds,
            table=table,
            can_set_rounds=may_run_campaigns(user),
        )
        return ctx


class RoundDetail(ScopedDetailView):
    """A round: each town's report and status, and the way to hand one in."""

    model = ReportRound
    template_name = "supervision/round_detail.html"

    def base_queryset(self):
        return ReportRound.objects.select_related("campaign")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        towns = Town.objects.restrict(user).filter(county_id=self.object.campaign.county_id)
        if not county_wide(user):
            towns = towns.filter(pk=user.town_id)
        ctx["table"] = self.object.town_table(towns)
        ctx["may_hand_in"] = ProgressReport.objects.towns_to_hand_in(user, self.object).exists()
        return ctx


class RoundCreate(ServiceFormView):
    model = ReportRound
    form_class = forms.RoundForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_run_campaigns(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def apply(self, data):
        return services.create_round(
            data["campaign"], actor=self.request.user, title=data["title"], due_on=data["due_on"]
        )


class RoundSchedule(RoundCreate):
    form_class = forms.ScheduleForm

    def apply(self, data):
        services.schedule_rounds(data["campaign"], data["first_due"], data["months"], actor=self.request.user)
        return data["campaign"]

    def done_url(self, done) -> str:
        return f"{reverse('supervision:report-matrix')}?campaign={done.pk}"


class ReportSubmit(ServiceFormView):
    """Hand in (or revise) a town's report for a round: 404 for a round out of sight, 403
    for one the user may hand in no town's report for."""

    model = ReportRound
    form_class = forms.ReportForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset().select_related("campaign"), pk=kwargs["pk"])
            self.towns = ProgressReport.objects.towns_to_hand_in(request.user, self.object)
            if not self.towns.exists():
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("user")
        return {**kwargs, "towns": self.towns}

    def get_initial(self):
        existing = ProgressReport.objects.filter(round=self.object, town__in=self.towns).first()
        if existing is not None and self.towns.count() == 1:
            return {"text": existing.text}
        return {}

    def apply(self, data):
        return services.submit_report(
            self.object, data["town"], actor=self.request.user, text=data["text"], files=data["files"]
        )


class ReportDetail(ScopedDetailView):
    model = ProgressReport
    template_name = "supervision/report_detail.html"

    def base_queryset(self):
        return (
            ProgressReport.objects.select_related("round__campaign", "town", "submitted_by")
            .prefetch_related("files")
            .with_timeliness()
        )


class ReportRevise(ObjectFormView):
    model = ProgressReport
    form_class = forms.ReviseForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("user")
        return kwargs

    def get_initial(self):
        return {"text": self.object.text}

    def apply(self, data):
        return services.revise_report(
            self.object, actor=self.request.user, text=data["text"], files=data["files"]
        )


class ReportFile(ScopedMixin, generic.View):
    """A report's file, to whoever sees the report (else 404)."""

    model = ProgressReportFile

    def get(self, request, pk):
        stored = get_object_or_404(self.get_queryset(), pk=pk)
        return serve(stored, inline=stored.is_image and "download" not in request.GET)


# --- oversight items ------------------------------------------------------------------------


class OversightList(ScopedListView):
    model = OversightItem
    filterset_class = OversightFilterSet
    template_name = "supervision/oversight_list.html"
    export_name = "oversight-items"
    export_columns = [
        Column(gettext_lazy("Year"), "year"),
        Column(gettext_lazy("Title"), "title"),
        Column(gettext_lazy("Committee"), "committee"),
        Column(gettext_lazy("Units overseen"), lambda o: "、".join(u.name for u in o.units.all())),
        Column(gettext_lazy("Suggestions"), "n_suggestions"),
        Column(gettext_lazy("Subject"), "subject"),
    ]

    def base_queryset(self):
        from django.db.models import Count

        return (
            OversightItem.objects.annotate(n_suggestions=Count("suggestions", distinct=True))
            .prefetch_related(Prefetch("units", queryset=Unit.objects.only("pk", "name")))
            .order_by("-year", "-id")
        )


class OversightDetail(ScopedDetailView):
    model = OversightItem
    template_name = "supervision/oversight_detail.html"

    def base_queryset(self):
        return OversightItem.objects.select_related("created_by").prefetch_related("units")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        # Only the suggestions and clues the user may see: an item names them, it does not open them.
        ctx["suggestions"] = Suggestion.objects.restrict(user).filter(oversight_items=self.object)
        ctx["clues"] = Clue.objects.restrict(user).filter(oversight_items=self.object)
        return ctx


class OversightPropose(ServiceFormView):
    model = OversightItem
    form_class = forms.OversightForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_add(request.user, OversightItem):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"suggestions": self.request.GET.getlist("suggestions")}

    def apply(self, data):
        return services.propose_oversight_item(
            data["suggestions"],
            data["title"],
            actor=self.request.user,
            year=data["year"],
            committee=data["committee"],
            subject=data["subject"],
            units=data["units"],
            clues=data["clues"],
        )
