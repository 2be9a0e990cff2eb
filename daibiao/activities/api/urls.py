from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("materials", views.MaterialViewSet, basename="material")
router.register("media-articles", views.MediaArticleViewSet, basename="media-article")

urlpatterns = router.urls
