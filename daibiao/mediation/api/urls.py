from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("law-clinics", views.ClinicViewSet, basename="law-clinic")
router.register("mediation-cases", views.CaseViewSet, basename="mediation-case")
router.register("mediation-agreements", views.AgreementViewSet, basename="mediation-agreement")

urlpatterns = router.urls
