"""Readiness checks: database, broker, cache and the `stl` storage, each with a short timeout.

Each check runs in its own thread and the whole answer waits at most HEALTH_CHECK_TIMEOUT seconds,
so /readyz stays cheap enough to be polled every few seconds even when a dependency hangs rather
than refuses (a hung check reports "timeout" and its thread finishes on its own later).
"""
from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable

from django.conf import settings


def check_database() -> None:
    from django.db import connections

    conn = connections["default"]
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        # This runs in a helper thread, outside any request cycle: close its own connection.
        conn.close()


def _redis_ping(url: str, timeout: float) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        if not client.ping():
            raise ConnectionError("no PONG")
    finally:
        client.close()


def check_broker(timeout: float) -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://", "unix://")):
        _redis_ping(url, timeout)
        return
    if url.startswith("filesystem://"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        if not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
            raise OSError(f"broker folder {folder} is not writable")
        return
    from kombu import Connection

    with Connection(url, connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)


def check_cache() -> None:
    from django.core.cache import caches

    cache = caches["default"]
    key, value = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 10)
    if cache.get(key) != value:
        raise RuntimeError("cache did not return the value just written")
    cache.delete(key)


def check_storage(storage=None) -> None:
    if storage is None:
        from django.core.files.storage import storages

        storage = storages["stl"]
    bucket = getattr(storage, "bucket_name", None)
    if bucket:  # S3: a HEAD on the bucket proves endpoint, credentials and bucket
        storage.connection.meta.client.head_bucket(Bucket=bucket)
        return
    location = getattr(storage, "location", None)
    if location is not None:
        os.makedirs(location, exist_ok=True)
        if not os.access(location, os.W_OK):
            raise OSError("storage location is not writable")
        return
    storage.exists("readyz-probe")


def _checks(timeout: float) -> dict[str, Callable[[], None]]:
    return {
        "database": check_database,
        "broker": lambda: check_broker(timeout),
        "cache": check_cache,
        "storage": lambda: check_storage(),
    }


def run_checks(timeout: float | None = None) -> tuple[bool, dict[str, dict]]:
    timeout = settings.HEALTH_CHECK_TIMEOUT if timeout is None else timeout
    results: dict[str, dict] = {}
    threads = []

    def run(name: str, fn: Callable[[], None]) -> None:
        started = time.perf_counter()
        try:
            fn()
            results[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            # Only the exception's class: /readyz is unauthenticated, messages may name hosts.
            results[name] = {"ok": False, "error": type(exc).__name__}

    for name, fn in _checks(timeout).items():
        thread = threading.Thread(target=run, args=(name, fn), name=f"readyz-{name}", daemon=True)
        thread.start()
        threads.append((name, thread))
    deadline = time.monotonic() + timeout
    for _, thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    for name, _ in threads:
        results.setdefault(name, {"ok": False, "error": "timeout"})
    ordered = {name: dict(results[name]) for name, _ in threads}
    return all(r["ok"] for r in ordered.values()), ordered
