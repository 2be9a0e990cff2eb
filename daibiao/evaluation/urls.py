from django.urls import path

from . import views, views_schemes, views_survey

app_name = "evaluation"

urlpatterns = [
    path("", views.EvaluationList.as_view(), name="evaluation-list"),
    path("new/", views.EvaluationCreate.as_view(), name="evaluation-create"),
    path("<int:pk>/", views.EvaluationDetail.as_view(), name="evaluation-detail"),
    path("<int:pk>/compute/", views.EvaluationCompute.as_view(), name="evaluation-compute"),
    path("<int:pk>/publish/", views.EvaluationPublish.as_view(), name="evaluation-publish"),
    path("<int:pk>/delete/", views.EvaluationDelete.as_view(), name="evaluation-delete"),
    path("<int:pk>/rankings.xlsx", views.EvaluationRankings.as_view(), name="evaluation-rankings"),
    path("<int:pk>/bulletin.docx", views.EvaluationBulletin.as_view(), name="evaluation-bulletin"),
    path("<int:pk>/committee-report.docx", views.CommitteeReport.as_view(), name="committee-report"),
    path("scores/<int:pk>/", views.ScoreDetail.as_view(), name="score-detail"),
    path("schemes/", views_schemes.SchemeList.as_view(), name="scheme-list"),
    path("schemes/install/", views_schemes.SchemeInstall.as_view(), name="scheme-install"),
    path("schemes/<int:pk>/", views_schemes.SchemeDetail.as_view(), name="scheme-detail"),
    path(
        "schemes/<int:pk>/new-version/", views_schemes.SchemeNewVersion.as_view(), name="scheme-new-version"
    ),
    path("surveys/", views_survey.SurveyList.as_view(), name="survey-list"),
    path("surveys/new/", views_survey.SurveyCreate.as_view(), name="survey-create"),
    path("surveys/<int:pk>/", views_survey.SurveyDetail.as_view(), name="survey-detail"),
    path("my-survey/", views_survey.MySurvey.as_view(), name="my-survey"),
]
