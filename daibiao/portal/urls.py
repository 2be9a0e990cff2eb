from django.urls import path  # noqa: F401 — public pages are added here

app_name = "portal"

urlpatterns: list = []
