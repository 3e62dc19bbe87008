"""Production overlay: DEBUG off, secrets required, secure cookies and HSTS."""
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to at least 50 characters in production")
SIMPLE_JWT["SIGNING_KEY"] = env.str("JWT_SIGNING_KEY", default="")  # noqa: F405
if len(SIMPLE_JWT["SIGNING_KEY"]) < 50:  # noqa: F405
    raise ImproperlyConfigured("JWT_SIGNING_KEY must be set to at least 50 characters in production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
LOG_FORMAT = "json"
LOGGING["handlers"]["console"]["formatter"] = "json"  # noqa: F405

# --- Operations (issue 6) -------------------------------------------------------------------------
# Many machines share only PostgreSQL, Redis and S3: no SQLite, file broker or local files here.
for _name in ("DATABASE_URL", "REDIS_URL", "S3_BUCKET"):
    if not env.str(_name, default=""):
        raise ImproperlyConfigured(f"{_name} must be set in production (machines share only PostgreSQL, Redis, S3)")
# Flower runs beside the workers and must not be open: "user:password", password >= 12 characters.
if len(FLOWER_BASIC_AUTH.partition(":")[2]) < 12:  # noqa: F405
    raise ImproperlyConfigured("FLOWER_BASIC_AUTH must be set to user:password (12+ character password)")
# Load balancer probes and the Prometheus scrape come over plain HTTP on the internal network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

