"""Writes for the STL pipeline: submit, claim, progress, complete, fail, reap."""
import hashlib
import logging
import os
import random
import socket
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.audit.models import AuditKind
from apps.audit.services import audit_record
from apps.common import metrics
from apps.common.request_context import request_id_var
from apps.generation import builder
from apps.generation.models import ErrorCode, GenerationJob, JobStatus, StlFile
from apps.generation.progress import progress_forget, progress_write

log = logging.getLogger(__name__)


class BrokerUnavailable(Exception):
    """The queue could not take the job; nothing was kept."""


class StorageUnavailable(Exception):
    pass


class JobBusy(Exception):
    """Another live worker holds the job; try again after `retry_in` seconds."""

    def __init__(self, retry_in: float):
        super().__init__(f"job busy, retry in {retry_in:.0f}s")
        self.retry_in = retry_in


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _claim_is_dead(claimed_by: str) -> bool:
    """A claim by a process on this host that no longer exists is dead (SIGKILLed child)."""
    host, _, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


# --- submit ---------------------------------------------------------------------------------------


def job_enqueue(*, job_id, request_id: str = "") -> None:
    """Sends only the id; the request id travels in the headers so the worker's log lines carry it."""
    from apps.generation.tasks import build_stl

    build_stl.apply_async(
        args=[str(job_id)],
        queue=settings.CELERY_TASK_DEFAULT_QUEUE,
        headers={"request_id": request_id or request_id_var.get()},
        retry=True,
        # Fail fast when the broker is down: the user gets a 503 within seconds, not a hang.
        retry_policy={"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2, "interval_max": 0.3},
    )
    GenerationJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now())


def job_submit(
    *,
    user,
    spec: dict[str, Any],
    track=None,
    track_name: str,
    options: dict[str, Any] | None = None,
    warnings: list[dict[str, Any]] | None = None,
    request=None,
) -> GenerationJob:
    """Creates the job row, then enqueues its id once the row is committed.

    If the broker refuses, the row is removed and BrokerUnavailable raised: no orphan job.
    """
    normalised = builder.spec_normalise(spec)
    refused: list[Exception] = []

    def _enqueue(job_id=None) -> None:
        try:
            job_enqueue(job_id=job_id)
        except Exception as exc:  # kombu raises OperationalError and friends, depending on transport
            refused.append(exc)

    with transaction.atomic():
        job = GenerationJob.objects.create(
            owner=user,
            track=track,
            track_name=track_name[:200],
            spec=normalised,
            spec_hash=builder.spec_hash(normalised),
            options=options or {},
            warnings=list(warnings or []),
            request_id=request_id_var.get() if request_id_var.get() != "-" else "",
        )
        audit_record(
            kind=AuditKind.GENERATION_REQUESTED,
            user=user,
            request=request,
            subject=job.track_name,
            job_id=str(job.id),
            track_id=str(track.pk) if track is not None else None,
        )
        progress_write(job_id=job.id, owner_id=user.pk, status=JobStatus.PENDING, progress=0, stage="queued")
        transaction.on_commit(lambda: _enqueue(job_id=job.id))
    if refused:
        log.warning("broker refused job %s: %s", job.id, refused[0])
        GenerationJob.objects.filter(pk=job.id).delete()
        progress_forget(job_id=job.id)
        raise BrokerUnavailable("The job queue is unavailable; please retry in a minute.") from refused[0]
    metrics.job_submitted()
    return job


# --- worker side ----------------------------------------------------------------------------------


def job_claim(*, job_id, worker_id: str) -> GenerationJob | None:
    """Claims the job for this worker with a conditional UPDATE. None when it is already terminal.

    Raises JobBusy while another live worker holds an unexpired lease.
    """
    job = GenerationJob.objects.filter(pk=job_id).first()
    if job is None or job.is_terminal:
        return None
    now = timezone.now()
    claimable = Q(status=JobStatus.PENDING) | Q(status=JobStatus.IN_PROGRESS, lease_expires_at__lt=now)
    if job.status == JobStatus.IN_PROGRESS and job.claimed_by and _claim_is_dead(job.claimed_by):
        claimable |= Q(status=JobStatus.IN_PROGRESS, claimed_by=job.claimed_by)
    updated = (
        GenerationJob.objects.filter(pk=job_id)
        .filter(claimable)
        .update(
            status=JobStatus.IN_PROGRESS,
            attempts=F("attempts") + 1,
            claimed_by=worker_id,
            lease_expires_at=now + timedelta(seconds=settings.JOB_LEASE_SECONDS),
            started_at=Coalesce(F("started_at"), now),
            stage="starting",
            progress=1,
        )
    )
    if not updated:
        job.refresh_from_db()
        if job.is_terminal:
            return None
        remaining = (job.lease_expires_at - now).total_seconds() if job.lease_expires_at else 1.0
        raise JobBusy(max(1.0, remaining + 0.5))
    job.refresh_from_db()
    metrics.job_started(queue_wait_seconds=(now - job.created_at).total_seconds())
    if job.attempts > settings.JOB_MAX_ATTEMPTS:
        job_fail(
            job_id=job.id,
            worker_id=worker_id,
            code=ErrorCode.WORKER_LOST,
            message=(
                f"The build stopped its worker {job.attempts - 1} times (limit {settings.JOB_MAX_ATTEMPTS}); "
                "the track may be too large for the worker's memory or time limits."
            ),
        )
        return None
    progress_write(job_id=job.id, owner_id=job.owner_id, status=job.status, progress=1, stage="starting")
    return job


def job_progress(*, job: GenerationJob, worker_id: str, progress: int, stage: str) -> None:
    """Records progress and renews the lease; the cache copy feeds the status route."""
    GenerationJob.objects.filter(pk=job.pk, claimed_by=worker_id, status=JobStatus.IN_PROGRESS).update(
        progress=progress,
        stage=stage,
        lease_expires_at=timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS),
    )
    progress_write(job_id=job.pk, owner_id=job.owner_id, status=JobStatus.IN_PROGRESS, progress=progress, stage=stage)


def _finish(*, job_id, worker_id: str | None, **fields: Any) -> bool:
    qs = GenerationJob.objects.filter(pk=job_id).exclude(status__in=[JobStatus.COMPLETED, JobStatus.FAILED])
    if worker_id is not None:
        qs = qs.filter(claimed_by=worker_id)
    updated = qs.update(finished_at=timezone.now(), lease_expires_at=None, **fields)
    if updated:
        job = GenerationJob.objects.only("owner_id", "status", "progress", "stage").get(pk=job_id)
        progress_write(
            job_id=job_id, owner_id=job.owner_id, status=job.status, progress=job.progress, stage=job.stage
        )
    return bool(updated)


def job_complete(*, job_id, worker_id: str | None, file: StlFile, cache_hit: bool, warnings: list[dict]) -> bool:
    return _finish(
        job_id=job_id,
        worker_id=worker_id,
        status=JobStatus.COMPLETED,
        progress=100,
        stage="done",
        file=file,
        cache_hit=cache_hit,
        warnings=warnings,
        error_code="",
        error_message="",
    )


def job_fail(*, job_id, worker_id: str | None, code: str, message: str) -> bool:
    failed = _finish(
        job_id=job_id, worker_id=worker_id, status=JobStatus.FAILED, stage="failed", error_code=code,
        error_message=message[:2000],
    )
    if failed:
        metrics.job_failed(error_code=code)
    return failed


def _cached_file(spec_hash: str) -> StlFile | None:
    stl = StlFile.objects.filter(spec_hash=spec_hash, purged_at__isnull=True).first()
    if stl is None:
        return None
    try:
        exists = storages["stl"].exists(stl.storage_key)
    except Exception:  # storage trouble is not a reason to fail: build afresh
        log.warning("storage check failed for %s", stl.storage_key, exc_info=True)
        return None
    return stl if exists else None


def _save_with_retry(*, key: str, data: bytes) -> None:
    """Uploads with exponential backoff and jitter; storage outages are usually short.

    Written by hand because it must wrap both local and S3 storages the same way, and the
    job lease must be renewed by the caller between tries.
    """
    storage = storages["stl"]
    attempts = settings.STORAGE_MAX_RETRIES + 1
    for attempt in range(attempts):
        try:
            if storage.exists(key):
                storage.delete(key)
            saved = storage.save(key, ContentFile(data))
            if saved != key:
                raise StorageUnavailable(f"storage renamed {key} to {saved}")
            return
        except StorageUnavailable:
            raise
        except Exception as exc:
            if attempt == attempts - 1:
                raise StorageUnavailable(f"{type(exc).__name__}: {exc}") from exc
            delay = settings.STORAGE_RETRY_BASE_SECONDS * (2**attempt)
            time.sleep(delay * random.uniform(0.5, 1.5))  # noqa: S311 - jitter, not crypto


def job_run(*, job_id, worker_id: str) -> str:
    """Runs one job to a terminal state. Safe to call twice: the claim makes the second a no-op."""
    job = job_claim(job_id=job_id, worker_id=worker_id)
    if job is None:
        return "skipped"
    cached = _cached_file(job.spec_hash)
    metrics.stl_cache_lookup(hit=cached is not None)
    if cached is not None:
        job_complete(job_id=job.pk, worker_id=worker_id, file=cached, cache_hit=True, warnings=job.warnings)
        return "cache-hit"

    job_progress(job=job, worker_id=worker_id, progress=10, stage="building")
    if settings.FAULT_INJECTION_BUILD_DELAY_SECONDS:
        # Only the fault-injection tests set this: it holds the job mid-build so a worker can be killed.
        time.sleep(settings.FAULT_INJECTION_BUILD_DELAY_SECONDS)
    try:
        output = builder.build_output(job.spec)
    except ValueError as exc:
        job_fail(job_id=job.pk, worker_id=worker_id, code=ErrorCode.INVALID_SPEC, message=str(exc))
        return "failed"
    job_progress(job=job, worker_id=worker_id, progress=70, stage="uploading")
    key = f"stl/{job.spec_hash}.{output.extension}"
    try:
        _save_with_retry(key=key, data=output.data)
    except StorageUnavailable as exc:
        job_fail(
            job_id=job.pk,
            worker_id=worker_id,
            code=ErrorCode.STORAGE_UNAVAILABLE,
            message=f"The file could not be stored after {settings.STORAGE_MAX_RETRIES} retries ({exc}).",
        )
        return "failed"
    stl, _ = StlFile.objects.update_or_create(
        spec_hash=job.spec_hash,
        defaults={
            "storage_key": key,
            "content_type": output.content_type,
            "size_bytes": len(output.data),
            "sha256": hashlib.sha256(output.data).hexdigest(),
            "triangle_count": output.triangle_count,
            "piece_count": output.piece_count,
            "bbox": output.bbox,
            "manifest": output.manifest,
            "generator_version": builder.geometry.GENERATOR_VERSION,
            "purged_at": None,
        },
    )
    job_complete(
        job_id=job.pk, worker_id=worker_id, file=stl, cache_hit=False,
        warnings=builder.warnings_merge(job.warnings, output.warnings),
    )
    metrics.job_completed(
        build_seconds=(timezone.now() - job.started_at).total_seconds() if job.started_at else 0.0,
        triangles=output.triangle_count, stl_bytes=len(output.data),
    )
    return "built"


# --- operations -----------------------------------------------------------------------------------


def jobs_reap(*, now=None) -> dict[str, int]:
    """Re-enqueues jobs the broker lost and fails those that keep dying. Run by Celery beat."""
    now = now or timezone.now()
    stale_pending = now - timedelta(seconds=settings.JOB_STALE_PENDING_SECONDS)
    counts = {"requeued": 0, "failed": 0}
    pending = GenerationJob.objects.filter(status=JobStatus.PENDING).filter(
        Q(enqueued_at__lt=stale_pending) | Q(enqueued_at__isnull=True, created_at__lt=stale_pending)
    )
    expired = GenerationJob.objects.filter(status=JobStatus.IN_PROGRESS, lease_expires_at__lt=now)
    for job in list(pending.only("id", "request_id", "status")) + list(
        expired.only("id", "attempts", "status", "request_id")
    ):
        if job.status == JobStatus.IN_PROGRESS and job.attempts >= settings.JOB_MAX_ATTEMPTS:
            if job_fail(
                job_id=job.pk, worker_id=None, code=ErrorCode.WORKER_LOST,
                message=f"The build stopped its worker {job.attempts} times (limit {settings.JOB_MAX_ATTEMPTS}).",
            ):
                counts["failed"] += 1
            continue
        try:
            job_enqueue(job_id=job.pk, request_id=job.request_id)
            counts["requeued"] += 1
        except Exception:
            log.warning("reaper could not enqueue %s", job.pk, exc_info=True)
    return counts


def job_retry(*, job: GenerationJob) -> GenerationJob:
    """Admin action: a failed job goes back to pending and is enqueued again."""
    GenerationJob.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
        status=JobStatus.PENDING, attempts=0, progress=0, stage="queued", error_code="", error_message="",
        finished_at=None, claimed_by="",
    )
    transaction.on_commit(lambda: job_enqueue(job_id=job.pk, request_id=job.request_id))
    return job


def file_purge(*, stl: StlFile) -> None:
    """Admin action: removes the stored object; the next identical request rebuilds it."""
    storages["stl"].delete(stl.storage_key)
    StlFile.objects.filter(pk=stl.pk).update(purged_at=timezone.now())
