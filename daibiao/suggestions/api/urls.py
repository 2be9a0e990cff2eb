from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("clues", views.ClueViewSet, basename="clue")
router.register("suggestions", views.SuggestionViewSet, basename="suggestion")
router.register("attachments", views.AttachmentViewSet, basename="attachment")

urlpatterns = router.urls
