from django.urls import path

from .views import RoutingViewSet

urlpatterns = [
    path("routing/suggest/", RoutingViewSet.as_view({"post": "suggest"}), name="routing-suggest"),
]
