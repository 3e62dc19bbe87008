"""Structured logs: one JSON line per request (request id, user id, route, status, duration), and the
request id in the Celery worker's log lines for the task that request enqueued."""
import io
import json
import logging
import logging.config
import time
import uuid

import pytest
from django.conf import settings as django_settings
from django.http import JsonResponse
from django.urls import path

from apps.common.logging import RequestIdFilter
from conftest import bearer_for


def _enqueue_ping(request):
    from apps.common.tasks import ping

    ping.apply_async(args=[request.GET["marker"]], queue=request.GET["queue"])
    return JsonResponse({"queued": True})


# Test-only URLconf (used with @pytest.mark.urls(__name__)): a view that enqueues common.ping.
urlpatterns = [path("ops-test/enqueue-ping/", _enqueue_ping)]


@pytest.fixture
def log_lines():
    """Captures `trackforge.*` records formatted exactly as the deployment's JSON handler does."""
    configurator = logging.config.DictConfigurator(django_settings.LOGGING)
    formatter = configurator.configure_formatter(dict(django_settings.LOGGING["formatters"]["json"]))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("trackforge")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    yield lines
    logger.removeHandler(handler)
    logger.setLevel(old_level)


@pytest.mark.django_db
def test_request_log_line_is_json_with_request_id_user_route_status_duration(api_client, user, log_lines):
    api_client.credentials(HTTP_AUTHORIZATION=bearer_for(user))
    response = api_client.get("/api/profile/", HTTP_X_REQUEST_ID="req-abc-123")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-abc-123"
    (line,) = [entry for entry in log_lines() if entry.get("event") == "request"]
    assert line["request_id"] == "req-abc-123"
    assert line["user_id"] == user.pk
    assert line["route"] == "/api/profile/"
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float | int) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["logger"] == "trackforge.request" and "time" in line


@pytest.mark.django_db
def test_anonymous_and_error_requests_are_logged_too(client, log_lines):
    client.post("/api/login/", data={}, content_type="application/json")
    (line,) = [entry for entry in log_lines() if entry.get("event") == "request"]
    assert line["user_id"] is None and line["status"] == 422 and line["level"] == "WARNING"
    assert len(line["request_id"]) == 32  # generated when the client sends none


def test_ninja_async_route_logged_with_route_pattern(client, log_lines, db):
    client.get("/api/downloads/")  # async Ninja route, anonymous -> 401
    (line,) = [entry for entry in log_lines() if entry.get("event") == "request"]
    assert line["route"] == "/api/downloads/" and line["status"] == 401


def test_text_format_is_human_readable(settings):
    assert django_settings.LOG_FORMAT in {"text", "json"}
    formatter = logging.Formatter(settings.LOGGING["formatters"]["text"]["format"])
    record = logging.LogRecord("trackforge.request", logging.INFO, __file__, 1, "GET / 200", None, None)
    record.request_id = "rid-1"
    assert "[rid-1] GET / 200" in formatter.format(record)


def test_publish_puts_request_id_in_headers_and_prerun_sets_it():
    """The signal handlers themselves, without a broker."""
    from apps.common import celery_signals
    from apps.common.request_context import request_id_var

    headers: dict = {}
    token = request_id_var.set("rid-publish")
    try:
        celery_signals._publish_request_id(headers=headers)
    finally:
        request_id_var.reset(token)
    assert headers["request_id"] == "rid-publish"

    class Req:
        request_id = "rid-publish"

    class Task:
        name = "common.ping"
        request = Req()

    celery_signals._task_prerun(task_id="t1", task=Task())
    assert request_id_var.get() == "rid-publish"
    celery_signals._task_postrun(task_id="t1", task=Task(), state="SUCCESS")
    assert request_id_var.get() == "-"


@pytest.mark.slow
@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_request_id_reaches_the_worker_log_line(client, tmp_path, log_lines):
    if not django_settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (a real broker shared with a worker process); CI sets it")
    from tests.processes import Worker, new_queue

    queue = new_queue()
    worker = Worker(queue=queue, env={"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}, log_path=tmp_path / "worker.log")
    worker.start()
    try:
        request_id = f"ops-{uuid.uuid4().hex[:12]}"
        marker = uuid.uuid4().hex
        response = client.get("/ops-test/enqueue-ping/", {"queue": queue, "marker": marker},
                              HTTP_X_REQUEST_ID=request_id)
        assert response.status_code == 200
        web_line = next(e for e in log_lines() if e.get("event") == "request")
        assert web_line["request_id"] == request_id

        deadline = time.monotonic() + 60
        worker_line = None
        while time.monotonic() < deadline and worker_line is None:
            for raw in worker.log().splitlines():
                if marker in raw and '"trackforge.tasks"' in raw:
                    worker_line = json.loads(raw)  # the line must be one JSON object
                    break
            else:
                assert worker.proc.poll() is None, worker.log()
                time.sleep(0.2)
        assert worker_line is not None, worker.log()
        assert worker_line["request_id"] == request_id
        assert worker_line["event"] == "ping" and worker_line["marker"] == marker
        # Celery's own line for the same task run carries it too; every log line is one JSON object.
        def traced() -> bool:
            records = [json.loads(raw) for raw in worker.log().splitlines() if raw.startswith("{")]
            return any(r["logger"] == "celery.app.trace" and r["request_id"] == request_id for r in records)

        while not traced() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert traced(), worker.log()
    finally:
        worker.stop()
