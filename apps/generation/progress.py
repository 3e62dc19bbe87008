"""The hot path of status polling: the worker writes progress to the cache (Redis in deployment),
the async status route reads it there; the database stays the durable record."""
from typing import Any

from django.core.cache import cache

_TTL = 6 * 3600


def _key(job_id) -> str:
    return f"job-status:{job_id}"


def progress_write(*, job_id, owner_id: int, status: str, progress: int, stage: str) -> None:
    cache.set(_key(job_id), {"owner": owner_id, "status": status, "progress": progress, "stage": stage}, _TTL)


def progress_read(*, job_id) -> dict[str, Any] | None:
    return cache.get(_key(job_id))


async def aprogress_read(*, job_id) -> dict[str, Any] | None:
    return await cache.aget(_key(job_id))


def progress_forget(*, job_id) -> None:
    cache.delete(_key(job_id))
