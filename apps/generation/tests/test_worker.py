"""The worker-side service: claim, build, store, cache, retries, reaper (real storage, real DB)."""
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from apps.generation import services
from apps.generation.models import ErrorCode, GenerationJob, JobStatus, StlFile
from apps.generation.tests.conftest import small_spec

pytestmark = pytest.mark.django_db


def test_submit_creates_pending_row_and_enqueues_its_id(user, submit):
    job = submit(user)
    assert job.status == JobStatus.PENDING
    assert submit.sent == [str(job.pk)]
    assert job.spec["alignment"][0]["length_mm"] == 40.0
    assert len(job.spec_hash) == 64


def test_run_builds_stores_and_completes(user, submit):
    job = submit(user)
    assert services.job_run(job_id=job.pk, worker_id="w1") == "built"
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and job.progress == 100 and job.attempts == 1
    stl = job.file
    data = storages["stl"].open(stl.storage_key).read()
    assert len(data) == stl.size_bytes == 84 + 50 * stl.triangle_count
    assert not data.startswith(b"solid")
    assert stl.triangle_count > 0 and stl.bbox


def test_identical_spec_is_a_cache_hit_without_rebuild(user, other_user, submit, monkeypatch):
    first = submit(user)
    services.job_run(job_id=first.pk, worker_id="w1")

    def _no_build(spec):
        raise AssertionError("rebuilt a cached spec")

    monkeypatch.setattr(services.builder, "build_output", _no_build)
    second = submit(other_user)
    assert services.job_run(job_id=second.pk, worker_id="w2") == "cache-hit"
    second.refresh_from_db()
    assert second.status == JobStatus.COMPLETED and second.cache_hit
    assert second.file_id == GenerationJob.objects.get(pk=first.pk).file_id
    assert StlFile.objects.count() == 1


def test_running_twice_builds_once(user, submit):
    job = submit(user)
    assert services.job_run(job_id=job.pk, worker_id="w1") == "built"
    assert services.job_run(job_id=job.pk, worker_id="w2") == "skipped"
    job.refresh_from_db()
    assert job.attempts == 1 and StlFile.objects.count() == 1


def test_live_claim_makes_a_second_delivery_wait(user, submit):
    job = submit(user)
    assert services.job_claim(job_id=job.pk, worker_id="otherhost:1") is not None
    with pytest.raises(services.JobBusy) as busy:
        services.job_run(job_id=job.pk, worker_id="w2")
    assert 1 <= busy.value.retry_in <= 31


def test_dead_local_claim_is_taken_over_at_once(user, submit):
    job = submit(user)
    import socket

    services.job_claim(job_id=job.pk, worker_id=f"{socket.gethostname()}:999999")
    assert services.job_run(job_id=job.pk, worker_id="w2") == "built"
    job.refresh_from_db()
    assert job.attempts == 2 and job.status == JobStatus.COMPLETED


def test_expired_lease_is_taken_over(user, submit):
    job = submit(user)
    services.job_claim(job_id=job.pk, worker_id="gone:1")
    GenerationJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert services.job_run(job_id=job.pk, worker_id="w2") == "built"


def test_job_that_keeps_killing_workers_fails_after_the_limit(user, submit, settings):
    settings.JOB_MAX_ATTEMPTS = 2
    job = submit(user)
    for n in range(2):
        services.job_claim(job_id=job.pk, worker_id=f"gone:{n}")
        GenerationJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert services.job_run(job_id=job.pk, worker_id="w3") == "skipped"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_code == ErrorCode.WORKER_LOST
    assert "2 times" in job.error_message


def test_storage_outage_retries_then_fails_with_storage_code(user, submit, settings, monkeypatch):
    settings.STORAGE_MAX_RETRIES = 2
    settings.STORAGE_RETRY_BASE_SECONDS = 0.001
    calls = []

    def broken_save(self, name, content, max_length=None):
        calls.append(name)
        raise ConnectionError("storage down")

    monkeypatch.setattr(type(storages["stl"]), "save", broken_save)
    job = submit(user)
    assert services.job_run(job_id=job.pk, worker_id="w1") == "failed"
    job.refresh_from_db()
    assert len(calls) == 3
    assert job.status == JobStatus.FAILED and job.error_code == ErrorCode.STORAGE_UNAVAILABLE
    assert "could not be stored" in job.error_message
    assert not StlFile.objects.exists()


def test_storage_blip_recovers(user, submit, settings, monkeypatch):
    settings.STORAGE_RETRY_BASE_SECONDS = 0.001
    storage_cls = type(storages["stl"])
    real_save = storage_cls.save
    failures = iter([True, True])

    def flaky_save(self, name, content, max_length=None):
        if next(failures, False):
            raise ConnectionError("blip")
        return real_save(self, name, content, max_length=max_length)

    monkeypatch.setattr(storage_cls, "save", flaky_save)
    job = submit(user)
    assert services.job_run(job_id=job.pk, worker_id="w1") == "built"


def test_reaper_requeues_lost_pending_and_expired_jobs_and_fails_repeat_offenders(user, submit, settings):
    settings.JOB_MAX_ATTEMPTS = 2
    old = timezone.now() - timedelta(seconds=settings.JOB_STALE_PENDING_SECONDS + 5)
    lost = submit(user)
    GenerationJob.objects.filter(pk=lost.pk).update(enqueued_at=old)
    fresh = submit(user, spec=small_spec(50))
    crashed = submit(user, spec=small_spec(60))
    GenerationJob.objects.filter(pk=crashed.pk).update(
        status=JobStatus.IN_PROGRESS, attempts=1, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    doomed = submit(user, spec=small_spec(70))
    GenerationJob.objects.filter(pk=doomed.pk).update(
        status=JobStatus.IN_PROGRESS, attempts=2, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    submit.sent.clear()
    counts = services.jobs_reap()
    assert counts == {"requeued": 2, "failed": 1}
    assert sorted(submit.sent) == sorted([str(lost.pk), str(crashed.pk)])
    assert str(fresh.pk) not in submit.sent
    doomed.refresh_from_db()
    assert doomed.status == JobStatus.FAILED and doomed.error_code == ErrorCode.WORKER_LOST
