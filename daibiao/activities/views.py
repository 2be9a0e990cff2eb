"""Pages of the campaign: campaigns and town plans, activities with attendance and the QR
sign-in, training coverage. Views are adapters: they read through the scoped base classes,
check input with a form, call a service and render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from daibiao.accounts.choices import Role
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
    ServiceFormMixin,
)
from daibiao.registry.models import Deputy, Town
from daibiao.suggestions.models import Clue

from . import services
from .choices import AttendanceStatus, CoverageGroup
from .coverage import training_coverage
from .filtersets import ActivityFilterSet, CampaignFilterSet
from .forms import STATUS_CHOICES, ActivityForm, CampaignForm, InviteForm, PlanForm, attendance_entries
from .models import (
    Activity,
    ActivityFile,
    Attendance,
    Campaign,
    CampaignFile,
    CampaignPlan,
    CampaignPlanFile,
    MaterialFile,
    plan_towns,
)
from .qr import qr_image

# --- campaigns ----------------------------------------------------------------------------


class CampaignList(ScopedListView):
    model = Campaign
    filterset_class = CampaignFilterSet
    template_name = "activities/campaign_list.html"
    paginate_by = 30
    export_name = "campaigns"
    export_columns = [
        Column(gettext_lazy("ID"), "id"),
        Column(gettext_lazy("Theme"), "theme"),
        Column(gettext_lazy("Starts on"), "starts_on"),
        Column(gettext_lazy("Ends on"), "ends_on"),
        Column(gettext_lazy("Town plans due on"), "town_plans_due_on"),
        Column(gettext_lazy("Requirement it answers"), "requirement"),
    ]

    def base_queryset(self):
        return Campaign.objects.annotate(activity_count=Count("activities")).order_by("-starts_on", "-id")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["add_url"] = reverse("activities:campaign-create")
        return ctx


class CampaignDetail(ScopedDetailView):
    """The campaign: theme, period, the county plan, and each town's plan as on time, late
    or not submitted."""

    model = Campaign
    template_name = "activities/campaign_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        campaign, user = self.object, self.request.user
        ctx["documents"] = list(campaign.documents.all())
        ctx["towns"] = list(campaign.town_plan_table(plan_towns(user, [campaign.county_id])))
        ctx["may_submit_plan"] = bool(user.town_id and Role.TOWN_STAFF in user.roles)
        ctx["activity_count"] = Activity.objects.restrict(user).filter(campaign=campaign).count()
        return ctx


class CampaignCreate(ScopedCreateView):
    model = Campaign
    form_class = CampaignForm

    def save(self, form):
        data = dict(form.cleaned_data)
        documents = data.pop("documents", [])
        return services.create_campaign(actor=self.request.user, documents=documents, **data)


class ObjectFormPage(ServiceFormMixin, ScopedMixin, generic.FormView):
    """A form about one record: 404 outside the user's view scope, 403 where the user may
    not take ``object_action`` on it. ``save(form)`` calls the service."""

    object_action = Action.CHANGE
    template_name = "core/form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            if not self.allowed():
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def allowed(self) -> bool:
        return can(self.request.user, self.object_action, self.object)

    def get_success_url(self) -> str:
        return self.object.get_absolute_url()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["object"] = self.object
        return ctx


class CampaignEdit(ObjectFormPage):
    model = Campaign
    form_class = CampaignForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object, "user": self.request.user}

    def save(self, form):
        data = dict(form.cleaned_data)
        documents = data.pop("documents", [])
        return services.update_campaign(
            Campaign.objects.get(pk=self.object.pk), actor=self.request.user, documents=documents, **data
        )


class PlanSubmit(ObjectFormPage):
    """A town's staff hand in (or revise) their town's plan for the campaign."""

    model = Campaign
    form_class = PlanForm
    template_name = "activities/plan_form.html"

    def allowed(self) -> bool:
        user = self.request.user
        self.town = (
            Town.objects.filter(pk=user.town_id, county_id=self.object.county_id).first()
            if user.town_id
            else None
        )
        return self.town is not None and Role.TOWN_STAFF in user.roles

    def existing(self):
        return CampaignPlan.objects.filter(campaign=self.object, town=self.town).first()

    def get_initial(self):
        plan = self.existing()
        return {"summary": plan.summary} if plan else {}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["town"] = self.town
        ctx["plan"] = self.existing()
        return ctx

    def form_valid(self, form):
        try:
            services.submit_town_plan(
                self.object,
                self.town,
                actor=self.request.user,
                summary=form.cleaned_data["summary"],
                documents=form.cleaned_data["documents"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The plan of {town} has been handed in.").format(town=self.town))
        return HttpResponseRedirect(self.object.get_absolute_url())


class Coverage(ScopedDetailView):
    """Training coverage of the campaign, per town and for the county (全覆盖)."""

    model = Campaign
    template_name = "activities/coverage.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows, county = training_coverage(self.object, Town.objects.filter(county_id=self.object.county_id))
        ctx["rows"], ctx["county"] = rows, county
        ctx["groups"] = list(CoverageGroup)
        return ctx


class StoredFileView(ScopedMixin, generic.View):
    """A kept file, to whoever reads what it belongs to (else 404)."""

    def get(self, request, pk):
        stored = get_object_or_404(self.get_queryset(), pk=pk)
        return serve(stored, inline=stored.is_image and "download" not in request.GET)


class CampaignFileView(StoredFileView):
    model = CampaignFile


class PlanFileView(StoredFileView):
    model = CampaignPlanFile


class ActivityFileView(StoredFileView):
    model = ActivityFile


class MaterialFileView(StoredFileView):
    model = MaterialFile


# --- activities ---------------------------------------------------------------------------


class ActivityList(ScopedListView):
    model = Activity
    filterset_class = ActivityFilterSet
    template_name = "activities/activity_list.html"
    paginate_by = 30
    export_name = "activities"
    export_columns = [
        Column(gettext_lazy("ID"), "id"),
        Column(gettext_lazy("Name"), "name"),
        Column(gettext_lazy("Kind"), "kind"),
        Column(gettext_lazy("Organiser"), lambda a: f"{a.get_organiser_display()} · {a.organiser_name}"),
        Column(gettext_lazy("Starts at"), lambda a: timezone.localtime(a.starts_at)),
        Column(gettext_lazy("Ends at"), lambda a: timezone.localtime(a.ends_at)),
        Column(gettext_lazy("Place"), "place"),
        Column(gettext_lazy("Campaign"), "campaign.theme"),
        Column(gettext_lazy("Invited"), "invited_count"),
        Column(gettext_lazy("Present"), "present_count"),
    ]

    def base_queryset(self):
        return (
            Activity.objects.select_related("county", "town", "station", "group", "campaign")
            .annotate(
                invited_count=Count("attendances"),
                present_count=Count("attendances", filter=Q(attendances__status=AttendanceStatus.PRESENT)),
            )
            .order_by("-starts_at", "-id")
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["add_url"] = reverse("activities:activity-create")
        return ctx


class ActivityDetail(ScopedDetailView):
    """An activity: details, files, the attendance list (staff tick it), the invitation
    form and the QR code for staff; a deputy sees his or her own attendance."""

    model = Activity
    template_name = "activities/activity_detail.html"

    def base_queryset(self):
        return Activity.objects.select_related("county", "town", "station", "group", "campaign")

    def get_context_data(self, invite_form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        activity, user = self.object, self.request.user
        rows = list(
            Attendance.objects.restrict(user)
            .filter(activity=activity)
            .select_related("deputy", "deputy__town")
            .order_by("deputy__town__sort_order", "deputy__name_pinyin", "pk")
        )
        ctx["attendances"] = rows
        ctx["counts"] = {
            status: sum(1 for r in rows if r.status == status) for status in AttendanceStatus.values
        }
        ctx["status_choices"] = STATUS_CHOICES
        ctx["files"] = list(activity.files.all())
        ctx["clues"] = list(
            Clue.objects.restrict(user, Action.VIEW).filter(activity=activity).select_related("recorded_by")
        )
        ctx["own"] = next((r for r in rows if user.deputy_id and r.deputy_id == user.deputy_id), None)
        if ctx["can_change"]:
            ctx["invite_form"] = invite_form or InviteForm(deputies=self.invitable())
            ctx["sign_in_url"] = self.request.build_absolute_uri(activity.sign_in_path())
            opens, closes = activity.qr_window()
            ctx["qr_opens"], ctx["qr_closes"] = opens, closes
            ctx["qr_open_now"] = opens <= timezone.now() <= closes
        return ctx

    def invitable(self):
        return Deputy.objects.restrict(self.request.user).filter(county_id=self.object.county_id)


class ActivityCreate(ScopedCreateView):
    model = Activity
    form_class = ActivityForm

    success_message = gettext_lazy("Saved. Now invite the deputies.")

    def save(self, form):
        data = dict(form.cleaned_data)
        files = data.pop("files", [])
        return services.create_activity(actor=self.request.user, files=files, **data)


class ActivityEdit(ObjectFormPage):
    model = Activity
    form_class = ActivityForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object, "user": self.request.user}

    def save(self, form):
        data = dict(form.cleaned_data)
        files = data.pop("files", [])
        return services.update_activity(
            Activity.objects.get(pk=self.object.pk), actor=self.request.user, files=files, **data
        )


class ActivityDelete(ScopedDeleteView):
    model = Activity

    def get_success_url(self):
        return reverse("activities:activity-list")


class ActivityPost(ActivityDetail):
    """POST only, on one activity the user may change; answers with a redirect to it."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = activity = self.get_object()
        if not can(request.user, Action.CHANGE, activity):
            raise PermissionDenied
        try:
            self.act(request, activity)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(activity.get_absolute_url())


class ActivityInvite(ActivityPost):
    def act(self, request, activity):
        form = InviteForm(request.POST, deputies=self.invitable())
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        chosen = list(form.cleaned_data["deputies"])
        if form.cleaned_data["everyone"]:
            chosen += list(services.area_deputies(activity).restrict(request.user).only("pk"))
        count = services.invite_deputies(activity, chosen, actor=request.user)
        messages.success(request, _("{count} deputies newly invited.").format(count=count))


class ActivityAttendance(ActivityPost):
    """The tick list: one status (and reason for leave) per deputy on the list."""

    def act(self, request, activity):
        listed = Attendance.objects.filter(activity=activity).values_list("deputy_id", flat=True)
        entries, errors = attendance_entries(request.POST, list(listed))
        if errors:
            raise ValidationError(errors)
        if not entries:
            messages.info(request, _("Nothing to record."))
            return
        count = services.record_attendance(activity, entries, actor=request.user)
        messages.success(request, _("Attendance recorded: {count} changed.").format(count=count))


class ActivityQR(ScopedMixin, generic.View):
    """The activity's QR code (SVG or PNG), for the staff who run it: it encodes the
    absolute sign-in link."""

    model = Activity
    image_format = "svg"

    def get(self, request, pk):
        activity = get_object_or_404(self.get_queryset(), pk=pk)
        if not can(request.user, Action.CHANGE, activity):
            raise PermissionDenied
        content, content_type = qr_image(
            request.build_absolute_uri(activity.sign_in_path()), self.image_format
        )
        response = HttpResponse(content, content_type=content_type)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class SignIn(ScopedMixin, generic.TemplateView):
    """The page a deputy's phone opens from the QR code: the activity and one big button.
    GET only shows; POST signs in (``services.sign_in_by_qr``).

    Reviewed exception to the scoped base: the activity is found by its secret token, not
    through the user's scope, since a deputy who was not invited may sign in too; the service
    refuses anyone but a deputy of the activity's county."""

    scoped = True
    model = Activity
    template_name = "activities/sign_in.html"

    def get_activity(self):
        activity = (
            Activity.objects.select_related("town", "station", "group", "county")
            .filter(qr_token=self.kwargs["token"])
            .first()
        )
        user = self.request.user
        if activity is None or (not user.is_superuser and activity.county_id != user.county_id):
            raise Http404
        return activity

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        activity = self.get_activity()
        user = self.request.user
        ctx["activity"] = activity
        ctx["is_deputy"] = bool(user.deputy_id and Role.DEPUTY in user.roles)
        ctx["attendance"] = (
            Attendance.objects.filter(activity=activity, deputy_id=user.deputy_id).first()
            if user.deputy_id
            else None
        )
        opens, closes = activity.qr_window()
        now = timezone.now()
        ctx["opens"], ctx["closes"] = opens, closes
        ctx["not_open"], ctx["expired"] = now < opens, now > closes
        return ctx

    def post(self, request, *args, **kwargs):
        activity = self.get_activity()
        try:
            _row, signed = services.sign_in_by_qr(activity.qr_token, actor=request.user)
        except services.SignInRefused as exc:
            ctx = self.get_context_data(**kwargs)
            ctx["refusal"] = exc.message
            return self.render_to_response(ctx, status=403 if exc.status == 403 else 200)
        ctx = self.get_context_data(**kwargs)
        ctx["signed"] = True
        ctx["already"] = not signed
        return self.render_to_response(ctx)
