from typing import Any

from django.http import HttpRequest

from apps.audit.models import AuditEvent, AuditKind
from apps.common.request_context import request_id_var


def client_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it,
    # which the deployment does by setting REMOTE_ADDR through gunicorn's forwarded-allow-ips.
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def user_agent(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return (request.META.get("HTTP_USER_AGENT") or "")[:512]


def audit_record(
    *, kind: str, user=None, request: HttpRequest | None = None, subject: str = "", **data: Any
) -> AuditEvent:
    return AuditEvent.objects.create(
        kind=kind,
        user=user if (user is not None and getattr(user, "pk", None)) else None,
        subject=subject[:255],
        request_id=request_id_var.get() if request_id_var.get() != "-" else "",
        ip=client_ip(request),
        user_agent=user_agent(request),
        data=data,
    )


def download_record(*, user, file, job, via: str, request: HttpRequest | None) -> None:
    from apps.audit.models import DownloadLog

    DownloadLog.objects.create(
        user=user,
        file=file,
        job=job,
        track_id=job.track_id if job is not None else None,
        track_name=job.track_name if job is not None else "",
        via=via,
        ip=client_ip(request),
        user_agent=user_agent(request),
        request_id=request_id_var.get() if request_id_var.get() != "-" else "",
    )
    from apps.common import metrics

    metrics.download_served()
    audit_record(
        kind=AuditKind.DOWNLOAD, user=user, request=request, subject=job.track_name if job else "",
        file_id=str(file.pk), job_id=str(job.pk) if job else None, via=via,
    )


def download_hide(*, user, download_id, request: HttpRequest | None) -> bool:
    """Removes an entry from the user's history; the row and an audit event stay for staff."""
    from django.utils import timezone

    from apps.audit.models import DownloadLog

    updated = DownloadLog.objects.filter(pk=download_id, user=user, hidden_at__isnull=True).update(
        hidden_at=timezone.now()
    )
    if updated:
        audit_record(kind=AuditKind.HISTORY_DELETED, user=user, request=request, download_id=str(download_id))
    return bool(updated)
