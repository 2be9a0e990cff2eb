"""The public API, under /api/v1/public/ (inside the "api" namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("challenge/", views.ChallengeView.as_view(), name="public-challenge"),
    path("clues/", views.ClueCreate.as_view(), name="public-clue-create"),
    path("clues/<str:code>/", views.ClueProgress.as_view(), name="public-clue-detail"),
    path("clues/<str:code>/feedback/", views.ClueFeedback.as_view(), name="public-clue-feedback"),
    path("stations/", views.StationList.as_view(), name="public-station-list"),
    path("replies/", views.ReplyList.as_view(), name="public-reply-list"),
]
