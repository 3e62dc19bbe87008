"""Catalog routes under /api/ (namespace "catalog"). SimpleRouter: no API-root view at /api/,
which the Ninja API shares."""

from rest_framework.routers import SimpleRouter

from apps.catalog import views

router = SimpleRouter()
router.register("standards", views.StandardViewSet, basename="standard")
router.register("rails", views.RailSectionViewSet, basename="rail")
router.register("timbers", views.TimberViewSet, basename="timber")
router.register("chairs", views.ChairViewSet, basename="chair")
router.register("tracks", views.TrackViewSet, basename="track")

urlpatterns = router.urls
