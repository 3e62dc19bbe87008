"""Gunicorn for the web role: ASGI through uvicorn workers (`uvicorn_worker.UvicornWorker`; the
class in `uvicorn.workers` is deprecated since uvicorn 0.30 and lives in the uvicorn-worker package)."""
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "uvicorn_worker.UvicornWorker"
# About 2 per core: the web only validates, enqueues and signs URLs; STL builds run on workers.
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (bounded memory growth), with jitter so they do not restart together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# One JSON line per request comes from RequestLogMiddleware; gunicorn's access log would duplicate it.
accesslog = None
errorlog = "-"
# Client addresses from the reverse proxy in front (see RATELIMIT_TRUSTED_PROXY_COUNT).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):
    # prometheus_client multiprocess mode: drop the dead worker's live gauges.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
