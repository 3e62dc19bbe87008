from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from project.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api-auth/", include("rest_framework.urls", namespace="rest_framework")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    # DRF (accounts, catalog) and Ninja (STL pipeline) share /api/ under separate namespaces.
    path("api/", include(("apps.users.urls", "users"), namespace="users")),
    path("api/", api.urls),
]
