"""The one NinjaAPI instance: async routes for the STL pipeline and download history."""
from ninja import NinjaAPI

from apps.common.errors import StrictJSONParser, install_ninja_handlers
from apps.common.ninja_auth import JWTBearer
from apps.common.ratelimit import install_ratelimit_handler
from apps.generation.api import downloads_router
from apps.generation.api import router as stl_router

api = NinjaAPI(
    title="Trackforge API (STL pipeline)",
    version="1.0.0",
    urls_namespace="ninja",
    auth=JWTBearer(),
    docs_url="/stl-docs/",
    openapi_url="/stl-openapi.json",
    parser=StrictJSONParser(),
)
install_ninja_handlers(api)
install_ratelimit_handler(api)
api.add_router("", stl_router)
api.add_router("", downloads_router)
