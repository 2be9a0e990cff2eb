"""Every data view reads through the scoped base classes (STYLE habit 3).

A page or API endpoint that reaches our data must inherit ``core.views.ScopedMixin`` or
``core.api.ScopedAPIMixin``, or carry ``scoped = True``: an explicit marker that a reviewer
has read it and seen it scope its rows itself. The views come from the URLconf, so a view
added without either fails here the day it is routed.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import include, path
from django.views import generic
from rest_framework import routers, viewsets

from daibiao.core.api import ScopedAPIMixin
from daibiao.core.views import ScopedMixin
from daibiao.registry.api.serializers import DeputySerializer
from daibiao.registry.models import Deputy
from tests.urlconf import all_endpoints, data_endpoints, left_out


def is_scoped(endpoint) -> bool:
    view = endpoint.view_class or endpoint.view_func
    if isinstance(view, type) and issubclass(view, ScopedMixin | ScopedAPIMixin):
        return True
    return getattr(view, "scoped", False) is True


def unscoped(endpoints) -> list[str]:
    found = []
    for endpoint in endpoints:
        if not is_scoped(endpoint):
            view = endpoint.view_class or endpoint.view_func
            found.append(f"/{endpoint.route} → {view.__module__}.{view.__qualname__}")
    return found


def test_every_data_view_is_scoped():
    endpoints = data_endpoints()
    assert len(endpoints) > 20  # the walk found the pages and the API, not nothing
    assert unscoped(endpoints) == []


def test_the_left_out_views_are_only_admin_auth_language_schema_and_api_root():
    reasons = {left_out(e) for e in all_endpoints()} - {None}
    assert reasons <= {
        "django admin",
        "language switch",
        "static or media files",
        "format-suffix twin of another route",
        "log in, log out or token",
        "API schema or docs",
        "API root",
        "public portal (no login; scanned for personal data by daibiao/portal/tests)",
    }


# --- the check itself can fail ------------------------------------------------------------


class LeakyDeputyList(LoginRequiredMixin, generic.ListView):
    """Every deputy of every town to whoever is logged in: what the check exists to catch."""

    model = Deputy
    template_name = "registry/deputy_list.html"


class LeakyDeputyViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Deputy.objects.all()
    serializer_class = DeputySerializer


def leaky_function_view(request):  # pragma: no cover — never called, only routed
    raise AssertionError


class MarkedDeputyList(LeakyDeputyList):
    scoped = True  # a reviewed exception: the marker is what the check trusts


leaky_router = routers.SimpleRouter()
leaky_router.register("leaky-deputies", LeakyDeputyViewSet, basename="leaky-deputy")

urlpatterns = [
    path("", include("daibiao.urls")),
    path("leaky/", LeakyDeputyList.as_view(), name="leaky-list"),
    path("leaky-fn/", leaky_function_view, name="leaky-fn"),
    path("marked/", MarkedDeputyList.as_view(), name="marked-list"),
    path("leaky-api/", include(leaky_router.urls)),
]


def test_the_check_flags_unscoped_views_added_to_the_urlconf():
    endpoints = [e for e in all_endpoints(urlconf=__name__) if left_out(e) is None]
    found = unscoped(endpoints)
    assert any("LeakyDeputyList" in line for line in found)
    assert any("LeakyDeputyViewSet" in line for line in found)
    assert any("leaky_function_view" in line for line in found)
    assert not any("MarkedDeputyList" in line for line in found)
    # Only what was planted here (the viewset twice: its list and detail routes); the
    # project's own views, included alongside, still pass.
    assert len(found) == 4


@pytest.mark.parametrize("marker", ["yes", 1, False, None])
def test_only_scoped_true_counts_as_the_marker(marker):
    class Pretending(LeakyDeputyList):
        scoped = marker

    endpoint = type("Routed", (), {"view_class": Pretending, "view_func": None})()
    assert not is_scoped(endpoint)
