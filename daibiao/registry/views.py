"""Registry pages: thin adapters over the scoped base views."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from daibiao.core.scoping import Action, can, may_add
from daibiao.core.views import (
    Column,
    ScopedCreateView,
    ScopedDeleteView,
    ScopedDetailView,
    ScopedListView,
    ScopedUpdateView,
)

from . import filtersets, forms
from .choices import DeputyStatus
from .models import (
    Courtyard,
    Deputy,
    DeputyGroup,
    LiaisonStation,
    Mandate,
    Organization,
    OrgMembership,
    StationDuty,
    Town,
    Unit,
    Village,
)
from .services import add_membership, end_membership, save_deputy

# --- towns ----------------------------------------------------------------------------------


class TownList(ScopedListView):
    model = Town
    filterset_class = filtersets.TownFilterSet
    template_name = "registry/town_list.html"
    export_name = "towns"
    export_columns = [
        Column(_("Name"), "name"),
        Column(_("Kind"), "kind"),
        Column(_("Villages"), "n_villages"),
        Column(_("Deputies"), "n_deputies"),
    ]

    def base_queryset(self):
        return Town.objects.annotate(
            n_villages=Count("villages", distinct=True),
            n_deputies=Count("deputies", filter=Q(deputies__status=DeputyStatus.SERVING), distinct=True),
            n_stations=Count("stations", distinct=True),
        ).order_by("sort_order", "name")


class TownDetail(ScopedDetailView):
    model = Town
    template_name = "registry/town_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        town = self.object
        ctx["villages"] = (
            Village.objects.restrict(user).filter(town=town).annotate(n_courtyards=Count("courtyards"))
        )
        ctx["stations"] = LiaisonStation.objects.restrict(user).filter(town=town).select_related("head")
        ctx["groups"] = (
            DeputyGroup.objects.restrict(user).filter(town=town).annotate(n_deputies=Count("deputies"))
        )
        ctx["deputy_count"] = Deputy.objects.restrict(user).filter(town=town).count()
        return ctx


class TownCreate(ScopedCreateView):
    model = Town
    form_class = forms.TownForm


class TownUpdate(ScopedUpdateView):
    model = Town
    form_class = forms.TownForm


class TownDelete(ScopedDeleteView):
    model = Town
    success_url = reverse_lazy("registry:town-list")


# --- villages -------------------------------------------------------------------------------


class VillageList(ScopedListView):
    model = Village
    filterset_class = filtersets.VillageFilterSet
    template_name = "registry/village_list.html"
    export_name = "villages"
    export_columns = [Column(_("Name"), "name"), Column(_("Kind"), "kind"), Column(_("Town"), "town.name")]

    def base_queryset(self):
        return (
            Village.objects.select_related("town")
            .annotate(n_courtyards=Count("courtyards"))
            .order_by("town__sort_order", "town_id", "name")
        )


class VillageDetail(ScopedDetailView):
    model = Village
    template_name = "registry/village_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["courtyards"] = (
            Courtyard.objects.restrict(self.request.user)
            .filter(village=self.object)
            .select_related("head_deputy")
        )
        return ctx


class VillageCreate(ScopedCreateView):
    model = Village
    form_class = forms.VillageForm

    def get_initial(self):
        return {"town": self.request.GET.get("town")}


class VillageUpdate(ScopedUpdateView):
    model = Village
    form_class = forms.VillageForm


class VillageDelete(ScopedDeleteView):
    model = Village
    success_url = reverse_lazy("registry:village-list")


class CourtyardCreate(ScopedCreateView):
    model = Courtyard
    form_class = forms.CourtyardForm

    def get_initial(self):
        return {"village": self.request.GET.get("village")}

    def get_success_url(self):
        return self.object.village.get_absolute_url()


class CourtyardUpdate(ScopedUpdateView):
    model = Courtyard
    form_class = forms.CourtyardForm

    def get_success_url(self):
        return self.object.village.get_absolute_url()


# --- units ----------------------------------------------------------------------------------


class UnitList(ScopedListView):
    model = Unit
    filterset_class = filtersets.UnitFilterSet
    template_name = "registry/unit_list.html"
    export_name = "units"
    export_columns = [
        Column(_("Name"), "name"),
        Column(_("Kind"), "kind"),
        Column(_("Contact person"), "contact_person"),
        Column(_("Contact phone"), "contact_phone"),
        Column(_("Address"), "address"),
    ]

    def base_queryset(self):
        return Unit.objects.select_related("town")


class UnitDetail(ScopedDetailView):
    model = Unit
    template_name = "registry/unit_detail.html"


class UnitCreate(ScopedCreateView):
    model = Unit
    form_class = forms.UnitForm


class UnitUpdate(ScopedUpdateView):
    model = Unit
    form_class = forms.UnitForm


class UnitDelete(ScopedDeleteView):
    model = Unit
    success_url = reverse_lazy("registry:unit-list")


# --- liaison stations -----------------------------------------------------------------------


class StationList(ScopedListView):
    model = LiaisonStation
    filterset_class = filtersets.StationFilterSet
    template_name = "registry/station_list.html"
    export_name = "stations"
    export_columns = [
        Column(_("Name"), "name"),
        Column(_("Town"), "town.name"),
        Column(_("Station head"), lambda s: s.head.name if s.head else ""),
        Column(_("Address"), "address"),
        Column(_("Contact phone"), "phone"),
        Column(_("Legislative contact point"), lambda s: _("Yes") if s.is_legislative_contact_point else ""),
        Column(_("Budget contact point"), lambda s: _("Yes") if s.is_budget_contact_point else ""),
    ]

    def base_queryset(self):
        return (
            LiaisonStation.objects.select_related("town", "head")
            .annotate(n_deputies=Count("deputies"))
            .order_by("town__sort_order", "town_id", "id")
        )


class StationDetail(ScopedDetailView):
    model = LiaisonStation
    template_name = "registry/station_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["groups"] = DeputyGroup.objects.restrict(user).filter(station=self.object)
        ctx["deputies"] = Deputy.objects.restrict(user).filter(station=self.object).with_related()[:200]
        today = timezone.localdate()
        ctx["duties"] = (
            StationDuty.objects.restrict(user)
            .filter(
                station=self.object, on_date__gte=today, on_date__lte=today + dt.timedelta(days=DUTY_DAYS)
            )
            .select_related("deputy")
        )
        ctx["duty_days"] = DUTY_DAYS
        ctx["may_keep_roster"] = may_add(user, StationDuty)
        return ctx


DUTY_DAYS = 30  # how far ahead the station's page shows its roster


class StationDutyCreate(ScopedCreateView):
    """Put a deputy on the station's roster for a day."""

    model = StationDuty
    form_class = forms.StationDutyForm

    def get_initial(self):
        initial = super().get_initial()
        for name in ("station", "on_date"):
            if self.request.GET.get(name):
                initial[name] = self.request.GET[name]
        return initial


class StationDutyDelete(ScopedDeleteView):
    model = StationDuty

    def get_success_url(self):
        return self.object.station.get_absolute_url()


class StationCreate(ScopedCreateView):
    model = LiaisonStation
    form_class = forms.StationForm


class StationUpdate(ScopedUpdateView):
    model = LiaisonStation
    form_class = forms.StationForm


class StationDelete(ScopedDeleteView):
    model = LiaisonStation
    success_url = reverse_lazy("registry:station-list")


# --- deputy groups --------------------------------------------------------------------------


class GroupList(ScopedListView):
    model = DeputyGroup
    filterset_class = filtersets.GroupFilterSet
    template_name = "registry/group_list.html"
    export_name = "deputy-groups"
    export_columns = [
        Column(_("Name"), "name"),
        Column(_("Town"), "town.name"),
        Column(_("Liaison station"), lambda g: g.station.name if g.station else ""),
        Column(_("Deputies"), "n_deputies"),
    ]

    def base_queryset(self):
        return (
            DeputyGroup.objects.select_related("town", "station", "leader")
            .annotate(n_deputies=Count("deputies"))
            .order_by("town__sort_order", "town_id", "id")
        )


class GroupDetail(ScopedDetailView):
    model = DeputyGroup
    template_name = "registry/group_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["deputies"] = Deputy.objects.restrict(self.request.user).filter(group=self.object).with_related()
        return ctx


class GroupCreate(ScopedCreateView):
    model = DeputyGroup
    form_class = forms.GroupForm


class GroupUpdate(ScopedUpdateView):
    model = DeputyGroup
    form_class = forms.GroupForm


class GroupDelete(ScopedDeleteView):
    model = DeputyGroup
    success_url = reverse_lazy("registry:group-list")


# --- deputies -------------------------------------------------------------------------------

DEPUTY_COLUMNS = [
    Column(_("Full name"), "name"),
    Column(_("Gender"), "gender"),
    Column(_("Ethnicity"), "ethnicity"),
    Column(_("Year of birth"), "birth_year"),
    Column(_("Political affiliation"), "party"),
    Column(_("Mobile phone"), "phone"),
    Column(_("Occupation"), "occupation"),
    Column(_("Employer and post"), "employer"),
    Column(_("Town"), "town.name"),
    Column(_("Levels"), "levels_display"),
    Column(_("Deputy group"), lambda d: d.group.name if d.group else ""),
    Column(_("Liaison station"), lambda d: d.station.name if d.station else ""),
    Column(_("Status"), "status"),
]


class DeputyList(ScopedListView):
    model = Deputy
    filterset_class = filtersets.DeputyFilterSet
    template_name = "registry/deputy_list.html"
    export_name = "deputies"
    export_columns = DEPUTY_COLUMNS

    def base_queryset(self):
        return Deputy.objects.with_related()


class DeputyDetail(ScopedDetailView):
    model = Deputy
    template_name = "registry/deputy_detail.html"

    def base_queryset(self):
        return Deputy.objects.select_related("town", "group", "station").prefetch_related(
            Prefetch("mandates", queryset=Mandate.objects.select_related("electoral_district"))
        )


class DeputyFormMixin:
    """The deputy's form and the formset of his or her mandates, saved together."""

    form_class = forms.DeputyForm
    template_name = "registry/deputy_form.html"

    def get_formset(self):
        return forms.MandateFormSet(
            self.request.POST or None,
            instance=self.object if self.object is not None else Deputy(),
            user=self.request.user,
            prefix="mandates",
        )

    def get_context_data(self, **kwargs):
        kwargs.setdefault("formset", self.get_formset())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object() if "pk" in self.kwargs else None
        form = self.get_form()
        formset = self.get_formset()
        if not (form.is_valid() and formset.is_valid()):
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        try:
            self.object = save_deputy(form.instance, actor=request.user, mandates=formset.mandate_data())
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        except PermissionDenied:
            form.add_error(
                None, gettext("You may not save this record here: it would fall outside your scope.")
            )
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        messages.success(request, gettext("Saved."))
        return HttpResponseRedirect(self.object.get_absolute_url())


class DeputyCreate(DeputyFormMixin, ScopedCreateView):
    model = Deputy


class DeputyUpdate(DeputyFormMixin, ScopedUpdateView):
    model = Deputy


class DeputyDelete(ScopedDeleteView):
    model = Deputy
    success_url = reverse_lazy("registry:deputy-list")


# --- "代表+": organisations and their members -----------------------------------------------


class OrganizationList(ScopedListView):
    model = Organization
    filterset_class = filtersets.OrganizationFilterSet
    template_name = "registry/organization_list.html"
    export_name = "organizations"
    export_columns = [
        Column(_("Name"), "name"),
        Column(_("Kind"), "kind"),
        Column(_("Town"), lambda o: o.town.name if o.town else ""),
        Column(_("Village"), lambda o: o.village.name if o.village else ""),
        Column(_("Deputies embedded"), "n_members"),
    ]

    def base_queryset(self):
        return (
            Organization.objects.select_related("town", "village")
            .annotate(n_members=Count("memberships", filter=Q(memberships__until__isnull=True)))
            .order_by("kind", "name", "id")
        )


class OrganizationDetail(ScopedDetailView):
    """An organisation and the deputies embedded in it (those the user may see), with the
    form that adds one."""

    model = Organization
    template_name = "registry/organization_detail.html"

    def base_queryset(self):
        return Organization.objects.select_related("town", "village")

    def get_context_data(self, member_form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        memberships = list(
            OrgMembership.objects.restrict(user)
            .filter(organization=self.object)
            .select_related("deputy__town")
            .order_by("until", "deputy__name_pinyin", "id")
        )
        ending = set(
            OrgMembership.objects.restrict(user, Action.DELETE)
            .filter(organization=self.object, until__isnull=True)
            .values_list("pk", flat=True)
        )
        for membership in memberships:
            membership.may_end = membership.pk in ending
        ctx["memberships"] = memberships
        ctx["may_add_member"] = ctx["can_change"]
        if ctx["can_change"]:
            ctx["member_form"] = member_form or forms.MembershipForm(user=user, prefix="member")
        return ctx


class OrganizationCreate(ScopedCreateView):
    model = Organization
    form_class = forms.OrganizationForm


class OrganizationUpdate(ScopedUpdateView):
    model = Organization
    form_class = forms.OrganizationForm


class OrganizationDelete(ScopedDeleteView):
    model = Organization
    success_url = reverse_lazy("registry:organization-list")


class MemberAdd(OrganizationDetail):
    """POST only: embed a deputy in the organisation (through ``add_membership``)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = organization = self.get_object()
        if not can(request.user, Action.CHANGE, organization):
            raise PermissionDenied
        form = forms.MembershipForm(request.POST, user=request.user, prefix="member")
        if form.is_valid():
            try:
                add_membership(
                    organization,
                    form.cleaned_data["deputy"],
                    actor=request.user,
                    role=form.cleaned_data["role"],
                    since=form.cleaned_data["since"],
                )
            except ValidationError as exc:
                add_validation_errors(form, exc)
            except PermissionDenied:
                form.add_error(None, gettext("You may not do this to this record."))
            else:
                messages.success(
                    request,
                    gettext("{deputy} added to {organization}.").format(
                        deputy=form.cleaned_data["deputy"], organization=organization
                    ),
                )
                return redirect(organization)
        return self.render_to_response(self.get_context_data(object=organization, member_form=form))


class MembershipEnd(ScopedDeleteView):
    """Asks first, then ends the membership (the row is kept for the deputy's record)."""

    model = OrgMembership
    template_name = "registry/membership_confirm_end.html"

    def base_queryset(self):
        return OrgMembership.objects.select_related("organization", "deputy")

    def form_valid(self, form):
        membership = self.object
        try:
            end_membership(membership, actor=self.request.user)
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
        else:
            messages.success(
                self.request,
                gettext("{deputy} is no longer listed as a member of {organization}.").format(
                    deputy=membership.deputy, organization=membership.organization
                ),
            )
        return redirect(membership.organization)


def add_validation_errors(form, exc: ValidationError) -> None:
    """A service's ``ValidationError`` onto the form: by field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
