"""Fault injection on real processes: Celery workers on Redis, PostgreSQL, a loopback S3 server."""
import signal
import time

import pytest

from apps.generation import services
from apps.generation.models import ErrorCode, GenerationJob, JobStatus
from apps.generation.tests.conftest import small_spec

pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


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
    from project.celery import app

    if not settings.REDIS_URL:
        pytest.skip("needs Redis (REDIS_URL)")
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.pool.force_close_all()
    app._pool = None
    try:
        started = time.monotonic()
        with pytest.raises(services.BrokerUnavailable):
            _submit(user)
        assert time.monotonic() - started < 2.0
    finally:
        app.conf.broker_url = original
        app._pool = None
    assert not GenerationJob.objects.exists()
