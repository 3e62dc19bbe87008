from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.common import ops_views
from project.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api-auth/", include("rest_framework.urls", namespace="rest_framework")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    # DRF (accounts, catalog) and Ninja (STL pipeline) share /api/ under separate namespaces.
    path("api/", include(("apps.users.urls", "users"), namespace="users")),
    path("api/", include(("apps.catalog.urls", "catalog"), namespace="catalog")),
    path("api/", api.urls),
    # Operations (issue 6): liveness, readiness, Prometheus metrics (protected).
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics_view, name="metrics"),
]

# Unmatched /api/ paths (e.g. a non-UUID id in a DRF route) answer with the JSON error envelope.
handler404 = "apps.common.errors.api_not_found"
