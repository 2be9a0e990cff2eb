from django.urls import path

from . import views, views_dashboard

app_name = "reports"

urlpatterns = [
    path("overview/", views_dashboard.Overview.as_view(), name="overview"),
    path("overview/screen/", views_dashboard.Overview.as_view(screen=True), name="overview-screen"),
    path("deputies/<int:pk>/duty-record/", views.DutyRecordPage.as_view(), name="duty-record"),
    path("towns/<int:pk>/annual-reports/", views.TownReports.as_view(), name="town-reports"),
    path("batches/<int:pk>/", views.BatchProgress.as_view(), name="batch-detail"),
    path("batches/<int:pk>/download/", views.BatchDownload.as_view(), name="batch-download"),
]

api_urlpatterns = [
    path("stats/overview/", views.StatsOverviewAPI.as_view(), name="stats-overview"),
    path("deputies/<int:pk>/duty-record/", views.DutyRecordAPI.as_view(), name="deputy-duty-record"),
    path(
        "deputies/<int:pk>/annual-report.docx", views.AnnualReportAPI.as_view(), name="deputy-annual-report"
    ),
]
