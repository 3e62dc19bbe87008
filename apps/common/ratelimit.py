"""Atomic rate limits shared by every web process and machine.

Why not DRF's or Ninja's throttles: they keep a list of timestamps with cache get/set, which is a
read-modify-write race; under 8 concurrent requests they let through about 4x the limit
(ARCHITECTURE.md section 5). Here every hit is one atomic increment:

* Redis (deployment, CI): one Lua script does INCR and, for a new key, PEXPIRE, and returns the
  count and the remaining time. Redis runs scripts one at a time, so N concurrent hits give the
  counts 1..N exactly once each, whichever process or machine sends them.
* Embedded default (no Redis): the cache is a FileBasedCache under var/, whose get/set is not
  atomic across processes (two processes read 4, both write 5). Instead each counter is a tiny
  file under RATELIMIT_FILE_DIR that is read, updated and written while holding an exclusive
  ``fcntl.flock`` on it. flock locks belong to the open file description, so they serialise
  threads of one process as well as the web and worker processes. The embedded default is one
  machine by definition (SQLite, file-system broker), so a local lock is enough there.

Windows are fixed and start at the first hit (the counter expires ``window`` seconds later);
``Retry-After`` is the time left in the window.

Public API (sync and async):

    decision = ratelimit_check(scope="login_ip", key=ip, limit=10, window_seconds=60)
    ratelimit_enforce(scope=..., key=..., rate=settings.RATELIMIT_LOGIN_PER_IP)  # raises RateLimited
    await aratelimit_check(...) / await aratelimit_enforce(...)
    enforce_generation_rate(user_id=...) / await aenforce_generation_rate(user_id=...)
    enforce_download_rate(user_id=...) / await aenforce_download_rate(user_id=...)
    with generation_concurrency_slot(user_id=..., count_unfinished=fn) as decision: ...

``RateLimited`` is a DRF ``APIException`` (429, ``Retry-After`` set by DRF's handler from ``wait``)
and, once ``install_ratelimit_handler(api)`` ran, a handled exception on the Ninja API too. Both
answer ``{"detail": "Rate limit exceeded: <name> (N per <window>). Retry after S seconds.",
"code": "rate_limited"}``.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import math
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from rest_framework import status
from rest_framework.exceptions import APIException

logger = logging.getLogger("trackforge.ratelimit")

# --- Rates ------------------------------------------------------------------------------------------

_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")
_WINDOW_WORDS = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}


def parse_rate(rate: str) -> tuple[int, int]:
    """'10/m' -> (10, 60); '100/d' -> (100, 86400); '5/15m' -> (5, 900). Units: s, m, h, d."""
    match = _RATE_RE.match(str(rate).lower())
    if not match or match.group(3) not in _UNITS:
        raise ValueError(f"Invalid rate {rate!r}: expected 'N/unit' with unit s, m, h or d (e.g. '10/m', '5/15m')")
    count, multiplier, unit = int(match.group(1)), int(match.group(2) or 1), match.group(3)
    if multiplier <= 0:
        raise ValueError(f"Invalid rate {rate!r}: window must be positive")
    return count, multiplier * _UNITS[unit]


def describe_window(window_seconds: int) -> str:
    if window_seconds in _WINDOW_WORDS:
        return _WINDOW_WORDS[window_seconds]
    for size, word in sorted(_WINDOW_WORDS.items(), reverse=True):
        if window_seconds % size == 0:
            return f"{window_seconds // size} {word}s"
    return f"{window_seconds} seconds"


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int  # seconds until the window resets (0 when allowed)
    limit_name: str
    limit: int
    window_seconds: int
    count: int = 0

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def message(self) -> str:
        # Concurrency limits have no window.
        per = "at a time" if self.window_seconds <= 0 else f"per {describe_window(self.window_seconds)}"
        return (
            f"Rate limit exceeded: {self.limit_name} ({self.limit} {per}). "
            f"Retry after {self.retry_after} seconds."
        )


# --- Backends ---------------------------------------------------------------------------------------

_LUA_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
"""


class RedisBackend:
    def __init__(self, url: str):
        import redis

        self.url = url
        # Short timeouts: a limiter must never hang a request for long.
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._hit = self.client.register_script(_LUA_HIT)

    def hit(self, key: str, window_seconds: int) -> tuple[int, float]:
        count, ttl_ms = self._hit(keys=[key], args=[int(window_seconds * 1000)])
        return int(count), max(0.0, int(ttl_ms) / 1000)

    @contextlib.contextmanager
    def lock(self, key: str, timeout: float = 10) -> Iterator[None]:
        with self.client.lock(key + ":lock", timeout=timeout, blocking_timeout=timeout):
            yield

    def reset(self, prefix: str) -> None:
        for key in self.client.scan_iter(match=prefix + ":*", count=500):
            self.client.delete(key)


class FileBackend:
    """Counters as small files updated under an exclusive flock (see the module docstring)."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.directory / (hashlib.sha256(key.encode()).hexdigest() + ".rl")

    @contextlib.contextmanager
    def _locked(self, path: Path) -> Iterator[int]:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def hit(self, key: str, window_seconds: int) -> tuple[int, float]:
        if random.random() < 0.001:  # noqa: S311 - occasional housekeeping, not security
            self.purge()
        with self._locked(self._path(key)) as fd:
            now = time.time()
            raw = os.pread(fd, 64, 0).decode(errors="replace").split()
            try:
                expires_at, count = float(raw[0]), int(raw[1])
            except (IndexError, ValueError):
                expires_at, count = 0.0, 0
            if now >= expires_at:
                expires_at, count = now + window_seconds, 0
            count += 1
            data = f"{expires_at:.6f} {count}\n".encode()
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)
            return count, min(float(window_seconds), max(0.0, expires_at - now))

    @contextlib.contextmanager
    def lock(self, key: str, timeout: float = 10) -> Iterator[None]:
        with self._locked(self._path(key + ":lock")):
            yield

    def reset(self, prefix: str) -> None:
        for path in self.directory.glob("*.rl"):
            path.unlink(missing_ok=True)

    def purge(self, older_than: float = 8 * 86400) -> None:
        """Deletes counters untouched for 8 days (longer than any window in use), so per-key files
        do not pile up. A hit racing with the unlink can lose one count of a long-expired window."""
        cutoff = time.time() - older_than
        for path in self.directory.glob("*.rl"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()


_backends: dict[tuple, RedisBackend | FileBackend] = {}
_backends_lock = threading.Lock()


def get_backend() -> RedisBackend | FileBackend:
    """RATELIMIT_REDIS_URL set -> Redis (shared by all machines); else flock'd files under var/."""
    url = getattr(settings, "RATELIMIT_REDIS_URL", "")
    ident = ("redis", url) if url else ("file", str(settings.RATELIMIT_FILE_DIR))
    backend = _backends.get(ident)
    if backend is None:
        with _backends_lock:
            backend = _backends.get(ident)
            if backend is None:
                backend = RedisBackend(url) if url else FileBackend(settings.RATELIMIT_FILE_DIR)
                _backends[ident] = backend
    return backend


def _key_prefix() -> str:
    # Namespaced by the cache's KEY_PREFIX too: deployments sharing one Redis stay apart, and the
    # test suite's per-test cache prefix (conftest.py) gives every test fresh counters for free.
    cache_prefix = settings.CACHES.get("default", {}).get("KEY_PREFIX", "")
    return f"{settings.RATELIMIT_KEY_PREFIX}:{cache_prefix}" if cache_prefix else settings.RATELIMIT_KEY_PREFIX


def _full_key(scope: str, key: str) -> str:
    # Hash the caller's key: usernames and IPs are user input (length, odd characters).
    digest = hashlib.sha256(str(key).encode()).hexdigest()[:32]
    return f"{_key_prefix()}:{scope}:{digest}"


def ratelimit_reset() -> None:
    """Forgets every counter under the current prefix (tests, operator use)."""
    get_backend().reset(_key_prefix())


# --- Checks -----------------------------------------------------------------------------------------


def _record_rejection(limit_name: str) -> None:
    from apps.common import metrics

    metrics.ratelimit_rejected(limit_name=limit_name)


def ratelimit_check(*, scope: str, key: str, limit: int, window_seconds: int, name: str | None = None) -> RateDecision:
    """Counts one hit for (scope, key) and says whether it is within ``limit`` per window.

    Fails open (allowed, logged) when the counter store is unreachable: an outage of the limiter
    must not take the whole API down with it; /readyz reports the cache as down meanwhile.
    """
    limit_name = name or scope
    if not settings.RATELIMIT_ENABLED:
        return RateDecision(True, 0, limit_name, limit, window_seconds)
    try:
        count, ttl = get_backend().hit(_full_key(scope, key), window_seconds)
    except Exception:  # noqa: BLE001 - any store error: fail open, but loudly
        logger.exception("rate limiter store unavailable; allowing request", extra={"limit": limit_name})
        return RateDecision(True, 0, limit_name, limit, window_seconds)
    if count <= limit:
        return RateDecision(True, 0, limit_name, limit, window_seconds, count)
    _record_rejection(limit_name)
    return RateDecision(False, max(1, math.ceil(ttl)), limit_name, limit, window_seconds, count)


aratelimit_check = sync_to_async(ratelimit_check, thread_sensitive=False)


class RateLimited(APIException):
    """429 for DRF (via its exception handler) and Ninja (via install_ratelimit_handler)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "rate_limited"
    default_detail = "Rate limit exceeded."

    def __init__(self, decision: RateDecision):
        self.decision = decision
        # DRF's exception_handler turns ``wait`` into the Retry-After header.
        self.wait = decision.retry_after
        super().__init__(detail=decision.message, code="rate_limited")


def ratelimit_enforce(*, scope: str, key: str, rate: str | None = None, limit: int | None = None,
                      window_seconds: int | None = None, name: str | None = None) -> RateDecision:
    """Like ratelimit_check, given a rate string ('10/m') or limit + window; raises RateLimited."""
    if rate is not None:
        limit, window_seconds = parse_rate(rate)
    if limit is None or window_seconds is None:
        raise ValueError("ratelimit_enforce needs rate= or limit= and window_seconds=")
    decision = ratelimit_check(scope=scope, key=key, limit=limit, window_seconds=window_seconds, name=name)
    if not decision.allowed:
        raise RateLimited(decision)
    return decision


aratelimit_enforce = sync_to_async(ratelimit_enforce, thread_sensitive=False)


def rate_limited_body(decision: RateDecision) -> dict:
    return {"detail": decision.message, "code": "rate_limited"}


def rate_limited_response(decision: RateDecision) -> HttpResponse:
    """A plain Django 429 response (usable from Ninja routes, plain views and middleware)."""
    response = JsonResponse(rate_limited_body(decision), status=429)
    response["Retry-After"] = str(decision.retry_after)
    return response


def install_ratelimit_handler(api) -> None:
    """Registers RateLimited on a NinjaAPI: call once next to install_ninja_handlers(api)."""

    @api.exception_handler(RateLimited)
    def _rate_limited(request, exc: RateLimited):
        response = api.create_response(request, rate_limited_body(exc.decision), status=429)
        response["Retry-After"] = str(exc.decision.retry_after)
        return response


# --- Client identity --------------------------------------------------------------------------------


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or, behind RATELIMIT_TRUSTED_PROXY_COUNT proxies, the
    address the outermost trusted proxy saw (X-Forwarded-For counted from the right, so a client
    cannot pick its own key by sending the header itself)."""
    proxies = settings.RATELIMIT_TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


# --- The service's limits (names are what clients see in the 429 message) -----------------------


def enforce_login_ip(request) -> None:
    ratelimit_enforce(scope="login_ip", key=client_ip(request), rate=settings.RATELIMIT_LOGIN_PER_IP,
                      name="login attempts per IP address")


def enforce_login_username(username: str) -> None:
    ratelimit_enforce(scope="login_user", key=username.strip().lower(), rate=settings.RATELIMIT_LOGIN_PER_USERNAME,
                      name="login attempts per account")


def enforce_register_ip(request) -> None:
    ratelimit_enforce(scope="register_ip", key=client_ip(request), rate=settings.RATELIMIT_REGISTER_PER_IP,
                      name="registrations per IP address")


def enforce_generation_rate(*, user_id: int) -> None:
    """STL generation per user per minute, then per day. Raises RateLimited."""
    ratelimit_enforce(scope="gen_min", key=str(user_id), rate=settings.RATELIMIT_GENERATION_PER_MINUTE,
                      name="STL generations per user per minute")
    ratelimit_enforce(scope="gen_day", key=str(user_id), rate=settings.RATELIMIT_GENERATION_PER_DAY,
                      name="STL generations per user per day")


aenforce_generation_rate = sync_to_async(enforce_generation_rate, thread_sensitive=False)


def enforce_download_rate(*, user_id: int) -> None:
    ratelimit_enforce(scope="download", key=str(user_id), rate=settings.RATELIMIT_DOWNLOAD_PER_USER,
                      name="downloads per user")


aenforce_download_rate = sync_to_async(enforce_download_rate, thread_sensitive=False)


@contextlib.contextmanager
def generation_concurrency_slot(*, user_id: int, count_unfinished: Callable[[], int],
                                limit: int | None = None) -> Iterator[RateDecision]:
    """Serialises one user's submissions so "unfinished jobs < limit" cannot be raced.

    Usage (sync code; from async routes wrap the whole block in sync_to_async)::

        with generation_concurrency_slot(user_id=u.id, count_unfinished=lambda: Job.objects.filter(
                user=u, status__in=UNFINISHED).count()) as decision:
            if not decision.allowed:
                raise RateLimited(decision)
            job = job_create(...)          # the row must be committed inside the block

    The count comes from the database (the source of truth), under a per-user lock in the
    limiter's store (Redis lock or flock), held at most 10 s.
    """
    limit = settings.RATELIMIT_GENERATION_CONCURRENT if limit is None else limit
    name = "unfinished STL jobs per user"
    if not settings.RATELIMIT_ENABLED:
        yield RateDecision(True, 0, name, limit, 0)
        return
    with get_backend().lock(_full_key("gen_concurrent", str(user_id))):
        current = count_unfinished()
        if current < limit:
            yield RateDecision(True, 0, name, limit, 0, current + 1)
        else:
            _record_rejection(name)
            yield RateDecision(False, settings.RATELIMIT_CONCURRENT_RETRY_AFTER, name, limit, 0, current + 1)


# --- Ready-made checks for the Ninja routes (apps/generation/limits.py) ---------------------------


async def ageneration_limits_response(*, user) -> HttpResponse | None:
    """None when the user may submit another STL job now, else the 429 response (per minute, per
    day). The concurrent-jobs limit is generation_concurrency_slot (it needs the job count)."""
    try:
        await aenforce_generation_rate(user_id=user.pk)
    except RateLimited as exc:
        return rate_limited_response(exc.decision)
    return None


async def adownload_limits_response(*, user) -> HttpResponse | None:
    try:
        await aenforce_download_rate(user_id=user.pk)
    except RateLimited as exc:
        return rate_limited_response(exc.decision)
    return None
