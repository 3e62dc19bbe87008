import os
import uuid

import pytest
from django.conf import settings as django_settings

from tests.processes import S3Server, Worker, database_url, new_queue, s3_storage_setting


def _needs_real_services() -> None:
    if django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL), shared with a worker process; CI sets it")
    if not django_settings.REDIS_URL:
        pytest.skip("needs Redis (REDIS_URL) as the Celery broker; CI sets it")


@pytest.fixture(scope="session")
def s3_server():
    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server, settings):
    """A fresh bucket on the loopback S3 server, wired as the `stl` storage of this process."""
    bucket = f"tf-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=bucket)
    settings.STORAGES = {**settings.STORAGES, "stl": s3_storage_setting(s3_server, bucket)}
    return bucket


@pytest.fixture
def worker_factory(s3_server, s3_bucket, settings, transactional_db, tmp_path, cache_prefix):
    """Starts real Celery worker processes on a private queue against Redis, PostgreSQL and S3."""
    _needs_real_services()
    from django.db import connection

    queue = new_queue()
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    env = {
        **s3_server.env(s3_bucket),
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": django_settings.REDIS_URL,
        "CACHE_KEY_PREFIX": cache_prefix,
        "CI": os.environ.get("CI", "false"),
        "TRACKFORGE_VAR_DIR": str(tmp_path / "var"),
    }
    started: list[Worker] = []

    def start(**extra_env) -> Worker:
        worker = Worker(queue=queue, env={**env, **extra_env}, log_path=tmp_path / f"worker{len(started)}.log")
        started.append(worker.start())
        return worker

    start.queue = queue
    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def catalog_presets(transactional_db):
    """Transactional tests start from a flushed database: put the preset catalog back.

    (serialized_rollback would restore it too, but it breaks whenever a flush without it ran
    before: content types recreated under new ids collide with the serialized ones.)
    """
    import importlib

    from django.apps import apps

    importlib.import_module("apps.catalog.migrations.0002_presets").load(apps, None)
