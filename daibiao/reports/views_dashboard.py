"""The overview page (数据总览): the county's, or a town's, figures of the campaign with their
charts; and the same on a dark full-screen page for the meeting room's display.

Who sees it: county staff, leaders and administrators see the whole county and may narrow
it to a town; a town's staff and a station head see their own town only (``own_town``), and
another town is not found. Handling units and deputies are refused (403): the page is the
congress's view of a county or a town, which neither of them has; a unit's figures are its
inbox and a deputy's are the duty record, and the overview API still answers both within
their own scope."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from daibiao.accounts.choices import Role
from daibiao.activities.models import Campaign
from daibiao.core.scoping import Action
from daibiao.registry.models import Town

from .dashboard import build
from .stats import own_town

AUDIENCE = frozenset({Role.COUNTY_STAFF, Role.LEADER, Role.ADMIN, Role.TOWN_STAFF, Role.STATION_HEAD})
SCREEN_REFRESH_S = 300  # the meeting-room display reloads its figures every five minutes


def may_see_overview(user) -> bool:
    """County staff, leaders, administrators, a town's staff and station heads."""
    return user.is_superuser or bool(set(user.roles) & AUDIENCE)


class Overview(LoginRequiredMixin, TemplateView):
    """``?campaign=`` (absent: the latest campaign; empty: every record) and ``?town=`` (county
    users only; a town's staff always get their own town)."""

    template_name = "reports/dashboard.html"
    scoped = True  # every figure is read through restrict(): reports.stats and reports.dashboard
    screen = False

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_see_overview(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_template_names(self):
        return ["reports/dashboard_screen.html" if self.screen else self.template_name]

    def selection(self):
        """The campaign and town asked for, the pickers' choices; 404 for anything not in
        the user's scope (another town, a campaign of another county, or nonsense)."""
        user, query = self.request.user, self.request.GET
        campaigns = list(Campaign.objects.restrict(user, Action.VIEW).order_by("-starts_on", "-pk"))
        mine = own_town(user)
        if "campaign" not in query:
            campaign = campaigns[0] if campaigns else None
        elif query["campaign"] == "":
            campaign = None
        else:
            campaign = _pick(campaigns, query["campaign"])
        if mine is not None:
            if query.get("town") not in (None, "", str(mine.pk)):
                raise Http404
            return campaign, mine, campaigns, []
        towns = list(Town.objects.restrict(user, Action.VIEW).order_by("sort_order", "name", "pk"))
        town = _pick(towns, query["town"]) if query.get("town") else None
        return campaign, town, campaigns, towns

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        campaign, town, campaigns, towns = self.selection()
        board = build(user, campaign=campaign, town=town)
        query = self.request.GET.urlencode()
        ctx.update(
            board=board,
            campaign=campaign,
            town=town,
            campaigns=campaigns,
            towns=towns,
            town_fixed=own_town(user) is not None,
            place=town.name if town is not None else (user.county.name if user.county_id else ""),
            as_of=timezone.localtime(),
            chart_data={"charts": board.charts},
            screen_url=reverse("reports:overview-screen") + (f"?{query}" if query else ""),
            page_url=reverse("reports:overview") + (f"?{query}" if query else ""),
            refresh_s=SCREEN_REFRESH_S,
        )
        return ctx


def _pick(rows, value):
    """The row of ``rows`` whose id is ``value``; 404 when there is none."""
    found = next((row for row in rows if str(row.pk) == value), None)
    if found is None:
        raise Http404
    return found
