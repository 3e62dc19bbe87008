"""Diagnostic tasks (operations): `common.ping` logs one line, used to prove request-id propagation."""
import logging

from celery import shared_task

from apps.common.request_context import request_id_var

logger = logging.getLogger("trackforge.tasks")


@shared_task(name="common.ping", ignore_result=True)
def ping(marker: str = "") -> str:
    logger.info("common.ping %s", marker, extra={"event": "ping", "marker": marker})
    return request_id_var.get()
