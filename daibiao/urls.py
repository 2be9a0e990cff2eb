"""Root URLs: the HTML pages, the admin, and the API under /api/v1/."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from daibiao.accounts.api.views import MeView, TokenView
from daibiao.core.views_home import HomeView
from daibiao.notifications.urls import api_urlpatterns as inbox_api
from daibiao.reports.urls import api_urlpatterns as reports_api

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI sets inline styles; its scripts still come only from our own static files.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    path("inbox/", include(inbox_api)),
    path("", include("daibiao.registry.api.urls")),
    path("", include("daibiao.suggestions.api.urls")),
    path("", include(reports_api)),
    path("", include("daibiao.mediation.api.urls")),
    path("", include("daibiao.activities.api.urls")),
    path("", include("daibiao.routing.api.urls")),
    path("", include("daibiao.supervision.api.urls")),
    path("", include("daibiao.evaluation.api.urls")),
    path("public/", include("daibiao.portal.api.urls")),
]

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("registry/", include("daibiao.registry.urls")),
    path("loop/", include("daibiao.suggestions.urls")),
    path("mediation/", include("daibiao.mediation.urls")),
    path("campaign/", include("daibiao.activities.urls")),
    path("reports/", include("daibiao.reports.urls")),
    path("supervision/", include("daibiao.supervision.urls")),
    path("evaluation/", include("daibiao.evaluation.urls")),
    path("search/", include("daibiao.routing.urls")),
    path("public/", include("daibiao.portal.urls")),
    path("audit/", include("daibiao.core.urls")),
    path("inbox/", include("daibiao.notifications.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"))),
]

handler404 = "daibiao.core.drf.page_not_found"  # JSON under /api/, the page elsewhere

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
