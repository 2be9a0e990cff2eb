from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("leading-group", views.MemberViewSet, basename="leading-group-member")
router.register("supervision-visits", views.VisitViewSet, basename="supervision-visit")
router.register("progress-reports", views.ReportViewSet, basename="progress-report")
router.register("oversight-items", views.OversightViewSet, basename="oversight-item")

urlpatterns = router.urls
