from django.urls import path

from . import api, views

app_name = "notifications"

urlpatterns = [
    path("", views.InboxList.as_view(), name="inbox"),
    path("read-all/", views.InboxReadAll.as_view(), name="read-all"),
    path("<int:pk>/", views.NotificationDetail.as_view(), name="detail"),
    path("<int:pk>/read/", views.NotificationRead.as_view(), name="read"),
]

# Under /api/v1/inbox/ (``daibiao.urls`` includes them in the API's namespace): the list and
# the two actions, routed by hand so that the names and paths stay exactly these.
api_urlpatterns = [
    path("", api.InboxViewSet.as_view({"get": "list"}), name="inbox-list"),
    path("read-all/", api.InboxViewSet.as_view({"post": "read_all"}), name="inbox-read-all"),
    path("<int:pk>/read/", api.InboxViewSet.as_view({"post": "read"}), name="inbox-read"),
]
