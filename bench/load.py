"""A bounded, self-stopping load test of a running Trackforge (web + worker) on loopback.

    python bench/load.py                      # starts web (uvicorn) + a Celery worker itself
    python bench/load.py --url http://127.0.0.1:8000 --users 10 --seconds 30

With no --url it starts the service on a free loopback port with the current environment
(DATABASE_URL / REDIS_URL when set, as in CI; else the embedded defaults in a temporary folder),
with the per-IP registration and login limits raised so that many simulated users can share one
address. Each simulated user registers, logs in, creates and lists tracks, submits generations, polls
them to the end and downloads the result. It prints throughput, p50/p95/p99 per route, the errors
(anything but 2xx, 3xx and the 429s the limits promise) and jobs submitted versus completed.
Only loopback addresses are ever contacted.
"""
import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """uvicorn + one Celery worker, as `make run` starts them."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.var = tempfile.mkdtemp(prefix="tf-load-")
        self.env = {
            **os.environ,
            "TRACKFORGE_VAR_DIR": self.var,
            "CELERY_QUEUE": f"tf-load-{self.port}",
            "RATELIMIT_REGISTER_PER_IP": "10000/h",
            "RATELIMIT_LOGIN_PER_IP": "10000/m",
            "LOG_LEVEL": "WARNING",
        }
        self.procs: list[subprocess.Popen] = []

    def start(self) -> str:
        py = sys.executable
        subprocess.run([py, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=self.env, check=True)
        self.procs.append(subprocess.Popen(
            [py, "-m", "celery", "-A", "project", "worker", "-Q", self.env["CELERY_QUEUE"], "--concurrency=1",
             "--loglevel=WARNING", "--without-mingle", "--without-gossip"],
            cwd=ROOT, env=self.env,
        ))
        self.procs.append(subprocess.Popen(
            [py, "-m", "uvicorn", "project.asgi:application", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning"],
            cwd=ROOT, env=self.env,
        ))
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    return url
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the service did not start")

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


class Stats:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.limited: dict[str, int] = defaultdict(int)
        self.submitted = 0
        self.completed = 0
        self.failed = 0

    async def call(self, http: httpx.AsyncClient, route: str, method: str, url: str, **kwargs) -> httpx.Response:
        t0 = time.perf_counter()
        response = await http.request(method, url, **kwargs)
        self.latency[route].append(time.perf_counter() - t0)
        if response.status_code == 429:
            self.limited[route] += 1
        elif response.status_code >= 400:
            self.errors[f"{route} {response.status_code}"] += 1
        return response


async def _user(n: int, url: str, stats: Stats, stop_at: float, standard_id: list[str]) -> None:
    name = f"load{n}-{os.getpid()}-{int(time.time())}"
    password = "Load-test-password-42"
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        await stats.call(http, "register", "POST", "/api/register/",
                         json={"username": name, "email": f"{name}@example.org", "password": password})
        login = await stats.call(http, "login", "POST", "/api/login/", json={"username": name, "password": password})
        if login.status_code != 200:
            return
        http.headers["Authorization"] = f"Bearer {login.json()['access']}"
        if not standard_id:
            page = await stats.call(http, "standards", "GET", "/api/standards/", params={"code": "OO-BF"})
            standard_id.append(page.json()["results"][0]["id"])
        i = 0
        while time.monotonic() < stop_at:
            i += 1
            track = await stats.call(http, "track create", "POST", "/api/tracks/", json={
                "name": f"{name} road {i}", "standard": standard_id[0],
                "alignment": [{"type": "straight", "length_mm": 100 + (n * 7 + i) % 120}],
            })
            await stats.call(http, "track list", "GET", "/api/tracks/")
            if track.status_code != 201:
                continue
            track_id = track.json()["id"]
            await stats.call(http, "track get", "GET", f"/api/tracks/{track_id}/")
            submit = await stats.call(http, "stl generate", "POST", "/api/stl/generate/", json={"track_id": track_id})
            if submit.status_code != 202:
                await asyncio.sleep(float(submit.headers.get("Retry-After", "1")))
                continue
            stats.submitted += 1
            status_url = urlparse(submit.json()["status_url"]).path
            while True:
                status = await stats.call(http, "stl status", "GET", status_url)
                body = status.json()
                if body["status"] == "completed":
                    stats.completed += 1
                    await stats.call(http, "stl download", "GET", body["download_url"].split(url, 1)[-1])
                    break
                if body["status"] == "failed":
                    stats.failed += 1
                    break
                await asyncio.sleep(0.2)
            await stats.call(http, "downloads", "GET", "/api/downloads/")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _run(url: str, users: int, seconds: float) -> Stats:
    stats = Stats()
    started = time.monotonic()
    standard: list[str] = []
    await asyncio.gather(*(_user(n, url, stats, started + seconds, standard) for n in range(users)))
    stats.elapsed = time.monotonic() - started
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running service on loopback; default: start one")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0, help="new work stops after this; jobs finish")
    args = parser.parse_args()
    if args.url and urlparse(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("only loopback targets are allowed")
    service = None if args.url else Service()
    url = args.url or service.start()
    try:
        stats = asyncio.run(_run(url, args.users, args.seconds))
    finally:
        if service:
            service.stop()
    total = sum(len(v) for v in stats.latency.values())
    print(f"{args.users} users for {args.seconds:.0f} s against {url}: {total} requests in {stats.elapsed:.1f} s "
          f"= {total / stats.elapsed:.1f} req/s")
    print(f"{'route':15s} {'n':>6s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'429':>5s}")
    for route, values in sorted(stats.latency.items()):
        print(f"{route:15s} {len(values):6d} {statistics.median(values) * 1000:8.1f} {_pct(values, 0.95):8.1f} "
              f"{_pct(values, 0.99):8.1f} {stats.limited.get(route, 0):5d}")
    errors = sum(stats.errors.values())
    print(f"errors (not 429): {errors} {dict(stats.errors) if errors else ''}")
    print(f"jobs submitted {stats.submitted}, completed {stats.completed}, failed {stats.failed}")
    ok = errors == 0 and stats.submitted == stats.completed
    print("verdict:", "ok" if ok else "NOT OK")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
