"""Prometheus metrics of the service, and the functions the rest of the code calls to record them.

How metrics leave each process (prometheus_client multiprocess mode):

* Every process of one container/machine writes its samples to files in PROMETHEUS_MULTIPROC_DIR
  (environment variable, must be set before Python starts and wiped at container start;
  deploy/entrypoint.sh does both). Gunicorn's web workers and Celery's prefork children are
  separate processes, so without it each /metrics scrape would see one random process only.
* The web answers GET /metrics with the aggregate of its machine's processes.
* Each Celery worker's main process serves the aggregate of its children on WORKER_METRICS_PORT
  (apps.common.celery_signals starts it); Prometheus scrapes every worker (DNS service discovery
  in deploy/prometheus/prometheus.yml). Workers on other machines need nothing shared but Redis.
* Without PROMETHEUS_MULTIPROC_DIR (tests, a bare runserver) the default in-process registry is
  used.

Functions to call (all cheap, never raise):

    job_submitted()
    job_started(queue_wait_seconds=...)
    job_completed(build_seconds=..., triangles=..., stl_bytes=...)
    job_failed(error_code="...", build_seconds=None)
    stl_cache_lookup(hit=True|False)
    download_served()
    ratelimit_rejected(limit_name=...)      # called by apps.common.ratelimit itself
"""
from __future__ import annotations

import logging
import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

logger = logging.getLogger("trackforge.metrics")

# The *_created series double the series count and are not used by our dashboards.
disable_created_metrics()

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_QUEUE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)
_BUILD_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

HTTP_REQUESTS = Counter(
    "trackforge_http_requests_total", "HTTP requests by route pattern, method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "trackforge_http_request_duration_seconds", "HTTP request latency by route pattern and method.",
    ["route", "method"], buckets=_LATENCY_BUCKETS,
)
JOBS_SUBMITTED = Counter("trackforge_jobs_submitted_total", "STL generation jobs accepted.")
JOBS_COMPLETED = Counter("trackforge_jobs_completed_total", "STL generation jobs that produced a file.")
JOBS_FAILED = Counter("trackforge_jobs_failed_total", "STL generation jobs that failed, by error code.",
                      ["error_code"])
JOB_QUEUE_WAIT = Histogram("trackforge_job_queue_wait_seconds",
                           "Time from job submission until a worker started it.", buckets=_QUEUE_BUCKETS)
JOB_BUILD_DURATION = Histogram("trackforge_job_build_duration_seconds",
                               "Time a worker spent building one STL.", buckets=_BUILD_BUCKETS)
TRIANGLES = Counter("trackforge_triangles_generated_total", "Triangles written to STL files.")
STL_BYTES = Counter("trackforge_stl_bytes_generated_total", "Bytes of STL files generated.")
STL_CACHE = Counter("trackforge_stl_cache_lookups_total", "STL cache lookups by result (hit/miss).", ["result"])
DOWNLOADS = Counter("trackforge_downloads_total", "STL downloads handed out.")
RATELIMIT_REJECTIONS = Counter("trackforge_ratelimit_rejections_total", "Requests refused by a rate limit.",
                               ["limit"])
CELERY_TASKS = Counter("trackforge_celery_tasks_total", "Celery tasks run by workers, by task and final state.",
                       ["task", "state"])
CELERY_TASK_DURATION = Histogram("trackforge_celery_task_duration_seconds", "Celery task run time by task.",
                                 ["task"], buckets=_BUILD_BUCKETS)

# Every metric family this module registers, as Prometheus exposes them (without suffixes).
METRIC_FAMILIES = {
    m._name: m._type  # noqa: SLF001 - prometheus_client has no public accessor
    for m in (HTTP_REQUESTS, HTTP_LATENCY, JOBS_SUBMITTED, JOBS_COMPLETED, JOBS_FAILED, JOB_QUEUE_WAIT,
              JOB_BUILD_DURATION, TRIANGLES, STL_BYTES, STL_CACHE, DOWNLOADS, RATELIMIT_REJECTIONS,
              CELERY_TASKS, CELERY_TASK_DURATION)
}


def exported_sample_names() -> set[str]:
    """Names of every series these metrics can produce (counter *_total, histogram *_bucket ...)."""
    names: set[str] = set()
    for family, kind in METRIC_FAMILIES.items():
        if kind == "counter":
            names.add(family + "_total")
        elif kind == "histogram":
            names.update({family + "_bucket", family + "_sum", family + "_count"})
        else:
            names.add(family)
    return names


def _safe(fn):
    def wrapper(*args, **kwargs):
        try:
            fn(*args, **kwargs)
        except Exception:  # noqa: BLE001 - metrics must never break a request or a job
            logger.exception("failed to record metric %s", fn.__name__)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


@_safe
def job_submitted() -> None:
    JOBS_SUBMITTED.inc()


@_safe
def job_started(*, queue_wait_seconds: float) -> None:
    """Call when a worker claims a job: seconds since it was submitted (created_at -> now)."""
    JOB_QUEUE_WAIT.observe(max(0.0, queue_wait_seconds))


@_safe
def job_completed(*, build_seconds: float, triangles: int = 0, stl_bytes: int = 0) -> None:
    JOBS_COMPLETED.inc()
    JOB_BUILD_DURATION.observe(max(0.0, build_seconds))
    if triangles:
        TRIANGLES.inc(triangles)
    if stl_bytes:
        STL_BYTES.inc(stl_bytes)


@_safe
def job_failed(*, error_code: str, build_seconds: float | None = None) -> None:
    JOBS_FAILED.labels(error_code=error_code or "unknown").inc()
    if build_seconds is not None:
        JOB_BUILD_DURATION.observe(max(0.0, build_seconds))


@_safe
def stl_cache_lookup(*, hit: bool) -> None:
    STL_CACHE.labels(result="hit" if hit else "miss").inc()


@_safe
def download_served() -> None:
    DOWNLOADS.inc()


@_safe
def ratelimit_rejected(*, limit_name: str) -> None:
    RATELIMIT_REJECTIONS.labels(limit=limit_name).inc()


@_safe
def http_request(*, route: str, method: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(route=route, method=method, status=str(status)).inc()
    HTTP_LATENCY.labels(route=route, method=method).observe(seconds)


@_safe
def celery_task_finished(*, task: str, state: str, seconds: float | None) -> None:
    CELERY_TASKS.labels(task=task, state=state).inc()
    if seconds is not None:
        CELERY_TASK_DURATION.labels(task=task).observe(seconds)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def collect_registry() -> CollectorRegistry:
    """The registry to expose: this machine's processes in multiprocess mode, else this process."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def render_latest() -> tuple[bytes, str]:
    return generate_latest(collect_registry()), CONTENT_TYPE_LATEST
