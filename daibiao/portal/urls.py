"""The public portal's pages under /public/ (no login), and the staff's list of citizens'
answers."""

from django.urls import path

from daibiao.registry.models import Deputy

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.Home.as_view(), name="home"),
    path("stations/", views.StationList.as_view(), name="station-list"),
    path("stations/<int:pk>/", views.StationDetail.as_view(), name="station-detail"),
    # What a station's QR code opens.
    path("stations/<int:pk>/report/", views.Report.as_view(), name="station-report"),
    path("stations/<int:pk>/qr.png", views.QRCode.as_view(image_format="png"), name="station-qr-png"),
    path("stations/<int:pk>/qr.svg", views.QRCode.as_view(image_format="svg"), name="station-qr-svg"),
    path("stations/<int:pk>/poster.svg", views.Poster.as_view(), name="station-poster"),
    path("deputies/<int:pk>/report/", views.Report.as_view(by_deputy=True), name="deputy-report"),
    path(
        "deputies/<int:pk>/qr.png",
        views.QRCode.as_view(model=Deputy, image_format="png"),
        name="deputy-qr-png",
    ),
    path(
        "deputies/<int:pk>/qr.svg",
        views.QRCode.as_view(model=Deputy, image_format="svg"),
        name="deputy-qr-svg",
    ),
    path("deputies/<int:pk>/poster.svg", views.Poster.as_view(model=Deputy), name="deputy-poster"),
    path("track/", views.Track.as_view(), name="track"),
    path("track/feedback/", views.TrackFeedback.as_view(), name="track-feedback"),
    path("replies/", views.ReplyList.as_view(), name="reply-list"),
    # For staff (login): what citizens answered, "not solved" first.
    path("feedback/", views.FeedbackList.as_view(), name="feedback-list"),
]
