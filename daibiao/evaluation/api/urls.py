from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("evaluations", views.EvaluationViewSet, basename="evaluation")
router.register("survey-rounds", views.SurveyRoundViewSet, basename="survey-round")

# The documents keep their file name in the URL (``…/bulletin.docx``), without a slash after.
documents = [
    path(
        "evaluations/<int:pk>/bulletin.docx",
        views.EvaluationViewSet.as_view({"get": "bulletin"}),
        name="evaluation-bulletin",
    ),
    path(
        "evaluations/<int:pk>/rankings.xlsx",
        views.EvaluationViewSet.as_view({"get": "rankings"}),
        name="evaluation-rankings",
    ),
]

urlpatterns = documents + router.urls
