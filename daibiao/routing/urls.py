from django.urls import path

from . import views

app_name = "routing"

urlpatterns = [
    path("", views.SearchView.as_view(), name="search"),
]
