from django.urls import path

from daibiao.core.views import SectionRoot

from . import views

app_name = "supervision"

urlpatterns = [
    path("", SectionRoot.as_view(pattern_name="supervision:member-list"), name="index"),
    path("my-towns/", views.MyTowns.as_view(), name="my-towns"),
    path("group/", views.MemberList.as_view(), name="member-list"),
    path("group/add/", views.MemberAdd.as_view(), name="member-create"),
    path("group/<int:pk>/", views.MemberDetail.as_view(), name="member-detail"),
    path("group/<int:pk>/edit/", views.MemberEdit.as_view(), name="member-update"),
    path("group/<int:pk>/remove/", views.MemberRemove.as_view(), name="member-delete"),
    path("visits/", views.VisitList.as_view(), name="visit-list"),
    path("visits/new/", views.VisitCreate.as_view(), name="visit-create"),
    path("visits/<int:pk>/", views.VisitDetail.as_view(), name="visit-detail"),
    path("visits/<int:pk>/follow-ups/", views.FollowUpAdd.as_view(), name="visit-follow-up"),
    path("follow-ups/", views.FollowUpList.as_view(), name="follow-up-list"),
    path("follow-ups/<int:pk>/close/", views.FollowUpClose.as_view(), name="follow-up-close"),
    path("reports/", views.ReportMatrix.as_view(), name="report-matrix"),
    path("rounds/new/", views.RoundCreate.as_view(), name="round-create"),
    path("rounds/schedule/", views.RoundSchedule.as_view(), name="round-schedule"),
    path("rounds/<int:pk>/", views.RoundDetail.as_view(), name="round-detail"),
    path("rounds/<int:pk>/hand-in/", views.ReportSubmit.as_view(), name="report-submit"),
    path("reports/<int:pk>/", views.ReportDetail.as_view(), name="report-detail"),
    path("reports/<int:pk>/revise/", views.ReportRevise.as_view(), name="report-update"),
    path("report-files/<int:pk>/", views.ReportFile.as_view(), name="report-file"),
    path("oversight/", views.OversightList.as_view(), name="oversight-list"),
    path("oversight/new/", views.OversightPropose.as_view(), name="oversight-create"),
    path("oversight/<int:pk>/", views.OversightDetail.as_view(), name="oversight-detail"),
]
