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


def _median_ms(fn, n: int) -> float:
    for _ in range(min(20, n)):
        fn()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


def _setup():
    from rest_framework_simplejwt.tokens import AccessToken

    from apps.catalog.models import Standard
    from apps.catalog.services import track_create
    from apps.generation import services
    from apps.users.models import User

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", "bench@example.org", "Bench-password-42")
    standard = Standard.objects.get(code="OO-BF", owner__isnull=True)
    tracks = [
        track_create(
            owner=user,
            data={"name": f"Bench {i}", "standard": standard, "alignment": [{"type": "straight", "length_mm": 100}]},
        )
        for i in range(20)
    ]
    spec_job = services.job_submit(user=user, spec=_spec(tracks[0]), track=tracks[0], track_name="bench")
    services.job_run(job_id=spec_job.pk, worker_id="bench")
    return user, f"Bearer {AccessToken.for_user(user)}", tracks, spec_job


def _spec(track):
    from apps.catalog.spec import track_to_spec_dict

    return track_to_spec_dict(track)


def main() -> None:
    with override_settings(ROOT_URLCONF=__name__):
        user, bearer, tracks, job = _setup()
        client = Client()
        auth = {"HTTP_AUTHORIZATION": bearer}
        n = 400
        bare_ms = _median_ms(lambda: client.get("/bench/bare/"), n)
        rows = [
            ("status poll (completed: DB + signed link)", lambda: client.get(f"/api/stl/status/{job.pk}/", **auth),
             2.5),
            (
                "submit (validate, job row, enqueue)",
                lambda: client.post(
                    "/api/stl/generate/", {"track_id": str(tracks[1].pk)}, content_type="application/json", **auth
                ),
                6.0,
            ),
            ("track list page (20 tracks)", lambda: client.get("/api/tracks/?page_size=20", **auth), 4.0),
        ]
        print(f"bare Django view: {bare_ms:.3f} ms/request (median of {n})")
        for name, fn, target in rows:
            ms = _median_ms(fn, n if "submit" not in name else 200)
            ratio = ms / bare_ms
            verdict = "ok" if ratio <= target else "OVER TARGET"
            print(f"{name:45s} {ms:8.3f} ms  ratio {ratio:5.2f}x  (target <= {target}x: {verdict})")
        print(asyncio.run(_concurrency(job, bearer)))


async def _concurrency(job, bearer) -> str:
    import httpx

    from apps.generation import api as generation_api
    from apps.generation.models import JobStatus
    from apps.generation.progress import progress_write
    from project.asgi import application

    progress_write(job_id=job.pk, owner_id=job.owner_id, status=JobStatus.IN_PROGRESS, progress=50, stage="building")
    real = generation_api.aprogress_read

    async def awaited(*, job_id):
        await asyncio.sleep(0.02)
        return await real(job_id=job_id)

    async def blocking(*, job_id):
        time.sleep(0.02)  # noqa: ASYNC251 - deliberately blocks the loop: the baseline
        return await real(job_id=job_id)

    async def run(reader, seconds: float = 2.0, pollers: int = 64) -> float:
        generation_api.aprogress_read = reader
        transport = httpx.ASGITransport(app=application)
        done = 0
        stop = time.perf_counter() + seconds
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:

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

    blocking_rps = await run(blocking)
    awaited_rps = await run(awaited)
    ratio = awaited_rps / blocking_rps
    verdict = "ok" if ratio >= 10 else "UNDER TARGET"
    return (
        f"64 pollers, slow dependency 20 ms: awaited {awaited_rps:.0f} req/s vs blocking {blocking_rps:.0f} req/s "
        f"= {ratio:.1f}x (target >= 10x: {verdict})"
    )


if __name__ == "__main__":
    main()
