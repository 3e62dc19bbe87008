"""End to end over real HTTP: live server, a real Celery worker process on Redis, PostgreSQL and
a loopback S3-compatible server. Register, design a track, generate, poll, download, check the STL."""
import time

import httpx
import numpy as np
import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog_presets"),
]


def _stl_facts(data: bytes) -> tuple[int, list[float], list[float]]:
    count = int(np.frombuffer(data, dtype="<u4", count=1, offset=80)[0])
    assert len(data) == 84 + 50 * count
    records = np.frombuffer(
        data, offset=84, count=count,
        dtype=np.dtype([("n", "<f4", 3), ("v", "<f4", (3, 3)), ("attr", "<u2")]),
    )
    vertices = records["v"].reshape(-1, 3)
    return count, vertices.min(axis=0).tolist(), vertices.max(axis=0).tolist()


def _poll(http: httpx.Client, url: str, timeout: float = 90.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    seen = set()
    while time.monotonic() < deadline:
        response = http.get(url)
        body = response.json()
        seen.add(body["status"])
        if body["status"] in ("completed", "failed"):
            return response
        time.sleep(0.2)
    raise AssertionError(f"not finished in {timeout}s; statuses seen: {seen}")


def test_register_design_generate_poll_download(live_server, worker_factory, s3_server, s3_bucket):
    worker = worker_factory()
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        registered = http.post(
            "/api/register/",
            json={"username": "e2e", "email": "e2e@example.org", "password": "Signal-Box-1887!"},
        )
        assert registered.status_code == 201, registered.text
        tokens = http.post("/api/login/", json={"username": "e2e", "password": "Signal-Box-1887!"}).json()
        http.headers["Authorization"] = f"Bearer {tokens['access']}"

        standard = http.get("/api/standards/", params={"code": "OO-BF"}).json()["results"][0]
        track = http.post(
            "/api/tracks/",
            json={
                "name": "Platform road (OO-BF)",
                "standard": standard["id"],
                "alignment": [{"type": "straight", "length_mm": 120}],
            },
        )
        assert track.status_code == 201, track.text

        submitted = http.post(
            "/api/stl/generate/", json={"track_id": track.json()["id"]}, headers={"X-Request-ID": "e2e-generate-1"}
        )
        assert submitted.status_code == 202, submitted.text
        body = submitted.json()
        assert body["status"] == "pending" and submitted.headers["Location"] == body["status_url"]

        status = _poll(http, body["status_url"])
        assert status.status_code == 200, (status.text, worker.log()[-3000:])
        done = status.json()
        assert done["status"] == "completed" and done["progress"] == 100
        # The request id of the submit reaches the worker's log lines for that build.
        assert any("e2e-generate-1" in line and "build" in line for line in worker.log().splitlines())

        anonymous = httpx.get(done["download_url"], follow_redirects=False)
        assert anonymous.status_code == 302  # the signed link alone is enough; S3 serves the bytes
        assert "filename*=UTF-8''Platform%20road%20%28OO-BF%29.stl" in anonymous.headers["Content-Disposition"]
        stored = httpx.get(anonymous.headers["Location"])
        assert stored.status_code == 200
        data = stored.content
        assert len(data) == done["file_size"]

        count, lo, hi = _stl_facts(data)
        assert count == done["triangle_count"]
        assert np.allclose(lo, done["bbox"]["min"], atol=1e-3) and np.allclose(hi, done["bbox"]["max"], atol=1e-3)

        history = http.get("/api/downloads/").json()
        assert history["count"] == 1
        assert history["results"][0]["file_id"] == done["file_id"]
        assert history["results"][0]["via"] == "signed-link"

        again = http.post("/api/stl/generate/", json={"track_id": track.json()["id"]}).json()
        cached = _poll(http, again["status_url"]).json()
        assert cached["status"] == "completed" and cached["cache_hit"] is True
        assert cached["file_id"] == done["file_id"]
