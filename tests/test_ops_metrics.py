"""GET /metrics: Prometheus text, protected; request metrics by route and status; our own metrics."""
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from apps.common import metrics

TOKEN = "metrics-test-token-0123456789"


@pytest.fixture
def metrics_settings(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_CIDRS = []
    return settings


def _families(response) -> dict:
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


@pytest.mark.django_db
def test_metrics_not_public(client, metrics_settings):
    response = client.get("/metrics")
    assert response.status_code == 401
    assert "trackforge_" not in response.content.decode()
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


@pytest.mark.django_db
def test_metrics_token_not_configured_means_no_token_access(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


@pytest.mark.django_db
def test_metrics_with_bearer_token(client, metrics_settings):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    families = _families(response)
    for family in metrics.METRIC_FAMILIES:
        assert family in families, family


@pytest.mark.django_db
def test_metrics_for_staff_session_only(client, metrics_settings, user):
    client.force_login(user)
    assert client.get("/metrics").status_code == 401
    user.is_staff = True
    user.save()
    assert client.get("/metrics").status_code == 200


@pytest.mark.django_db
def test_metrics_from_allow_listed_network(client, metrics_settings):
    metrics_settings.METRICS_ALLOWED_CIDRS = ["10.1.0.0/16", "fd00::/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="fd00::5").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.0.1").status_code == 401


@pytest.mark.django_db
def test_request_counts_and_latency_by_route_and_status(client, metrics_settings):
    labels = {"route": "/api/login/", "method": "POST", "status": "422"}
    before = REGISTRY.get_sample_value("trackforge_http_requests_total", labels) or 0
    count_before = REGISTRY.get_sample_value(
        "trackforge_http_request_duration_seconds_count", {"route": "/api/login/", "method": "POST"}) or 0
    assert client.post("/api/login/", data={}, content_type="application/json").status_code == 422
    assert REGISTRY.get_sample_value("trackforge_http_requests_total", labels) == before + 1
    assert REGISTRY.get_sample_value(
        "trackforge_http_request_duration_seconds_count", {"route": "/api/login/", "method": "POST"}
    ) == count_before + 1
    client.get("/no/such/page/")
    text = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    assert 'trackforge_http_requests_total{method="POST",route="/api/login/",status="422"}' in text
    assert 'route="<unmatched>"' in text  # 404s do not explode the label set with raw paths


def _value(name, labels=None):
    return REGISTRY.get_sample_value(name, labels or {}) or 0


def test_job_and_download_metric_functions():
    before = {
        "sub": _value("trackforge_jobs_submitted_total"),
        "done": _value("trackforge_jobs_completed_total"),
        "fail": _value("trackforge_jobs_failed_total", {"error_code": "geometry_invalid"}),
        "tri": _value("trackforge_triangles_generated_total"),
        "bytes": _value("trackforge_stl_bytes_generated_total"),
        "wait": _value("trackforge_job_queue_wait_seconds_count"),
        "build": _value("trackforge_job_build_duration_seconds_count"),
        "hit": _value("trackforge_stl_cache_lookups_total", {"result": "hit"}),
        "miss": _value("trackforge_stl_cache_lookups_total", {"result": "miss"}),
        "dl": _value("trackforge_downloads_total"),
        "rl": _value("trackforge_ratelimit_rejections_total", {"limit": "things"}),
    }
    metrics.job_submitted()
    metrics.job_started(queue_wait_seconds=1.5)
    metrics.job_completed(build_seconds=0.3, triangles=1000, stl_bytes=50_084)
    metrics.job_failed(error_code="geometry_invalid", build_seconds=0.1)
    metrics.stl_cache_lookup(hit=True)
    metrics.stl_cache_lookup(hit=False)
    metrics.download_served()
    metrics.ratelimit_rejected(limit_name="things")
    assert _value("trackforge_jobs_submitted_total") == before["sub"] + 1
    assert _value("trackforge_jobs_completed_total") == before["done"] + 1
    assert _value("trackforge_jobs_failed_total", {"error_code": "geometry_invalid"}) == before["fail"] + 1
    assert _value("trackforge_triangles_generated_total") == before["tri"] + 1000
    assert _value("trackforge_stl_bytes_generated_total") == before["bytes"] + 50_084
    assert _value("trackforge_job_queue_wait_seconds_count") == before["wait"] + 1
    assert _value("trackforge_job_build_duration_seconds_count") == before["build"] + 2
    assert _value("trackforge_stl_cache_lookups_total", {"result": "hit"}) == before["hit"] + 1
    assert _value("trackforge_stl_cache_lookups_total", {"result": "miss"}) == before["miss"] + 1
    assert _value("trackforge_downloads_total") == before["dl"] + 1
    assert _value("trackforge_ratelimit_rejections_total", {"limit": "things"}) == before["rl"] + 1


@pytest.mark.django_db
def test_rate_limit_rejections_are_counted(api_client, settings):
    settings.RATELIMIT_LOGIN_PER_IP = "1/m"
    labels = {"limit": "login attempts per IP address"}
    before = _value("trackforge_ratelimit_rejections_total", labels)
    api_client.post("/api/login/", {"username": "a", "password": "b"}, format="json")
    assert api_client.post("/api/login/", {"username": "a", "password": "b"}, format="json").status_code == 429
    assert _value("trackforge_ratelimit_rejections_total", labels) == before + 1


def test_metric_functions_never_raise():
    metrics.job_completed(build_seconds="not a number")  # logged, not raised


def test_multiprocess_mode_aggregates_processes(tmp_path):
    """What the web's /metrics and the worker exporter do in deployment: sum over processes."""
    import os
    import subprocess
    import sys

    code = (
        "from apps.common import metrics; metrics.job_submitted(); metrics.download_served()"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(3):
        subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
    render = (
        "from apps.common import metrics; import sys; sys.stdout.write(metrics.render_latest()[0].decode())"
    )
    out = subprocess.run([sys.executable, "-c", render], check=True, env=env, capture_output=True, text=True,
                         timeout=60).stdout
    values = {s.name: s.value for f in text_string_to_metric_families(out) for s in f.samples}
    assert values["trackforge_jobs_submitted_total"] == 3
    assert values["trackforge_downloads_total"] == 3
