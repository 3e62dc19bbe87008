"""Trackforge settings.

Every value comes from an environment variable with an embedded default, so that with nothing set
the service runs on SQLite, local file storage, a local cache and a file-system Celery broker.
Every variable is listed in README.md and deploy/env.example.
"""
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# --- Core ---------------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
CI = env.bool("CI", default=False)
VAR_DIR = Path(env.str("TRACKFORGE_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

_secret = env.str("DJANGO_SECRET_KEY", default="")
if not _secret:
    # An embedded default is only acceptable for local runs; production.py refuses to start
    # without a real one.
    _secret = "insecure-local-only-" + "trackforge"
SECRET_KEY = _secret
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "ninja",
    "apps.common",
    "apps.users",
    "apps.catalog",
    "apps.generation",
    "apps.audit",
]

MIDDLEWARE = [
    "apps.common.middleware.RequestIdMiddleware",
    # Operations (issue 6): one log line + HTTP metrics per request; body size / JSON depth limits.
    "apps.common.ops_middleware.RequestLogMiddleware",
    "apps.common.ops_middleware.BodyLimitMiddleware",
    # Probes and token/network-authorised scrapes by machine IP: before host validation and SSL redirect.
    "apps.common.ops_middleware.OpsEndpointsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"
ASGI_APPLICATION = "project.asgi.application"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
if CI and not env.str("DATABASE_URL", default=""):
    # CI must test against PostgreSQL; a silent SQLite fallback would hide real-database bugs.
    raise ImproperlyConfigured("CI=true but DATABASE_URL is not set")
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'trackforge.sqlite3'}")}
# Under ASGI persistent connections leak across event-loop threads; 0 closes them per request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# ATOMIC_REQUESTS breaks async views; services own their transactions.
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_POOL", default=True):
    # psycopg's pool: connections are reused across requests without CONN_MAX_AGE's leaks under
    # ASGI (each request runs its sync code in a fresh thread); saves a connect per request.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = ["apps.users.backends.UsernameOrEmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Redis, cache, Celery -----------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if CI and not REDIS_URL:
    raise ImproperlyConfigured("CI=true but REDIS_URL is not set")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("CACHE_URL", default=REDIS_URL),
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="trackforge"),
        }
    }
else:
    # File-based so the web and worker processes share it (progress, rate-limit counters).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
_celery_queue_dir = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    (_celery_queue_dir / "queue").mkdir(parents=True, exist_ok=True)
    (_celery_queue_dir / "processed").mkdir(parents=True, exist_ok=True)
# Job status lives in our own model, never in a Celery result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ALWAYS_EAGER = False
# Hard limit below the visibility timeout, soft below hard (ARCHITECTURE.md section 4).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=360)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_queue_dir / "queue"),
        "data_folder_out": str(_celery_queue_dir / "queue"),
        "processed_folder": str(_celery_queue_dir / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # kombu restores unacked messages only every interval x throttle; keep both small so a
        # killed worker's job returns within seconds of the visibility timeout.
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
        # A submit must answer 503 within seconds when Redis is down, not hang on connect.
        "socket_connect_timeout": 1,
        "socket_timeout": 5,
    }

# --- Authentication (JWT) -----------------------------------------------------------------------
_jwt_key = env.str("JWT_SIGNING_KEY", default="")
if not _jwt_key:
    _jwt_key = "insecure-local-only-jwt-" + "trackforge"
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": _jwt_key,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

REST_FRAMEWORK = {
    # JWT first so that a missing token answers 401 (with WWW-Authenticate), not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.users.authentication.SessionJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.common.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "apps.common.errors.drf_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Trackforge API (accounts and catalog)",
    "DESCRIPTION": "DRF side of the Trackforge API. The STL pipeline is documented at /api/stl-docs/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.common.openapi.add_body_error_responses",
    ],
}
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=100)

# --- Storage --------------------------------------------------------------------------------------
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATIC_URL = "/static/"
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    _stl_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="us-east-1"),
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="path"),
            "signature_version": "s3v4",
            # Private objects, no ACLs, no custom domain: every read goes through a signed URL.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env.int("S3_PRESIGN_SECONDS", default=120),
            "file_overwrite": True,
        },
    }
else:
    _stl_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "stl")},
    }
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    },
    "stl": _stl_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Logging --------------------------------------------------------------------------------------
LOG_FORMAT = env.str("LOG_FORMAT", default="text")  # "json" in deployment
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "apps.common.logging.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
    },
}

# --- STL generation -------------------------------------------------------------------------------
# Size bounds of one track (the geometry engine's own hard limits are 10 m and 5 M triangles;
# these may only lower them).
TRACK_MAX_LENGTH_MM = env.float("TRACK_MAX_LENGTH_MM", default=10_000.0)
TRACK_MAX_TRIANGLES = env.int("TRACK_MAX_TRIANGLES", default=5_000_000)
# How long a signed download link stays valid, and how long an S3 presigned redirect lives.
DOWNLOAD_LINK_TTL_SECONDS = env.int("DOWNLOAD_LINK_TTL_SECONDS", default=900)
# A job whose worker died this many times fails instead of looping.
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=3)
# A running build renews its lease at each stage; an expired lease means the worker is gone.
JOB_LEASE_SECONDS = env.int("JOB_LEASE_SECONDS", default=30)
# The reaper re-enqueues pending jobs older than this that never started.
JOB_STALE_PENDING_SECONDS = env.int("JOB_STALE_PENDING_SECONDS", default=120)
JOB_REAPER_INTERVAL_SECONDS = env.int("JOB_REAPER_INTERVAL_SECONDS", default=30)
# Upload retries (with exponential backoff and jitter) before a job fails as storage_unavailable.
STORAGE_MAX_RETRIES = env.int("STORAGE_MAX_RETRIES", default=5)
STORAGE_RETRY_BASE_SECONDS = env.float("STORAGE_RETRY_BASE_SECONDS", default=0.5)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="trackforge")
CELERY_BEAT_SCHEDULE = {
    "reap-stuck-jobs": {"task": "generation.reap_stuck_jobs", "schedule": float(JOB_REAPER_INTERVAL_SECONDS)},
}
# Fault-injection tests only: seconds a build pauses mid-way so a test can kill its worker. Keep 0.
FAULT_INJECTION_BUILD_DELAY_SECONDS = env.float("FAULT_INJECTION_BUILD_DELAY_SECONDS", default=0.0)

# --- Operations: rate limits, request limits, metrics, health, Flower (issue 6) -----------------
# Rate limits, "N/unit" with unit s, m, h or d (e.g. "10/m", "5/15m"); parsed by
# apps.common.ratelimit.parse_rate. Counters are atomic: Redis (RATELIMIT_REDIS_URL, shared by all
# machines) or, in the embedded default without Redis, flock'd files under RATELIMIT_FILE_DIR.
RATELIMIT_ENABLED = env.bool("RATELIMIT_ENABLED", default=True)
RATELIMIT_REDIS_URL = env.str("RATELIMIT_REDIS_URL", default=CACHES["default"]["LOCATION"] if REDIS_URL else "")
RATELIMIT_FILE_DIR = Path(env.str("RATELIMIT_FILE_DIR", default=str(VAR_DIR / "ratelimit")))
RATELIMIT_KEY_PREFIX = env.str("RATELIMIT_KEY_PREFIX", default="rl")
RATELIMIT_LOGIN_PER_IP = env.str("RATELIMIT_LOGIN_PER_IP", default="10/m")
RATELIMIT_LOGIN_PER_USERNAME = env.str("RATELIMIT_LOGIN_PER_USERNAME", default="5/m")
RATELIMIT_REGISTER_PER_IP = env.str("RATELIMIT_REGISTER_PER_IP", default="5/h")
RATELIMIT_GENERATION_PER_MINUTE = env.str("RATELIMIT_GENERATION_PER_MINUTE", default="6/m")
RATELIMIT_GENERATION_PER_DAY = env.str("RATELIMIT_GENERATION_PER_DAY", default="200/d")
RATELIMIT_GENERATION_CONCURRENT = env.int("RATELIMIT_GENERATION_CONCURRENT", default=3)
RATELIMIT_CONCURRENT_RETRY_AFTER = env.int("RATELIMIT_CONCURRENT_RETRY_AFTER", default=10)
RATELIMIT_DOWNLOAD_PER_USER = env.str("RATELIMIT_DOWNLOAD_PER_USER", default="60/m")
# Reverse proxies in front of the web that append to X-Forwarded-For (0: use REMOTE_ADDR).
RATELIMIT_TRUSTED_PROXY_COUNT = env.int("RATELIMIT_TRUSTED_PROXY_COUNT", default=0)
# Request bodies above this answer 413 (checked by Content-Length before any parser reads them);
# JSON nested deeper than API_MAX_JSON_DEPTH answers 422.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("REQUEST_MAX_BODY_BYTES", default=1024 * 1024)
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=32)
# GET /metrics: staff session, "Authorization: Bearer <METRICS_TOKEN>", or a client address in
# METRICS_ALLOWED_CIDRS (comma-separated). Celery workers serve theirs on WORKER_METRICS_PORT (0 = off).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_CIDRS = env.list("METRICS_ALLOWED_CIDRS", default=[])
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=0)
WORKER_METRICS_ADDRESS = env.str("WORKER_METRICS_ADDRESS", default="0.0.0.0")  # noqa: S104
# /readyz waits at most this long for all its checks together.
HEALTH_CHECK_TIMEOUT = env.float("HEALTH_CHECK_TIMEOUT", default=2.0)
# Flower ("user:password"); Flower reads the same variable from the environment.
FLOWER_BASIC_AUTH = env.str("FLOWER_BASIC_AUTH", default="")
# Task events feed Flower's task metrics (flower_events_total, flower_task_runtime_seconds).
CELERY_WORKER_SEND_TASK_EVENTS = env.bool("CELERY_SEND_EVENTS", default=True)
CELERY_TASK_SEND_SENT_EVENT = CELERY_WORKER_SEND_TASK_EVENTS
