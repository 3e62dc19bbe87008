"""Middleware for operations: one log line and metrics per request; request body limits.

Both are sync and async capable, so async (Ninja) views run without a thread hop.
"""
from __future__ import annotations

import logging
import re
import time
from itertools import accumulate

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import JsonResponse
from django.utils.functional import SimpleLazyObject, empty

from apps.common import metrics

request_logger = logging.getLogger("trackforge.request")
_QUIET_ROUTES = {"/healthz", "/readyz", "/metrics"}


class _BothModes:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)


def _user_id(request):
    """The authenticated user's id, without a database query (which async code may not do).

    DRF and the Ninja JWT bearer assign a real user object; the session middleware's lazy user is
    used only if something already evaluated it.
    """
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:  # noqa: SLF001 - checking, not evaluating
            return None
        user = user._wrapped  # noqa: SLF001
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def _route(request) -> str:
    ops_route = getattr(request, "ops_route", None)
    if ops_route:
        return ops_route
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>"
    return "/" + match.route if match.route else (match.view_name or "<unknown>")


class RequestLogMiddleware(_BothModes):
    """Logs one line per request (request id, user id, route, status, duration) and records the
    HTTP metrics. With LOG_FORMAT=json the line is a JSON object; the fields are log `extra`s."""

    def _finish(self, request, response, started: float) -> None:
        seconds = time.perf_counter() - started
        route = _route(request)
        metrics.http_request(route=route, method=request.method, status=response.status_code, seconds=seconds)
        status = response.status_code
        level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 and status != 404 else logging.INFO
        if route in _QUIET_ROUTES and status < 500:
            level = logging.DEBUG  # probes and scrapes every few seconds: metrics yes, log lines no
        user_id = _user_id(request)
        duration_ms = round(seconds * 1000, 2)
        request_logger.log(
            level,
            "%s %s %s %.1fms user=%s",
            request.method, request.path, status, duration_ms, user_id if user_id is not None else "-",
            extra={
                "event": "request",
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": status,
                "duration_ms": duration_ms,
                "user_id": user_id,
            },
        )

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        started = time.perf_counter()
        response = self.get_response(request)
        self._finish(request, response, started)
        return response

    async def __acall__(self, request):
        started = time.perf_counter()
        response = await self.get_response(request)
        self._finish(request, response, started)
        return response


# --- Body limits --------------------------------------------------------------------------------

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS_ONLY = bytes(range(256)).translate(None, b"[]{}")  # every byte except brackets
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(body: bytes) -> int:
    """Maximum nesting depth of a JSON document, without recursion (strings are skipped)."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _BRACKETS_ONLY)
    if not brackets:
        return 0
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)))


def _too_large(limit: int) -> JsonResponse:
    return JsonResponse(
        {"detail": f"Request body too large (limit {limit} bytes).", "code": "request_too_large"}, status=413
    )


def _too_deep(limit: int) -> JsonResponse:
    return JsonResponse(
        {"detail": f"JSON nested too deeply (limit {limit} levels).", "code": "json_too_deep",
         "errors": {"non_field_errors": [f"JSON nesting deeper than {limit} levels."]}},
        status=422,
    )


class BodyLimitMiddleware(_BothModes):
    """413 for bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (by Content-Length, before anything reads
    them: DRF's parsers read the raw stream and would bypass Django's own check), 422 for JSON
    nested deeper than API_MAX_JSON_DEPTH (Python's json raises RecursionError near depth 1000,
    which DRF turns into a 500)."""

    def _reject(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return _too_large(limit)
        if length and "json" in request.META.get("CONTENT_TYPE", "").lower():
            max_depth = settings.API_MAX_JSON_DEPTH
            body = request.body  # bounded by the check above; cached on the request for the view
            # A document with fewer brackets than the limit cannot nest deeper than it.
            if body.count(b"[") + body.count(b"{") > max_depth and json_depth(body) > max_depth:
                return _too_deep(max_depth)
        return None

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        return self._reject(request) or self.get_response(request)

    async def __acall__(self, request):
        rejected = self._reject(request)
        if rejected is not None:
            return rejected
        return await self.get_response(request)


# --- Probes and scrapes ---------------------------------------------------------------------------


class OpsEndpointsMiddleware(_BothModes):
    """Answers /healthz, /readyz and token- or network-authorised /metrics before the rest of the
    stack. Load balancers, orchestrators and Prometheus reach each machine by its IP address, which
    is not in ALLOWED_HOSTS (CommonMiddleware would answer 400) and come over plain HTTP (no SSL
    redirect). A /metrics request with neither token nor allowed address continues to the normal
    view, where host validation applies and a staff session may still authorise it."""

    def _answer(self, request):
        if request.method not in ("GET", "HEAD"):
            return None
        from apps.common import ops_views

        path = request.path_info
        if path == "/healthz":
            request.ops_route = path
            return ops_views.healthz(request)
        if path == "/readyz":
            request.ops_route = path
            return ops_views.readyz(request)
        if path == "/metrics" and ops_views.metrics_allowed(request, sessions=False):
            request.ops_route = path
            return ops_views.metrics_view(request)
        return None

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        answer = self._answer(request) if request.path_info in _QUIET_ROUTES else None
        return answer or self.get_response(request)

    async def __acall__(self, request):
        from asgiref.sync import sync_to_async

        if request.path_info in _QUIET_ROUTES:
            # readyz blocks (threads with timeouts): keep it off the event loop.
            answer = await sync_to_async(self._answer, thread_sensitive=False)(request)
            if answer is not None:
                return answer
        return await self.get_response(request)
