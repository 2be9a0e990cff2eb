from django.urls import path

from . import views, views_materials

app_name = "activities"

urlpatterns = [
    path("", views.CampaignList.as_view(), name="campaign-list"),
    path("new/", views.CampaignCreate.as_view(), name="campaign-create"),
    path("<int:pk>/", views.CampaignDetail.as_view(), name="campaign-detail"),
    path("<int:pk>/edit/", views.CampaignEdit.as_view(), name="campaign-update"),
    path("<int:pk>/plan/", views.PlanSubmit.as_view(), name="plan-submit"),
    path("<int:pk>/coverage/", views.Coverage.as_view(), name="coverage"),
    path("documents/<int:pk>/", views.CampaignFileView.as_view(), name="campaign-file"),
    path("plan-documents/<int:pk>/", views.PlanFileView.as_view(), name="plan-file"),
    path("activities/", views.ActivityList.as_view(), name="activity-list"),
    path("activities/new/", views.ActivityCreate.as_view(), name="activity-create"),
    path("activities/<int:pk>/", views.ActivityDetail.as_view(), name="activity-detail"),
    path("activities/<int:pk>/edit/", views.ActivityEdit.as_view(), name="activity-update"),
    path("activities/<int:pk>/delete/", views.ActivityDelete.as_view(), name="activity-delete"),
    path("activities/<int:pk>/invite/", views.ActivityInvite.as_view(), name="activity-invite"),
    path("activities/<int:pk>/attendance/", views.ActivityAttendance.as_view(), name="activity-attendance"),
    path("activities/<int:pk>/qr.svg", views.ActivityQR.as_view(image_format="svg"), name="activity-qr-svg"),
    path("activities/<int:pk>/qr.png", views.ActivityQR.as_view(image_format="png"), name="activity-qr-png"),
    path("activity-files/<int:pk>/", views.ActivityFileView.as_view(), name="activity-file"),
    path("sign-in/<str:token>/", views.SignIn.as_view(), name="sign-in"),
    path("materials/", views_materials.MaterialList.as_view(), name="material-list"),
    path("materials/new/", views_materials.MaterialCreate.as_view(), name="material-create"),
    path("materials/<int:pk>/", views_materials.MaterialDetail.as_view(), name="material-detail"),
    path("materials/<int:pk>/send/", views_materials.MaterialSend.as_view(), name="material-send"),
    path("materials/<int:pk>/confirm/", views_materials.MaterialConfirm.as_view(), name="material-confirm"),
    path("materials/<int:pk>/record/", views_materials.MaterialRecord.as_view(), name="material-record"),
    path(
        "materials/<int:pk>/receipts.xlsx",
        views_materials.MaterialReceiptsExport.as_view(),
        name="material-receipts-export",
    ),
    path("material-files/<int:pk>/", views.MaterialFileView.as_view(), name="material-file"),
    path("media/", views_materials.MediaList.as_view(), name="media-list"),
    path("media/new/", views_materials.MediaCreate.as_view(), name="media-create"),
    path("media/<int:pk>/", views_materials.MediaDetail.as_view(), name="media-detail"),
    path("media/<int:pk>/edit/", views_materials.MediaEdit.as_view(), name="media-update"),
    path("media/<int:pk>/delete/", views_materials.MediaDelete.as_view(), name="media-delete"),
]
