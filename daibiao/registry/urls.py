from django.urls import path

from daibiao.core.views import SectionRoot

from . import views, views_roster

app_name = "registry"


def crud(prefix: str, name: str, list_view, detail, create, update, delete=None):
    patterns = [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}-list"),
        path(f"{prefix}/new/", create.as_view(), name=f"{name}-create"),
        path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{name}-detail"),
        path(f"{prefix}/<int:pk>/edit/", update.as_view(), name=f"{name}-update"),
    ]
    if delete is not None:
        patterns.append(path(f"{prefix}/<int:pk>/delete/", delete.as_view(), name=f"{name}-delete"))
    return patterns


urlpatterns = [
    path("", SectionRoot.as_view(pattern_name="registry:deputy-list"), name="index"),
    path("deputies/import/", views_roster.RosterImport.as_view(), name="deputy-import"),
    path(
        "deputies/import/template.xlsx", views_roster.RosterTemplate.as_view(), name="deputy-import-template"
    ),
    path(
        "deputies/import/report/<str:token>.xlsx",
        views_roster.RosterReport.as_view(),
        name="deputy-import-report",
    ),
    *crud(
        "towns",
        "town",
        views.TownList,
        views.TownDetail,
        views.TownCreate,
        views.TownUpdate,
        views.TownDelete,
    ),
    *crud(
        "villages",
        "village",
        views.VillageList,
        views.VillageDetail,
        views.VillageCreate,
        views.VillageUpdate,
        views.VillageDelete,
    ),
    path("courtyards/new/", views.CourtyardCreate.as_view(), name="courtyard-create"),
    path("station-duties/new/", views.StationDutyCreate.as_view(), name="stationduty-create"),
    path("station-duties/<int:pk>/delete/", views.StationDutyDelete.as_view(), name="stationduty-delete"),
    path("courtyards/<int:pk>/edit/", views.CourtyardUpdate.as_view(), name="courtyard-update"),
    *crud(
        "units",
        "unit",
        views.UnitList,
        views.UnitDetail,
        views.UnitCreate,
        views.UnitUpdate,
        views.UnitDelete,
    ),
    *crud(
        "stations",
        "station",
        views.StationList,
        views.StationDetail,
        views.StationCreate,
        views.StationUpdate,
        views.StationDelete,
    ),
    *crud(
        "groups",
        "group",
        views.GroupList,
        views.GroupDetail,
        views.GroupCreate,
        views.GroupUpdate,
        views.GroupDelete,
    ),
    *crud(
        "deputies",
        "deputy",
        views.DeputyList,
        views.DeputyDetail,
        views.DeputyCreate,
        views.DeputyUpdate,
        views.DeputyDelete,
    ),
    *crud(
        "organizations",
        "organization",
        views.OrganizationList,
        views.OrganizationDetail,
        views.OrganizationCreate,
        views.OrganizationUpdate,
        views.OrganizationDelete,
    ),
    path("organizations/<int:pk>/members/add/", views.MemberAdd.as_view(), name="organization-member-add"),
    path("memberships/<int:pk>/end/", views.MembershipEnd.as_view(), name="membership-end"),
]
