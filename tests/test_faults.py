"""Fault injection on real processes: Celery workers on Redis, PostgreSQL, a loopback S3 server."""
import signal
import time

import pytest

from apps.generation import services
from apps.generation.models import ErrorCode, GenerationJob, JobStatus
from apps.generation.tests.conftest import small_spec
from tests.processes import RedisServer, celery_broker, free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog_presets"),
]


def _submit(user, length=40.0) -> GenerationJob:
    return services.job_submit(user=user, spec=small_spec(length), track_name="Fault line")


def _wait(job_id, predicate, timeout=60.0) -> GenerationJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = GenerationJob.objects.get(pk=job_id)
        if predicate(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"timed out; job is {job.status} ({job.stage}, attempts={job.attempts})")


def _objects(s3_server, bucket) -> list[str]:
    listing = s3_server.client().list_objects_v2(Bucket=bucket)
    return [o["Key"] for o in listing.get("Contents", [])]


def test_sigkill_of_the_child_mid_build_reruns_the_job(worker_factory, user, s3_server, s3_bucket):
    worker = worker_factory(FAULT_INJECTION_BUILD_DELAY_SECONDS="3")
    job = _submit(user)
    _wait(job.pk, lambda j: j.stage == "building")
    children = worker.children()
    assert children, "worker has no child process"
    for pid in children:
        import os

        os.kill(pid, signal.SIGKILL)
    done = _wait(job.pk, lambda j: j.is_terminal, timeout=90)
    assert done.status == JobStatus.COMPLETED, worker.log()[-3000:]
    assert done.attempts == 2
    assert _objects(s3_server, s3_bucket) == [done.file.storage_key]


def test_sigterm_mid_build_finishes_the_job_once(worker_factory, user, s3_server, s3_bucket):
    worker = worker_factory(FAULT_INJECTION_BUILD_DELAY_SECONDS="2")
    job = _submit(user)
    _wait(job.pk, lambda j: j.stage == "building")
    worker.proc.send_signal(signal.SIGTERM)  # warm shutdown: the running task completes
    worker.proc.wait(60)
    done = GenerationJob.objects.get(pk=job.pk)
    assert done.status == JobStatus.COMPLETED and done.attempts == 1
    assert _objects(s3_server, s3_bucket) == [done.file.storage_key]


def test_job_that_kills_its_worker_every_time_fails_after_the_limit(worker_factory, user, settings):
    worker = worker_factory(FAULT_INJECTION_BUILD_DELAY_SECONDS="30", JOB_MAX_ATTEMPTS="2")
    settings.JOB_MAX_ATTEMPTS = 2
    job = _submit(user)
    for attempt in (1, 2):
        _wait(job.pk, lambda j, a=attempt: j.stage == "building" and j.attempts == a)
        for pid in worker.children():
            import os

            os.kill(pid, signal.SIGKILL)
    done = _wait(job.pk, lambda j: j.is_terminal, timeout=90)
    assert done.status == JobStatus.FAILED and done.error_code == ErrorCode.WORKER_LOST
    assert "limit 2" in done.error_message


def test_same_job_delivered_twice_at_once_builds_once(worker_factory, user, s3_server, s3_bucket):
    worker_factory(FAULT_INJECTION_BUILD_DELAY_SECONDS="1")
    worker_factory(FAULT_INJECTION_BUILD_DELAY_SECONDS="1")
    job = _submit(user)
    services.job_enqueue(job_id=job.pk)  # a duplicate delivery of the same id
    done = _wait(job.pk, lambda j: j.is_terminal)
    time.sleep(1.5)
    done.refresh_from_db()
    assert done.status == JobStatus.COMPLETED and done.attempts == 1
    assert _objects(s3_server, s3_bucket) == [done.file.storage_key]


def test_s3_down_during_upload_is_retried_until_it_returns(worker_factory, user, s3_server, s3_bucket):
    worker_factory(FAULT_INJECTION_BUILD_DELAY_SECONDS="1", STORAGE_RETRY_BASE_SECONDS="1", STORAGE_MAX_RETRIES="6")
    job = _submit(user)
    _wait(job.pk, lambda j: j.stage == "building")
    s3_server.stop()
    time.sleep(2.5)
    s3_server.start()  # same port, but moto forgets its buckets: recreate it
    s3_server.client().create_bucket(Bucket=s3_bucket)
    done = _wait(job.pk, lambda j: j.is_terminal, timeout=90)
    assert done.status == JobStatus.COMPLETED
    assert _objects(s3_server, s3_bucket) == [done.file.storage_key]


def test_s3_down_for_good_fails_with_a_storage_code(worker_factory, user, s3_server, s3_bucket):
    worker_factory(STORAGE_RETRY_BASE_SECONDS="0.1", STORAGE_MAX_RETRIES="2", FAULT_INJECTION_BUILD_DELAY_SECONDS="1")
    job = _submit(user)
    _wait(job.pk, lambda j: j.stage == "building")
    s3_server.stop()
    try:
        done = _wait(job.pk, lambda j: j.is_terminal, timeout=90)
    finally:
        s3_server.start()
        s3_server.client().create_bucket(Bucket=s3_bucket)
    assert done.status == JobStatus.FAILED and done.error_code == ErrorCode.STORAGE_UNAVAILABLE
    assert _objects(s3_server, s3_bucket) == []


def test_broker_down_on_submit_is_503_fast_with_no_orphan_row(client, user, settings, transactional_db):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (REDIS_URL)")
    from rest_framework_simplejwt.tokens import AccessToken

    with celery_broker(f"redis://127.0.0.1:{free_port()}/0"):
        started = time.monotonic()
        response = client.post(
            "/api/stl/generate/",
            {"track": {"name": "x", "standard": _standard_id(), "alignment": [{"type": "straight", "length_mm": 40}]}},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}",
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "queue_unavailable" and response["Retry-After"]
    assert elapsed < 2.0
    assert not GenerationJob.objects.exists()


def _standard_id() -> str:
    from apps.catalog.models import Standard

    return str(Standard.objects.get(code="OO-BF", owner__isnull=True).pk)


def test_whole_worker_sigkill_job_completes_on_a_new_worker_within_the_visibility_timeout(
    worker_factory, user, s3_server, s3_bucket
):
    limits = {"CELERY_VISIBILITY_TIMEOUT": "8", "CELERY_TASK_TIME_LIMIT": "6", "CELERY_TASK_SOFT_TIME_LIMIT": "5"}
    first = worker_factory(FAULT_INJECTION_BUILD_DELAY_SECONDS="3", **limits)
    job = _submit(user)
    _wait(job.pk, lambda j: j.stage == "building")
    first.kill(signal.SIGKILL)  # the whole process group: main process and children
    first.proc.wait(10)
    killed_at = time.monotonic()
    worker_factory(**limits)
    done = _wait(job.pk, lambda j: j.is_terminal, timeout=60)
    assert done.status == JobStatus.COMPLETED
    assert time.monotonic() - killed_at < 8 + 10
    assert done.attempts == 2
    assert _objects(s3_server, s3_bucket) == [done.file.storage_key]


def test_broker_restart_loses_queued_jobs_and_the_reaper_recovers_them(
    worker_factory, user, settings, s3_server, s3_bucket
):
    from django.utils import timezone

    broker = RedisServer().start()
    try:
        with celery_broker(broker.url):
            jobs = [_submit(user, length=40 + i) for i in range(3)]
            broker.stop()  # no persistence: the queued messages are gone
            broker.start()
            worker_factory(CELERY_BROKER_URL=broker.url)
            time.sleep(2)
            assert all(GenerationJob.objects.get(pk=j.pk).status == JobStatus.PENDING for j in jobs)
            later = timezone.now() + timezone.timedelta(seconds=settings.JOB_STALE_PENDING_SECONDS + 1)
            assert services.jobs_reap(now=later) == {"requeued": 3, "failed": 0}
            for j in jobs:
                assert _wait(j.pk, lambda x: x.is_terminal).status == JobStatus.COMPLETED
    finally:
        broker.stop()
