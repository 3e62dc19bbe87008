"""Celery signal handlers: request id propagation, logging config, worker metrics.

Connected by importing this module from project/celery.py (it imports no Django models, so it is
safe before django.setup()).

* before_task_publish (web side): the current request id goes into the message headers as
  ``request_id``.
* task_prerun / task_postrun (worker side): the request id is set in
  apps.common.request_context.request_id_var for the task's duration, so every log line the task
  writes carries the id of the request that enqueued it; the task's run time and final state are
  counted in metrics.
* setup_logging: workers use Django's LOGGING (JSON with LOG_FORMAT=json, human-readable text
  otherwise) instead of Celery's own format, so the RequestIdFilter applies.
* worker_init (main worker process): serves this worker's metrics (all prefork children, through
  PROMETHEUS_MULTIPROC_DIR) on WORKER_METRICS_PORT when it is set (0 = off).
* worker_process_shutdown: marks the child dead for prometheus_client's multiprocess mode.
"""
from __future__ import annotations

import logging
import logging.config
import os
import time

from celery import signals

from apps.common.request_context import request_id_var

logger = logging.getLogger("trackforge.celery")

HEADER = "request_id"
_tokens: dict[str, tuple[object, float]] = {}


@signals.before_task_publish.connect(weak=False)
def _publish_request_id(sender=None, headers=None, **kwargs):
    request_id = request_id_var.get()
    if headers is not None and request_id and request_id != "-":
        headers.setdefault(HEADER, request_id)


def _request_id_of(task) -> str | None:
    request = getattr(task, "request", None)
    if request is None:
        return None
    value = getattr(request, HEADER, None)
    if not value:
        value = (getattr(request, "headers", None) or {}).get(HEADER)
    return value or None


@signals.task_prerun.connect(weak=False)
def _task_prerun(sender=None, task_id=None, task=None, **kwargs):
    task = task or sender
    token = request_id_var.set(_request_id_of(task) or f"task-{task_id}")
    _tokens[task_id] = (token, time.perf_counter())


@signals.task_postrun.connect(weak=False)
def _task_postrun(sender=None, task_id=None, task=None, state=None, **kwargs):
    entry = _tokens.pop(task_id, None)
    seconds = None
    if entry is not None:
        token, started = entry
        seconds = time.perf_counter() - started
        try:
            request_id_var.reset(token)
        except ValueError:  # reset from another context (should not happen); fall back
            request_id_var.set("-")
    from apps.common import metrics

    name = getattr(task or sender, "name", "unknown")
    metrics.celery_task_finished(task=name, state=state or "UNKNOWN", seconds=seconds)


@signals.setup_logging.connect(weak=False)
def _setup_logging(**kwargs):
    # Having a receiver stops Celery from configuring logging itself; use Django's config.
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.worker_init.connect(weak=False)
def _start_worker_exporter(sender=None, **kwargs):
    from django.conf import settings

    port = int(getattr(settings, "WORKER_METRICS_PORT", 0) or 0)
    if not port:
        return
    from prometheus_client import start_http_server

    from apps.common import metrics

    address = getattr(settings, "WORKER_METRICS_ADDRESS", "0.0.0.0")  # noqa: S104 - scraped by Prometheus
    start_http_server(port, addr=address, registry=metrics.collect_registry())
    logger.info("worker metrics on %s:%s (multiprocess dir: %s)", address, port, metrics.multiprocess_dir() or "off")


@signals.worker_process_shutdown.connect(weak=False)
def _mark_process_dead(pid=None, **kwargs):
    from apps.common import metrics

    if metrics.multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())
