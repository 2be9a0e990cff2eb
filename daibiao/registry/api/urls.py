from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("towns", views.TownViewSet, basename="town")
router.register("villages", views.VillageViewSet, basename="village")
router.register("courtyards", views.CourtyardViewSet, basename="courtyard")
router.register("units", views.UnitViewSet, basename="unit")
router.register("stations", views.StationViewSet, basename="station")
router.register("groups", views.GroupViewSet, basename="group")
router.register("deputies", views.DeputyViewSet, basename="deputy")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("station-duties", views.StationDutyViewSet, basename="stationduty")

urlpatterns = router.urls
