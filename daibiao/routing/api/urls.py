from django.urls import path

from .views import RoutingViewSet, SearchAPIView

urlpatterns = [
    path("routing/suggest/", RoutingViewSet.as_view({"post": "suggest"}), name="routing-suggest"),
    path("search/", SearchAPIView.as_view(), name="search"),
]
