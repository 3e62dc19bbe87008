"""Rate limits (issue 6): atomic under real concurrency, 429 + Retry-After + message, body limits."""
import json
import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse

from apps.common import ratelimit
from apps.common.ratelimit import FileBackend, RateLimited, RedisBackend

REDIS_URL = django_settings.REDIS_URL
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (CI sets it)")


def _fire_concurrently(fn, n: int = 8) -> list:
    """Runs fn n times in n threads released together by a barrier."""
    barrier = threading.Barrier(n)

    def run(_):
        barrier.wait()
        return fn()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


# --- The limiter itself under concurrency --------------------------------------------------------


def test_configured_backend_lets_exactly_the_limit_through_8_threads(settings, tmp_path):
    # The backend the settings select: Redis when REDIS_URL is set (CI), flock'd files otherwise.
    settings.RATELIMIT_FILE_DIR = tmp_path / "rl"
    decisions = _fire_concurrently(
        lambda: ratelimit.ratelimit_check(scope="t-conc", key="same", limit=5, window_seconds=60)
    )
    assert sum(d.allowed for d in decisions) == 5
    assert all(d.retry_after >= 1 for d in decisions if not d.allowed)
    if REDIS_URL:
        assert isinstance(ratelimit.get_backend(), RedisBackend)


def test_embedded_file_backend_exactly_5_of_8_threads(tmp_path):
    backend = FileBackend(tmp_path)
    counts = _fire_concurrently(lambda: backend.hit("k", 60)[0])
    assert sorted(counts) == list(range(1, 9))  # every count handed out exactly once
    assert sum(c <= 5 for c in counts) == 5


def _process_hit(directory: str) -> int:
    return FileBackend(directory).hit("k", 60)[0]


def test_embedded_file_backend_exact_across_processes(tmp_path):
    # The embedded default runs the web and worker as separate processes: the flock serialises them.
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(8) as pool:
        counts = pool.map(_process_hit, [str(tmp_path)] * 8)
    assert sorted(counts) == list(range(1, 9))


@needs_redis
def test_redis_backend_exactly_5_of_8_threads():
    import uuid

    backend = RedisBackend(REDIS_URL)
    key = f"rl-test:{uuid.uuid4().hex}"
    try:
        counts = _fire_concurrently(lambda: backend.hit(key, 60)[0])
        assert sorted(counts) == list(range(1, 9))
        ttl = backend.client.pttl(key)
        assert 0 < ttl <= 60_000
    finally:
        backend.client.delete(key)


def test_window_expires_and_retry_after_counts_down(tmp_path):
    import time

    backend = FileBackend(tmp_path)
    assert backend.hit("w", 1)[0] == 1
    count, ttl = backend.hit("w", 1)
    assert count == 2 and 0 < ttl <= 1
    time.sleep(1.05)
    assert backend.hit("w", 1)[0] == 1


def test_store_outage_fails_open(settings):
    settings.RATELIMIT_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    decision = ratelimit.ratelimit_check(scope="t-down", key="x", limit=1, window_seconds=60)
    assert decision.allowed


def test_disabled_limits_allow_everything(settings):
    settings.RATELIMIT_ENABLED = False
    for _ in range(5):
        assert ratelimit.ratelimit_check(scope="t-off", key="x", limit=1, window_seconds=60).allowed


# --- Login and register through real HTTP concurrency (live server) ----------------------------


@pytest.mark.django_db(transaction=True)
def test_8_concurrent_logins_against_a_limit_of_5_let_exactly_5_through(live_server, settings):
    settings.RATELIMIT_LOGIN_PER_IP = "5/m"
    settings.RATELIMIT_LOGIN_PER_USERNAME = "100/m"
    url = live_server.url + "/api/login/"

    def attempt():
        return httpx.post(url, json={"username": "nobody", "password": "wrong-password"}, timeout=30)

    responses = _fire_concurrently(attempt)
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(429) == 3, statuses
    assert statuses.count(401) == 5, statuses
    limited = next(r for r in responses if r.status_code == 429)
    assert int(limited.headers["Retry-After"]) >= 1


@pytest.mark.django_db
def test_login_per_ip_limit_answers_429_with_retry_after_and_message(api_client, settings, user, password):
    settings.RATELIMIT_LOGIN_PER_IP = "3/m"
    settings.RATELIMIT_LOGIN_PER_USERNAME = "100/m"
    for _ in range(3):
        assert api_client.post("/api/login/", {"username": "x", "password": "y"}, format="json").status_code == 401
    response = api_client.post("/api/login/", {"username": user.username, "password": password}, format="json")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["code"] == "rate_limited"
    assert body["detail"].startswith("Rate limit exceeded: login attempts per IP address (3 per minute).")
    assert f"Retry after {response['Retry-After']} seconds." in body["detail"]


@pytest.mark.django_db
def test_login_per_username_limit_applies_across_ips(api_client, settings, user, password):
    settings.RATELIMIT_LOGIN_PER_IP = "100/m"
    settings.RATELIMIT_LOGIN_PER_USERNAME = "2/m"
    for i in range(2):
        response = api_client.post("/api/login/", {"username": user.username, "password": "bad"}, format="json",
                                   REMOTE_ADDR=f"10.0.0.{i + 1}")
        assert response.status_code == 401
    # Another address, the right password, different case: still the same account, still limited.
    response = api_client.post("/api/login/", {"username": user.username.upper(), "password": password},
                               format="json", REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert "login attempts per account (2 per minute)" in response.json()["detail"]
    assert response["Retry-After"]
    # Other accounts are unaffected.
    other = api_client.post("/api/login/", {"username": "someone-else", "password": "bad"}, format="json")
    assert other.status_code == 401


@pytest.mark.django_db
def test_successful_logins_within_the_limit(api_client, settings, user, password):
    settings.RATELIMIT_LOGIN_PER_USERNAME = "3/m"
    for _ in range(3):
        response = api_client.post("/api/login/", {"username": user.username, "password": password}, format="json")
        assert response.status_code == 200


@pytest.mark.django_db
def test_register_per_ip_limit(api_client, settings):
    settings.RATELIMIT_REGISTER_PER_IP = "2/h"

    def register(i, addr="192.0.2.1"):
        return api_client.post(
            "/api/register/",
            {"username": f"rl-user-{i}", "email": f"rl{i}@example.com", "password": "Correct-Horse-42-battery"},
            format="json", REMOTE_ADDR=addr,
        )

    assert register(1).status_code == 201
    assert register(2).status_code == 201
    response = register(3)
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Rate limit exceeded: registrations per IP address (2 per hour).")
    assert 3500 <= int(response["Retry-After"]) <= 3600
    assert register(4, addr="192.0.2.2").status_code == 201


@pytest.mark.django_db
def test_trusted_proxy_uses_forwarded_address(api_client, settings):
    settings.RATELIMIT_TRUSTED_PROXY_COUNT = 1
    settings.RATELIMIT_LOGIN_PER_IP = "1/m"
    settings.RATELIMIT_LOGIN_PER_USERNAME = "100/m"
    body = {"username": "x", "password": "y"}
    # The client may prepend anything; the address the trusted proxy appended is what counts.
    def login(forwarded):
        return api_client.post("/api/login/", body, format="json", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert login("1.1.1.1, 203.0.113.5") == 401
    assert login("2.2.2.2, 203.0.113.5") == 429
    assert login("203.0.113.6") == 401


# --- Generation / download helpers for the Ninja routes ----------------------------------------


def test_generation_limits_per_minute_and_ninja_response(settings):
    import asyncio

    settings.RATELIMIT_GENERATION_PER_MINUTE = "2/m"
    settings.RATELIMIT_GENERATION_PER_DAY = "100/d"

    class U:
        pk = 4242

    async def three():
        return [await ratelimit.ageneration_limits_response(user=U()) for _ in range(3)]

    first, second, third = asyncio.run(three())
    assert first is None and second is None
    assert isinstance(third, HttpResponse) and third.status_code == 429
    assert int(third["Retry-After"]) >= 1
    body = json.loads(third.content)
    assert body == {"detail": body["detail"], "code": "rate_limited"}
    assert "STL generations per user per minute (2 per minute)" in body["detail"]


def test_generation_per_day_limit(settings):
    settings.RATELIMIT_GENERATION_PER_MINUTE = "100/m"
    settings.RATELIMIT_GENERATION_PER_DAY = "1/d"
    ratelimit.enforce_generation_rate(user_id=7)
    with pytest.raises(RateLimited) as exc:
        ratelimit.enforce_generation_rate(user_id=7)
    assert "per user per day (1 per day)" in exc.value.decision.message
    assert exc.value.decision.retry_after > 86000


def test_download_limit(settings):
    import asyncio

    settings.RATELIMIT_DOWNLOAD_PER_USER = "1/m"

    class U:
        pk = 99

    assert asyncio.run(ratelimit.adownload_limits_response(user=U())) is None
    response = asyncio.run(ratelimit.adownload_limits_response(user=U()))
    assert response.status_code == 429 and "downloads per user" in json.loads(response.content)["detail"]


def test_concurrency_slot_serialises_and_counts(settings, tmp_path):
    settings.RATELIMIT_GENERATION_CONCURRENT = 2
    jobs: list[int] = []
    lock = threading.Lock()

    def submit():
        with ratelimit.generation_concurrency_slot(user_id=1, count_unfinished=lambda: len(jobs)) as decision:
            if decision.allowed:
                with lock:
                    jobs.append(1)
            return decision

    decisions = _fire_concurrently(submit)
    assert sum(d.allowed for d in decisions) == 2 and len(jobs) == 2
    refused = next(d for d in decisions if not d.allowed)
    assert refused.retry_after == settings.RATELIMIT_CONCURRENT_RETRY_AFTER
    assert "unfinished STL jobs per user (2 at a time)" in refused.message


def test_ninja_exception_handler_answers_429():
    from ninja import NinjaAPI
    from ninja.testing import TestClient

    api = NinjaAPI(urls_namespace="ratelimit-test")
    ratelimit.install_ratelimit_handler(api)

    @api.get("/limited")
    def limited(request):
        raise RateLimited(ratelimit.RateDecision(False, 17, "things per user", 5, 60, 6))

    response = TestClient(api).get("/limited")
    assert response.status_code == 429
    assert response["Retry-After"] == "17"
    assert response.json() == {
        "detail": "Rate limit exceeded: things per user (5 per minute). Retry after 17 seconds.",
        "code": "rate_limited",
    }


# --- Request body limits ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/register/", "/api/login/"])
def test_ten_megabyte_body_is_413(client, path):
    body = b'{"username": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/register/", "/api/login/"])
@pytest.mark.parametrize("depth", [100, 5000, 200_000])
def test_deeply_nested_json_is_422_not_a_crash(client, path, depth):
    body = '{"username": ' + "[" * depth + "]" * depth + ', "password": "x"}'
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code in (413, 422)
    assert response.json()["detail"]


@pytest.mark.django_db
def test_nested_json_just_under_the_limit_reaches_the_view(client, settings):
    # Depth 3 (object, list, object) is fine: the serializer answers with its own 422 for bad types.
    response = client.post("/api/login/", data=json.dumps({"username": [{"a": 1}], "password": "x"}),
                           content_type="application/json")
    assert response.status_code == 422
    assert "username" in response.json().get("errors", {})


@pytest.mark.django_db
def test_ninja_routes_get_the_same_body_limits(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/api/stl/generate/", data=b"{" + b" " * 2000 + b"}", content_type="application/json")
    assert response.status_code == 413
