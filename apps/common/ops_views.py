"""Operational endpoints: /healthz (liveness), /readyz (dependencies), /metrics (Prometheus)."""
from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.common import health, metrics


@never_cache
@require_GET
def healthz(request):
    """The process is alive and serving requests; touches no dependency."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """200 when database, broker, cache and storage all answer within the timeout, else 503."""
    ok, checks = health.run_checks()
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)


def _networks():
    nets = []
    for cidr in settings.METRICS_ALLOWED_CIDRS:
        nets.append(ipaddress.ip_network(cidr.strip(), strict=False))
    return nets


def metrics_allowed(request, *, sessions: bool = True) -> bool:
    """Staff session, `Authorization: Bearer <METRICS_TOKEN>`, or a client in METRICS_ALLOWED_CIDRS."""
    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return True
    remote = request.META.get("REMOTE_ADDR", "")
    if remote and settings.METRICS_ALLOWED_CIDRS:
        try:
            addr = ipaddress.ip_address(remote)
        except ValueError:
            addr = None
        if addr is not None and any(addr in net for net in _networks()):
            return True
    if not sessions:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.is_staff)


@never_cache
@require_GET
def metrics_view(request):
    if not metrics_allowed(request, sessions=not hasattr(request, "ops_route")):
        response = JsonResponse({"detail": "Metrics require a staff session or the metrics token."}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics.render_latest()
    return HttpResponse(body, content_type=content_type)
