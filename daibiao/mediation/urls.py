from django.urls import path

from daibiao.core.views import SectionRoot

from . import views

app_name = "mediation"

urlpatterns = [
    path("", SectionRoot.as_view(pattern_name="mediation:clinic-list"), name="index"),
    path("clinics/", views.ClinicList.as_view(), name="clinic-list"),
    path("clinics/new/", views.ClinicCreate.as_view(), name="clinic-create"),
    path("clinics/<int:pk>/", views.ClinicDetail.as_view(), name="clinic-detail"),
    path("clinics/<int:pk>/edit/", views.ClinicUpdate.as_view(), name="clinic-update"),
    path("clinics/<int:pk>/delete/", views.ClinicDelete.as_view(), name="clinic-delete"),
    path("cases/", views.CaseList.as_view(), name="case-list"),
    path("cases/new/", views.CaseCreate.as_view(), name="case-create"),
    path("cases/<int:pk>/", views.CaseDetail.as_view(), name="case-detail"),
    path("cases/<int:pk>/edit/", views.CaseEdit.as_view(), name="case-update"),
    path("cases/<int:pk>/delete/", views.CaseDelete.as_view(), name="case-delete"),
    path("cases/<int:pk>/outcome/", views.CaseAction.as_view(action="outcome"), name="case-outcome"),
    path("cases/<int:pk>/agreement/", views.CaseAction.as_view(action="agreement"), name="case-agreement"),
    path("agreements/<int:pk>/", views.AgreementFile.as_view(), name="agreement"),
]
