from django.urls import path

from daibiao.core.views import SectionRoot

from . import views
from .views import STEPS

app_name = "suggestions"

urlpatterns = [
    path("", SectionRoot.as_view(pattern_name="suggestions:suggestion-list"), name="index"),
    path("suggestions/", views.SuggestionList.as_view(), name="suggestion-list"),
    path("suggestions/new/", views.SuggestionCreate.as_view(), name="suggestion-create"),
    path("suggestions/<int:pk>/", views.SuggestionDetail.as_view(), name="suggestion-detail"),
    # One POST-only route per step of the loop, all answered by the same view.
    *(
        path(
            f"suggestions/<int:pk>/step/{step.value.replace('_', '-')}/",
            views.SuggestionStep.as_view(step=step.value),
            name=f"suggestion-{step.value.replace('_', '-')}",
        )
        for step in STEPS
    ),
    path("triage/", views.Triage.as_view(), name="triage"),
    path("unit/", views.UnitInbox.as_view(), name="unit-inbox"),
    path("mine/", views.Mine.as_view(), name="mine"),
    path("clues/", views.ClueList.as_view(), name="clue-list"),
    path("clues/similar/", views.SimilarClues.as_view(), name="clue-similar"),
    path("clues/<int:pk>/", views.ClueDetail.as_view(), name="clue-detail"),
    path("clues/<int:pk>/solve/", views.ClueAction.as_view(action="solve"), name="clue-solve"),
    path("clues/<int:pk>/dismiss/", views.ClueAction.as_view(action="dismiss"), name="clue-dismiss"),
    path("clues/<int:pk>/photos/", views.ClueAction.as_view(action="photos"), name="clue-photos"),
    path("clues/<int:pk>/take-up/", views.ClueTakeUp.as_view(), name="clue-take-up"),
    path("files/<int:pk>/", views.AttachmentFile.as_view(), name="attachment"),
]
