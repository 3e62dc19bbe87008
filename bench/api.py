"""API overhead, measured in one run and in process, as ratios against a bare Django view.

    python bench/api.py            (embedded defaults: SQLite in a temp dir, file broker)

Prints, for each route, the median time per request and its ratio to a bare Django JSON view
served by the same stack (targets: status poll <= 2.5x, submit <= 6x, track list page <= 4x).
Then an async figure: 64 concurrent pollers against the status route while its cache read is
slow (20 ms), awaited versus blocking (target: awaited >= 10x the throughput of blocking).
"""
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault("TRACKFORGE_VAR_DIR", tempfile.mkdtemp(prefix="tf-bench-"))
os.environ.setdefault("RATELIMIT_ENABLED", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402


def bare(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare/", bare), path("", include("project.urls"))]


def _setup():
    from rest_framework_simplejwt.tokens import AccessToken

    from apps.catalog.models import Standard, Track
    from apps.generation import services
    from apps.users.models import User

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", "bench@example.org", "Bench-password-42")
    bearer = f"Bearer {AccessToken.for_user(user)}"
    standard = Standard.objects.get(code="OO-BF", owner__isnull=True)
    client = Client()
    for i in range(20):
        response = client.post(
            "/api/tracks/",
            {"name": f"Bench {i}", "standard": str(standard.pk), "alignment": [{"type": "straight", "length_mm": 100}]},
            content_type="application/json",
            HTTP_AUTHORIZATION=bearer,
        )
        assert response.status_code == 201, response.content
    tracks = list(Track.objects.filter(owner=user).order_by("created"))
    job = services.job_submit(user=user, spec=_spec(tracks[0]), track=tracks[0], track_name="bench")
    services.job_run(job_id=job.pk, worker_id="bench")
    return user, bearer, tracks, job


def _spec(track):
    from apps.catalog.spec import track_to_spec_dict

    return track_to_spec_dict(track)


async def _timed(http, method: str, url: str, **kwargs) -> float:
    t0 = time.perf_counter()
    response = await http.request(method, url, **kwargs)
    elapsed = time.perf_counter() - t0
    assert response.status_code < 400, (url, response.status_code, response.text[:300])
    return elapsed


async def _paired_ms(http, method: str, url: str, n: int, **kwargs) -> tuple[float, float]:
    """Median ms of the route and of the bare view, interleaved so load drift hits both alike."""
    for _ in range(min(20, n)):
        await http.request(method, url, **kwargs)
        await http.get("/bench/bare/")
    route, bare = [], []
    for _ in range(n):
        bare.append(await _timed(http, "GET", "/bench/bare/"))
        route.append(await _timed(http, method, url, **kwargs))
    return statistics.median(route) * 1000, statistics.median(bare) * 1000


async def _ratios(job, tracks, bearer) -> list[str]:
    """Every request goes through the ASGI application, as deployed (uvicorn workers)."""
    import httpx

    from project.asgi import application

    auth = {"Authorization": bearer}
    n = 400
    lines = [f"each route against a bare Django JSON view through the same ASGI stack, interleaved, median of {n}"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://localhost") as http:
        rows = [
            ("status poll (in progress: cache)", "GET", f"/api/stl/status/{tracks[2]}/", {}, 2.5),
            ("status poll (completed: DB + signed link)", "GET", f"/api/stl/status/{job.pk}/", {}, 2.5),
            (
                "submit (validate, job row, enqueue)", "POST", "/api/stl/generate/",
                {"json": {"track_id": str(tracks[1].pk)}}, 6.0,
            ),
            ("track list page (20 tracks)", "GET", "/api/tracks/?page_size=20", {}, 4.0),
        ]
        for name, method, url, kwargs, target in rows:
            ms, bare_ms = await _paired_ms(http, method, url, 200 if method == "POST" else n, headers=auth, **kwargs)
            ratio = ms / bare_ms
            verdict = "ok" if ratio <= target else "OVER TARGET"
            lines.append(
                f"{name:42s} {ms:7.3f} ms vs bare {bare_ms:6.3f} ms  ratio {ratio:5.2f}x"
                f"  (target <= {target}x: {verdict})"
            )
    return lines


def main() -> None:
    with override_settings(ROOT_URLCONF=__name__):
        user, bearer, tracks, job = _setup()
        pending = _pending_job(user, tracks[3])
        for line in asyncio.run(_ratios(job, [tracks[0], tracks[1], pending], bearer)):
            print(line)
        print(asyncio.run(_concurrency(job, bearer)))


def _pending_job(user, track):
    from apps.generation import services
    from apps.generation.models import JobStatus
    from apps.generation.progress import progress_write

    job = services.job_submit(user=user, spec=_spec(track), track=track, track_name="pending")
    progress_write(job_id=job.pk, owner_id=user.pk, status=JobStatus.IN_PROGRESS, progress=40, stage="building")
    return job.pk


async def _concurrency(job, bearer) -> str:
    import httpx

    from apps.generation import api as generation_api
    from apps.generation.models import JobStatus
    from apps.generation.progress import progress_write
    from project.asgi import application

    progress_write(job_id=job.pk, owner_id=job.owner_id, status=JobStatus.IN_PROGRESS, progress=50, stage="building")
    real = generation_api.aprogress_read

    def readers(latency: float):
        async def awaited(*, job_id):
            await asyncio.sleep(latency)
            return await real(job_id=job_id)

        async def blocking(*, job_id):
            time.sleep(latency)  # deliberately blocks the event loop: the baseline
            return await real(job_id=job_id)

        return awaited, blocking

    async def run(reader, seconds: float = 2.0, pollers: int = 64) -> float:
        generation_api.aprogress_read = reader
        transport = httpx.ASGITransport(app=application)
        done = 0
        stop = time.perf_counter() + seconds
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:

            async def poller():
                nonlocal done
                while time.perf_counter() < stop:
                    response = await http.get(f"/api/stl/status/{job.pk}/", headers={"Authorization": bearer})
                    assert response.status_code == 200, response.text
                    done += 1

            t0 = time.perf_counter()
            await asyncio.gather(*(poller() for _ in range(pollers)))
            elapsed = time.perf_counter() - t0
        generation_api.aprogress_read = real
        return done / elapsed

    lines = []
    # The ratio is bounded by (latency + CPU per request) / CPU per request, so it is printed for a
    # fast and a slow dependency; the target applies to the slow one.
    for latency in (0.02, 0.1):
        awaited, blocking = readers(latency)
        blocking_rps = await run(blocking)
        awaited_rps = await run(awaited)
        ratio = awaited_rps / blocking_rps
        verdict = "ok" if ratio >= 10 else "UNDER TARGET"
        target = f"(target >= 10x: {verdict})" if latency >= 0.1 else "(information)"
        lines.append(
            f"64 pollers, dependency {latency * 1000:.0f} ms: awaited {awaited_rps:.0f} req/s vs blocking "
            f"{blocking_rps:.0f} req/s = {ratio:.1f}x {target}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
