from django.urls import path  # noqa: F401 — the public API is added here

urlpatterns: list = []
