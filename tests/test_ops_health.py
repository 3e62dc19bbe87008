"""/healthz and /readyz: each dependency named, 503 when one is down (a throwaway Redis is killed)."""
import shutil
import subprocess
import time

import pytest

from tests.processes import free_port


@pytest.mark.django_db
def test_healthz_is_alive_without_dependencies(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # even with the broker gone
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_names_every_dependency(client):
    response = client.get("/readyz")
    body = response.json()
    assert set(body["checks"]) == {"database", "broker", "cache", "storage"}
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert all(check["ok"] for check in body["checks"].values())


@pytest.fixture
def throwaway_redis():
    """Our own redis-server on a free port (never the shared one on 6379), killed by the test."""
    binary = shutil.which("redis-server")
    if not binary:
        pytest.skip("redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port, socket_timeout=1)
    for _ in range(100):
        try:
            if client.ping():
                break
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.url = f"redis://127.0.0.1:{port}/0"
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait(5)


@pytest.mark.django_db
def test_readyz_503_when_redis_is_stopped(client, settings, throwaway_redis):
    settings.CELERY_BROKER_URL = throwaway_redis.url
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": throwaway_redis.url,
            "KEY_PREFIX": "readyz-test",
        }
    }
    up = client.get("/readyz")
    assert up.status_code == 200, up.json()

    throwaway_redis.kill()
    throwaway_redis.wait(5)
    started = time.monotonic()
    down = client.get("/readyz")
    elapsed = time.monotonic() - started
    assert down.status_code == 503
    body = down.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["storage"]["ok"] is True
    assert elapsed < settings.HEALTH_CHECK_TIMEOUT + 1


@pytest.mark.django_db
def test_readyz_times_out_instead_of_hanging(client, settings, monkeypatch):
    from apps.common import health

    settings.HEALTH_CHECK_TIMEOUT = 0.3
    monkeypatch.setattr(health, "check_storage", lambda: time.sleep(2))
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 1.5
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {"ok": False, "error": "timeout"}


@pytest.mark.django_db
def test_readyz_storage_down(client, settings, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    settings.STORAGES = {
        **settings.STORAGES,
        "stl": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(blocker / "stl")}},
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False


def test_readyz_s3_storage_checked_with_head_bucket():
    from apps.common import health

    calls = []

    class FakeClient:
        def head_bucket(self, Bucket):  # noqa: N803 - boto3's spelling
            calls.append(Bucket)

    class FakeS3:
        bucket_name = "stl-bucket"

        class connection:  # noqa: N801
            class meta:  # noqa: N801
                client = FakeClient()

    health.check_storage(FakeS3())
    assert calls == ["stl-bucket"]


@pytest.mark.django_db
def test_probes_by_machine_ip_bypass_allowed_hosts(client, settings):
    settings.ALLOWED_HOSTS = ["trackforge.example.com"]
    settings.METRICS_TOKEN = "probe-token-123456"
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    scraped = client.get("/metrics", HTTP_HOST="10.0.0.7:8000", HTTP_AUTHORIZATION="Bearer probe-token-123456")
    assert scraped.status_code == 200 and b"trackforge_http_requests_total" in scraped.content
    # Everything else still validates the host.
    assert client.get("/api/docs/", HTTP_HOST="10.0.0.7:8000").status_code == 400
    assert client.get("/metrics", HTTP_HOST="10.0.0.7:8000").status_code == 400
